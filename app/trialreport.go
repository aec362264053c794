package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// TrialInspection is a trial's inspection report: what an inspector reads
// of a trial's audit trail, in order, with the verification's verdict.
// InspectionReport makes it from this node's log, InspectionReportOfExport
// from an auditor's export file; the web page and `trial report` print the
// same value.
type TrialInspection struct {
	Generated time.Time // when the report was made, UTC
	// Source says what the report was made from: this node's log, or the
	// export file an auditor holds.
	Source string
	Trial  marketplace.Trial // with its protocol versions and their hashes
	// LogKey is the verifier key of the trial's log the checkpoints are
	// signed with (as the export carries it).
	LogKey      string
	Designs     []InspectionDesign
	Staff       []StaffChange // authorizations and revocations in log order
	Entries     []InspectionEntry
	Checkpoints []InspectionCheckpoint
	Anchors     []AnchorReceipt
	Verdict     InspectionVerdict
}

// InspectionDesign is a version of the study design: the nth study_design
// entry is version n.
type InspectionDesign struct {
	Version int
	Entry   uint64
	When    time.Time
	Name    string
	Forms   int
	Events  int
}

// InspectionEntry is one entry of the log as the report prints it.
type InspectionEntry struct {
	Index     uint64
	When      time.Time // UTC
	Type      marketplace.StepType
	TypeLabel string
	Subject   string // the pseudonym
	Site      string
	Protocol  int
	Values    []LabelledValue // the data, flattened from its JSON object
	Documents []marketplace.Document
	// Corrects and Concerns are the earlier entries this one corrects or is
	// about; CorrectedBy the later ones that correct it.
	Corrects    *uint64
	CorrectedBy []uint64
	Concerns    *uint64
	Item        string
	Reason      string
	Signature   SignatureManifestation
	// OK is the entry's verification result and Finding what it says.
	OK      bool
	Finding string
}

// LabelledValue is one value of an entry's data: its key path and its text.
type LabelledValue struct {
	Label string
	Value string
}

// SignatureManifestation is how an electronic signature shows on a record
// (21 CFR 11.50): the signer's printed name, the date and time of signing,
// and its meaning; with the account that signed and the role it held at
// that point of the log.
type SignatureManifestation struct {
	Name    string // Step.Name, or "the sponsor" and its address
	Account common.Address
	Role    string // the role held when the entry was signed, as the log grants it
	When    time.Time
	Meaning marketplace.SignatureMeaning
	// Signature is the EIP-191 signature, 0x-hex ("" when the export lacks it).
	Signature string
}

// InspectionCheckpoint is a signed checkpoint of the log: its size and
// root hash.
type InspectionCheckpoint struct {
	Size uint64
	Root string // hex; "" when the note could not be read (the verdict says why)
}

// InspectionVerdict is the verification's result.
type InspectionVerdict struct {
	OK      bool
	State   string // "verified", "verified with N warnings", "FAILED (N problems)", "not verified"
	Summary string
	// Headline and Problems say the result in plain words, what a reader
	// needs first ("Entry 4 was changed after it was signed: …").
	Headline string
	Problems []string
	Notes    []string // warnings in words: entries not anchored yet
	Failures []InspectionFinding
	Warnings []InspectionFinding
}

// InspectionFinding is one failed or warning check of the verification.
type InspectionFinding struct {
	Subject string
	Detail  string
}

// InspectionReport returns the inspection report of trial ref (id or
// identifier) from this node's log, verified as VerifyTrialLog does.
// When the chain cannot be asked, the report is made with the verdict
// "not verified" saying why.
func (a *App) InspectionReport(ctx context.Context, ref string) (*TrialInspection, error) {
	// The export first: the verification that follows covers every entry
	// it holds, even when more are recorded in between.
	e, err := a.ExportTrial(ctx, ref)
	if err != nil {
		return nil, err
	}
	rep, verr := a.VerifyTrialLog(ctx, ref)
	if rep == nil && marketplace.ErrorCode(verr) != marketplace.EUNAVAILABLE {
		return nil, verr
	}
	return newInspection(a.now().UTC(), "this node's log of the trial", e, rep, verr), nil
}

// InspectionReportOfExport returns the inspection report of an auditor's
// export, verified as VerifyTrialExport does (key: the log key the auditor
// pins, or ""), so that an auditor gets from the file the report the
// sponsor's node prints.
func (a *App) InspectionReportOfExport(ctx context.Context, e *TrialExport, key string) (*TrialInspection, error) {
	rep, verr := a.VerifyTrialExport(ctx, e, key)
	if rep == nil && marketplace.ErrorCode(verr) != marketplace.EUNAVAILABLE {
		return nil, verr
	}
	return newInspection(a.now().UTC(), "an exported audit trail", e, rep, verr), nil
}

// newInspection assembles the report of e; rep is its verification (nil
// when it could not run, with verr saying why).
func newInspection(now time.Time, source string, e *TrialExport, rep *VerifyReport, verr error) *TrialInspection {
	ins := &TrialInspection{Generated: now, Source: source, Trial: e.Trial, LogKey: e.VerifierKey,
		Anchors: append([]AnchorReceipt(nil), e.Anchors...), Verdict: verdictOf(rep, verr)}
	if rep != nil && rep.Trial.ID == e.Trial.ID && len(rep.Trial.Protocols) > 0 {
		ins.Trial = rep.Trial
	}
	for _, note := range e.Checkpoints {
		ins.Checkpoints = append(ins.Checkpoints, checkpointOf(note))
	}
	ins.Entries = inspectionEntries(e, rep)
	ins.Designs, ins.Staff = replayTeam(e.Trial, ins.Entries, stepsOf(e, rep))
	return ins
}

// verdictOf is the verification's result; without a report, why there is
// none.
func verdictOf(rep *VerifyReport, verr error) InspectionVerdict {
	if rep == nil {
		msg := "the verification could not run"
		if verr != nil {
			msg = marketplace.ErrorMessage(verr)
		}
		return InspectionVerdict{State: "not verified", Summary: msg, Headline: "Not verified: " + msg,
			Failures: []InspectionFinding{{Subject: "verification", Detail: msg}}}
	}
	words := rep.Verdict()
	v := InspectionVerdict{OK: rep.OK(), State: rep.State(), Summary: rep.Summary(), Headline: words.Headline, Problems: words.Problems, Notes: words.Warnings}
	for _, f := range rep.Failures() {
		v.Failures = append(v.Failures, InspectionFinding{Subject: f.Subject, Detail: f.Detail})
	}
	for _, f := range rep.Warnings() {
		v.Warnings = append(v.Warnings, InspectionFinding{Subject: f.Subject, Detail: f.Detail})
	}
	return v
}

// stepsOf returns each entry's step by index: the one decoded from the
// signed leaf when verification decoded it, else the one the export shows
// beside the leaf (verification says whether they agree).
func stepsOf(e *TrialExport, rep *VerifyReport) map[uint64]*marketplace.Step {
	steps := make(map[uint64]*marketplace.Step, len(e.Entries))
	for _, x := range e.Entries {
		if x.Step != nil {
			steps[x.Index] = x.Step
		}
	}
	if rep != nil {
		for i := range rep.Steps {
			steps[rep.Steps[i].Index] = &rep.Steps[i]
		}
	}
	return steps
}

// inspectionEntries lists e's entries in index order with their data,
// links and verification findings; the roles are filled by replayTeam.
func inspectionEntries(e *TrialExport, rep *VerifyReport) []InspectionEntry {
	steps := stepsOf(e, rep)
	findings := entryFindings(rep)
	out := make([]InspectionEntry, 0, len(e.Entries))
	for _, x := range e.Entries {
		// An entry the verification did not reach is not shown as verified.
		ie := InspectionEntry{Index: x.Index, Finding: "not verified"}
		if f, ok := findings[x.Index]; ok {
			ie.OK, ie.Finding = f.ok, f.detail
		}
		if len(x.Signature) > 0 {
			ie.Signature.Signature = "0x" + hex.EncodeToString(x.Signature)
		}
		if s := steps[x.Index]; s != nil {
			fillEntry(&ie, s, e.Trial.Sponsor)
		} else {
			ie.TypeLabel, ie.OK = "(unreadable entry)", false
		}
		out = append(out, ie)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	at := make(map[uint64]int, len(out))
	for i := range out {
		at[out[i].Index] = i
	}
	for _, ie := range out {
		if ie.Corrects != nil {
			if j, ok := at[*ie.Corrects]; ok {
				out[j].CorrectedBy = append(out[j].CorrectedBy, ie.Index)
			}
		}
	}
	return out
}

// fillEntry copies what a step says into ie.
func fillEntry(ie *InspectionEntry, s *marketplace.Step, sponsor common.Address) {
	ie.When, ie.Type, ie.TypeLabel = s.When.UTC(), s.Type, s.Type.Label()
	ie.Subject, ie.Site, ie.Protocol = s.Subject, s.Site, s.Protocol
	ie.Values = FlattenStepData(s.Data)
	ie.Documents = s.Documents
	ie.Corrects, ie.Concerns, ie.Item, ie.Reason = s.Corrects, s.Concerns, s.Item, s.Reason
	sig := &ie.Signature
	sig.Name, sig.Account, sig.When, sig.Meaning = s.Name, s.Who, s.When.UTC(), s.Meaning
	if sig.Name == "" && s.Who == sponsor {
		sig.Name = "the sponsor " + s.Who.Hex()
	}
}

type entryFinding struct {
	ok     bool
	detail string
}

// entryFindings gathers the verification's findings about each entry
// (the export's and the store's).
func entryFindings(rep *VerifyReport) map[uint64]entryFinding {
	out := map[uint64]entryFinding{}
	if rep == nil {
		return out
	}
	for _, f := range rep.Findings {
		subject := strings.TrimPrefix(f.Subject, "store: ")
		n, ok := strings.CutPrefix(subject, "entry ")
		if !ok {
			continue
		}
		i, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			continue
		}
		prev, seen := out[i]
		switch {
		case !seen:
			out[i] = entryFinding{ok: f.OK, detail: f.Detail}
		case !f.OK:
			out[i] = entryFinding{ok: false, detail: strings.TrimPrefix(prev.detail+"; "+f.Detail, "; ")}
		}
	}
	return out
}

// replayTeam replays the log in order, as verification does, to name the
// role each signer held when it signed, and lists the design versions and
// the staff changes.
func replayTeam(t marketplace.Trial, entries []InspectionEntry, steps map[uint64]*marketplace.Step) ([]InspectionDesign, []StaffChange) {
	tm := trials.NewTeam(t)
	var designs []InspectionDesign
	for i := range entries {
		ie := &entries[i]
		s := steps[ie.Index]
		if s == nil || s.Index != tm.Size() {
			tm.Apply(&marketplace.Step{Index: tm.Size()}, false)
			continue
		}
		ie.Signature.Role = roleHeld(tm, t, s)
		if vs, ok := formValues(tm, s.Data); ok {
			ie.Values = vs
		}
		ok := tm.Check(s) == nil
		tm.Apply(s, ok)
		if ok && s.Type == marketplace.StepStudyDesign {
			d, _ := tm.Design(tm.Designs())
			designs = append(designs, InspectionDesign{Version: tm.Designs(), Entry: s.Index, When: s.When.UTC(),
				Name: d.Name, Forms: len(d.Forms), Events: len(d.Events)})
			ie.Values = designValues(tm.Designs(), d)
		}
	}
	return designs, tm.Changes()
}

// formValues labels the data of an entry made through a designed form
// with the design's names: the form, the event, and each item's question
// with its value as people read it (a choice's label, a number with its
// unit), in the form's order; items the form lacks keep their OID. It
// returns false for other data, or when the design version is not in the
// log yet.
func formValues(tm *TrialTeamState, data json.RawMessage) ([]LabelledValue, bool) {
	if !bytes.Contains(data, []byte(`"form":`)) {
		return nil, false
	}
	var fd marketplace.FormData
	if json.Unmarshal(data, &fd) != nil || fd.Form == "" || fd.Design == 0 {
		return nil, false
	}
	d, ok := tm.Design(fd.Design)
	if !ok {
		return nil, false
	}
	f, ok := d.Form(fd.Form)
	if !ok {
		return nil, false
	}
	out := []LabelledValue{{Label: "Form", Value: fmt.Sprintf("%s (%s), design version %d", f.Name, f.OID, fd.Design)}}
	if ev, ok := d.Event(fd.Event); ok {
		out = append(out, LabelledValue{Label: "Event", Value: fmt.Sprintf("%s (%s)", ev.Name, ev.OID)})
	}
	seen := map[string]bool{}
	for _, it := range f.Items {
		if v, ok := fd.Items[it.OID]; ok {
			out = append(out, LabelledValue{Label: it.Label + " [" + it.OID + "]", Value: it.Display(v)})
			seen[it.OID] = true
		}
	}
	var rest []string
	for oid := range fd.Items {
		if !seen[oid] {
			rest = append(rest, oid)
		}
	}
	sort.Strings(rest)
	for _, oid := range rest {
		out = append(out, LabelledValue{Label: oid, Value: string(fd.Items[oid])})
	}
	return out, true
}

// designValues summarizes a study design entry: its version, events and
// forms (the design's JSON is in the export).
func designValues(version int, d marketplace.StudyDesign) []LabelledValue {
	out := []LabelledValue{{Label: "Design", Value: fmt.Sprintf("%s, version %d", d.Name, version)}}
	for _, ev := range d.Events {
		out = append(out, LabelledValue{Label: "Event " + ev.OID, Value: fmt.Sprintf("%s: forms %s", ev.Name, strings.Join(ev.Forms, ", "))})
	}
	for _, f := range d.Forms {
		items := make([]string, len(f.Items))
		for i, it := range f.Items {
			items[i] = it.Label + " [" + it.OID + "]"
		}
		out = append(out, LabelledValue{Label: "Form " + f.OID, Value: fmt.Sprintf("%s: %s", f.Name, strings.Join(items, "; "))})
	}
	return out
}

// roleHeld names the role under which s.Who could sign s at this point of
// the log, or says that it held none.
func roleHeld(tm *TrialTeamState, t marketplace.Trial, s *marketplace.Step) string {
	if s.Who == t.Sponsor {
		return marketplace.TrialSponsor.Label()
	}
	gs := tm.Grants(s.Who)
	if len(gs) == 0 {
		cs := tm.Changes()
		for i := len(cs) - 1; i >= 0; i-- {
			if c := cs[i]; c.Grant.Account == s.Who {
				return fmt.Sprintf("none: its authorization as %s was revoked at entry %d", grantLabel(c.Grant), c.Index)
			}
		}
		return "none: not authorized by the sponsor"
	}
	var held []string
	for _, g := range gs {
		if g.Role.Allows(s.Type, s.Meaning) && (g.Site == "" || g.Site == s.Site) {
			return grantLabel(g)
		}
		held = append(held, grantLabel(g))
	}
	return "none allowing this step (holds " + strings.Join(held, ", ") + ")"
}

func grantLabel(g marketplace.StaffGrant) string {
	if g.Site == "" {
		return g.Role.Label() + ", every site"
	}
	return g.Role.Label() + ", site " + g.Site
}

// checkpointOf reads the size and root hash of a checkpoint note (C2SP
// tlog-checkpoint: origin, size, base64 root); the signature is the
// verification's business.
func checkpointOf(note string) InspectionCheckpoint {
	lines := strings.SplitN(note, "\n", 4)
	if len(lines) < 3 {
		return InspectionCheckpoint{}
	}
	var cp InspectionCheckpoint
	cp.Size, _ = strconv.ParseUint(lines[1], 10, 64)
	if root, err := base64.StdEncoding.DecodeString(lines[2]); err == nil && len(root) == 32 {
		cp.Root = hex.EncodeToString(root)
	}
	return cp
}

// FlattenStepData turns a step's JSON object into labelled values: one per
// scalar, labelled with its key path ("items.IT.WEIGHT"), keys in order;
// an array of scalars is one value, its items joined with ", ". Data that
// is not an object is one value labelled "data".
func FlattenStepData(data json.RawMessage) []LabelledValue {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []LabelledValue{{Label: "data", Value: string(data)}}
	}
	if _, ok := v.(map[string]any); !ok {
		return []LabelledValue{{Label: "data", Value: scalarText(v)}}
	}
	var out []LabelledValue
	flatten("", v, &out)
	return out
}

func flatten(prefix string, v any, out *[]LabelledValue) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flatten(joinKey(prefix, k), x[k], out)
		}
		if len(keys) == 0 && prefix != "" {
			*out = append(*out, LabelledValue{Label: prefix, Value: "{}"})
		}
	case []any:
		if allScalars(x) {
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = scalarText(e)
			}
			*out = append(*out, LabelledValue{Label: prefix, Value: strings.Join(parts, ", ")})
			return
		}
		for i, e := range x {
			flatten(fmt.Sprintf("%s[%d]", prefix, i+1), e, out)
		}
	default:
		*out = append(*out, LabelledValue{Label: prefix, Value: scalarText(x)})
	}
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func allScalars(xs []any) bool {
	for _, x := range xs {
		switch x.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "(empty)"
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case json.Number:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

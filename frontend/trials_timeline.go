package frontend

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/a-h/templ"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// timelineView is a trial's timeline with what it takes to say each entry
// plainly: the design (items by label), the corrections of each entry, the
// staff who signed, and, for the trial team, the sponsor's subject ids.
type timelineView struct {
	Trial  marketplace.Trial
	Steps  []app.TrialEntry
	Design *marketplace.StudyDesign // nil: no design
	// Subjects maps pseudonyms to the sponsor's subject ids; empty for
	// anyone but the trial team.
	Subjects map[string]string
	// CorrectedBy lists, for an entry index, the entries that correct it;
	// ConcernedBy the queries, answers, closings and SDV marks about it.
	CorrectedBy map[uint64][]app.TrialEntry
	ConcernedBy map[uint64][]app.TrialEntry
	// ByIndex are all the log's steps by index (the timeline may be filtered).
	ByIndex map[uint64]marketplace.Step
	// Staff are the grants of the staff authorized in the log, by account.
	Staff map[common.Address]marketplace.StaffGrant
}

// loadTimeline gathers the timeline of trial t showing steps (the whole log
// unless filtered): the design, the log's corrections and staff, and the
// subject ids when the signed-in session is the sponsor's.
func loadTimeline(r *http.Request, svc TrialService, t marketplace.Trial, steps []app.TrialEntry, filtered bool) (timelineView, error) {
	ctx := r.Context()
	ref := t.ID.Hex()
	v := timelineView{Trial: t, Steps: steps, CorrectedBy: map[uint64][]app.TrialEntry{}, ConcernedBy: map[uint64][]app.TrialEntry{}, ByIndex: map[uint64]marketplace.Step{},
		Staff: map[common.Address]marketplace.StaffGrant{}}
	all := steps
	if filtered {
		var err error
		if all, err = svc.TrialSteps(ctx, ref, app.StepFilter{}); err != nil {
			return v, err
		}
	}
	for _, e := range all {
		v.ByIndex[e.Index] = e.Step
		if c := e.Step.Corrects; c != nil {
			v.CorrectedBy[*c] = append(v.CorrectedBy[*c], e)
		}
		if c := e.Step.Concerns; c != nil {
			v.ConcernedBy[*c] = append(v.ConcernedBy[*c], e)
		}
		if e.Step.Type == marketplace.StepStaffAuthorization {
			if g, err := marketplace.ParseStaffGrant(e.Step.Data); err == nil {
				v.Staff[g.Account] = g
			}
		}
	}
	design, _, err := svc.TrialDesign(ctx, ref)
	switch {
	case err == nil:
		v.Design = &design
	case marketplace.ErrorCode(err) != marketplace.ENOTFOUND:
		return v, err
	}
	if seesSubjectIDs(r, svc, ref, t) {
		ids, err := svc.TrialSubjectIDs(ctx, ref)
		if err != nil {
			return v, err
		}
		v.Subjects = ids
	}
	return v, nil
}

// entryURL is the page of entry i.
func (v timelineView) entryURL(i uint64) templ.SafeURL {
	return templ.SafeURL(trialURL(v.Trial) + "entries/" + strconv.FormatUint(i, 10) + "/")
}

// seesSubjectIDs reports whether the request's session may see the
// sponsor's own subject ids of trial t (ref): its team on this node, the
// sponsor or staff it authorized and has not revoked.
func seesSubjectIDs(r *http.Request, svc teamRoles, ref string, t marketplace.Trial) bool {
	s, ok := sessionFrom(r.Context())
	if !ok {
		return false
	}
	if s.Account.Address == t.Sponsor {
		return true
	}
	gs, err := svc.TrialRolesOf(r.Context(), ref, s.Account.Address)
	return err == nil && len(gs) > 0
}

// subjectLabel is a subject as the viewer may see it: "S-001 (S-1e72…)"
// for the trial team, the pseudonym for everyone else.
func (v timelineView) subjectLabel(pseudonym string) string {
	if id := v.Subjects[pseudonym]; id != "" {
		return id + " (" + shortSubject(pseudonym) + ")"
	}
	return shortSubject(pseudonym)
}

// shortAddress is an address as people compare it: 0x12ab…cdef.
func shortAddress(a common.Address) string {
	h := a.Hex()
	return h[:6] + "…" + h[len(h)-4:]
}

// signedBy is an entry's signature manifestation (21 CFR 11.50): printed
// name, account, role, time and meaning.
func (v timelineView) signedBy(s marketplace.Step) string {
	who := shortAddress(s.Who)
	if s.Name != "" {
		who = s.Name + " (" + who + ")"
	}
	role := "an account the sponsor never authorized"
	if s.Who == v.Trial.Sponsor {
		role = "sponsor"
	} else if g, ok := v.Staff[s.Who]; ok {
		role = strings.ToLower(g.Role.Label())
		if g.Site != "" {
			role += " at site " + g.Site
		}
	}
	return fmt.Sprintf("Signed by %s, %s, %s UTC — meaning: %s", who, role, s.When.UTC().Format("2006-01-02 15:04:05"), s.Meaning)
}

// correction says who corrected an entry, when and why.
func (v timelineView) correction(c app.TrialEntry) string {
	who := c.Step.Name
	if who == "" {
		who = shortAddress(c.Step.Who)
	}
	return fmt.Sprintf("reason: %s; %s, %s UTC", c.Step.Reason, who, c.Step.When.UTC().Format("2006-01-02 15:04:05"))
}

// concerns says what entry (and item) a query, answer, closing or SDV mark
// is about: "query on entry #4, item Systolic BP".
func (v timelineView) concerns(s marketplace.Step) string {
	if s.Concerns == nil {
		return ""
	}
	n := "#" + strconv.FormatUint(*s.Concerns, 10)
	var out string
	switch s.Type {
	case marketplace.StepQuery:
		out = "query on entry " + n
	case marketplace.StepQueryAnswer:
		out = "answers query " + n
	case marketplace.StepQueryClose:
		out = "closes query " + n
	case marketplace.StepSDV:
		out = "verifies entry " + n + " against its source"
	default:
		out = "about entry " + n
	}
	if s.Item != "" {
		out += ", item " + v.itemLabel(v.ByIndex[*s.Concerns], s.Item)
	}
	return out
}

// itemLabel is the label of item oid in the form of step s (its OID when
// the design does not say).
func (v timelineView) itemLabel(s marketplace.Step, oid string) string {
	fd, _, ok := formDataOf(s.Data)
	if !ok || v.Design == nil {
		return oid
	}
	if f, ok := v.Design.Form(fd.Form); ok {
		if it, ok := f.Item(oid); ok {
			return it.Label
		}
	}
	return oid
}

// designOf reads the design a study design entry holds.
func designOf(s marketplace.Step) (marketplace.StudyDesign, bool) {
	var d marketplace.StudyDesign
	if s.Type != marketplace.StepStudyDesign || json.Unmarshal(s.Data, &d) != nil {
		return d, false
	}
	return d, true
}

// designSummary says what a design holds in one line: a whole design would
// fill the timeline (its design page shows it).
func designSummary(d marketplace.StudyDesign) string {
	items := 0
	for _, f := range d.Forms {
		items += len(f.Items)
	}
	return fmt.Sprintf("%s: %s, %s, %s; see", d.Name, count(len(d.Events), "event"), count(len(d.Forms), "form"), count(items, "item"))
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// formDataOf reads data entered through a form ({"design","event","form",
// "items"}), with what else the recorder kept beside the items (an ODM
// import's study, site and audit records), nil when nothing.
func formDataOf(data json.RawMessage) (marketplace.FormData, map[string]any, bool) {
	var keys map[string]any
	var fd marketplace.FormData
	if decodeInto(data, &keys) != nil || keys["form"] == nil || keys["items"] == nil {
		return fd, nil, false
	}
	if json.Unmarshal(data, &fd) != nil || fd.Form == "" {
		return fd, nil, false
	}
	for _, k := range []string{"design", "event", "form", "items"} {
		delete(keys, k)
	}
	if len(keys) == 0 {
		keys = nil
	}
	return fd, keys, true
}

// decodeInto decodes JSON keeping numbers as written.
func decodeInto(data json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// labelled is one value as a form shows it.
type labelled struct{ Label, Value string }

// formTitle is "Event / Form" by their names in the design (OIDs without).
func (v timelineView) formTitle(fd marketplace.FormData) string {
	event, form := fd.Event, fd.Form
	if v.Design != nil {
		if e, ok := v.Design.Event(fd.Event); ok {
			event = e.Name
		}
		if f, ok := v.Design.Form(fd.Form); ok {
			form = f.Name
		}
	}
	if event == "" {
		return form
	}
	return event + " / " + form
}

// formItems are fd's values as label: value, in the form's order, then any
// item the design does not know, by OID.
func (v timelineView) formItems(fd marketplace.FormData) []labelled {
	var out []labelled
	done := map[string]bool{}
	if v.Design != nil {
		if f, ok := v.Design.Form(fd.Form); ok {
			for _, it := range f.Items {
				if raw, ok := fd.Items[it.OID]; ok {
					out = append(out, labelled{it.Label, it.Display(raw)})
					done[it.OID] = true
				}
			}
		}
	}
	var rest []string
	for oid := range fd.Items {
		if !done[oid] {
			rest = append(rest, oid)
		}
	}
	sort.Strings(rest)
	for _, oid := range rest {
		out = append(out, labelled{oid, scalarText(decodeJSON(fd.Items[oid]))})
	}
	return out
}

// jsonField is one key of a JSON object with its value, for the generic
// data view.
type jsonField struct {
	Label string
	Value any // string, json.Number, bool, nil, map[string]any or []any
}

// decodeJSON decodes data keeping numbers as written.
func decodeJSON(data []byte) any {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return string(data)
	}
	return v
}

// jsonFields are an object's keys in order, humanized.
func jsonFields(m map[string]any) []jsonField {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]jsonField, len(keys))
	for i, k := range keys {
		out[i] = jsonField{humanize(k), m[k]}
	}
	return out
}

// scalarText is a scalar (or an array of scalars, joined) for people.
func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case string:
		return x
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = scalarText(e)
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// isScalarList reports whether v is a scalar or an array of scalars: shown
// as text.
func isScalarList(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return false
	case []any:
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				return false
			}
		}
	}
	return true
}

// humanize turns a key into words: "adverse_event" and "adverseEvent" are
// "Adverse event".
func humanize(k string) string {
	var b strings.Builder
	prev := ' '
	for i, r := range k {
		orig := r
		switch {
		case r == '_' || r == '-' || r == '.':
			r = ' '
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		case i > 0:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
		prev = orig
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

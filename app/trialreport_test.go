package app

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// inspectedTrial registers a trial whose coordinator records a visit and
// corrects it, anchors it, then revokes the coordinator: entries 0
// registration, 1 authorization, 2 visit, 3 correction, 4 revocation.
func inspectedTrial(t *testing.T) (*App, Actor, marketplace.Account) {
	t.Helper()
	ctx := t.Context()
	a, sponsor := sponsorApp(t, t.TempDir())
	t.Cleanup(func() { closeApp(t, a) })
	coord := ByAccount("cora", "cora-pass")
	acct, err := a.CreateAccount(ctx, coord.name, coord.pass)
	if err != nil {
		t.Fatal(err)
	}
	const ref = "NCT13200001"
	if _, err := a.RegisterTrial(ctx, sponsor, "Inspected trial", ref, "protocol.pdf", strings.NewReader("%PDF inspected")); err != nil {
		t.Fatal(err)
	}
	g := marketplace.StaffGrant{Account: acct.Address, Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"}
	if _, err := a.AuthorizeStaff(ctx, sponsor, ref, g); err != nil {
		t.Fatal(err)
	}
	es, err := a.RecordTrialSteps(ctx, coord, ref, []StepInput{{Type: "visit", Subject: "S-001", Site: "A", Data: json.RawMessage(`{"weight_kg":81,"notes":{"bp":"120/80"}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	visit := es[0].Index
	if _, err := a.RecordTrialSteps(ctx, coord, ref, []StepInput{{Type: "visit", Subject: "S-001", Site: "A",
		Data: json.RawMessage(`{"weight_kg":18}`), Corrects: &visit, Reason: "transcription error"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AnchorTrial(ctx, sponsor, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := a.RevokeStaff(ctx, sponsor, ref, marketplace.StaffGrant{Account: acct.Address, Role: marketplace.RoleCoordinator, Site: "A"}, "left the site"); err != nil {
		t.Fatal(err)
	}
	return a, sponsor, acct
}

func TestInspectionReport_holdsEverySection(t *testing.T) {
	a, _, coord := inspectedTrial(t)
	ins, err := a.InspectionReport(t.Context(), "NCT13200001")
	if err != nil {
		t.Fatal(err)
	}
	if ins.Trial.Title != "Inspected trial" || len(ins.Trial.Protocols) != 1 || ins.Trial.Protocols[0].SHA256 == (common.Hash{}) || ins.Trial.Protocols[0].Block == 0 {
		t.Errorf("trial %+v", ins.Trial)
	}
	if ins.Generated.IsZero() || ins.Generated.Location() != time.UTC || ins.LogKey == "" {
		t.Errorf("generated %v, log key %q", ins.Generated, ins.LogKey)
	}
	checkInspectedEntries(t, ins, coord)
	checkInspectedSections(t, ins)
}

// checkInspectedEntries checks the entries of inspectedTrial's report:
// each one's signature manifestation and role held, the data as labelled
// values, the correction linked both ways.
func checkInspectedEntries(t *testing.T, ins *TrialInspection, coord marketplace.Account) {
	t.Helper()
	if len(ins.Entries) != 5 {
		t.Fatalf("%d entries, want 5", len(ins.Entries))
	}
	for i, want := range []struct {
		typ  marketplace.StepType
		name string
		role string
	}{
		{marketplace.StepRegistration, "the sponsor ", "Sponsor"},
		{marketplace.StepStaffAuthorization, "the sponsor ", "Sponsor"},
		{marketplace.StepVisit, "Cora Coordinator", "Study coordinator, site A"},
		{marketplace.StepVisit, "Cora Coordinator", "Study coordinator, site A"},
		{marketplace.StepStaffRevocation, "the sponsor ", "Sponsor"},
	} {
		e := ins.Entries[i]
		if e.Index != uint64(i) || e.Type != want.typ || e.Signature.Role != want.role || !strings.HasPrefix(e.Signature.Name, want.name) {
			t.Errorf("entry %d: %d %s signed by %q as %q", i, e.Index, e.Type, e.Signature.Name, e.Signature.Role)
		}
		if !e.OK || e.Finding == "" || e.Signature.When.IsZero() || e.Signature.Meaning != marketplace.MeaningAuthored || !strings.HasPrefix(e.Signature.Signature, "0x") {
			t.Errorf("entry %d: ok %v %q, signature %+v", i, e.OK, e.Finding, e.Signature)
		}
	}
	visit, fix := ins.Entries[2], ins.Entries[3]
	if visit.Signature.Account != coord.Address || visit.Subject == "" || visit.Site != "A" || visit.TypeLabel == "" {
		t.Errorf("visit %+v", visit)
	}
	if want := []LabelledValue{{"notes.bp", "120/80"}, {"weight_kg", "81"}}; !reflect.DeepEqual(visit.Values, want) {
		t.Errorf("visit values %v, want %v", visit.Values, want)
	}
	if !reflect.DeepEqual(visit.CorrectedBy, []uint64{3}) || fix.Corrects == nil || *fix.Corrects != 2 || fix.Reason != "transcription error" {
		t.Errorf("correction links: %v, %v %q", visit.CorrectedBy, fix.Corrects, fix.Reason)
	}
}

// checkInspectedSections checks the staff over time, the anchors and
// checkpoints, and the verdict of inspectedTrial's report.
func checkInspectedSections(t *testing.T, ins *TrialInspection) {
	t.Helper()
	if len(ins.Staff) != 2 || ins.Staff[0].Revoked || !ins.Staff[1].Revoked || ins.Staff[1].Grant.Name != "Cora Coordinator" || ins.Staff[1].Reason != "left the site" {
		t.Errorf("staff %+v", ins.Staff)
	}
	if len(ins.Anchors) != 1 || ins.Anchors[0].TreeSize != 4 || ins.Anchors[0].Block == 0 {
		t.Errorf("anchors %+v", ins.Anchors)
	}
	if n := len(ins.Checkpoints); n < 2 || ins.Checkpoints[n-1].Size != 5 || len(ins.Checkpoints[n-1].Root) != 64 {
		t.Errorf("checkpoints %+v", ins.Checkpoints)
	}
	v := ins.Verdict
	if !v.OK || len(v.Failures) != 0 || !strings.Contains(v.Summary, "5 entries") || !strings.HasPrefix(v.State, "verified") {
		t.Errorf("verdict %+v", v)
	}
	if len(v.Warnings) == 0 || !strings.Contains(v.Warnings[0].Detail, "not anchored") {
		t.Errorf("entry 4 is not anchored, the verdict does not warn: %+v", v.Warnings)
	}
}

// An entry made through a designed form shows each item under its question,
// with its unit, in the form's order.
func TestInspectionReport_labelsFormItemsWithTheDesign(t *testing.T) {
	ctx := t.Context()
	a, sponsor := sponsorApp(t, t.TempDir())
	defer closeApp(t, a)
	const ref = "NCT13200002"
	if _, err := a.RegisterTrial(ctx, sponsor, "Designed trial", ref, "protocol.pdf", strings.NewReader("%PDF designed")); err != nil {
		t.Fatal(err)
	}
	lo, hi := "60", "250"
	d := marketplace.StudyDesign{Name: "Vitals", Events: []marketplace.EventDef{{OID: "SE.V1", Name: "Visit 1", Forms: []string{"F.VS"}}},
		Forms: []marketplace.FormDef{{OID: "F.VS", Name: "Vital signs", Items: []marketplace.ItemDef{
			{OID: "I.SYSBP", Label: "Systolic BP", Type: marketplace.ItemInteger, Unit: "mmHg", Min: &lo, Max: &hi, Required: true},
			{OID: "I.NOTE", Label: "Comment", Type: marketplace.ItemText},
		}}}}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RecordTrialSteps(ctx, sponsor, ref, []StepInput{{Type: "study_design", Data: data},
		{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"design":1,"event":"SE.V1","form":"F.VS","items":{"I.NOTE":"seated","I.SYSBP":128}}`)}}); err != nil {
		t.Fatal(err)
	}
	ins, err := a.InspectionReport(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins.Designs) != 1 || ins.Designs[0].Version != 1 || ins.Designs[0].Entry != 1 || ins.Designs[0].Name != "Vitals" || ins.Designs[0].Forms != 1 {
		t.Errorf("designs %+v", ins.Designs)
	}
	if want := []LabelledValue{{"Design", "Vitals, version 1"}, {"Event SE.V1", "Visit 1: forms F.VS"}, {"Form F.VS", "Vital signs: Systolic BP [I.SYSBP]; Comment [I.NOTE]"}}; !reflect.DeepEqual(ins.Entries[1].Values, want) {
		t.Errorf("design values %v, want %v", ins.Entries[1].Values, want)
	}
	want := []LabelledValue{{"Form", "Vital signs (F.VS), design version 1"}, {"Event", "Visit 1 (SE.V1)"},
		{"Systolic BP [I.SYSBP]", "128 mmHg"}, {"Comment [I.NOTE]", "seated"}}
	if got := ins.Entries[2].Values; !reflect.DeepEqual(got, want) {
		t.Errorf("form values %v, want %v", got, want)
	}
}

// An auditor's export gives the same report; a changed one fails, naming
// the entry.
func TestInspectionReportOfExport_sameReportAndTamperFails(t *testing.T) {
	a, _, _ := inspectedTrial(t)
	ctx := t.Context()
	node, err := a.InspectionReport(ctx, "NCT13200001")
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.ExportTrial(ctx, "NCT13200001")
	if err != nil {
		t.Fatal(err)
	}
	ins, err := a.InspectionReportOfExport(ctx, e, "")
	if err != nil {
		t.Fatal(err)
	}
	if !ins.Verdict.OK || len(ins.Entries) != len(node.Entries) || !reflect.DeepEqual(ins.Staff, node.Staff) || ins.Source == node.Source {
		t.Errorf("export report: %+v", ins.Verdict)
	}
	for i := range ins.Entries {
		if got, want := ins.Entries[i].Signature, node.Entries[i].Signature; got != want {
			t.Errorf("entry %d: signature %+v, from the node %+v", i, got, want)
		}
	}

	// The step shown beside entry 2's leaf is changed: the leaf's signed
	// step is the one the report shows, and the verdict fails on entry 2.
	changed := *e.Entries[2].Step
	changed.Data = json.RawMessage(`{"weight_kg":99}`)
	e.Entries[2].Step = &changed
	bad, err := a.InspectionReportOfExport(ctx, e, "")
	if err != nil {
		t.Fatal(err)
	}
	if bad.Verdict.OK || !strings.HasPrefix(bad.Verdict.State, "FAILED") || len(bad.Verdict.Failures) == 0 {
		t.Fatalf("tampered export: %+v", bad.Verdict)
	}
	if f := bad.Verdict.Failures[0]; f.Subject != "entry 2" {
		t.Errorf("failure %+v, want entry 2", f)
	}
	if bad.Entries[2].OK || bad.Entries[2].Values[len(bad.Entries[2].Values)-1].Value != "81" {
		t.Errorf("entry 2: ok %v, values %v", bad.Entries[2].OK, bad.Entries[2].Values)
	}

	// When the chain cannot be asked, the report says so and shows no
	// entry as verified.
	none := newInspection(time.Now(), "test", e, nil, marketplace.Errorf(marketplace.EUNAVAILABLE, "The chain is not answering."))
	if v := none.Verdict; v.OK || v.State != "not verified" || v.Summary != "The chain is not answering." || len(v.Failures) != 1 {
		t.Errorf("verdict without a verification: %+v", v)
	}
	if e := none.Entries[0]; e.OK || e.Finding != "not verified" || e.Signature.Role != "Sponsor" {
		t.Errorf("entry 0 without a verification: %+v", e)
	}
}

// After its revocation a coordinator holds no role: the report says so on
// an entry it signed (a log a verifier refuses still prints).
func TestRoleHeld_namesRevocation(t *testing.T) {
	sponsor, coord := common.HexToAddress("0x01"), common.HexToAddress("0x02")
	tr := marketplace.Trial{Sponsor: sponsor}
	tm := trials.NewTeam(tr)
	g := marketplace.StaffGrant{Account: coord, Name: "Cora", Role: marketplace.RoleCoordinator, Site: "A"}
	data, _ := json.Marshal(g)
	tm.Apply(&marketplace.Step{Index: 0, Type: marketplace.StepRegistration, Who: sponsor}, true)
	tm.Apply(&marketplace.Step{Index: 1, Type: marketplace.StepStaffAuthorization, Who: sponsor, Data: data}, true)
	visit := &marketplace.Step{Index: 2, Type: marketplace.StepVisit, Who: coord, Site: "A", Meaning: marketplace.MeaningAuthored}
	if got := roleHeld(tm, tr, visit); got != "Study coordinator, site A" {
		t.Errorf("authorized: %q", got)
	}
	if got := roleHeld(tm, tr, &marketplace.Step{Type: marketplace.StepVisit, Who: coord, Site: "B", Meaning: marketplace.MeaningAuthored}); !strings.HasPrefix(got, "none allowing this step") {
		t.Errorf("other site: %q", got)
	}
	if got := roleHeld(tm, tr, &marketplace.Step{Type: marketplace.StepVisit, Who: common.HexToAddress("0x03")}); got != "none: not authorized by the sponsor" {
		t.Errorf("stranger: %q", got)
	}
	tm.Apply(visit, true)
	tm.Apply(&marketplace.Step{Index: 3, Type: marketplace.StepStaffRevocation, Who: sponsor, Data: data, Reason: "left"}, true)
	if got := roleHeld(tm, tr, visit); got != "none: its authorization as Study coordinator, site A was revoked at entry 3" {
		t.Errorf("revoked: %q", got)
	}
}

func TestFlattenStepData(t *testing.T) {
	for _, c := range []struct {
		data string
		want []LabelledValue
	}{
		{``, nil},
		{`{}`, nil},
		{`{"b":1.50,"a":"x"}`, []LabelledValue{{"a", "x"}, {"b", "1.50"}}},
		{`{"design":1,"items":{"IT.SBP":128,"IT.OK":true,"IT.NA":null}}`, []LabelledValue{{"design", "1"}, {"items.IT.NA", "(empty)"}, {"items.IT.OK", "yes"}, {"items.IT.SBP", "128"}}},
		{`{"arms":["A","B"],"doses":[{"mg":5},{"mg":10}],"e":{}}`, []LabelledValue{{"arms", "A, B"}, {"doses[1].mg", "5"}, {"doses[2].mg", "10"}, {"e", "{}"}}},
		{`{"text":"<script>alert(1)</script>"}`, []LabelledValue{{"text", "<script>alert(1)</script>"}}},
	} {
		if got := FlattenStepData(json.RawMessage(c.data)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.data, got, c.want)
		}
	}
}

package trials

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// vitalSigns is a one-form design: systolic blood pressure, 60 to 250 mmHg.
func vitalSigns() marketplace.StudyDesign {
	lo, hi := "60", "250"
	return marketplace.StudyDesign{Name: "Vitals", Events: []marketplace.EventDef{{OID: "SE.V1", Name: "Visit 1", Forms: []string{"F.VS"}}},
		Forms: []marketplace.FormDef{{OID: "F.VS", Name: "Vital signs", Items: []marketplace.ItemDef{
			{OID: "I.SYSBP", Label: "Systolic BP", Type: marketplace.ItemInteger, Unit: "mmHg", Min: &lo, Max: &hi, Required: true},
			{OID: "I.NOTE", Label: "Comment", Type: marketplace.ItemText},
		}}}}
}

func grantInput(t *testing.T, typ marketplace.StepType, g marketplace.StaffGrant, reason string) StepInput {
	t.Helper()
	data, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return StepInput{Type: string(typ), Data: data, Reason: reason}
}

func formInput(subject, sbp string) StepInput {
	return StepInput{Type: "visit", Subject: subject, Data: json.RawMessage(`{"design":1,"event":"SE.V1","form":"F.VS","items":{"I.SYSBP":` + sbp + `}}`)}
}

// teamEnv is a trial with a design and a team: a coordinator and a monitor
// at site A, a data manager for every site.
type teamEnv struct {
	*testEnv
	trial                 marketplace.Trial
	coord, monitor, dataM keySigner
}

func newTeamEnv(t *testing.T, identifier string) *teamEnv {
	e := &teamEnv{testEnv: newTestEnv(t), coord: newKeySigner(t), monitor: newKeySigner(t), dataM: newKeySigner(t)}
	e.trial = e.register(identifier)
	design, _ := json.Marshal(vitalSigns())
	e.record(e.trial.ID,
		StepInput{Type: "study_design", Data: design, Name: "Sam Sponsor"},
		grantInput(t, marketplace.StepStaffAuthorization, marketplace.StaffGrant{Account: e.coord.Address(), Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"}, ""),
		grantInput(t, marketplace.StepStaffAuthorization, marketplace.StaffGrant{Account: e.monitor.Address(), Name: "Mo Monitor", Role: marketplace.RoleMonitor, Site: "A"}, ""),
		grantInput(t, marketplace.StepStaffAuthorization, marketplace.StaffGrant{Account: e.dataM.Address(), Name: "Dana Data", Role: marketplace.RoleDataManager}, ""),
	)
	return e
}

func (e *teamEnv) recordAs(s Signer, inputs ...StepInput) ([]Entry, error) {
	return e.svc.Record(ctx, s, e.trial.ID, inputs)
}

func TestTeam_eachSignsForItselfQueriesSDVAndLocks(t *testing.T) {
	e := newTeamEnv(t, "NCT13000001")
	// The coordinator enters a visit: out of range first, named on the item.
	_, err := e.recordAs(e.coord, formInput("S-001", "400"))
	wantErr(t, err, marketplace.EINVALID, "Systolic BP (I.SYSBP): 400 mmHg is above the maximum 250 mmHg")
	es, err := e.recordAs(e.coord, formInput("S-001", "140"))
	if err != nil {
		t.Fatal(err)
	}
	visit := es[0]
	if s := visit.Step; s.Who != e.coord.Address() || s.Name != "Cora Coordinator" || s.Site != "A" {
		t.Fatalf("visit signed as %s %q at %q", s.Who.Hex(), s.Name, s.Site)
	}
	// A coordinator may not lock, nor raise queries.
	_, err = e.recordAs(e.coord, StepInput{Type: "database_lock", Reason: "done"})
	wantErr(t, err, marketplace.EINVALID, "Study coordinator at site A, who may not sign a Database lock")
	// The monitor queries the item; the site answers with a correction; the
	// monitor closes the query and marks the corrected entry verified.
	es, err = e.recordAs(e.monitor, StepInput{Type: "query", Concerns: &visit.Index, Item: "I.SYSBP", Data: json.RawMessage(`{"text":"140 or 104?"}`)})
	if err != nil {
		t.Fatal(err)
	}
	query := es[0].Index
	if es[0].Step.Site != "A" || es[0].Step.Name != "Mo Monitor" {
		t.Errorf("query at %q by %q", es[0].Step.Site, es[0].Step.Name)
	}
	corr := formInput("S-001", "104")
	corr.Corrects, corr.Reason = &visit.Index, "transcription error"
	if _, err := e.recordAs(e.coord, corr, StepInput{Type: "query_answer", Concerns: &query, Data: json.RawMessage(`{"text":"corrected to 104"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.recordAs(e.monitor, StepInput{Type: "query_close", Concerns: &query}); err != nil {
		t.Fatal(err)
	}
	_, err = e.recordAs(e.coord, StepInput{Type: "query_answer", Concerns: &query, Data: json.RawMessage(`{"text":"late"}`)})
	wantErr(t, err, marketplace.EINVALID, "closes query", "which entry")
	sdvOf := visit.Index + 2 // the correction
	if _, err := e.recordAs(e.monitor, StepInput{Type: "sdv", Concerns: &sdvOf}); err != nil {
		t.Fatal(err)
	}
	// The data manager locks the casebook; the coordinator is refused.
	if _, err := e.recordAs(e.dataM, StepInput{Type: "casebook_lock", Subject: "S-001", Reason: "subject complete"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.recordAs(e.coord, formInput("S-001", "120"))
	wantErr(t, err, marketplace.EINVALID, "casebook of S-", "which entry")
	// The monitor is revoked; its later entries are refused.
	e.record(e.trial.ID, grantInput(t, marketplace.StepStaffRevocation, marketplace.StaffGrant{Account: e.monitor.Address(), Name: "Mo Monitor", Role: marketplace.RoleMonitor, Site: "A"}, "left the CRO"))
	_, err = e.recordAs(e.monitor, StepInput{Type: "sdv", Concerns: &visit.Index})
	wantErr(t, err, marketplace.EFORBIDDEN, "is not on the team")

	rep, err := e.svc.VerifyLog(ctx, e.trial.ID)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if got := len(rep.Team.Changes()); got != 4 {
		t.Errorf("%d staff changes, want 4", got)
	}
	if qs := rep.Team.Queries(); len(qs) != 1 || qs[0].Closed == nil || len(qs[0].Answers) != 1 {
		t.Errorf("queries %+v", qs)
	}
	if !strings.Contains(rep.Summary(), "and 3 staff") {
		t.Errorf("summary %s", rep.Summary())
	}
	// The signature manifests in the export a reader opens (21 CFR 11.50).
	ex, err := e.svc.Export(ctx, e.trial.ID)
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	if err := WriteCSV(&csv, ex); err != nil {
		t.Fatal(err)
	}
	if want := "Signed by Cora Coordinator (" + e.coord.Address().Hex() + ") on 2026-"; !strings.Contains(csv.String(), want) {
		t.Errorf("the CSV export lacks %q", want)
	}
}

// appendRaw appends a step signed by s past the service's checks, as an
// attacker with the store (or a buggy node) could.
func (e *teamEnv) appendRaw(t *testing.T, s keySigner, step marketplace.Step) {
	t.Helper()
	h, err := e.svc.ledger.Head(ctx, ledger.LogID(e.trial.ID))
	if err != nil {
		t.Fatal(err)
	}
	step.Format, step.Trial, step.Index, step.Who, step.When = marketplace.StepFormat, e.trial.ID, h.Size, s.Address(), e.clock.now()
	step.Protocol, step.ProtocolSHA256 = 1, e.trial.Protocols[0].SHA256
	if step.Meaning == "" {
		step.Meaning = marketplace.MeaningAuthored
	}
	c, err := canonicalStep(&step)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.SignPersonal(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ledger.Append(ctx, ledger.LogID(e.trial.ID), encodeLeaf(c, sig)); err != nil {
		t.Fatal(err)
	}
	e.svc.mu.Lock()
	delete(e.svc.logs, e.trial.ID) // the service reads the log again
	e.svc.mu.Unlock()
}

func TestVerify_rejectsEntriesNoRoleAllowed(t *testing.T) {
	e := newTeamEnv(t, "NCT13000002")
	es, err := e.recordAs(e.coord, formInput("S-001", "120"))
	if err != nil {
		t.Fatal(err)
	}
	visit := es[0].Index
	stranger := newKeySigner(t)
	subject := es[0].Step.Subject
	e.appendRaw(t, stranger, marketplace.Step{Type: marketplace.StepVisit, Subject: subject, Site: "A"})                                // unauthorized
	e.appendRaw(t, e.coord, marketplace.Step{Type: marketplace.StepDatabaseLock, Name: "Cora Coordinator", Reason: "x"})                // role does not allow
	e.appendRaw(t, e.coord, marketplace.Step{Type: marketplace.StepQueryAnswer, Concerns: &visit, Site: "A", Name: "Cora Coordinator"}) // answer without its query
	e.appendRaw(t, e.coord, marketplace.Step{Type: marketplace.StepVisit, Subject: subject, Site: "A", Name: "Someone Else"})           // wrong printed name
	e.appendRaw(t, e.coord, marketplace.Step{Type: marketplace.StepVisit, Subject: subject, Site: "A", Name: "Cora Coordinator",        // out of range for the design
		Data: json.RawMessage(`{"design":1,"event":"SE.V1","form":"F.VS","items":{"I.SYSBP":999}}`)})
	e.record(e.trial.ID, grantInput(t, marketplace.StepStaffRevocation, marketplace.StaffGrant{Account: e.monitor.Address(), Name: "Mo Monitor", Role: marketplace.RoleMonitor, Site: "A"}, "left"))
	e.appendRaw(t, e.monitor, marketplace.Step{Type: marketplace.StepSDV, Concerns: &visit, Site: "A", Name: "Mo Monitor"}) // revoked
	e.record(e.trial.ID, StepInput{Type: "casebook_lock", Subject: "S-001", Reason: "complete"})
	e.appendRaw(t, e.coord, marketplace.Step{Type: marketplace.StepVisit, Subject: subject, Site: "A", Name: "Cora Coordinator"}) // after the lock
	if _, err := e.svc.Anchor(ctx, e.sponsor, e.trial.ID); err != nil {
		t.Fatal(err)
	}
	ex, err := e.svc.Export(ctx, e.trial.ID)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, ex, VerifyOptions{Chain: e.lookup()})
	wantErr(t, err, marketplace.EINVALID)
	for _, want := range []struct {
		entry uint64
		msg   string
	}{
		{visit + 1, "an account the sponsor never authorized"},
		{visit + 2, "who may not sign a Database lock"},
		{visit + 3, "which is not a query"},
		{visit + 4, `signed under the name "Someone Else"`},
		{visit + 5, "I.SYSBP): 999 mmHg is above the maximum 250 mmHg"},
		{visit + 7, "whose authorization as Monitor was revoked at entry"},
		{visit + 9, "which entry " + utoa(visit+8) + " locked"},
	} {
		if d := findingOf(rep, "entry "+utoa(want.entry)); !strings.Contains(d, "FAIL") || !strings.Contains(d, want.msg) {
			t.Errorf("entry %d: %s, want %q", want.entry, d, want.msg)
		}
	}
	if n := len(rep.Failures()); n != 7 {
		t.Errorf("%d failures, want 7: %v", n, rep.Failures())
	}
	// The verdict says it in words, each problem naming its entry.
	v := rep.Verdict()
	if v.OK || len(v.Problems) != 7 {
		t.Fatalf("verdict %+v", v)
	}
	want := "Entry " + utoa(visit+7) + " was signed by " + ShortAddress(e.monitor.Address()) + " (Mo Monitor), whose authorization as Monitor was revoked at entry"
	if !strings.Contains(strings.Join(v.Problems, "\n"), want) {
		t.Errorf("verdict problems lack %q:\n%s", want, strings.Join(v.Problems, "\n"))
	}
}

func utoa(i uint64) string { return strconv.FormatUint(i, 10) }

func TestTeam_authorizationChecks(t *testing.T) {
	e := newTeamEnv(t, "NCT13000003")
	for _, tt := range []struct {
		in  StepInput
		msg string
	}{
		{grantInput(t, marketplace.StepStaffAuthorization, marketplace.StaffGrant{Account: e.coord.Address(), Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"}, ""), "which it already is"},
		{grantInput(t, marketplace.StepStaffAuthorization, marketplace.StaffGrant{Account: e.coord.Address(), Name: "Cora C.", Role: marketplace.RoleInvestigator, Site: "A"}, ""), "one account, one printed name"},
		{grantInput(t, marketplace.StepStaffRevocation, marketplace.StaffGrant{Account: e.coord.Address(), Name: "Cora Coordinator", Role: marketplace.RoleMonitor, Site: "A"}, "x"), "which it is not"},
		{grantInput(t, marketplace.StepStaffRevocation, marketplace.StaffGrant{Account: e.coord.Address(), Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"}, ""), "needs a reason"},
		{grantInput(t, marketplace.StepStaffAuthorization, marketplace.StaffGrant{Account: e.sponsor.Address(), Name: "S", Role: marketplace.RoleMonitor}, ""), "names the sponsor"},
		{StepInput{Type: "study_design", Data: json.RawMessage(`{"name":"x","forms":[]}`)}, "at least one form"},
		{formInput("S-002", "61.5"), `"61.5" is not a whole number`},
		{StepInput{Type: "visit", Subject: "S-003", Data: json.RawMessage(`{"design":2,"form":"F.VS","items":{}}`)}, "design version 2, but the log holds 1"},
		{StepInput{Type: "database_unlock", Reason: "x"}, "which is not locked"},
	} {
		_, err := e.svc.Record(ctx, e.sponsor, e.trial.ID, []StepInput{tt.in})
		wantErr(t, err, marketplace.EINVALID, tt.msg)
	}
	// Only the sponsor authorizes; the data manager may not.
	_, err := e.recordAs(e.dataM, grantInput(t, marketplace.StepStaffAuthorization, marketplace.StaffGrant{Account: e.coord.Address(), Name: "Cora Coordinator", Role: marketplace.RoleMonitor}, ""))
	wantErr(t, err, marketplace.EINVALID, "only the sponsor")
	// A site-A coordinator may not record for a subject of site B.
	if _, err := e.svc.Record(ctx, e.sponsor, e.trial.ID, []StepInput{{Type: "consent", Subject: "S-100", Site: "B"}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.recordAs(e.coord, StepInput{Type: "visit", Subject: "S-100"})
	wantErr(t, err, marketplace.EINVALID, "at site B")
}

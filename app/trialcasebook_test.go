package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// caseLog builds a trial's log step by step through the team replay, as
// the trial service would (every step checked, then applied), without a
// chain or keys: the views are pure functions of the two.
type caseLog struct {
	t     testing.TB
	trial marketplace.Trial
	team  *trials.Team
	steps []TrialEntry
	at    time.Time
}

var (
	cbSponsor = common.HexToAddress("0x5000000000000000000000000000000000000001")
	cbCoordA  = common.HexToAddress("0x5000000000000000000000000000000000000002")
	cbCoordB  = common.HexToAddress("0x5000000000000000000000000000000000000003")
	cbMonitor = common.HexToAddress("0x5000000000000000000000000000000000000004")
	cbDM      = common.HexToAddress("0x5000000000000000000000000000000000000005")
	cbNames   = map[common.Address]string{cbSponsor: "Sam Sponsor", cbCoordA: "Cora Coordinator", cbCoordB: "Ben Coordinator",
		cbMonitor: "Mo Monitor", cbDM: "Dana Data"}
)

func cbSubject(n int) string { return fmt.Sprintf("S-%032x", n) }

func newCaseLog(t testing.TB) *caseLog {
	tr := marketplace.Trial{Identifier: "NCT13000001", Title: "Casebook", Sponsor: cbSponsor}
	tr.ID = marketplace.TrialID(tr.Sponsor, tr.Identifier)
	l := &caseLog{t: t, trial: tr, team: trials.NewTeam(tr), at: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	l.add(marketplace.Step{Type: marketplace.StepRegistration, Who: cbSponsor})
	return l
}

// add checks and appends s, returning its index.
func (l *caseLog) add(s marketplace.Step) uint64 {
	l.t.Helper()
	s.Index, s.Trial, s.Format = uint64(len(l.steps)), l.trial.ID, marketplace.StepFormat
	s.When, s.Protocol, s.ProtocolSHA256 = l.at.Add(time.Duration(s.Index)*time.Minute), 1, common.Hash{1}
	if s.Meaning == "" {
		s.Meaning = marketplace.MeaningAuthored
	}
	if s.Name == "" {
		s.Name = cbNames[s.Who]
	}
	if err := s.Validate(); err != nil {
		l.t.Fatalf("step %d: %v", s.Index, err)
	}
	if err := l.team.Check(&s); err != nil {
		l.t.Fatalf("step %d (%s): %v", s.Index, s.Type, err)
	}
	l.team.Apply(&s, true)
	l.steps = append(l.steps, TrialEntry{Index: s.Index, Step: s})
	return s.Index
}

func (l *caseLog) grant(who common.Address, role marketplace.TrialRole, site string) {
	data, _ := json.Marshal(marketplace.StaffGrant{Account: who, Name: cbNames[who], Role: role, Site: site})
	l.add(marketplace.Step{Type: marketplace.StepStaffAuthorization, Who: cbSponsor, Data: data})
}

func (l *caseLog) query(who common.Address, typ marketplace.StepType, concerns uint64, item, text string) uint64 {
	var data json.RawMessage
	if text != "" {
		data, _ = json.Marshal(marketplace.QueryText{Text: text})
	}
	site := l.steps[concerns].Step.Site
	return l.add(marketplace.Step{Type: typ, Who: who, Concerns: &concerns, Item: item, Data: data, Site: site})
}

func cbPtr(v string) *string { return &v }

// cbDesign: vital signs at visits 1 and 2, adverse events at any visit.
var cbDesign = marketplace.StudyDesign{Name: "Casebook study",
	Events: []marketplace.EventDef{{OID: "SE.V1", Name: "Visit 1", Forms: []string{"F.VS"}}, {OID: "SE.V2", Name: "Visit 2", Forms: []string{"F.VS"}}},
	Forms: []marketplace.FormDef{{OID: "F.VS", Name: "Vital signs", Items: []marketplace.ItemDef{
		{OID: "IT.SYSBP", Label: "Systolic blood pressure", Type: marketplace.ItemInteger, Unit: "mmHg", Min: cbPtr("60"), Max: cbPtr("250")},
		{OID: "IT.WEIGHT", Label: "Weight", Type: marketplace.ItemDecimal, Unit: "kg"},
	}}}}

func (l *caseLog) design() {
	data, err := json.Marshal(cbDesign)
	if err != nil {
		l.t.Fatal(err)
	}
	l.add(marketplace.Step{Type: marketplace.StepStudyDesign, Who: cbSponsor, Data: data})
}

func vitals(event string, items string) json.RawMessage {
	return json.RawMessage(`{"design":1,"event":"` + event + `","form":"F.VS","items":` + items + `}`)
}

// teamLog: a design, two coordinators (sites A and B), a monitor and a
// data manager for every site.
func teamLog(t testing.TB) *caseLog {
	l := newCaseLog(t)
	l.design()
	l.grant(cbCoordA, marketplace.RoleCoordinator, "A")
	l.grant(cbCoordB, marketplace.RoleCoordinator, "B")
	l.grant(cbMonitor, marketplace.RoleMonitor, "")
	l.grant(cbDM, marketplace.RoleDataManager, "")
	return l
}

func TestCasebook_correctionShownInPlace(t *testing.T) {
	l := teamLog(t)
	s1 := cbSubject(1)
	l.add(marketplace.Step{Type: marketplace.StepConsent, Subject: s1, Site: "A", Who: cbCoordA})
	visit := l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Data: vitals("SE.V1", `{"IT.SYSBP":120,"IT.WEIGHT":81.5}`)})
	fix := l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Corrects: &visit,
		Reason: "transcription error", Data: vitals("SE.V1", `{"IT.WEIGHT":18.5}`)})
	// A correction of the correction stays in place under the original.
	l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbSponsor, Corrects: &fix,
		Reason: "scale recalibrated", Data: vitals("SE.V1", `{"IT.WEIGHT":18.4}`)})

	c := BuildCasebook(l.trial, l.steps, l.team, s1)
	if c.Site != "A" || len(c.Events) != 2 || c.Events[0].Name != "Consent" || c.Events[1].Name != "Visit 1" {
		t.Fatalf("casebook %+v", c.Events)
	}
	e, ok := c.Entry(visit)
	if !ok || len(e.Values) != 2 {
		t.Fatalf("entry %+v", e)
	}
	wantEq(t, "title", e.Title(), "Vital signs")
	wantEq(t, "event", e.EventName, "Visit 1")
	wantEq(t, "corrections", len(e.Corrections), 2)
	if _, ok := c.Entry(fix); ok {
		t.Errorf("the correction %d is an entry of its own, not in place", fix)
	}
	bp, w := e.Values[0], e.Values[1]
	wantEq(t, "bp label", bp.Label, "Systolic blood pressure")
	wantEq(t, "bp", bp.Value, "120 mmHg")
	wantEq(t, "bp corrected", bp.Corrected(), false)
	if w.Value != "18.4 kg" || len(w.History) != 3 {
		t.Fatalf("weight %+v", w)
	}
	for i, want := range []ValueVersion{
		{EntrySignature: EntrySignature{Entry: visit, Name: "Cora Coordinator"}, Value: "81.5 kg"},
		{EntrySignature: EntrySignature{Entry: fix, Name: "Cora Coordinator"}, Value: "18.5 kg", Reason: "transcription error"},
		{EntrySignature: EntrySignature{Entry: fix + 1, Name: "Sam Sponsor"}, Value: "18.4 kg", Reason: "scale recalibrated"},
	} {
		got := w.History[i]
		wantEq(t, fmt.Sprintf("version %d", i), fmt.Sprint(got.Entry, got.Name, got.Value, got.Reason), fmt.Sprint(want.Entry, want.Name, want.Value, want.Reason))
		wantEq(t, fmt.Sprintf("version %d time", i), got.When, l.steps[got.Entry].Step.When)
	}
	p := c.Progress
	wantEq(t, "entries", p.Entries, 2)
	wantEq(t, "done", strings.Join(p.Done, ","), "Consent,Visit 1")
	wantEq(t, "done events", strings.Join(p.DoneEvents, ","), "SE.V1")
}

// wantEq reports got != want under name.
func wantEq[T comparable](t *testing.T, name string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", name, got, want)
	}
}

func TestCasebook_rawDataWithoutDesignIsLabelled(t *testing.T) {
	l := newCaseLog(t)
	s := cbSubject(9)
	e0 := l.add(marketplace.Step{Type: marketplace.StepEnrolment, Subject: s, Who: cbSponsor, Data: json.RawMessage(`{"arm":"A","vitals":{"heart_rate":71,"fasting":true}}`)})
	c := BuildCasebook(l.trial, l.steps, l.team, s)
	e, _ := c.Entry(e0)
	if len(e.Values) != 2 || e.Values[0].Label != "arm" || e.Values[0].Value != "A" || e.Values[1].Value != "fasting: Yes; heart rate: 71" {
		t.Errorf("values %+v", e.Values)
	}
	if !c.Progress.Enrolled {
		t.Error("an enrolment does not count as enrolled")
	}
}

func TestCasebook_laterCorrectionClearsSDV(t *testing.T) {
	l := teamLog(t)
	s1 := cbSubject(1)
	visit := l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Data: vitals("SE.V1", `{"IT.SYSBP":120,"IT.WEIGHT":81}`)})
	l.query(cbMonitor, marketplace.StepSDV, visit, "", "")
	l.query(cbMonitor, marketplace.StepSDV, visit, "IT.SYSBP", "")
	l.query(cbMonitor, marketplace.StepSDV, visit, "IT.WEIGHT", "")
	c := BuildCasebook(l.trial, l.steps, l.team, s1)
	e, _ := c.Entry(visit)
	if e.Verified == nil || e.Verified.Name != "Mo Monitor" || e.Values[0].Verified == nil || e.Values[1].Verified == nil {
		t.Fatalf("before the correction: %+v", e)
	}
	if c.Progress.Verified != 1 {
		t.Errorf("verified entries %d", c.Progress.Verified)
	}

	// The correction changes the weight: the marks on the entry and on the
	// weight no longer count; the blood pressure's stays.
	fix := l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Corrects: &visit,
		Reason: "misread", Data: vitals("SE.V1", `{"IT.WEIGHT":18}`)})
	c = BuildCasebook(l.trial, l.steps, l.team, s1)
	e, _ = c.Entry(visit)
	if e.Verified != nil || e.Values[1].Verified != nil || c.Progress.Verified != 0 {
		t.Errorf("a later correction left a mark: entry %v, weight %v", e.Verified, e.Values[1].Verified)
	}
	if e.Values[0].Verified == nil {
		t.Error("a correction of the weight cleared the blood pressure's mark")
	}

	// Verified again, on the correction: counts for the entry.
	l.query(cbMonitor, marketplace.StepSDV, fix, "", "")
	c = BuildCasebook(l.trial, l.steps, l.team, s1)
	if e, _ = c.Entry(visit); e.Verified == nil || e.Verified.Entry <= fix {
		t.Errorf("SDV after the correction: %+v", e.Verified)
	}
}

func TestCasebook_queryStates(t *testing.T) {
	l := teamLog(t)
	s1 := cbSubject(1)
	visit := l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Data: vitals("SE.V1", `{"IT.SYSBP":120,"IT.WEIGHT":81}`)})
	closed := l.query(cbMonitor, marketplace.StepQuery, visit, "IT.WEIGHT", "81 kg or 18 kg?")
	l.query(cbCoordA, marketplace.StepQueryAnswer, closed, "", "81 kg, checked the source")
	l.query(cbMonitor, marketplace.StepQueryClose, closed, "", "Thanks")
	answered := l.query(cbDM, marketplace.StepQuery, visit, "", "Visit date missing")
	l.query(cbCoordA, marketplace.StepQueryAnswer, answered, "", "Added to the source")
	open := l.query(cbMonitor, marketplace.StepQuery, visit, "IT.SYSBP", "Sitting or standing?")

	c := BuildCasebook(l.trial, l.steps, l.team, s1)
	e, _ := c.Entry(visit)
	if len(e.Queries) != 1 || len(e.Values[0].Queries) != 1 || len(e.Values[1].Queries) != 1 {
		t.Fatalf("queries: entry %d, bp %d, weight %d", len(e.Queries), len(e.Values[0].Queries), len(e.Values[1].Queries))
	}
	wq, eqq, bq := e.Values[1].Queries[0], e.Queries[0], e.Values[0].Queries[0]
	if len(wq.Answers) != 1 || wq.Closed == nil {
		t.Fatalf("closed query %+v", wq)
	}
	wantEq(t, "closed", fmt.Sprint(wq.Index, wq.State, wq.Text, wq.Raised.Name, wq.Label), fmt.Sprint(closed, QueryClosed, "81 kg or 18 kg?", "Mo Monitor", "Weight"))
	wantEq(t, "answer", wq.Answers[0].Text+" / "+wq.Answers[0].Name, "81 kg, checked the source / Cora Coordinator")
	wantEq(t, "closing", wq.Closed.Text, "Thanks")
	wantEq(t, "answered", fmt.Sprint(eqq.Index, eqq.State, eqq.Raised.Name, eqq.Closed == nil), fmt.Sprint(answered, QueryAnswered, "Dana Data", true))
	wantEq(t, "open", fmt.Sprint(bq.Index, bq.State, len(bq.Answers), bq.Subject, bq.Site), fmt.Sprint(open, QueryOpen, 0, s1, "A"))
	if got := c.Progress.OpenQueries; got != 2 {
		t.Errorf("open queries %d, want 2 (answered and open)", got)
	}
	if qs := c.Queries(); len(qs) != 3 || qs[0].Index != closed || qs[2].Index != open {
		t.Errorf("all queries %+v", qs)
	}
}

func TestTrialDashboard_progressPerSiteAdverseEventsLocks(t *testing.T) {
	l := teamLog(t)
	s1, s2, s3 := cbSubject(1), cbSubject(2), cbSubject(3)
	l.add(marketplace.Step{Type: marketplace.StepEnrolment, Subject: s1, Site: "A", Who: cbCoordA})
	l.add(marketplace.Step{Type: marketplace.StepEnrolment, Subject: s2, Site: "A", Who: cbCoordA})
	l.add(marketplace.Step{Type: marketplace.StepScreening, Subject: s3, Site: "B", Who: cbCoordB})
	v1 := l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Data: vitals("SE.V1", `{"IT.SYSBP":120}`)})
	l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Data: vitals("SE.V2", `{"IT.SYSBP":118}`)})
	l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s2, Site: "A", Who: cbCoordA, Data: vitals("SE.V1", `{"IT.SYSBP":131}`)})
	ae := l.add(marketplace.Step{Type: marketplace.StepAdverseEvent, Subject: s1, Site: "A", Who: cbCoordA, Data: json.RawMessage(`{"term":"Headache"}`)})
	sae := l.add(marketplace.Step{Type: marketplace.StepSeriousAdverseEvent, Subject: s3, Site: "B", Who: cbCoordB, Data: json.RawMessage(`{"term":"Stroke","hospitalised":true}`)})
	q := l.query(cbMonitor, marketplace.StepQuery, v1, "IT.SYSBP", "Repeat measure?")
	l.query(cbMonitor, marketplace.StepQuery, sae, "", "Onset date?")
	l.add(marketplace.Step{Type: marketplace.StepCasebookLock, Subject: s2, Site: "A", Who: cbDM, Reason: "casebook complete"})
	l.add(marketplace.Step{Type: marketplace.StepDatabaseLock, Who: cbDM, Reason: "interim analysis"})

	sum := TrialSummary{Trial: l.trial, Log: ledger.Status{Size: uint64(len(l.steps)), Unanchored: 3,
		Anchor: &AnchorReceipt{TreeSize: uint64(len(l.steps)) - 3, Block: 42}}}
	d := BuildTrialDashboard(sum, l.steps, l.team)
	if len(d.Events) != 2 || len(d.Sites) != 2 || len(d.Subjects) != 3 {
		t.Fatalf("dashboard: %d events, %d sites, %d subjects", len(d.Events), len(d.Sites), len(d.Subjects))
	}
	a, b := d.Sites[0], d.Sites[1]
	wantEq(t, "site A", fmt.Sprintf("%v %v %v %v %v %v", a.Site, a.Subjects, a.Enrolled, a.Locked, a.ByEvent, a.OpenQueries), "A 2 2 1 [2 1] 1")
	wantEq(t, "site B", fmt.Sprintf("%v %v %v %v %v %v", b.Site, b.Subjects, b.Enrolled, b.Locked, b.ByEvent, b.OpenQueries), "B 1 0 0 [0 0] 1")
	if len(d.OpenQueries) != 2 || len(d.AdverseEvents) != 2 {
		t.Fatalf("open queries %+v, adverse events %+v", d.OpenQueries, d.AdverseEvents)
	}
	wantEq(t, "first open query", fmt.Sprint(d.OpenQueries[0].Index, d.OpenQueries[0].Subject), fmt.Sprint(q, s1))
	wantEq(t, "second open query site", d.OpenQueries[1].Site, "B")
	wantEq(t, "adverse event", fmt.Sprint(d.AdverseEvents[0].Entry, d.AdverseEvents[0].Serious), fmt.Sprint(ae, false))
	wantEq(t, "serious adverse event", fmt.Sprint(d.AdverseEvents[1].Entry, d.AdverseEvents[1].Serious, d.AdverseEvents[1].Site), fmt.Sprint(sae, true, "B"))
	if got, want := d.Anchoring.String(), fmt.Sprintf("last anchor: entry %d at block 42; 3 entries not yet anchored", len(l.steps)-4); got != want {
		t.Errorf("anchoring %q, want %q", got, want)
	}
	if d.Database == nil {
		t.Fatal("no database lock")
	}
	wantEq(t, "database lock", d.Database.Reason+" / "+d.Database.Name, "interim analysis / Dana Data")
	if p := d.Subjects[1]; p.Subject != s2 || !p.Locked || p.OpenQueries != 0 {
		t.Errorf("subject 2 %+v", p)
	}
	c := BuildCasebook(l.trial, l.steps, l.team, s2)
	if c.Lock == nil || c.Lock.Reason != "casebook complete" || c.Database == nil {
		t.Errorf("locks of subject 2: %+v %+v", c.Lock, c.Database)
	}
	if got := (TrialAnchorState{Unanchored: 1}).String(); got != "no anchor yet; 1 entry not yet anchored" {
		t.Errorf("unanchored: %q", got)
	}
}

func TestCasebookEntry_correctionOfOneItem(t *testing.T) {
	l := teamLog(t)
	s1 := cbSubject(1)
	visit := l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Data: vitals("SE.V1", `{"IT.SYSBP":120,"IT.WEIGHT":81}`)})
	raw := l.add(marketplace.Step{Type: marketplace.StepAdverseEvent, Subject: s1, Site: "A", Who: cbCoordA, Data: json.RawMessage(`{"grade":2,"term":"Rash"}`)})
	c := BuildCasebook(l.trial, l.steps, l.team, s1)
	e, _ := c.Entry(visit)
	_, err := e.Correction(s1, "IT.WEIGHT", "18.5", " ")
	wantCode(t, err, marketplace.EINVALID)
	if _, err = e.Correction(s1, "IT.WEIGHT", "eighteen", "misread"); !strings.Contains(marketplace.ErrorMessage(err), "Weight (IT.WEIGHT)") {
		t.Errorf("a bad value: %v", err)
	}
	in, err := e.Correction(s1, "IT.WEIGHT", "18.5", "misread")
	if err != nil {
		t.Fatal(err)
	}
	wantEq(t, "form correction", string(in.Data), `{"design":1,"event":"SE.V1","form":"F.VS","items":{"IT.WEIGHT":18.5}}`)
	wantEq(t, "corrects", *in.Corrects, visit)
	wantEq(t, "type", in.Type, "visit")
	// The correction is accepted by the team checks, and shows in place.
	l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: s1, Site: "A", Who: cbCoordA, Corrects: in.Corrects, Reason: in.Reason, Data: in.Data})
	c = BuildCasebook(l.trial, l.steps, l.team, s1)
	e, _ = c.Entry(visit)
	wantEq(t, "corrected weight", e.Values[1].Value, "18.5 kg")

	ae, _ := c.Entry(raw)
	for value, want := range map[string]string{"3": `{"grade":3}`, "grade three": `{"grade":"grade three"}`} {
		in, err := ae.Correction(s1, "grade", value, "regraded")
		if err != nil {
			t.Fatal(err)
		}
		wantEq(t, "raw correction", string(in.Data), want)
	}
}

// BenchmarkBuildTrialDashboard: the dashboard of a trial of 200 subjects at
// two sites, each with 50 designed visits, a query and an SDV mark on one.
func BenchmarkBuildTrialDashboard(b *testing.B) {
	l := teamLog(b)
	for n := 1; n <= 200; n++ {
		site, who := "A", cbCoordA
		if n%2 == 0 {
			site, who = "B", cbCoordB
		}
		var last uint64
		for v := 0; v < 50; v++ {
			last = l.add(marketplace.Step{Type: marketplace.StepVisit, Subject: cbSubject(n), Site: site, Who: who, Data: vitals("SE.V1", `{"IT.SYSBP":120,"IT.WEIGHT":81}`)})
		}
		l.query(cbMonitor, marketplace.StepQuery, last, "IT.WEIGHT", "Check")
		l.query(cbMonitor, marketplace.StepSDV, last, "", "")
	}
	sum := TrialSummary{Trial: l.trial, Log: ledger.Status{Size: uint64(len(l.steps))}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := BuildTrialDashboard(sum, l.steps, l.team)
		if len(d.Subjects) != 200 || len(d.OpenQueries) != 200 {
			b.Fatalf("%d subjects, %d open queries", len(d.Subjects), len(d.OpenQueries))
		}
	}
	b.ReportMetric(float64(len(l.steps)), "entries")
}

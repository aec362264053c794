package trials

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// The whole life of a trial on one node: each phase builds on the one
// before, so they run in order on one environment.
func TestTrial_registerRecordAnchorExportVerify(t *testing.T) {
	e := newTestEnv(t)
	tr := registersOnce(t, e)
	recordsPseudonymizedCanonicalSteps(t, e, tr)
	correctionReferencesTheEarlierEntry(t, e, tr)
	anchorsOneTransactionPerCheckpoint(t, e, tr)
	exportVerifiesOnChain(t, e, tr)
	restartedNodeContinuesTheLog(t, e, tr)
}

func registersOnce(t *testing.T, e *testEnv) marketplace.Trial {
	t.Helper()
	tr := e.register("NCT01234567")
	if tr.ID != marketplace.TrialID(e.sponsor.Address(), "NCT01234567") || len(tr.Protocols) != 1 || tr.Protocols[0].Block == 0 {
		t.Fatalf("trial: %+v", tr)
	}
	if _, err := e.svc.Register(ctx, e.sponsor, "Again", "NCT01234567", Protocol{Body: strings.NewReader("x")}); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("second registration: %v", err)
	}
	return tr
}

func recordsPseudonymizedCanonicalSteps(t *testing.T, e *testEnv, tr marketplace.Trial) {
	t.Helper()
	es := e.record(tr.ID,
		StepInput{Type: "site activation", Data: json.RawMessage(`{"site":"SITE-01"}`)},
		StepInput{Type: "consent", Subject: "S-001"},
		StepInput{Type: "enrolment", Subject: "S-001", Data: json.RawMessage(`{"arm": "A", "age": 54}`)},
	)
	if len(es) != 3 || es[0].Index != 1 || es[2].Index != 3 {
		t.Fatalf("entries: %+v", es)
	}
	enrol := es[2].Step
	if !marketplace.IsSubjectPseudonym(enrol.Subject) || enrol.Subject != es[1].Step.Subject {
		t.Errorf("subject pseudonyms: %q, %q", es[1].Step.Subject, enrol.Subject)
	}
	if string(enrol.Data) != `{"age":54,"arm":"A"}` || enrol.Who != e.sponsor.Address() || enrol.Protocol != 1 {
		t.Errorf("enrolment step: %+v", enrol)
	}
}

// A correction references the earlier entry, which stays.
func correctionReferencesTheEarlierEntry(t *testing.T, e *testEnv, tr marketplace.Trial) {
	t.Helper()
	three := uint64(3)
	fix := e.record(tr.ID, StepInput{Type: "enrolment", Subject: "S-001", Data: json.RawMessage(`{"arm":"B","age":54}`),
		Corrects: &three, Reason: "randomization list misread", Meaning: "approved"})
	if *fix[0].Step.Corrects != 3 || fix[0].Step.Meaning != marketplace.MeaningApproved {
		t.Errorf("correction: %+v", fix[0].Step)
	}
}

// Many entries, still one transaction per checkpoint.
func anchorsOneTransactionPerCheckpoint(t *testing.T, e *testEnv, tr marketplace.Trial) {
	t.Helper()
	rec, err := e.svc.Anchor(ctx, e.sponsor, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.TreeSize != 5 || rec.TxHash == ([32]byte{}) || rec.GasUsed == 0 || rec.GasUsed > 60000 {
		t.Errorf("anchor: %+v", rec)
	}
	var many []StepInput
	for i := range 500 {
		many = append(many, StepInput{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"visit":` + jsonInt(i) + `}`)})
	}
	e.record(tr.ID, many...)
	rec2, err := e.svc.Anchor(ctx, e.sponsor, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec2.TreeSize != 505 || rec2.GasUsed > 40000 {
		t.Errorf("second anchor (500 entries): %+v", rec2)
	}
	t.Logf("anchor gas: first %d, after 500 more entries %d", rec.GasUsed, rec2.GasUsed)
}

// The export, written and read back, is a ledger bundle too and verifies
// against the chain; so does the node's own log.
func exportVerifiesOnChain(t *testing.T, e *testEnv, tr marketplace.Trial) {
	t.Helper()
	ex, err := e.svc.Export(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteExport(&buf, ex); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.ReadBundle(bytes.NewReader(buf.Bytes())); err != nil {
		t.Errorf("export as a ledger bundle: %v", err)
	}
	back, err := ReadExport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, back, VerifyOptions{Chain: e.lookup()})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if rep.Entries != 505 || len(rep.Steps) != 505 || rep.Anchors != 2 || !strings.Contains(rep.Summary(), "verified") {
		t.Errorf("report: %s", rep.Summary())
	}
	for _, f := range rep.Findings {
		if f.Subject == "entry 4" && !strings.Contains(f.Detail, "Enrolment") {
			t.Errorf("entry 4 finding: %s", f)
		}
	}
	if rep, err := e.svc.VerifyLog(ctx, tr.ID); err != nil || !rep.OK() {
		t.Errorf("verify log: %v", err)
	}
}

// Restarted, the node still has the trial and continues the log.
func restartedNodeContinuesTheLog(t *testing.T, e *testEnv, tr marketplace.Trial) {
	t.Helper()
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	e.open()
	more := e.record(tr.ID, StepInput{Type: "withdrawal", Subject: "S-001", Reason: "moved away"})
	if more[0].Index != 505 {
		t.Errorf("after restart: index %d", more[0].Index)
	}
	ts, err := e.svc.Trials(ctx)
	if err != nil || len(ts) != 1 || ts[0].Title != tr.Title {
		t.Errorf("trials: %+v, %v", ts, err)
	}
	got, err := e.svc.Steps(ctx, tr.ID, StepFilter{Type: marketplace.StepEnrolment, Subject: "S-001"})
	if err != nil || len(got) != 2 {
		t.Errorf("steps filtered by type and subject: %d, %v", len(got), err)
	}
	if got, _ := e.svc.Steps(ctx, tr.ID, StepFilter{Subject: "S-002"}); len(got) != 0 {
		t.Errorf("other subject: %d steps", len(got))
	}
}

func jsonInt(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestRecord_consentNeedsARegisteredProtocolVersion(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT00000001")
	_, err := e.svc.Record(ctx, e.sponsor, tr.ID, []StepInput{{Type: "consent", Subject: "S-001", Protocol: "2"}})
	wantErr(t, err, marketplace.EINVALID, "consent refused", "protocol version 2 is not registered")
	_, err = e.svc.Record(ctx, e.sponsor, tr.ID, []StepInput{{Type: "reconsent", Subject: "S-001",
		Protocol: "0x" + strings.Repeat("ab", 32)}})
	wantErr(t, err, marketplace.EINVALID, "consent refused", "not a registered protocol version")
	if n := e.size(tr.ID); n != 1 {
		t.Fatalf("refused consents were appended: size %d", n)
	}

	p2, err := e.svc.Amend(ctx, e.sponsor, tr.ID, Protocol{Name: "protocol-v2.pdf", Body: strings.NewReader("protocol v2")})
	if err != nil || p2.Version != 2 {
		t.Fatalf("amend: %+v, %v", p2, err)
	}
	if _, err := e.svc.Amend(ctx, e.sponsor, tr.ID, Protocol{Body: strings.NewReader("protocol v2")}); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("amend with the same document: %v", err)
	}
	if _, err := e.svc.Amend(ctx, e.other, tr.ID, Protocol{Body: strings.NewReader("v3")}); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("amend by another account: %v", err)
	}
	es := e.record(tr.ID, StepInput{Type: "re-consent", Subject: "S-001", Protocol: "v2"},
		StepInput{Type: "consent", Subject: "S-002", Protocol: p2.SHA256.Hex()})
	if es[0].Step.Protocol != 2 || es[1].Step.ProtocolSHA256 != p2.SHA256 {
		t.Errorf("consents: %+v", es)
	}
	steps, _ := e.svc.Steps(ctx, tr.ID, StepFilter{Type: marketplace.StepProtocolAmendment})
	if len(steps) != 1 || steps[0].Index != 1 || steps[0].Step.Protocol != 2 {
		t.Errorf("amendment entry: %+v", steps)
	}
	if _, err := e.svc.Record(ctx, e.sponsor, tr.ID, []StepInput{{Type: "protocol amendment"}}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("amendment by hand: %v", err)
	}
	if _, err := e.svc.Anchor(ctx, e.sponsor, tr.ID); err != nil {
		t.Fatal(err)
	}
	ex, _ := e.svc.Export(ctx, tr.ID)
	if rep, err := Verify(ctx, ex, VerifyOptions{Chain: e.lookup()}); err != nil {
		t.Errorf("verify: %v", err)
	} else if !strings.Contains(findingOf(rep, "protocol 2"), "registered on chain") {
		t.Errorf("protocol 2 finding: %q", findingOf(rep, "protocol 2"))
	}
}

func findingOf(rep *Report, subject string) string {
	for _, f := range rep.Findings {
		if f.Subject == subject {
			return f.String()
		}
	}
	return ""
}

func TestRecord_refusesDirectIdentifiersAndOthersKeys(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT00000002")
	for _, tt := range []struct {
		in  StepInput
		msg string
	}{
		{StepInput{Type: "enrolment", Subject: "jane.doe@example.org"}, "looks like a direct identifier (email)"},
		{StepInput{Type: "enrolment", Subject: "123-45-6789"}, "looks like a direct identifier (ssn)"},
		{StepInput{Type: "enrolment", Subject: "+1 (555) 123-4567"}, "looks like a direct identifier (phone)"},
		{StepInput{Type: "enrolment", Subject: "1970-01-31"}, "looks like a direct identifier (date)"},
		{StepInput{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"contact":{"mail":"jane@example.org"}}`)}, "Data contact.mail"},
		{StepInput{Type: "enrolment"}, "Enrolment steps need a subject"},
		{StepInput{Type: "lunch", Subject: "S-001"}, "Step type \"lunch\": not one of"},
		{StepInput{Type: "visit", Data: json.RawMessage(`[1,2]`)}, "data must be a JSON object"},
		{StepInput{Type: "visit", Meaning: "witnessed"}, "Signature meaning \"witnessed\""},
		{StepInput{Type: "visit", Corrects: ptr(uint64(9))}, "corrects entry 9, which is not an earlier entry"},
		{StepInput{Type: "visit", Corrects: ptr(uint64(0))}, "a correction of entry 0 needs a reason"},
	} {
		_, err := e.svc.Record(ctx, e.sponsor, tr.ID, []StepInput{{Type: "visit", Subject: "S-009"}, tt.in})
		wantErr(t, err, marketplace.EINVALID, "step 2: ")
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v lacks %q", err, tt.msg)
		}
	}
	if n := e.size(tr.ID); n != 1 {
		t.Fatalf("refused batches were appended: size %d", n)
	}
	_, err := e.svc.Record(ctx, e.other, tr.ID, []StepInput{{Type: "visit"}})
	wantErr(t, err, marketplace.EFORBIDDEN, "is not on the team of trial")
	_, err = e.svc.Anchor(ctx, e.other, tr.ID)
	wantErr(t, err, marketplace.EFORBIDDEN)

	// Pseudonyms: stable per trial, different across trials, never the id.
	tr2 := e.register("NCT00000003")
	a, _ := e.svc.Pseudonym(tr.ID, "S-001")
	b, _ := e.svc.Pseudonym(tr.ID, " S-001 ")
	c, _ := e.svc.Pseudonym(tr2.ID, "S-001")
	if a != b || a == c || strings.Contains(a, "001") {
		t.Errorf("pseudonyms %q %q %q", a, b, c)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRecord_timeIsMonotonicAndUTC(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT00000004")
	first := e.record(tr.ID, StepInput{Type: "visit"})[0].Step.When
	e.clock.t = e.clock.t.Add(-time.Hour) // the node's clock steps back
	second := e.record(tr.ID, StepInput{Type: "visit"})[0].Step.When
	if second.Before(first) || second.Location() != time.UTC {
		t.Errorf("times %s then %s", first, second)
	}
}

func TestRunAnchoring_anchorsWhatTheSponsorRecorded(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT00000005")
	runCtx, cancel := contextWithCancel(t)
	done := make(chan error, 1)
	go func() {
		done <- e.svc.RunAnchoring(runCtx, ledger.AnchorPolicy{EveryEntries: 3, Every: 50 * time.Millisecond}, time.Minute)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !e.svc.Keep(e.sponsor) {
		if time.Now().After(deadline) {
			t.Fatal("the scheduler never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.record(tr.ID, StepInput{Type: "visit"}, StepInput{Type: "visit"}, StepInput{Type: "visit"})
	for {
		st, err := e.svc.Status(ctx, tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Anchor != nil && st.Anchor.TreeSize == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not anchored: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

package trials

import (
	"testing"
)

func TestSubjectIDs_keptOnlyWhenRecorded(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT20000010")
	other := e.register("NCT20000011")
	e.record(tr.ID, StepInput{Type: "consent", Subject: " S-002 "})
	p1, err := e.svc.Pseudonym(tr.ID, "S-001")
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := e.svc.Pseudonym(tr.ID, "S-002")
	// By pseudonym, previewed, filtered, refused: nothing kept.
	e.record(tr.ID, StepInput{Type: "visit", Subject: p1})
	if _, err := e.svc.Prepare(ctx, e.sponsor.Address(), tr.ID, []StepInput{{Type: "consent", Subject: "S-003"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Steps(ctx, tr.ID, StepFilter{Subject: "S-004"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Record(ctx, e.sponsor, tr.ID, []StepInput{{Type: "consent", Subject: "S-005"}, {Type: "nonsense", Subject: "S-006"}}); err == nil {
		t.Fatal("a batch with a bad step was recorded")
	}
	ids, err := e.svc.SubjectIDs(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[p1] != "S-001" || ids[p2] != "S-002" {
		t.Errorf("subject ids %v, want %s=S-001 and %s=S-002", ids, p1, p2)
	}
	ids, err = e.svc.SubjectIDs(ctx, other.ID)
	if err != nil || len(ids) != 0 {
		t.Errorf("other trial: %v, %v", ids, err)
	}
	// They survive a restart of the node.
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	e.open()
	if ids, err := e.svc.SubjectIDs(ctx, tr.ID); err != nil || ids[p1] != "S-001" {
		t.Errorf("after restart: %v, %v", ids, err)
	}
}

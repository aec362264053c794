package trials

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// prepareSigned prepares inputs for s on the trial's node and signs them
// with s's key, as a coordinator's own node does.
func (e *teamEnv) prepareSigned(t *testing.T, s Signer, inputs ...StepInput) [][]byte {
	t.Helper()
	steps, err := e.svc.PrepareFor(ctx, s.Address(), e.trial.ID, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPrepared(e.trial.ID, s.Address(), inputs, steps); err != nil {
		t.Fatal(err)
	}
	// The steps travel as JSON between the nodes.
	b, err := json.Marshal(steps)
	if err != nil {
		t.Fatal(err)
	}
	var got []marketplace.Step
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	leaves, err := SignSteps(got, s)
	if err != nil {
		t.Fatal(err)
	}
	return leaves
}

// A coordinator whose key is on another node signs its visit there: the
// trial's node prepares, the coordinator's node signs, the trial's node
// appends it, signed by the coordinator; the log verifies.
func TestSubmit_staffSignOnTheirOwnNode(t *testing.T) {
	e := newTeamEnv(t, "NCT13200001")
	before := e.size(e.trial.ID)
	leaves := e.prepareSigned(t, e.coord, formInput("S-001", "120"))
	if e.size(e.trial.ID) != before {
		t.Fatal("PrepareFor appended")
	}
	es, err := e.svc.Submit(ctx, e.trial.ID, leaves)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Index != before || es[0].Step.Who != e.coord.Address() || es[0].Step.Name != "Cora Coordinator" || es[0].Step.Site != "A" {
		t.Fatalf("submitted: %+v", es)
	}
	got, err := e.svc.Steps(ctx, e.trial.ID, StepFilter{Offset: before})
	if err != nil || len(got) != 1 || !bytes.Equal(got[0].Signature, es[0].Signature) {
		t.Fatalf("log: %+v, %v", got, err)
	}
	// The trial's node keeps the subject id behind the pseudonym, for its team.
	if ids, err := e.svc.SubjectIDs(ctx, e.trial.ID); err != nil || ids[es[0].Step.Subject] != "S-001" {
		t.Errorf("subject ids %v, %v", ids, err)
	}
	// The monitor raises a query on it the same way; later steps of the
	// log see the remote ones (the team replay).
	c := es[0].Index
	q := e.prepareSigned(t, e.monitor, StepInput{Type: "query", Concerns: &c, Item: "I.SYSBP", Data: json.RawMessage(`{"text":"120?"}`),
		Source: marketplace.StepSource{Recorder: "form"}})
	if _, err := e.svc.Submit(ctx, e.trial.ID, q); err != nil {
		t.Fatal(err)
	}
	rep, err := e.svc.VerifyLog(ctx, e.trial.ID)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v\n%s", err, rep.Summary())
	}
}

// A leaf prepared before the log moved on is ECONFLICT, and nothing is
// appended; prepared and signed again, it goes in.
func TestSubmit_movedIndexIsConflict(t *testing.T) {
	e := newTeamEnv(t, "NCT13200002")
	leaves := e.prepareSigned(t, e.coord, formInput("S-001", "120"))
	if _, err := e.recordAs(e.coord, formInput("S-002", "130")); err != nil {
		t.Fatal(err)
	}
	size := e.size(e.trial.ID)
	_, err := e.svc.Submit(ctx, e.trial.ID, leaves)
	wantErr(t, err, marketplace.ECONFLICT, "prepare and sign")
	if e.size(e.trial.ID) != size {
		t.Fatal("a conflicting submit appended")
	}
	if _, err := e.svc.Submit(ctx, e.trial.ID, e.prepareSigned(t, e.coord, formInput("S-001", "120"))); err != nil {
		t.Fatal(err)
	}
}

// Leaves the trial's node would not record are refused, all of the batch,
// and nothing is appended: one signed by an account off the team, one by
// a key other than the account it names, one changed after preparing
// (not the step the node prepares), one of another trial, one the signer's
// role does not allow, a replayed one.
func TestSubmit_refusesWhatTheNodeWouldNotRecord(t *testing.T) {
	e := newTeamEnv(t, "NCT13200003")
	stranger := newKeySigner(t)
	size := e.size(e.trial.ID)

	_, err := e.svc.PrepareFor(ctx, stranger.Address(), e.trial.ID, []StepInput{formInput("S-001", "120")})
	wantErr(t, err, marketplace.EFORBIDDEN, "not on the team")
	// A stranger signs what was prepared for the coordinator.
	steps, err := e.svc.PrepareFor(ctx, e.coord.Address(), e.trial.ID, []StepInput{formInput("S-001", "120")})
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := SignSteps(steps, stranger)
	_, err = e.svc.Submit(ctx, e.trial.ID, forged)
	wantErr(t, err, marketplace.EFORBIDDEN, "signed by "+stranger.Address().Hex())
	// ... or what it names itself as signer of.
	own := append([]marketplace.Step(nil), steps...)
	own[0].Who, own[0].Name = stranger.Address(), "Eve"
	mine, _ := SignSteps(own, stranger)
	_, err = e.svc.Submit(ctx, e.trial.ID, mine)
	wantErr(t, err, marketplace.EFORBIDDEN, "not on the team")

	// The coordinator changes a prepared step before signing: the site.
	changed := append([]marketplace.Step(nil), steps...)
	changed[0].Site = "B"
	leaves, _ := SignSteps(changed, e.coord)
	_, err = e.svc.Submit(ctx, e.trial.ID, leaves)
	wantErr(t, err, marketplace.EINVALID)
	// ... or the printed name it signs under.
	changed[0].Site, changed[0].Name = steps[0].Site, "Dr. Cora"
	leaves, _ = SignSteps(changed, e.coord)
	_, err = e.svc.Submit(ctx, e.trial.ID, leaves)
	wantErr(t, err, marketplace.EINVALID, "not the step this node prepares")
	// ... or its time, to a day ago.
	changed[0].Name, changed[0].When = steps[0].Site, steps[0].When.Add(-24*60*60*1e9)
	leaves, _ = SignSteps(changed, e.coord)
	_, err = e.svc.Submit(ctx, e.trial.ID, leaves)
	wantErr(t, err, marketplace.EINVALID)

	// A leaf of another trial.
	other := newTeamEnvOn(t, e, "NCT13200004")
	otherSteps, err := e.svc.PrepareFor(ctx, e.coord.Address(), other.ID, []StepInput{formInput("S-001", "120")})
	if err != nil {
		t.Fatal(err)
	}
	leaves, _ = SignSteps(otherSteps, e.coord)
	_, err = e.svc.Submit(ctx, e.trial.ID, leaves)
	wantErr(t, err, marketplace.EINVALID, "of trial")

	// A query by the coordinator, whose role does not allow it.
	c := size - 1
	_, err = e.svc.PrepareFor(ctx, e.coord.Address(), e.trial.ID, []StepInput{{Type: "query", Concerns: &c, Data: json.RawMessage(`{"text":"?"}`)}})
	wantErr(t, err, marketplace.EINVALID, "refused")

	// Garbage and a non-canonical leaf.
	_, err = e.svc.Submit(ctx, e.trial.ID, [][]byte{[]byte(`{"step":{}}`)})
	wantErr(t, err, marketplace.EINVALID)
	good, _ := SignSteps(steps, e.coord)
	spaced := bytes.Replace(good[0], []byte(`{"step":`), []byte(`{"step": `), 1)
	_, err = e.svc.Submit(ctx, e.trial.ID, [][]byte{spaced})
	wantErr(t, err, marketplace.EINVALID, "canonical")
	if got := e.size(e.trial.ID); got != size {
		t.Fatalf("refused submits appended: %d entries, want %d", got, size)
	}

	// The good leaf goes in once; submitted again it is refused.
	if _, err := e.svc.Submit(ctx, e.trial.ID, good); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Submit(ctx, e.trial.ID, good)
	wantErr(t, err, marketplace.ECONFLICT)

	// CheckPrepared catches a node that prepares something else to sign.
	in := []StepInput{formInput("S-001", "120")}
	bad := append([]marketplace.Step(nil), steps...)
	bad[0].Data = json.RawMessage(`{"design":1,"event":"SE.V1","form":"F.VS","items":{"I.SYSBP":250}}`)
	wantErr(t, CheckPrepared(e.trial.ID, e.coord.Address(), in, bad), marketplace.EINVALID, "other data")
	wantErr(t, CheckPrepared(e.trial.ID, e.monitor.Address(), in, steps), marketplace.EINVALID, "another signer")
}

// newTeamEnvOn registers a second trial of e's sponsor with the same team.
func newTeamEnvOn(t *testing.T, e *teamEnv, identifier string) marketplace.Trial {
	t.Helper()
	tr := e.register(identifier)
	design, _ := json.Marshal(vitalSigns())
	e.record(tr.ID, StepInput{Type: "study_design", Data: design, Name: "Sam Sponsor"},
		grantInput(t, marketplace.StepStaffAuthorization, marketplace.StaffGrant{Account: e.coord.Address(), Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"}, ""))
	return tr
}

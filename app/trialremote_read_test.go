package app

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// On node B, a joined trial's "Verify the log" checks B's kept export
// again against B's chain, and B maps no subject id (the pseudonyms are
// keyed on A): the trial's pages on B read both.
func TestRemoteTrial_verifyAndSubjectIDsOnB(t *testing.T) {
	if testing.Short() {
		t.Skip("runs geth")
	}
	ctx := t.Context()
	a, b, urlA, sam := twoTrialNodes(t, nil)
	cora := ByAccount("cora", "cora-pass")
	acct, err := b.CreateAccount(ctx, cora.name, cora.pass)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := a.RegisterTrial(ctx, sam, "Two-node trial", "NCT13300001", "protocol.pdf", strings.NewReader("%PDF two nodes"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthorizeStaff(ctx, sam, tr.Identifier, marketplace.StaffGrant{Account: acct.Address, Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "B"}); err != nil {
		t.Fatal(err)
	}
	if err := b.JoinTrial(ctx, urlA, tr.ID.Hex()); err != nil {
		t.Fatal(err)
	}
	// Joined but not read yet: nothing to verify.
	_, err = b.VerifyTrialLog(ctx, tr.ID.Hex())
	wantCode(t, err, marketplace.ENOTFOUND)
	if _, err := b.RecordTrialSteps(ctx, cora, tr.ID.Hex(), []StepInput{{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"weight_kg":81}`)}}); err != nil {
		t.Fatal(err)
	}
	rep, err := b.VerifyTrialLog(ctx, tr.Identifier)
	if err != nil || !rep.OK() || len(rep.Steps) != 3 {
		t.Fatalf("B verifies its copy: %+v, %v", rep, err)
	}
	ids, err := b.TrialSubjectIDs(ctx, tr.Identifier)
	if err != nil || len(ids) != 0 {
		t.Errorf("B's subject ids: %v, %v", ids, err)
	}
	_, err = b.TrialSubjectIDs(ctx, "NCT99999999")
	wantCode(t, err, marketplace.ENOTFOUND)
}

package app

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// A sponsor, a coordinator and a monitor on one node, each signing with
// its own key: the use cases the CLI and the pages call.
func TestTrialTeam_eachSignsForItself(t *testing.T) {
	ctx := t.Context()
	a, sponsor := sponsorApp(t, t.TempDir())
	defer closeApp(t, a)
	coord, monitor := ByAccount("cora", "cora-pass"), ByAccount("mo", "mo-pass")
	accounts := map[string]marketplace.Account{}
	for _, who := range []Actor{coord, monitor} {
		acct, err := a.CreateAccount(ctx, who.name, who.pass)
		if err != nil {
			t.Fatal(err)
		}
		accounts[who.name] = acct
	}
	if _, err := a.RegisterTrial(ctx, sponsor, "Team trial", "NCT13100001", "protocol.pdf", strings.NewReader("%PDF team")); err != nil {
		t.Fatal(err)
	}
	const ref = "NCT13100001"
	coordGrant := marketplace.StaffGrant{Account: accounts["cora"].Address, Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"}
	monGrant := marketplace.StaffGrant{Account: accounts["mo"].Address, Name: "Mo Monitor", Role: marketplace.RoleMonitor, Site: "A"}
	for _, g := range []marketplace.StaffGrant{coordGrant, monGrant} {
		if _, err := a.AuthorizeStaff(ctx, sponsor, ref, g); err != nil {
			t.Fatal(err)
		}
	}
	_, err := a.AuthorizeStaff(ctx, coord, ref, monGrant)
	wantCode(t, err, marketplace.EINVALID)
	es, err := a.RecordTrialSteps(ctx, coord, ref, []StepInput{{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"weight_kg":81}`)}})
	if err != nil {
		t.Fatal(err)
	}
	visit := es[0].Index
	q, err := a.RaiseQuery(ctx, monitor, ref, visit, "", "81 kg or 18 kg?")
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.RaiseQuery(ctx, coord, ref, visit, "", "a coordinator asks")
	wantCode(t, err, marketplace.EINVALID)
	ans, err := a.AnswerQuery(ctx, coord, ref, q.Index, "Corrected: 18 kg (child)", &StepInput{Type: "visit", Subject: "S-001",
		Data: json.RawMessage(`{"weight_kg":18}`), Corrects: &visit, Reason: "transcription error"})
	if err != nil || len(ans) != 2 {
		t.Fatalf("answer: %v %v", ans, err)
	}
	if _, err := a.CloseQuery(ctx, monitor, ref, q.Index, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.MarkVerified(ctx, monitor, ref, ans[0].Index, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.LockCasebook(ctx, sponsor, ref, "S-001", "", false); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("a lock without a reason: %v", err)
	}
	if _, err := a.LockCasebook(ctx, sponsor, ref, "S-001", "complete", false); err != nil {
		t.Fatal(err)
	}
	_, err = a.RecordTrialSteps(ctx, coord, ref, []StepInput{{Type: "visit", Subject: "S-001"}})
	wantCode(t, err, marketplace.EINVALID)
	if _, err := a.RevokeStaff(ctx, sponsor, ref, marketplace.StaffGrant{Account: monGrant.Account, Role: marketplace.RoleMonitor, Site: "A"}, "left"); err != nil {
		t.Fatal(err)
	}
	_, err = a.MarkVerified(ctx, monitor, ref, visit, "")
	wantCode(t, err, marketplace.EFORBIDDEN)

	tm, err := a.TrialTeam(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if roles, _ := a.TrialRolesOf(ctx, ref, accounts["mo"].Address); len(roles) != 0 {
		t.Errorf("a revoked monitor still holds %v", roles)
	}
	if ch := tm.Changes(); len(ch) != 3 || !ch[2].Revoked || ch[2].Grant.Name != "Mo Monitor" {
		t.Errorf("changes %+v", ch)
	}
	rep, err := a.VerifyTrialLog(ctx, ref)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !strings.Contains(rep.Summary(), "and 2 staff") {
		t.Errorf("summary: %s", rep.Summary())
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if marketplace.ErrorCode(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

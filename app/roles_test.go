package app

import (
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

func TestAccountRoles(t *testing.T) {
	ctx := t.Context()
	a, err := Open(ctx, Options{DataDir: t.TempDir(), LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)

	alice, err := a.CreateAccount(ctx, "alice", "pa")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := a.CreateAccount(ctx, "bob", "pb", marketplace.RoleResearcher, marketplace.RoleSponsor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateAccount(ctx, "carol", "pc", "doctor"); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("unknown role at creation: %v", err)
	}
	if accts, _ := a.Accounts(ctx); len(accts) != 2 {
		t.Errorf("an account was made despite the bad role: %v", accts)
	}
	if rs, err := a.AccountRoles(ctx, alice.Address); err != nil || rs.String() != "patient,researcher,sponsor" {
		t.Errorf("alice, no roles set: %v %v", rs, err)
	}
	if rs, _ := a.AccountRoles(ctx, bob.Address); rs.String() != "researcher,sponsor" {
		t.Errorf("bob: %v", rs)
	}

	// The session carries the roles read at sign-in, and a change shows at once.
	token, sess, err := a.SignIn(ctx, "bob", "pb")
	if err != nil {
		t.Fatal(err)
	}
	if sess.HasRole(marketplace.RolePatient) || !sess.HasRole(marketplace.RoleSponsor) {
		t.Errorf("session roles at sign-in: %v", sess.Roles)
	}
	rs, err := a.SetAccountRoles(ctx, BySession(token), []marketplace.Role{"patient"})
	if err != nil || rs.String() != "patient" {
		t.Fatalf("set own roles: %v %v", rs, err)
	}
	if sess, err := a.Session(ctx, token); err != nil || sess.Roles.String() != "patient" {
		t.Errorf("live session after change: %v %v", sess.Roles, err)
	}
	if rs, _ := a.AccountRoles(ctx, alice.Address); len(rs) != 3 {
		t.Errorf("another user's roles changed: %v", rs)
	}

	refuseBadRoles(t, a, BySession(token))

	setRolesByAccount(t, a)
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetAccountRoles(ctx, BySession(token), []marketplace.Role{"sponsor"}); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("ended session: %v", err)
	}
}

// refuseBadRoles: no roles, or a role that does not exist, is EINVALID
// naming the role.
func refuseBadRoles(t *testing.T, a *App, who Actor) {
	t.Helper()
	ctx := t.Context()
	for _, bad := range [][]marketplace.Role{nil, {"patient", "nurse"}} {
		_, err := a.SetAccountRoles(ctx, who, bad)
		if marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("roles %v: %v", bad, err)
		}
		if len(bad) > 1 && !strings.Contains(marketplace.ErrorMessage(err), `"nurse"`) {
			t.Errorf("the error does not name the role: %v", err)
		}
	}
}

// setRolesByAccount: by account, the passphrase is needed; nobody sets
// roles.
func setRolesByAccount(t *testing.T, a *App) {
	t.Helper()
	ctx := t.Context()
	// By account: the passphrase is needed.
	if _, err := a.SetAccountRoles(ctx, ByAccount("alice", "wrong"), []marketplace.Role{"sponsor"}); err == nil {
		t.Error("wrong passphrase accepted")
	}
	if rs, err := a.SetAccountRoles(ctx, ByAccount("alice", "pa"), []marketplace.Role{"sponsor"}); err != nil || rs.String() != "sponsor" {
		t.Errorf("by account: %v %v", rs, err)
	}
	if _, err := a.SetAccountRoles(ctx, Actor{}, []marketplace.Role{"sponsor"}); err == nil {
		t.Error("nobody set roles")
	}
}

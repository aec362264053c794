package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

func open(t *testing.T, dir string) *App {
	t.Helper()
	a, err := Open(t.Context(), Options{DataDir: dir, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// clockedApp opens an app in a fresh data dir on the test's clock, with
// light scrypt and the given session idle time (0: the default), closed
// when the test ends, and creates the named accounts with passphrase "pw".
func clockedApp(t *testing.T, now func() time.Time, idle time.Duration, accounts ...string) *App {
	t.Helper()
	a, err := Open(t.Context(), Options{DataDir: t.TempDir(), LightScrypt: true, Now: now, SessionIdle: idle})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, a)
	for _, name := range accounts {
		if _, err := a.CreateAccount(t.Context(), name, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// closedApps holds the apps a test closed itself (a restart), which the
// cleanup of closeAtEnd then leaves alone: a second Close fails.
var closedApps sync.Map

// closeNow closes a before the test ends.
func closeNow(a *App) error {
	closedApps.Store(a, true)
	return a.Close()
}

// closeApp closes a when a test is done with it and reports a failed close.
func closeApp(tb testing.TB, a *App) {
	tb.Helper()
	if err := closeNow(a); err != nil {
		tb.Errorf("close %s: %v", a.DataDir(), err)
	}
}

// closeAtEnd closes a when the test ends, unless the test closed it with
// closeNow or closeApp first.
func closeAtEnd(tb testing.TB, a *App) {
	tb.Cleanup(func() {
		if _, closed := closedApps.Load(a); !closed {
			closeApp(tb, a)
		}
	})
}

func TestOpen_createsPrivateDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	a := open(t, dir)
	defer closeApp(t, a)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, want 0700", fi.Mode().Perm())
	}
	if a.DataDir() != dir {
		t.Errorf("DataDir %q, want %q", a.DataDir(), dir)
	}
}

func TestOpen_secondOpenOfSameDirRefused(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir)
	_, err := Open(t.Context(), Options{DataDir: dir})
	if marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("second open: %v, want ECONFLICT", err)
	}
	if !strings.Contains(err.Error(), "in use by another medmarket process") {
		t.Errorf("message %q", err)
	}
	// The lock goes with the first App, and the store was left intact.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := open(t, dir)
	defer closeApp(t, b)
	st, err := b.Status(t.Context())
	if err != nil || st.Node.Starts != 2 {
		t.Fatalf("after reopen: starts %d, err %v", st.Node.Starts, err)
	}
}

func TestOpen_requiresDataDir(t *testing.T) {
	_, err := Open(t.Context(), Options{})
	if marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("err %v, want EINVALID", err)
	}
}

func TestRestart_keepsNodeState(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a, err := Open(t.Context(), Options{DataDir: dir, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RenameNode(t.Context(), "Clinic A"); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	b := open(t, dir)
	defer closeApp(t, b)
	st, err := b.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := marketplace.Node{Name: "Clinic A", Created: t0, Starts: 2}
	if st.Node != want {
		t.Errorf("node %+v, want %+v", st.Node, want)
	}
	if st.StoreKeys < 1 || st.Version != "test" {
		t.Errorf("status %+v", st)
	}
}

func TestRenameNode_validates(t *testing.T) {
	a := open(t, t.TempDir())
	defer closeApp(t, a)
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"Oncology group", true},
		{"", true},
		{"Ünïcode ✓", true},
		{strings.Repeat("é", 64), true},
		{strings.Repeat("x", 65), false},
		{" padded", false},
		{"line\nbreak", false},
		{"bad \xff utf8", false},
	} {
		_, err := a.RenameNode(t.Context(), tt.name)
		if tt.ok != (err == nil) {
			t.Errorf("RenameNode(%q): err %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && (marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.HasPrefix(marketplace.ErrorMessage(err), "Node name:")) {
			t.Errorf("RenameNode(%q): %v is not an EINVALID naming the field", tt.name, err)
		}
	}
}

type fakeDialogs struct {
	path string
	err  error
}

func (f fakeDialogs) OpenFile(context.Context, string, []FilePattern) (string, error) {
	return f.path, f.err
}

func TestDesktop_chooseDataFile(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "records.csv")
	fhir := filepath.Join(dir, "bundle.JSON")
	if err := os.WriteFile(csv, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fhir, []byte(`{"resourceType":"Bundle"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name    string
		dialogs fakeDialogs
		want    ChosenFile
		wantErr bool
	}{
		{"csv", fakeDialogs{path: csv}, ChosenFile{Path: csv, Name: "records.csv", Size: 8, Format: "csv"}, false},
		{"fhir", fakeDialogs{path: fhir}, ChosenFile{Path: fhir, Name: "bundle.JSON", Size: 25, Format: "fhir"}, false},
		{"cancelled", fakeDialogs{}, ChosenFile{}, false},
		{"vanished", fakeDialogs{path: filepath.Join(dir, "gone.csv")}, ChosenFile{}, true},
		{"dialog failed", fakeDialogs{err: errors.New("no display")}, ChosenFile{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDesktop(nil, tt.dialogs)
			got, err := d.ChooseDataFile()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, err=%v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSessions(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	a := clockedApp(t, clock, time.Minute, "alice")
	ctx := t.Context()
	if _, _, err := a.SignIn(ctx, "alice", "wrong"); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, _, err := a.SignIn(ctx, "bob", "pw"); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("unknown account: %v", err) // as a wrong passphrase: names are not revealed
	}
	token, sess, err := a.SignIn(ctx, "alice", "pw")
	if err != nil || sess.Account.Name != "alice" {
		t.Fatalf("sign in: %v", err)
	}
	if strings.Contains(sess.ID, token) || len(token) < 40 {
		t.Errorf("session id %q reveals token %q, or the token is short", sess.ID, token)
	}
	if got, err := a.Session(ctx, token); err != nil || got.Account != sess.Account {
		t.Fatalf("session: %+v, %v", got, err)
	}
	if sg, err := a.sessionSigner(ctx, token); err != nil || sg.Address() != sess.Address() {
		t.Fatalf("signer: %v", err)
	}
	if _, err := a.Session(ctx, "forged-token"); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("forged token: %v", err)
	}
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, token); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("after sign-out: %v", err)
	}
	if _, err := a.sessionSigner(ctx, token); err == nil {
		t.Error("signer still usable after sign-out")
	}
}

// Idle expiry and the sweep of idle sessions are tested with an injected
// clock in session_test.go (TestSession_touchesTheStoreAtMostEveryMinute,
// TestLockIdleSessions_byTheInjectedClock).

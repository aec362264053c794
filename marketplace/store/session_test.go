package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// A session record expires at the time it was given, by the caller's clock:
// no wall-clock time passes in this test.
func TestSession_expiresByTheCallersClock(t *testing.T) {
	s := openTempStore(t)
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	sess := marketplace.Session{ID: "s1", Account: marketplace.Account{Name: "alice"}, Created: t0, LastSeen: t0}
	if err := s.PutSession(ctx, sess, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		at   time.Duration
		live bool
	}{
		{"at once", 0, true},
		{"a second before its expiry", 10*time.Minute - time.Second, true},
		{"at its expiry", 10 * time.Minute, false},
		{"a day later", 24 * time.Hour, false},
	} {
		now := t0.Add(tt.at)
		live, err := s.SessionLive(ctx, "s1", now)
		if err != nil || live != tt.live {
			t.Errorf("%s: live %v, %v; want %v", tt.name, live, err, tt.live)
		}
		got, err := s.Session(ctx, "s1", now)
		if tt.live && (err != nil || got.Account.Name != "alice") {
			t.Errorf("%s: session %+v, %v", tt.name, got, err)
		}
		if !tt.live && marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
			t.Errorf("%s: expired session read: %v", tt.name, err)
		}
		if _, err := s.TouchSession(ctx, "s1", now, now.Add(time.Hour)); !tt.live && marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
			t.Errorf("%s: expired session touched: %v", tt.name, err)
		}
		if tt.live {
			// The touch above moved the expiry on: put the original back.
			if err := s.PutSession(ctx, sess, t0.Add(10*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A touch writes LastSeen and moves the expiry; the record, expiry
// included, survives a reopen of the database.
func TestTouchSession_movesTheExpiryDurably(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := s.PutSession(ctx, marketplace.Session{ID: "s1", Created: t0, LastSeen: t0}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(50 * time.Second)
	got, err := s.TouchSession(ctx, "s1", t1, t1.Add(time.Minute))
	if err != nil || !got.LastSeen.Equal(t1) {
		t.Fatalf("touch: %+v, %v", got, err)
	}
	s = reopenStore(t, s, path)
	if got, err := s.Session(ctx, "s1", t0.Add(time.Minute+time.Second)); err != nil || !got.LastSeen.Equal(t1) {
		t.Errorf("after the old expiry and a reopen: %+v, %v", got, err)
	}
	if live, err := s.SessionLive(ctx, "s1", t1.Add(time.Minute)); err != nil || live {
		t.Errorf("at the new expiry: live %v, %v", live, err)
	}
}

// The sweep deletes the records expired by the clock it is given and keeps
// the others, including a record written before expiries were stored.
func TestSweepSessions_deletesOnlyExpiredRecords(t *testing.T) {
	s := openTempStore(t)
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for id, expires := range map[string]time.Duration{"old": time.Minute, "due": 2 * time.Minute, "young": time.Hour} {
		if err := s.PutSession(ctx, marketplace.Session{ID: id}, t0.Add(expires)); err != nil {
			t.Fatal(err)
		}
	}
	legacy := marketplace.Session{ID: "legacy"}
	if err := s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, sessionPrefix+legacy.ID, legacy) }); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(2 * time.Minute)
	if n, err := s.SweepSessions(ctx, now); err != nil || n != 2 {
		t.Fatalf("swept %d, %v; want old and due", n, err)
	}
	for id, want := range map[string]bool{"old": false, "due": false, "young": true, "legacy": true} {
		// Read at t0, before any expiry: what is gone was deleted.
		if live, err := s.SessionLive(ctx, id, t0); err != nil || live != want {
			t.Errorf("%s after the sweep: live %v, %v; want %v", id, live, err, want)
		}
	}
	if n, err := s.SweepSessions(ctx, now); err != nil || n != 0 {
		t.Errorf("second sweep: %d, %v", n, err)
	}
}

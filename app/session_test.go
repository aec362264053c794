package app

import (
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// A session used every 10 s has its store record written at most once a
// minute (each write is an fsync), and still ends after the idle time
// counted from its last use, which lives in memory between writes.
func TestSession_touchesTheStoreAtMostEveryMinute(t *testing.T) {
	clock := newFakeClock()
	const idle = 5 * time.Minute
	a := clockedApp(t, clock.Now, idle, "alice")
	ctx := t.Context()
	token, sess, err := a.SignIn(ctx, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	// Each write of the record moves its LastSeen: count the moves.
	writes, last := 0, sess.LastSeen
	for range 60 { // ten minutes of use, past twice the idle time
		clock.Advance(10 * time.Second)
		got, err := a.Session(ctx, token)
		if err != nil {
			t.Fatalf("session ended while in use: %v", err)
		}
		if !got.LastSeen.Equal(clock.Now()) {
			t.Errorf("LastSeen %v, want the use at %v", got.LastSeen, clock.Now())
		}
		stored, err := a.store.Session(ctx, sess.ID, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !stored.LastSeen.Equal(last) {
			writes++
			last = stored.LastSeen
		}
	}
	if writes > 10 {
		t.Errorf("%d writes in 10 minutes of use every 10 s, want at most one a minute", writes)
	}
	if writes < 9 {
		t.Errorf("%d writes in 10 minutes: the record is not kept up", writes)
	}
	// Idle expiry counts from the last use, not the last write.
	clock.Advance(idle - time.Second)
	if _, err := a.Session(ctx, token); err != nil {
		t.Fatalf("session ended before the idle time: %v", err)
	}
	key := a.signers.get(sess.ID)
	clock.Advance(idle + time.Second)
	if _, err := a.Session(ctx, token); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("idle session still alive: %v", err)
	}
	if _, err := key.SignPersonal([]byte("x")); err == nil {
		t.Error("the expired session's key still signs")
	}
	if live, _ := a.store.SessionLive(ctx, sess.ID, clock.Now()); live {
		t.Error("the expired session's record is still in the store")
	}
}

// The node's sweep locks a session idle by the clock even though its store
// record (written a minute ago at most) has not expired.
func TestLockIdleSessions_byTheInjectedClock(t *testing.T) {
	clock := newFakeClock()
	a := clockedApp(t, clock.Now, 5*time.Minute, "alice", "bob")
	ctx := t.Context()
	alice, _, _ := a.SignIn(ctx, "alice", "pw")
	bob, _, _ := a.SignIn(ctx, "bob", "pw")
	for range 4 {
		clock.Advance(2 * time.Minute)
		if _, err := a.Session(ctx, alice); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := a.LockIdleSessions(ctx); err != nil || n != 1 {
		t.Fatalf("locked %d, %v; want bob's", n, err)
	}
	if _, err := a.Session(ctx, bob); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("bob's idle session: %v", err)
	}
	if _, err := a.sessionSigner(ctx, alice); err != nil {
		t.Errorf("alice's live session lost its key: %v", err)
	}
}

// A restart forgets the keys; the session records it leaves in the store
// expire by the injected clock and the sweep deletes them.
func TestLockIdleSessions_sweepsRecordsARestartOrphaned(t *testing.T) {
	clock := newFakeClock()
	dir := t.TempDir()
	opts := Options{DataDir: dir, LightScrypt: true, Now: clock.Now, SessionIdle: 5 * time.Minute}
	a, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := a.CreateAccount(ctx, "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	token, sess, err := a.SignIn(ctx, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := closeNow(a); err != nil {
		t.Fatal(err)
	}
	a, err = Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	if live, err := a.store.SessionLive(ctx, sess.ID, clock.Now()); err != nil || !live {
		t.Fatalf("the record after the restart: live %v, %v", live, err)
	}
	if n, err := a.LockIdleSessions(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before the expiry: locked %d, %v", n, err)
	}
	if live, _ := a.store.SessionLive(ctx, sess.ID, clock.Now()); !live {
		t.Fatal("the sweep deleted a record before its expiry")
	}
	clock.Advance(a.sessionIdle + a.touchEvery())
	if _, err := a.LockIdleSessions(ctx); err != nil {
		t.Fatal(err)
	}
	// Read at the time of sign-in: only a deleted record reads as gone.
	if live, err := a.store.SessionLive(ctx, sess.ID, sess.Created); err != nil || live {
		t.Errorf("the expired record after the sweep: live %v, %v", live, err)
	}
	if _, err := a.Session(ctx, token); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("the token after the restart: %v", err)
	}
}

// BenchmarkSession_use is one signed-in request's session check.
func BenchmarkSession_use(b *testing.B) {
	a, err := Open(b.Context(), Options{DataDir: b.TempDir(), LightScrypt: true})
	if err != nil {
		b.Fatal(err)
	}
	defer closeApp(b, a)
	if _, err := a.CreateAccount(b.Context(), "alice", "pw"); err != nil {
		b.Fatal(err)
	}
	token, _, err := a.SignIn(b.Context(), "alice", "pw")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := a.Session(b.Context(), token); err != nil {
			b.Fatal(err)
		}
	}
}

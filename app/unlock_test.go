package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// fakeClock is an injectable clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// waitUntil polls cond until it holds, failing after a generous deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// 8 concurrent wrong passphrases (each scrypt 256 MiB at standard cost)
// never run more than the bound at once: the hook holds each scrypt until
// the test lets it go, and records how many ran together.
func TestUnlock_concurrencyNeverExceedsTheBound(t *testing.T) {
	a, err := Open(t.Context(), Options{DataDir: t.TempDir(), LightScrypt: true, MaxUnlocks: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	const n = 8
	for i := range n {
		if _, err := a.CreateAccount(t.Context(), fmt.Sprintf("user%d", i), "pw"); err != nil {
			t.Fatal(err)
		}
	}
	var inFlight, most, entered atomic.Int32
	release := make(chan struct{})
	a.guard.onScrypt = func(delta int) {
		if delta > 0 {
			now := inFlight.Add(1)
			entered.Add(1)
			for {
				m := most.Load()
				if now <= m || most.CompareAndSwap(m, now) {
					break
				}
			}
			<-release
			return
		}
		inFlight.Add(-1)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx := WithClient(context.Background(), fmt.Sprintf("192.0.2.%d:4000", i))
			if _, _, err := a.SignIn(ctx, fmt.Sprintf("user%d", i), "wrong"); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
				t.Errorf("user%d: %v, want EFORBIDDEN", i, err)
			}
		})
	}
	for done := 0; done < n; done++ {
		want := int32(min(2, n-done))
		waitUntil(t, fmt.Sprintf("%d scrypts running", want), func() bool { return inFlight.Load() == want && entered.Load() >= int32(done)+want })
		release <- struct{}{}
	}
	wg.Wait()
	if got := most.Load(); got > 2 {
		t.Errorf("%d scrypts ran at once, want at most 2", got)
	}
	if got := entered.Load(); got != n {
		t.Errorf("%d scrypts ran, want %d", got, n)
	}
}

// A waiting unlock gives up with its request.
func TestUnlock_waitRespectsContext(t *testing.T) {
	a, err := Open(t.Context(), Options{DataDir: t.TempDir(), LightScrypt: true, MaxUnlocks: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	if _, err := a.CreateAccount(t.Context(), "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	a.guard.onScrypt = func(delta int) {
		if delta > 0 {
			close(held)
			<-hold
		}
	}
	first := make(chan error, 1)
	go func() {
		_, _, err := a.SignIn(t.Context(), "alice", "pw")
		first <- err
	}()
	<-held
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err = a.SignIn(ctx, "alice", "pw")
	close(hold)
	if err := <-first; err != nil {
		t.Errorf("the unlock holding the slot: %v", err)
	}
	if marketplace.ErrorCode(err) != marketplace.EUNAVAILABLE {
		t.Errorf("unlock with a cancelled request while the slot is taken: %v, want EUNAVAILABLE", err)
	}
}

// After repeated failures an account, and a client, wait: refused at once
// (no scrypt) with the wait named, the right passphrase included, until the
// clock passes the wait. Unknown accounts and wrong passphrases read the same.
func TestUnlock_backsOffPerAccountAndPerClient(t *testing.T) {
	clock := newFakeClock()
	a := clockedApp(t, clock.Now, 0)
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		if _, err := a.CreateAccount(t.Context(), n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
	}
	var scrypts atomic.Int32
	a.guard.onScrypt = func(d int) {
		if d > 0 {
			scrypts.Add(1)
		}
	}
	_, _, wrong := a.SignIn(t.Context(), "alice", "nope")
	_, _, unknown := a.SignIn(t.Context(), "zed", "nope")
	if marketplace.ErrorCode(wrong) != marketplace.EFORBIDDEN || marketplace.ErrorMessage(wrong) != marketplace.ErrorMessage(unknown) ||
		marketplace.ErrorCode(unknown) != marketplace.EFORBIDDEN {
		t.Errorf("wrong passphrase %q and unknown account %q read differently", wrong, unknown)
	}

	// Per account: from many addresses, five failures, then a wait.
	for i := 1; i < accountFreeFailures; i++ {
		ctx := WithClient(t.Context(), fmt.Sprintf("198.51.100.%d:1", i))
		if _, _, err := a.SignIn(ctx, "alice", "nope"); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	before := scrypts.Load()
	ctx := WithClient(t.Context(), "203.0.113.9:1")
	_, _, err := a.SignIn(ctx, "alice", "alice-pass")
	if wait, ok := RetryAfter(err); !ok || wait != 30*time.Second {
		t.Fatalf("after 5 failures: %v (wait %v), want a 30 s wait", err, wait)
	}
	if got := marketplace.ErrorMessage(err); got != "Too many failed attempts for this account; try again in 30 s." {
		t.Errorf("message %q", got)
	}
	if scrypts.Load() != before {
		t.Error("a refused attempt still ran scrypt")
	}
	clock.Advance(31 * time.Second)
	if _, _, err := a.SignIn(ctx, "ALICE", "alice-pass"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}

	// Per client: ten failures spread over accounts, then the client waits
	// (any account), while another client does not.
	attacker := WithClient(t.Context(), "192.0.2.66:5555")
	for i, n := range []string{"bob", "carol", "dave", "erin", "bob", "carol", "dave", "erin", "bob", "carol"} {
		if _, _, err := a.SignIn(attacker, n, "guess"); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
			t.Fatalf("client failure %d: %v", i+1, err)
		}
	}
	_, _, err = a.SignIn(WithClient(t.Context(), "192.0.2.66:6000"), "frank", "frank-pass")
	if _, ok := RetryAfter(err); !ok || !strings.Contains(marketplace.ErrorMessage(err), "your address") {
		t.Fatalf("eleventh attempt of the client: %v, want a wait for the address", err)
	}
	if _, _, err := a.SignIn(WithClient(t.Context(), "192.0.2.67:1"), "frank", "frank-pass"); err != nil {
		t.Errorf("another client refused: %v", err)
	}
	// IPv6: one /64 is one client.
	if clientOf("[2001:db8:1:2::5]:443") != clientOf("[2001:db8:1:2:ffff::9]:80") || clientOf("[2001:db8:1:3::5]:443") == clientOf("[2001:db8:1:2::5]:443") {
		t.Error("IPv6 clients are not told apart by /64")
	}
}

// A client creates a bounded number of accounts an hour.
func TestCreateAccount_rateLimitedPerClient(t *testing.T) {
	clock := newFakeClock()
	a := clockedApp(t, clock.Now, 0)
	ctx := WithClient(t.Context(), "192.0.2.1:1")
	for i := range creationsPerClient {
		if _, _, err := a.SignUp(ctx, fmt.Sprintf("user%d", i), "a long passphrase"); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := a.SignUp(ctx, "onemore", "a long passphrase")
	if wait, ok := RetryAfter(err); !ok || wait != time.Hour {
		t.Fatalf("creation past the limit: %v, want a wait of an hour", err)
	}
	clock.Advance(time.Hour)
	if _, _, err := a.SignUp(ctx, "onemore", "a long passphrase"); err != nil {
		t.Errorf("after the hour: %v", err)
	}
}

// Probing names through account creation (a taken name answers ECONFLICT
// at no scrypt cost) counts as failures of the client, which then waits.
func TestCreateAccount_probingTakenNamesBacksOff(t *testing.T) {
	a := clockedApp(t, newFakeClock().Now, 0, "alice")
	ctx := WithClient(t.Context(), "192.0.2.1:1")
	for i := range clientFreeFailures {
		if _, _, err := a.SignUp(ctx, "alice", "a long passphrase"); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
			t.Fatalf("probe %d: %v", i+1, err)
		}
	}
	if _, _, err := a.SignUp(ctx, "alice", "a long passphrase"); !isWait(err) {
		t.Errorf("probe past the failures: %v, want a wait", err)
	}
}

func isWait(err error) bool { _, ok := RetryAfter(err); return ok }

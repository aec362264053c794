package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

func TestAnchor_writesTheCheckpointOnChainAndRecordsIt(t *testing.T) {
	c := newSimChain(t)
	tl := newAnchoredLog(t, c, "NCT-ANCHOR")
	tl.appendN(10, 10)
	rec := tl.anchor()
	cp, _ := tl.l.LatestCheckpoint(ctx, tl.id)
	if rec.TreeSize != 10 || rec.RootHash != common.Hash(cp.Root) || rec.TxHash == (common.Hash{}) || rec.Block == 0 || rec.Time.IsZero() {
		t.Fatalf("receipt %+v for checkpoint %+v", rec, cp)
	}
	on, err := c.anchorer().Latest(ctx, tl.id)
	if err != nil || on.TreeSize != 10 || on.RootHash != rec.RootHash {
		t.Fatalf("chain latest = %+v, %v", on, err)
	}
	found, err := c.anchorer().FindAnchor(ctx, tl.id, 10)
	if err != nil || found.TxHash != rec.TxHash || found.Block != rec.Block {
		t.Fatalf("FindAnchor = %+v, %v; want %+v", found, err, rec)
	}
	if _, err := c.anchorer().FindAnchor(ctx, tl.id, 11); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("FindAnchor of an unanchored size: %v", err)
	}
	// Nothing new: no transaction.
	n := c.nonce()
	if again := tl.anchor(); again.TxHash != rec.TxHash || c.nonce() != n {
		t.Errorf("second Anchor sent a transaction: %+v", again)
	}
	st, err := tl.l.Status(ctx, tl.id)
	if err != nil || st.Size != 10 || st.Unanchored != 0 || st.Anchor == nil || st.Anchor.TxHash != rec.TxHash || st.Checkpoint.Size != 10 {
		t.Errorf("Status = %+v, %v", st, err)
	}
}

func TestAnchor_unregisteredTrialIsNotFound(t *testing.T) {
	c := newSimChain(t)
	tl := newTestLog(t, true)
	tl.cfg.Anchorer = c.anchorer()
	tl.open()
	tl.appendN(3, 3)
	if _, err := tl.l.Anchor(ctx, tl.id); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("Anchor of an unregistered trial: %v", err)
	}
}

// One transaction per checkpoint whatever the number of entries: a later
// anchor costs the same after 10 entries as after 10,000.
func TestAnchor_gasIsIndependentOfEntryCount(t *testing.T) {
	c := newSimChain(t)
	gas := map[uint64][2]uint64{}
	for _, n := range []uint64{10, 10_000} {
		tl := newAnchoredLog(t, c, "NCT-GAS-"+string(rune('0'+len(gas))))
		tl.appendN(1, 1)
		first := tl.anchor()
		nonce := c.nonce()
		tl.appendN(n, 1000)
		later := tl.anchor()
		if c.nonce() != nonce+1 {
			t.Errorf("%d entries: %d transactions for one checkpoint", n, c.nonce()-nonce)
		}
		gas[n] = [2]uint64{first.GasUsed, later.GasUsed}
		t.Logf("anchor gas: first checkpoint %d; checkpoint after %d entries %d", first.GasUsed, n, later.GasUsed)
	}
	a, b := gas[10][1], gas[10_000][1]
	if d := max(a, b) - min(a, b); d > 300 {
		t.Errorf("anchor gas after 10 entries %d, after 10,000 %d: differ by %d", a, b, d)
	}
	if a > 40_000 || b > 40_000 {
		t.Errorf("anchor gas %d / %d over the 40,000 target", a, b)
	}
}

// A crash between the mined anchor transaction and its record: on restart
// the ledger finds the anchor on chain, records it with its transaction, and
// sends nothing twice.
func TestAnchor_crashAfterTxBeforeRecordIsReconciled(t *testing.T) {
	c := newSimChain(t)
	tl := newAnchoredLog(t, c, "NCT-CRASH-ANCHOR")
	tl.appendN(5, 5)
	first := tl.anchor()
	tl.appendN(50, 7)
	crash := errors.New("crash")
	tl.l.afterAnchorTx = func() error { return crash }
	if _, err := tl.l.Anchor(ctx, tl.id); !errors.Is(err, crash) {
		t.Fatalf("Anchor with the crash hook: %v", err)
	}
	mined, err := c.anchorer().FindAnchor(ctx, tl.id, 50)
	if err != nil {
		t.Fatalf("the anchor transaction was not mined: %v", err)
	}
	ancs, _ := tl.l.Anchors(ctx, tl.id)
	if len(ancs) != 1 || ancs[0].TxHash != first.TxHash {
		t.Fatalf("records before restart: %+v", ancs)
	}
	nonce := c.nonce()

	tl.reopen() // the hook is gone with the old Ledger
	rec, err := tl.l.Anchor(ctx, tl.id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.TxHash != mined.TxHash || rec.Block != mined.Block || rec.TreeSize != 50 {
		t.Errorf("after restart Anchor = %+v, want the mined %+v", rec, mined)
	}
	if c.nonce() != nonce {
		t.Errorf("restart sent %d more anchor transactions", c.nonce()-nonce)
	}
	ancs, _ = tl.l.Anchors(ctx, tl.id)
	if len(ancs) != 2 || ancs[1].TxHash != mined.TxHash {
		t.Errorf("records after restart: %+v", ancs)
	}
	if rep, err := tl.l.Check(ctx, tl.id); err != nil {
		t.Errorf("Check: %v\n%v", err, rep.Findings)
	}
	b, err := tl.l.Export(ctx, tl.id)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(ctx, b, VerifyOptions{Chain: c.anchorer()}); err != nil {
		t.Errorf("Verify: %v\n%v", err, rep.Failures())
	}
}

// Reconcile alone (the scheduler runs it at start) records the lost anchor.
func TestReconcile_recordsAnAnchorTheStoreMissed(t *testing.T) {
	c := newSimChain(t)
	tl := newAnchoredLog(t, c, "NCT-RECONCILE")
	tl.appendN(20, 20)
	rec := tl.anchor()
	tl.del(anchorKey(tl.id.hex(), 20)) // as if the record never made it to disk
	if err := tl.l.Reconcile(ctx, tl.id); err != nil {
		t.Fatal(err)
	}
	ancs, _ := tl.l.Anchors(ctx, tl.id)
	if len(ancs) != 1 || ancs[0].TxHash != rec.TxHash || ancs[0].RootHash != rec.RootHash {
		t.Fatalf("records after Reconcile: %+v, want %+v", ancs, rec)
	}
	// A chain anchor the log never signed is a conflict.
	other := newAnchoredLog(t, c, "NCT-RECONCILE-2")
	other.appendN(3, 3)
	other.anchor()
	other.del(checkpointKey(other.id.hex(), 3))
	other.del(anchorKey(other.id.hex(), 3))
	if err := other.l.Reconcile(ctx, other.id); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("Reconcile with an unsigned chain anchor: %v", err)
	}
}

func TestRunAnchoring_anchorsEveryNEntriesAndOnTime(t *testing.T) {
	c := newSimChain(t)
	tl := newAnchoredLog(t, c, "NCT-SCHED")
	runCtx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() { done <- tl.l.RunAnchoring(runCtx, AnchorPolicy{EveryEntries: 100}) }()
	for range 9 {
		tl.appendN(tlSize(tl)+10, 10)
	}
	time.Sleep(100 * time.Millisecond)
	if s, _ := tl.l.Status(ctx, tl.id); s.Anchor != nil {
		t.Fatalf("anchored at %d entries, before 100", s.Size)
	}
	tl.appendN(100, 10)
	waitFor(t, func() bool { s, _ := tl.l.Status(ctx, tl.id); return s.Anchor != nil && s.Anchor.TreeSize == 100 })
	for range 25 {
		tl.appendN(tlSize(tl)+10, 10)
	}
	// Whatever the timing, fewer than 100 entries stay unanchored.
	waitFor(t, func() bool { s, _ := tl.l.Status(ctx, tl.id); return s.Anchor != nil && s.Unanchored < 100 })
	ancs, _ := tl.l.Anchors(ctx, tl.id)
	for i := 1; i < len(ancs); i++ {
		if ancs[i].TreeSize-ancs[i-1].TreeSize < 100 {
			t.Errorf("anchors at %d and %d: fewer than 100 entries apart", ancs[i-1].TreeSize, ancs[i].TreeSize)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// On time: a few entries get anchored within the interval.
	runCtx, cancel = contextWithCancel()
	defer cancel()
	go func() { done <- tl.l.RunAnchoring(runCtx, AnchorPolicy{Every: 20 * time.Millisecond}) }()
	tl.appendN(tlSize(tl)+3, 3)
	waitFor(t, func() bool { s, _ := tl.l.Status(ctx, tl.id); return s.Unanchored == 0 })
	s, _ := tl.l.Status(ctx, tl.id)
	if s.Anchor.TreeSize != 353 || s.LastError != "" {
		t.Errorf("status %+v", s)
	}
}

func tlSize(t *testLog) uint64 {
	th, _ := t.l.Head(ctx, t.id)
	return th.Size
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A policy's Only keeps the scheduler to the logs it accepts: a log the
// anchorer cannot anchor (no trial registered for it) is neither anchored
// nor reported failing, while the accepted log is anchored on time.
func TestRunAnchoring_onlyTheLogsThePolicyCovers(t *testing.T) {
	c := newSimChain(t)
	tl := newAnchoredLog(t, c, "NCT-ONLY")
	other := logID("questions-of-a-listing")
	if _, err := tl.l.AppendBatch(ctx, other, leaves(0, 3)); err != nil {
		t.Fatal(err)
	}
	tl.appendN(3, 3)
	runCtx, cancel := contextWithCancel()
	done := make(chan error, 1)
	only := func(_ context.Context, id LogID) bool { return id == tl.id }
	go func() {
		done <- tl.l.RunAnchoring(runCtx, AnchorPolicy{Every: 20 * time.Millisecond, EveryEntries: 1, Only: only})
	}()
	waitFor(t, func() bool { s, _ := tl.l.Status(ctx, tl.id); return s.Unanchored == 0 })
	if _, err := tl.l.AppendBatch(ctx, other, leaves(3, 2)); err != nil { // wakes the count trigger too
		t.Fatal(err)
	}
	tl.appendN(5, 2)
	waitFor(t, func() bool { s, _ := tl.l.Status(ctx, tl.id); return s.Unanchored == 0 && s.Size == 5 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s, err := tl.l.Status(ctx, other); err != nil || s.Anchor != nil || s.LastError != "" || s.Unanchored != 5 {
		t.Errorf("the uncovered log: %+v, %v", s, err)
	}
}

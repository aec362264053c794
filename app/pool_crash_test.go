package app

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/pools"
)

// joinedPool opens a node running a pool (k = 2, alice operating) that
// four patients joined: two 1960s women and two 1960s men, all kept.
func joinedPool(t *testing.T) (*App, common.Address, []common.Address) {
	t.Helper()
	files := patientFiles(t, 16, 5, 18, 19)
	a, hub := poolHub(t)
	cfg, err := a.CreatePool(context.Background(), ByAccount("alice", "pw"), poolRequest(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	return a, cfg.Contract, joinPatients(t, a, hub, cfg.Contract, files)
}

var errCrash = errors.New("crash")

// crashAt makes the next publish step named step fail, as a crash there would.
func crashAt(a *App, step string) {
	a.SetPublishHook(func(s string) error {
		if s == step {
			return errCrash
		}
		return nil
	})
}

// TestPool_releaseInterruptedAfterListingIsFinishedNotRepeated: a crash
// between the version's listing and its log entry leaves a pending
// release; the next release finds the listing on chain and logs it, once.
func TestPool_releaseInterruptedAfterListingIsFinishedNotRepeated(t *testing.T) {
	ctx := context.Background()
	a, pool, _ := joinedPool(t)
	crashAt(a, StepPoolListed)
	if _, err := a.ReleasePool(ctx, ByAccount("alice", "pw"), pool); !errors.Is(err, errCrash) {
		t.Fatalf("release: %v", err)
	}
	a.SetPublishHook(nil)
	if _, err := a.store.PendingRelease(ctx, pool); err != nil {
		t.Fatalf("no pending release after the crash: %v", err)
	}
	v, err := a.ReleasePool(ctx, ByAccount("alice", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if v.Release.Version != 1 || v.TxHash != (common.Hash{}) {
		t.Fatalf("finished release %+v: want version 1, listed before (no new transaction)", v)
	}
	if _, err := a.ReleasePool(ctx, ByAccount("alice", "pw"), pool); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("a version holding what the last one holds: %v", err)
	}
	if _, err := a.store.PendingRelease(ctx, pool); err == nil {
		t.Error("the release is still pending")
	}
	var releases int
	if err := a.withPoolLog(ctx, pool, func(pl *poolLog) error { releases = len(pl.st.Releases); return nil }); err != nil || releases != 1 {
		t.Fatalf("log holds %d releases, %v", releases, err)
	}
}

// TestPool_payoutInterruptedAfterTheLogIsPostedNext: a round in the log
// but not on chain is posted by the next payout, as logged.
func TestPool_payoutInterruptedAfterTheLogIsPostedNext(t *testing.T) {
	ctx := context.Background()
	a, pool, _ := joinedPool(t)
	v, err := a.ReleasePool(ctx, ByAccount("alice", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), v.Listing, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	crashAt(a, StepRoundLogged)
	if _, err := a.PostPoolPayout(ctx, ByAccount("alice", "pw"), pool); !errors.Is(err, errCrash) {
		t.Fatalf("payout: %v", err)
	}
	a.SetPublishHook(nil)
	pp := contracts.NewPoolPayouts()
	if n, err := callAt(ctx, a, pool, pp.PackRound(), pp.UnpackRound); err != nil || n != 0 {
		t.Fatalf("rounds on chain after the crash: %d, %v", n, err)
	}
	pay, err := a.PostPoolPayout(ctx, ByAccount("alice", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if pay.Round.Number != 1 || pay.Round.Total.Cmp(ether("0.01")) != 0 {
		t.Fatalf("posted %+v", pay.Round)
	}
	if check, err := a.VerifyPool(ctx, "", pool); err != nil || !check.OK() {
		t.Fatalf("verify: %+v, %v", check, err)
	}
}

// TestPool_verifyNamesTheShareAnOperatorChanged: an operator who moves
// one wei of a patient's share to itself posts a root nobody else
// computes from the log and the chain; verify says so and names both
// accounts.
func TestPool_verifyNamesTheShareAnOperatorChanged(t *testing.T) {
	ctx := context.Background()
	a, pool, patients := joinedPool(t)
	v, err := a.ReleasePool(ctx, ByAccount("alice", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), v.Listing, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	// The operator's node, dishonest: its own round, by hand.
	sg := unlockForTest(t, a, "alice")
	if _, err := a.sendTo(ctx, sg, pool, nil, contracts.NewPoolPayouts().PackCollect()); err != nil {
		t.Fatal(err)
	}
	head, err := a.chain.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = a.withPoolLog(ctx, pool, func(pl *poolLog) error {
		sales, err := a.poolSales(ctx, pool, head)
		if err != nil {
			return err
		}
		ents, err := pools.Entitlements(pl.st, sales, head)
		if err != nil {
			return err
		}
		for i := range ents {
			switch ents[i].Account {
			case patients[0]:
				ents[i].Cumulative = new(big.Int).Sub(ents[i].Cumulative, big.NewInt(1))
			case addr(t, a, "alice"):
				ents[i].Cumulative = new(big.Int).Add(ents[i].Cumulative, big.NewInt(1))
			}
		}
		tree, err := pools.BuildTree(ents)
		if err != nil {
			return err
		}
		r := &pools.Round{Number: 1, UpToBlock: head, Root: tree.Root(), Total: tree.Total(), At: a.now().UTC().Truncate(1e9)}
		ej, _ := json.Marshal(ents)
		if err := a.store.PutPoolRound(ctx, pool, 1, ej); err != nil {
			return err
		}
		if _, err := a.appendPoolEntry(ctx, pool, pl, pools.Entry{Kind: pools.KindRound, Round: r}); err != nil {
			return err
		}
		_, err = a.sendTo(ctx, sg, pool, nil, contracts.NewPoolPayouts().PackPostRound(r.Root, r.Total))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	check, err := a.VerifyPool(ctx, "", pool)
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Join(check.Problems, "\n")
	if check.OK() || !strings.Contains(msg, patients[0].Hex()) || !strings.Contains(msg, addr(t, a, "alice").Hex()) {
		t.Fatalf("verify of a changed share: %s", msg)
	}
}

// TestPool_aPatientsNodeRefusesALogUnderAnotherKey: the log key a patient
// saw when joining is pinned; a log the hub serves under another key
// (a rewritten history) is refused.
func TestPool_aPatientsNodeRefusesALogUnderAnotherKey(t *testing.T) {
	ctx := context.Background()
	a, pool, patients := joinedPool(t)
	m, err := a.store.Membership(ctx, pool, patients[0])
	if err != nil || m.LogKey == "" {
		t.Fatalf("membership %+v, %v: no log key pinned", m, err)
	}
	if _, err := a.PoolStandingOf(ctx, "", pool, patients[0]); err != nil {
		t.Fatal(err)
	}
	m.LogKey = "medmarket-ledger+00000000+AAAA"
	if err := a.store.PutMembership(ctx, m); err != nil {
		t.Fatal(err)
	}
	_, err = a.PoolStandingOf(ctx, "", pool, patients[0])
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "another key") {
		t.Fatalf("a log under another key: %v", err)
	}
}

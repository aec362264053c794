package app

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// TestPoolShares: the shares of the latest round list every contributor
// and the operator's fee, what each can claim, and nothing claimable once
// paid; a pool with no round says so.
func TestPoolShares(t *testing.T) {
	ctx := context.Background()
	a, hubURL, pool, listing := releasedPool(t)
	if _, _, err := a.PoolShares(ctx, "", pool); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("shares before any round: %v", err)
	}
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), listing, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PostPoolPayout(ctx, ByAccount("alice", "pw"), pool); err != nil {
		t.Fatal(err)
	}
	n, shares, err := a.PoolShares(ctx, "", pool)
	if err != nil || n != 1 || len(shares) != 3 {
		t.Fatalf("round %d, shares %+v, %v", n, shares, err)
	}
	sum := ether("0")
	for i, s := range shares {
		if i > 0 && string(shares[i-1].Account[:]) >= string(s.Account[:]) {
			t.Errorf("shares not in account order: %+v", shares)
		}
		if s.Claimed.Sign() != 0 || s.Claimable.Cmp(s.Entitled) != 0 {
			t.Errorf("share before any claim: %+v", s)
		}
		sum.Add(sum, s.Claimable)
	}
	if sum.Cmp(ether("0.01")) != 0 {
		t.Fatalf("shares sum to %s wei, the sale was %s", sum, ether("0.01"))
	}
	first := shares[0].Account
	if _, err := a.ClaimFromPool(ctx, ByAccount("alice", "pw"), "", pool, first); err != nil {
		t.Fatal(err)
	}
	_, shares, err = a.PoolShares(ctx, hubURL, pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shares {
		if paid := s.Account == first; paid != (s.Claimable.Sign() == 0) || paid != (s.Claimed.Cmp(s.Entitled) == 0) {
			t.Errorf("after paying %s: %+v", first.Hex(), s)
		}
	}
	if _, _, err := a.PoolShares(ctx, "", common.Address{1}); err == nil {
		t.Error("shares of a pool this node neither runs nor joined")
	}
}

// releasedPool is a pool alice runs on a served node, two patients in its
// first version: the node, its URL, the pool and the version's listing.
func releasedPool(t *testing.T) (*App, string, common.Address, uint64) {
	t.Helper()
	ctx := context.Background()
	files := patientFiles(t, 18, 19) // two 1960s men: k = 2 keeps both
	a := marketApp(t, t.TempDir())
	if _, _, err := a.ready(); err != nil {
		t.Fatal(err)
	}
	hub := httptest.NewServer(a.ProviderHandler())
	t.Cleanup(hub.Close)
	if err := a.SetPublicURL(hub.URL); err != nil {
		t.Fatal(err)
	}
	cfg, err := a.CreatePool(ctx, ByAccount("alice", "pw"), poolRequest(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		name := fmt.Sprintf("patient%d", i)
		if _, err := a.CreateAccount(ctx, name, "pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.JoinPool(ctx, ByAccount(name, "pw"), PoolJoinRequest{Hub: hub.URL, Pool: cfg.Contract, Path: f}); err != nil {
			t.Fatal(err)
		}
	}
	v1, err := a.ReleasePool(ctx, ByAccount("alice", "pw"), cfg.Contract)
	if err != nil {
		t.Fatal(err)
	}
	return a, hub.URL, cfg.Contract, v1.Listing
}

package app

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// TestOperatedPools: the pools this node runs are listed with their
// counts, and one pool's view names who withdrew; another pool is
// ENOTFOUND.
func TestOperatedPools(t *testing.T) {
	ctx := context.Background()
	files := patientFiles(t, 16)
	a := marketApp(t, t.TempDir())
	if _, _, err := a.ready(); err != nil {
		t.Fatal(err)
	}
	hub := httptest.NewServer(a.ProviderHandler())
	t.Cleanup(hub.Close)
	if err := a.SetPublicURL(hub.URL); err != nil {
		t.Fatal(err)
	}
	if ps, err := a.OperatedPools(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("before any pool: %v, %v", ps, err)
	}
	cfg, err := a.CreatePool(ctx, ByAccount("alice", "pw"), poolRequest(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	acct, err := a.CreateAccount(ctx, "patient", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.JoinPool(ctx, ByAccount("patient", "pw"), PoolJoinRequest{Hub: hub.URL, Pool: cfg.Contract, Path: files[0]}); err != nil {
		t.Fatal(err)
	}
	ps, err := a.OperatedPools(ctx)
	if err != nil || len(ps) != 1 || ps[0].Config.Contract != cfg.Contract || ps[0].Members != 1 {
		t.Fatalf("operated pools %+v, %v", ps, err)
	}
	a.now = func() time.Time { return time.Now().Add(time.Minute) } // withdrawn after the consent's second
	if _, err := a.WithdrawFromPool(ctx, ByAccount("patient", "pw"), cfg.Contract); err != nil {
		t.Fatal(err)
	}
	op, err := a.OperatedPoolOf(ctx, cfg.Contract)
	if err != nil {
		t.Fatal(err)
	}
	if op.Info.Members != 0 || len(op.Withdrawn) != 1 || op.Withdrawn[0].Account != acct.Address || len(op.Versions) != 0 {
		t.Fatalf("operated pool %+v", op)
	}
	if _, err := a.OperatedPoolOf(ctx, common.Address{7}); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("a pool this node does not run: %v", err)
	}
}

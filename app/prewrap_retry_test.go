package app

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
)

// faultyChain is the real chain with its catalog log queries (those asking
// for more than one event kind) failing while fail is set: a node that
// cannot reach the chain for a while.
type faultyChain struct {
	chain.Chain
	fail atomic.Bool
}

func (c *faultyChain) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if c.fail.Load() && len(q.Topics) > 0 && len(q.Topics[0]) > 1 {
		return nil, marketplace.Errorf(marketplace.EUNAVAILABLE, "injected fault: the chain node does not answer")
	}
	return c.Chain.FilterLogs(ctx, q)
}

// TestPrewrapKeys_retriesAfterAChainFault: a purchase seen while the node's
// catalog cannot catch up with the chain is not skipped: the pass reports
// the fault and keeps its cursor, and the next pass wraps the buyer's key.
func TestPrewrapKeys_retriesAfterAChainFault(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	p := publishPatients(t, a, hmb, nil)
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	// The catalog is behind the purchase (rebuilt from scratch) and the
	// chain's log queries fail for the catalog's indexer.
	fc := &faultyChain{Chain: a.chain}
	fc.fail.Store(true)
	a.chain = fc
	a.market.mu.Lock()
	a.market.indexer = nil // rebuilt on the faulty chain
	a.market.mu.Unlock()
	if err := a.market.catalog.ResetCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := a.PrewrapKeys(ctx); err == nil || n != 0 {
		t.Errorf("pass during the fault: %d keys, %v; want 0 and the fault reported", n, err)
	}
	fc.fail.Store(false)
	if n, err := a.PrewrapKeys(ctx); err != nil || n != 1 {
		t.Fatalf("pass after the fault: %d keys, %v; want 1", n, err)
	}
	bob := addr(t, a, "bob")
	if k, err := a.store.BuyerKey(ctx, p.ListingID, bob); err != nil || k.ContentHash != p.ContentHash {
		t.Fatalf("bob's key after the fault: %+v, %v", k, err)
	}
}

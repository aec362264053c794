package chain_test

import (
	"context"
	"math/big"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// TestTransact_concurrentFromOneAccountAllSucceed: 20 transactions sent at
// once by one account (as 20 concurrent buys are) are queued, not refused
// as nonce clashes: every one is mined, each with its own nonce.
func TestTransact_concurrentFromOneAccountAllSucceed(t *testing.T) {
	chaintest.ForEachBackend(t, func(t *testing.T, b chaintest.Backend) {
		ctx := context.Background()
		from := b.NewAccount(t, ether("1"))
		to := common.Address{0xb0}
		start := balance(t, b.Chain, to)
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		nonces := make(chan uint64, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := chain.Transfer(ctx, b.Chain, from, to, big.NewInt(1))
				if err != nil {
					errs <- err
					return
				}
				tx, _, err := b.Chain.(interface {
					TransactionByHash(context.Context, common.Hash) (*types.Transaction, bool, error)
				}).TransactionByHash(ctx, r.TxHash)
				if err != nil {
					errs <- err
					return
				}
				nonces <- tx.Nonce()
			}()
		}
		wg.Wait()
		close(errs)
		close(nonces)
		for err := range errs {
			t.Errorf("concurrent transfer: %v", err)
		}
		seen := map[uint64]bool{}
		for nonce := range nonces {
			if seen[nonce] {
				t.Errorf("nonce %d used twice", nonce)
			}
			seen[nonce] = true
		}
		if got := new(big.Int).Sub(balance(t, b.Chain, to), start); got.Int64() != n {
			t.Errorf("receiver got %s wei, want %d", got, n)
		}
	})
}

package catalog

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// BenchmarkReindexChain measures a full re-index from a chain: 5,000 listings (with sales) on the
// simulated chain, read with eth_getLogs by block range, decoded, joined with their cards (hash
// checked, decoded, validated) and applied to buntdb. It reports listings/s for the whole path
// and, separately, the log-reading rate alone.
//
//	go test -run xxx -bench ReindexChain -benchtime 5x ./marketplace/catalog/
func BenchmarkReindexChain(b *testing.B) {
	const n, perBlock = 5000, 150
	ctx := context.Background()
	m := newSimMarket(b, 0)
	nonce, err := m.client.PendingNonceAt(ctx, m.seller.From)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	title := func(i int) string {
		return fmt.Sprintf("Generated dataset %d on %s", i, []string{"diabetes", "asthma", "copd", "stroke"}[i%4])
	}
	// Every listing's commit first, in blocks before all the listings.
	salts := make([]common.Hash, n)
	for i := range salts {
		salts[i] = contracts.NewSalt()
		o := *m.seller
		o.Nonce = new(big.Int).SetUint64(nonce)
		o.GasLimit = 60_000
		nonce++
		data := market.PackCommit(contracts.Commitment(o.From, crypto.Keccak256Hash([]byte(title(i))), salts[i]))
		if _, err := bind.Transact(m.bound, &o, data); err != nil {
			b.Fatal(err)
		}
		if (i+1)%perBlock == 0 {
			m.sim.Commit()
		}
	}
	m.sim.Commit()
	for i := 0; i < n; i++ {
		c := testCard(title(i), "bench")
		h := m.cards.Put(mustEncode(b, c))
		o := *m.seller
		o.Nonce = new(big.Int).SetUint64(nonce)
		o.GasLimit = 130_000
		nonce++
		data := market.PackList(crypto.Keccak256Hash([]byte(c.Title)), salts[i], milliEther(int64(1+i%50)), marketplace.Terms{Use: marketplace.HMB}.Pack(), h, testProvider)
		if _, err := bind.Transact(m.bound, &o, data); err != nil {
			b.Fatal(err)
		}
		if (i+1)%perBlock == 0 {
			m.sim.Commit()
		}
	}
	m.sim.Commit()
	b.Logf("listed %d on the simulated chain in %v", n, time.Since(start))

	c := openCatalog(b)
	ix := m.indexer(b, c, m.cards)
	ix.cfg.ChunkSize = chain.DefaultChunkSize
	if _, err := ix.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	if got, _ := c.CatalogCount(ctx); got != n {
		b.Fatalf("indexed %d listings, want %d", got, n)
	}

	b.Run("full", func(b *testing.B) {
		var spent time.Duration
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := ix.Reindex(ctx); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(t0)
		}
		b.ReportMetric(float64(n*b.N)/spent.Seconds(), "listings/s")
	})
	b.Run("logs_only", func(b *testing.B) {
		var spent time.Duration
		logs := 0
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			_, err := ix.scanner.Scan(ctx, m.deployBlock, chain.Head, func(_, _ uint64, l []types.Log) error {
				logs += len(l)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			spent += time.Since(t0)
		}
		b.ReportMetric(float64(logs)/spent.Seconds(), "logs/s")
	})
}

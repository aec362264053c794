package store

import (
	"context"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// genEvents returns the Listed events of n generated listings (one per block, starting at block
// 101), followed by sales, price changes and delistings of about a third of them.
func genEvents(n int, seed uint64) (events []marketplace.ListingEvent, lastBlock uint64) {
	r := rand.New(rand.NewPCG(seed, seed+1))
	for id := uint64(1); id <= uint64(n); id++ {
		events = append(events, listedEvent(genListing(r, id)))
	}
	block := uint64(100 + n + 1)
	for i := 0; i < n/3; i++ {
		ev := marketplace.ListingEvent{ListingID: 1 + uint64(r.IntN(n)), Block: block}
		switch r.IntN(10) {
		case 0:
			ev.Kind = marketplace.EventDelisted
		case 1:
			ev.Kind, ev.Price = marketplace.EventPriceChanged, big.NewInt(int64(1+r.IntN(2000))*1e15)
		default:
			ev.Kind = marketplace.EventPurchased
		}
		events = append(events, ev)
		block++
	}
	return events, block
}

// applyInBatches applies events as the indexer does: one transaction per range of batchBlocks.
func applyInBatches(tb testing.TB, c *Catalog, events []marketplace.ListingEvent, lastBlock, batchBlocks uint64) {
	tb.Helper()
	ctx := context.Background()
	from, i := uint64(0), 0
	for from <= lastBlock {
		to := from + batchBlocks - 1
		j := i
		for j < len(events) && events[j].Block <= to {
			j++
		}
		if err := c.ApplyBlocks(ctx, from, to, events[i:j]); err != nil {
			tb.Fatal(err)
		}
		from, i = to+1, j
	}
}

// BenchmarkCatalogSearch measures typical catalog searches over 100,000 generated listings and
// reports latency percentiles (target: p95 <= 10 ms).
//
//	go test -run xxx -bench CatalogSearch -benchtime 2000x ./marketplace/store/
func BenchmarkCatalogSearch(b *testing.B) {
	const n = 100_000
	_, c, _ := openCatalog(b)
	start := time.Now()
	events, last := genEvents(n, 42)
	gen := time.Since(start)
	start = time.Now()
	applyInBatches(b, c, events, last, 2000)
	b.Logf("built %d listings: generated in %v, indexed in %v", n, gen, time.Since(start))
	events = nil

	milli := big.NewInt(1e15)
	ether := big.NewInt(1e18)
	queries := []struct {
		name string
		f    marketplace.CatalogFilter
	}{
		{"text+duo+newest", marketplace.CatalogFilter{Query: "diabetes", Terms: marketplace.HMB, Sort: marketplace.SortNewest}},
		{"prefix+pricemax+price_asc", marketplace.CatalogFilter{Query: "diab", PriceMax: ether, Sort: marketplace.SortPriceAsc}},
		{"two_words+relevance", marketplace.CatalogFilter{Query: "breast cancer"}},
		{"common_word+sales", marketplace.CatalogFilter{Query: "patients", Sort: marketplace.SortSales}},
		{"common_word+relevance", marketplace.CatalogFilter{Query: "anonymized data"}},
		{"column+rows+price_desc", marketplace.CatalogFilter{Query: "hba1c", RowsMin: 10_000, Sort: marketplace.SortPriceDesc}},
		{"browse_newest", marketplace.CatalogFilter{}},
		{"browse+duo+rows+price_asc", marketplace.CatalogFilter{Terms: marketplace.HMB, RowsMin: 10_000, Sort: marketplace.SortPriceAsc}},
		{"browse+pricerange+price_desc", marketplace.CatalogFilter{PriceMin: new(big.Int).Mul(big.NewInt(100), milli), PriceMax: new(big.Int).Mul(big.NewInt(300), milli), Sort: marketplace.SortPriceDesc}},
		{"publisher+types+page3", marketplace.CatalogFilter{Publisher: "Lakeside Hospital", DataTypes: []string{"conditions"}, Offset: 40}},
	}
	ctx := context.Background()
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var total int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				_, tot, err := c.SearchCatalog(ctx, q.f)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				total = tot
			}
			b.StopTimer()
			reportPercentiles(b, lat)
			b.ReportMetric(float64(total), "matches")
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	p := func(q float64) float64 {
		i := int(q * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.95), "p95-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

// BenchmarkReindex measures rebuilding the catalog from decoded events, the store side of a
// re-index: 20,000 listings and their sales applied in transactions of 2,000 blocks, reported
// as listings/s (target >= 10,000). Each iteration starts from an empty catalog.
//
//	go test -run xxx -bench Reindex -benchtime 3x ./marketplace/store/
func BenchmarkReindex(b *testing.B) {
	const n = 20_000
	_, c, _ := openCatalog(b)
	events, last := genEvents(n, 7)
	ctx := context.Background()
	b.ResetTimer()
	var spent time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := c.ResetCatalog(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		applyInBatches(b, c, events, last, 2000)
		spent += time.Since(t0)
	}
	b.ReportMetric(float64(n*b.N)/spent.Seconds(), "listings/s")
	b.ReportMetric(float64(len(events)*b.N)/spent.Seconds(), "events/s")
}

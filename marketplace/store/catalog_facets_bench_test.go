package store

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// BenchmarkCatalogFacets measures the facet counts of typical searches over the 100,000
// generated listings of BenchmarkCatalogSearch, and reports latency percentiles: one pass over
// the search index, whatever the number of matches.
//
//	go test -run xxx -bench CatalogFacets -benchtime 500x ./marketplace/store/
func BenchmarkCatalogFacets(b *testing.B) {
	const n = 100_000
	_, c, _ := openCatalog(b)
	events, last := genEvents(n, 42)
	applyInBatches(b, c, events, last, 2000)
	events = nil
	ether := big.NewInt(1e18)
	queries := []struct {
		name string
		f    marketplace.CatalogFilter
	}{
		{"browse", marketplace.CatalogFilter{}},
		{"text", marketplace.CatalogFilter{Query: "diabetes"}},
		{"common_word", marketplace.CatalogFilter{Query: "patients"}},
		{"text+duo+pricemax", marketplace.CatalogFilter{Query: "diab", Terms: marketplace.HMB, PriceMax: ether}},
		{"duo+types+rows", marketplace.CatalogFilter{Terms: marketplace.HMB, DataTypes: []string{"conditions"}, RowsMin: 10_000, RowsMax: 99_999}},
	}
	ctx := context.Background()
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var total int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				fc, err := c.CatalogFacets(ctx, q.f)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				total = fc.Total
			}
			b.StopTimer()
			reportPercentiles(b, lat)
			b.ReportMetric(float64(total), "matches")
		})
	}
}

package store

import (
	"context"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// facetMap turns facet counts into value -> count, leaving out zeros.
func facetMap(fc []marketplace.FacetCount) map[string]int {
	m := map[string]int{}
	for _, c := range fc {
		if c.Count != 0 {
			m[c.Value] = c.Count
		}
	}
	return m
}

func sameCounts(t *testing.T, what string, got []marketplace.FacetCount, want map[string]int) {
	t.Helper()
	g := facetMap(got)
	if len(g) != len(want) {
		t.Errorf("%s: got %v, want %v", what, g, want)
		return
	}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("%s: got %v, want %v", what, g, want)
			return
		}
	}
}

// TestCatalogFacets_countsEachFacet: the fixture's four active listings (5 is delisted) counted
// per DUO code, data type, row band and price band; with query text and other filters applied,
// codes and types count the full matches, while row bands leave the row bounds out and price
// bands the price bounds.
func TestCatalogFacets_countsEachFacet(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	type want struct {
		total                      int
		terms, types, rows, prices map[string]int
	}
	cases := []struct {
		name   string
		filter marketplace.CatalogFilter
		want   want
	}{
		{"everything", marketplace.CatalogFilter{}, want{4,
			map[string]int{"HMB": 3, "NCU": 1, "GRU": 1, "IRB": 1},
			map[string]int{"patients": 2, "observations": 3, "conditions": 2, "medications": 1},
			map[string]int{"100-999": 1, "1000-9999": 2, "10000-99999": 1},
			map[string]int{"0-0.01": 1, "0.01-0.1": 3}}},
		// "diabetes" finds 1, 4 and 2; HMB keeps them; at least 1,000 rows drops 2 (300 rows)
		// from the matches and the price bands, not from the row bands.
		{"text, terms and rows", marketplace.CatalogFilter{Query: "diabetes", Terms: marketplace.HMB, RowsMin: 1000}, want{2,
			map[string]int{"HMB": 2, "IRB": 1},
			map[string]int{"patients": 1, "observations": 1, "conditions": 1, "medications": 1},
			map[string]int{"100-999": 1, "1000-9999": 2},
			map[string]int{"0.01-0.1": 2}}},
		// At most 0.05 ETH drops 2 (0.06 ETH) from the row bands too, and from the price bands
		// only through its rows.
		{"text, terms, rows and price", marketplace.CatalogFilter{Query: "diabetes", Terms: marketplace.HMB, RowsMin: 1000, PriceMax: big.NewInt(5e16)}, want{2,
			map[string]int{"HMB": 2, "IRB": 1},
			map[string]int{"patients": 1, "observations": 1, "conditions": 1, "medications": 1},
			map[string]int{"1000-9999": 2},
			map[string]int{"0.01-0.1": 2}}},
		{"rows band and data type", marketplace.CatalogFilter{DataTypes: []string{"observations"}, RowsMin: 100, RowsMax: 999}, want{1,
			map[string]int{"HMB": 1, "NCU": 1},
			map[string]int{"patients": 1, "observations": 1, "conditions": 1},
			map[string]int{"100-999": 1, "1000-9999": 1, "10000-99999": 1},
			map[string]int{"0.01-0.1": 1}}},
		{"delisted included", marketplace.CatalogFilter{Query: "copd", IncludeDelisted: true}, want{1,
			map[string]int{"DS": 1, "IRB": 1},
			map[string]int{"encounters": 1},
			map[string]int{"100-999": 1},
			map[string]int{"0.01-0.1": 1}}},
		{"no text match", marketplace.CatalogFilter{Query: "zzzz"}, want{0, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.c.CatalogFacets(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != tc.want.total {
				t.Errorf("total %d, want %d", got.Total, tc.want.total)
			}
			sameCounts(t, "terms", got.Terms, tc.want.terms)
			sameCounts(t, "data types", got.DataTypes, tc.want.types)
			sameCounts(t, "rows", got.Rows, tc.want.rows)
			sameCounts(t, "prices", got.Prices, tc.want.prices)
			if len(got.Terms) != len(marketplace.AllDUOCodes()) || len(got.DataTypes) != len(marketplace.DataTypes()) ||
				len(got.Rows) != len(marketplace.RowBands()) || len(got.Prices) != len(marketplace.PriceBands()) {
				t.Errorf("not one count per value: %+v", got)
			}
		})
	}
	if _, err := f.c.CatalogFacets(ctx, marketplace.CatalogFilter{RowsMin: 10, RowsMax: 5}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("rows_min above rows_max: %v", err)
	}
}

// TestCatalogFacets_agreeWithSearch: on a generated catalog with sales, price changes (some
// to free) and delistings, under random filters, every facet count is the number of results
// SearchCatalog gives for that refinement: the filter plus the code or type, or with its row
// (price) bounds replaced by the band's.
func TestCatalogFacets_agreeWithSearch(t *testing.T) {
	_, c, _ := openCatalog(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	const n = 600
	var evs []marketplace.ListingEvent
	for id := uint64(1); id <= n; id++ {
		l := genListing(r, id)
		l.Card.Rows = max(1, uint64(1+r.IntN(10))*uint64(pick(r, []int{1, 10, 100, 1000, 10_000, 100_000}))-uint64(r.IntN(2))) // around the band edges
		l.MetadataHash, _ = l.Card.Hash()
		evs = append(evs, listedEvent(l))
	}
	block := uint64(200 + n)
	for i := 0; i < 200; i++ {
		ev := marketplace.ListingEvent{ListingID: 1 + uint64(r.IntN(n)), Block: block, Kind: marketplace.EventPurchased}
		switch r.IntN(4) {
		case 0:
			ev.Kind = marketplace.EventDelisted
		case 1:
			ev.Kind, ev.Price = marketplace.EventPriceChanged, pick(r, []*big.Int{new(big.Int), big.NewInt(1e16), big.NewInt(1e16 - 1), big.NewInt(1e17), big.NewInt(1e18)})
		}
		evs = append(evs, ev)
		block++
	}
	if err := c.ApplyBlocks(ctx, 0, block, evs); err != nil {
		t.Fatal(err)
	}
	count := func(f marketplace.CatalogFilter) int {
		t.Helper()
		f.Limit, f.Offset, f.Sort = 1, 0, ""
		_, total, err := c.SearchCatalog(ctx, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		return total
	}
	for i := 0; i < 25; i++ {
		f := marketplace.CatalogFilter{Query: pick(r, []string{"", "", "diabetes", "cancer", "hba1c", "patients"}), IncludeDelisted: r.IntN(4) == 0}
		if r.IntN(2) == 0 {
			f.Terms = pick(r, []marketplace.DUO{marketplace.HMB, marketplace.IRB, marketplace.NCU})
		}
		if r.IntN(3) == 0 {
			f.DataTypes = []string{pick(r, marketplace.DataTypes()[:6])}
		}
		if r.IntN(3) == 0 {
			f.PriceMin, f.PriceMax = big.NewInt(1e16), big.NewInt(1e18)
		}
		if r.IntN(3) == 0 {
			f.RowsMin = 100
		}
		got, err := c.CatalogFacets(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if want := count(f); got.Total != want {
			t.Fatalf("%+v: total %d, search %d", f, got.Total, want)
		}
		for _, fc := range got.Terms {
			g := f
			d, _ := marketplace.ParseDUO(fc.Value)
			g.Terms |= d
			if want := count(g); fc.Count != want {
				t.Fatalf("%+v: %s counts %d, search %d", f, fc.Value, fc.Count, want)
			}
		}
		for _, fc := range got.DataTypes {
			g := f
			g.DataTypes = append([]string{fc.Value}, f.DataTypes...)
			if want := count(g); fc.Count != want {
				t.Fatalf("%+v: %s counts %d, search %d", f, fc.Value, fc.Count, want)
			}
		}
		for i, b := range marketplace.RowBands() {
			g := f
			g.RowsMin, g.RowsMax = b.Min, b.Max
			if want := count(g); got.Rows[i].Count != want {
				t.Fatalf("%+v: rows %s counts %d, search %d", f, b.Key, got.Rows[i].Count, want)
			}
		}
		for i, b := range marketplace.PriceBands() {
			g := f
			g.PriceMin, g.PriceMax = b.Min, b.Max
			if want := count(g); got.Prices[i].Count != want {
				t.Fatalf("%+v: price %s counts %d, search %d", f, b.Key, got.Prices[i].Count, want)
			}
		}
	}
}

// TestPriceBand_edges: each band includes its lower bound and not its upper one, above 2^64 wei
// (where the fast path does not apply) too.
func TestPriceBand_edges(t *testing.T) {
	mins := priceBandMins()
	words := func(p *big.Int) *[4]uint64 {
		s := price32(p)
		var w [4]uint64
		for i := range w {
			w[i] = u64(s, 8*i)
		}
		return &w
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 200)
	for _, tc := range []struct {
		wei  *big.Int
		want string
	}{
		{new(big.Int), "free"}, {big.NewInt(1), "0-0.01"}, {big.NewInt(1e16 - 1), "0-0.01"}, {big.NewInt(1e16), "0.01-0.1"},
		{big.NewInt(1e17 - 1), "0.01-0.1"}, {big.NewInt(1e17), "0.1-1"}, {big.NewInt(1e18 - 1), "0.1-1"}, {big.NewInt(1e18), "1-"},
		{new(big.Int).Lsh(big.NewInt(1), 64), "1-"}, {huge, "1-"},
	} {
		if got := marketplace.PriceBands()[priceBand(mins, words(tc.wei))].Key; got != tc.want {
			t.Errorf("%s wei: band %s, want %s", tc.wei, got, tc.want)
		}
	}
	rows := rowBandMins()
	for n, want := range map[uint64]string{1: "0-99", 99: "0-99", 100: "100-999", 9_999: "1000-9999", 10_000: "10000-99999", 100_000: "100000-", 1 << 40: "100000-"} {
		if got := marketplace.RowBands()[rowBand(rows, n)].Key; got != want {
			t.Errorf("%d rows: band %s, want %s", n, got, want)
		}
	}
}

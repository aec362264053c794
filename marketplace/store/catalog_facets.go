package store

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/medmarket/medmarket/marketplace"
)

// CatalogFacets implements marketplace.CatalogService: the facet counts of the search f, by the
// rules of marketplace.CatalogFacets. Query text is matched once on the postings, as
// SearchCatalog does; then one pass over the in-memory search index counts every facet: no
// listing is read from buntdb, so the time is that of the scan (a few nanoseconds a listing;
// BenchmarkCatalogFacets).
func (c *Catalog) CatalogFacets(ctx context.Context, f marketplace.CatalogFilter) (*marketplace.CatalogFacets, error) {
	f, err := f.Normalize()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	scores, done, none, err := c.textScores(f.Query)
	defer done()
	if err != nil {
		return nil, fmt.Errorf("catalog facets: %w", err)
	}
	var t facetTally
	if !none {
		m := newMatcher(&f)
		rb, pb := rowBandMins(), priceBandMins()
		c.m.mu.RLock()
		t.count(c.m.docs, scores, m, rb, pb)
		c.m.mu.RUnlock()
	}
	return t.facets(), nil
}

// facetTally accumulates the counts of one pass, indexed by DUO bit, data type bit, and band.
type facetTally struct {
	total  int
	terms  [64]int
	types  [32]int
	rows   []int
	prices []int
}

// count scans docs once. A listing that passes every part of m but its row and price bounds
// counts in the row band of its rows when its price is within bounds, in the price band of its
// price when its rows are, and, when it passes both, in the total and under each of its DUO
// codes and data types.
func (t *facetTally) count(docs []doc, scores []float32, m *matcher, rowMins []uint64, priceMins [][4]uint64) {
	t.rows, t.prices = make([]int, len(rowMins)), make([]int, len(priceMins))
	n := len(docs)
	if scores != nil && len(scores) < n {
		n = len(scores)
	}
	for id := 1; id < n; id++ {
		if scores != nil && scores[id] == 0 {
			continue
		}
		d := &docs[id]
		if !m.matchOthers(d) {
			continue
		}
		rowsOK, priceOK := m.rowsOK(d), m.priceOK(d)
		if priceOK {
			t.rows[rowBand(rowMins, d.rows)]++
		}
		if rowsOK {
			t.prices[priceBand(priceMins, &d.price)]++
		}
		if !rowsOK || !priceOK {
			continue
		}
		t.total++
		for b := d.duo; b != 0; b &= b - 1 {
			t.terms[bits.TrailingZeros64(b)]++
		}
		for b := d.types; b != 0; b &= b - 1 {
			t.types[bits.TrailingZeros32(b)]++
		}
	}
}

// facets names the tallies.
func (t *facetTally) facets() *marketplace.CatalogFacets {
	out := &marketplace.CatalogFacets{Total: t.total}
	for _, c := range marketplace.AllDUOCodes() {
		out.Terms = append(out.Terms, marketplace.FacetCount{Value: c.Short(), Count: t.terms[bits.TrailingZeros64(uint64(c))]})
	}
	for i, dt := range marketplace.DataTypes() {
		n := 0
		if i < len(t.types) {
			n = t.types[i]
		}
		out.DataTypes = append(out.DataTypes, marketplace.FacetCount{Value: dt, Count: n})
	}
	for i, b := range marketplace.RowBands() {
		out.Rows = append(out.Rows, marketplace.FacetCount{Value: b.Key, Count: at(t.rows, i)})
	}
	for i, b := range marketplace.PriceBands() {
		out.Prices = append(out.Prices, marketplace.FacetCount{Value: b.Key, Count: at(t.prices, i)})
	}
	return out
}

func at(s []int, i int) int {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// rowBandMins and priceBandMins are the bands' lower bounds, ascending: the bands are
// contiguous, so a value's band is the last whose lower bound it reaches.
func rowBandMins() []uint64 {
	var mins []uint64
	for _, b := range marketplace.RowBands() {
		mins = append(mins, b.Min)
	}
	return mins
}

func priceBandMins() [][4]uint64 {
	var mins [][4]uint64
	for _, b := range marketplace.PriceBands() {
		s := price32(b.Min)
		var w [4]uint64
		for i := range w {
			w[i] = u64(s, 8*i)
		}
		mins = append(mins, w)
	}
	return mins
}

func rowBand(mins []uint64, rows uint64) int {
	i := len(mins) - 1
	for i > 0 && rows < mins[i] {
		i--
	}
	return i
}

func priceBand(mins [][4]uint64, price *[4]uint64) int {
	i := len(mins) - 1
	if price[0]|price[1]|price[2] == 0 {
		// Below 2^64 wei (18 ether), as nearly every price is: a bound above that is above the
		// price, and the others compare on their low words.
		for i > 0 && (mins[i][0]|mins[i][1]|mins[i][2] != 0 || price[3] < mins[i][3]) {
			i--
		}
		return i
	}
	for i > 0 && cmpPrice(price, &mins[i]) < 0 {
		i--
	}
	return i
}

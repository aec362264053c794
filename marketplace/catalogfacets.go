package marketplace

import (
	"math/big"
	"slices"
)

// Catalog facets tell a researcher, for the current search, how many listings each refinement
// would keep: per DUO code, per data type, per band of row counts and per band of prices.
//
// Counts are over the listings the filter finds (query text and every other filter), with one
// rule per kind of facet, so that each count is exactly the number of results the refinement
// gives:
//   - DUO codes and data types are "all of" filters: a code's count is the number of matching
//     listings that carry it, the results of adding it to the filter (a selected code counts
//     every match).
//   - Row and price bands replace the filter's row or price bounds: a band's count is the
//     number of listings in it among those matching the filter with its own row (or price)
//     bounds left out, so the other bands stay in view, and choosing one gives that count.
//
// The bands are fixed, so that counts compare between searches:
//
//	rows:  under 100 · 100–999 · 1,000–9,999 · 10,000–99,999 · 100,000 or more
//	price: free · under 0.01 ETH · 0.01–0.1 ETH · 0.1–1 ETH · 1 ETH or more
//
// Each band includes its lower bound and excludes its upper one ("0.01–0.1 ETH" is 0.01 ETH up
// to one wei below 0.1 ETH), so every listing falls in exactly one band.

// RowBand is one band of row counts: Min to Max inclusive, Max 0 meaning no upper bound.
type RowBand struct {
	Key   string // the band's name in URLs ("1000-9999")
	Label string // for people ("1,000–9,999")
	Min   uint64
	Max   uint64
}

// PriceBand is one band of prices in wei: Min to Max inclusive, Max nil meaning no upper bound.
type PriceBand struct {
	Key   string // the band's name in URLs ("0.01-0.1")
	Label string // for people ("0.01–0.1 ETH")
	Min   *big.Int
	Max   *big.Int
}

// RowBands returns the row-count bands, smallest first; they cover every count once.
func RowBands() []RowBand {
	return []RowBand{
		{Key: "0-99", Label: "under 100", Min: 0, Max: 99},
		{Key: "100-999", Label: "100–999", Min: 100, Max: 999},
		{Key: "1000-9999", Label: "1,000–9,999", Min: 1_000, Max: 9_999},
		{Key: "10000-99999", Label: "10,000–99,999", Min: 10_000, Max: 99_999},
		{Key: "100000-", Label: "100,000 or more", Min: 100_000},
	}
}

// PriceBands returns the price bands, cheapest first; they cover every price once.
func PriceBands() []PriceBand {
	milli := func(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e15)) }
	below := func(n int64) *big.Int { return new(big.Int).Sub(milli(n), big.NewInt(1)) }
	return []PriceBand{
		{Key: "free", Label: "free", Min: new(big.Int), Max: new(big.Int)},
		{Key: "0-0.01", Label: "under 0.01 ETH", Min: big.NewInt(1), Max: below(10)},
		{Key: "0.01-0.1", Label: "0.01–0.1 ETH", Min: milli(10), Max: below(100)},
		{Key: "0.1-1", Label: "0.1–1 ETH", Min: milli(100), Max: below(1000)},
		{Key: "1-", Label: "1 ETH or more", Min: milli(1000)},
	}
}

// RowBandOf returns the row band named key, or EINVALID naming it.
func RowBandOf(key string) (RowBand, error) {
	bands := RowBands()
	if i := slices.IndexFunc(bands, func(b RowBand) bool { return b.Key == key }); i >= 0 {
		return bands[i], nil
	}
	return RowBand{}, Errorf(EINVALID, "Rows band %q unknown (want one of %s).", key, bandKeys(bands, func(b RowBand) string { return b.Key }))
}

// PriceBandOf returns the price band named key, or EINVALID naming it.
func PriceBandOf(key string) (PriceBand, error) {
	bands := PriceBands()
	if i := slices.IndexFunc(bands, func(b PriceBand) bool { return b.Key == key }); i >= 0 {
		return bands[i], nil
	}
	return PriceBand{}, Errorf(EINVALID, "Price band %q unknown (want one of %s).", key, bandKeys(bands, func(b PriceBand) string { return b.Key }))
}

func bandKeys[B any](bands []B, key func(B) string) string {
	s := ""
	for i, b := range bands {
		if i > 0 {
			s += ", "
		}
		s += key(b)
	}
	return s
}

// FacetCount is how many listings one facet value would keep.
type FacetCount struct {
	Value string // a DUO shorthand, a data type, or a band's Key
	Count int
}

// CatalogFacets are the facet counts of one search (see the rules above).
type CatalogFacets struct {
	Total     int          // listings matching the whole filter, as SearchCatalog counts them
	Terms     []FacetCount // one per DUO code, in bit order (GRU, HMB, DS, ...)
	DataTypes []FacetCount // one per DataTypes(), in that order
	Rows      []FacetCount // one per RowBands(), in that order
	Prices    []FacetCount // one per PriceBands(), in that order
}

// AllDUOCodes returns every defined DUO code, in bit order.
func AllDUOCodes() []DUO { return (duoEnd - 1).Codes() }

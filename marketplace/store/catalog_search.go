package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// lookupRatio decides how a search with query text walks the catalog. When the text matches few
// listings (fewer than one in lookupRatio), their summaries are fetched one by one and sorted;
// otherwise the sort order's index is walked once, skipping listings the text does not match. A
// key lookup costs about as much as stepping over lookupRatio index entries.
const lookupRatio = 8

// SearchCatalog implements marketplace.CatalogService: one page of the active, card-verified
// listings matching f (delisted ones too with f.IncludeDelisted), in f's order, and the number of
// matches. An invalid filter is an EINVALID error naming the field.
//
// Ties keep a stable order: price_asc breaks them by listing id ascending, price_desc and sales
// by id descending (newer first), relevance by newest.
func (c *Catalog) SearchCatalog(ctx context.Context, f marketplace.CatalogFilter) ([]*marketplace.Listing, int, error) {
	f, err := f.Normalize()
	if err != nil {
		return nil, 0, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	m := newMatcher(&f)
	terms := parseQuery(f.Query)
	sortBy := f.Sort
	if sortBy == marketplace.SortRelevance && len(terms) == 0 {
		sortBy = marketplace.SortNewest // only stop words or one-letter words: nothing to rank by
	}
	var page []*marketplace.Listing
	var total int
	err = c.db.View(func(tx *buntdb.Tx) error {
		var cand map[uint64]float32
		if len(terms) > 0 {
			var err error
			if cand, err = matchTerms(tx, terms); err != nil || cand == nil {
				return err
			}
		}
		n, err := getUint(tx, catCountKey)
		if err != nil {
			return err
		}
		var ids []uint64
		few := uint64(len(cand))*lookupRatio <= n
		switch {
		case cand != nil && (few || sortBy == marketplace.SortRelevance):
			ids, total, err = searchCandidates(tx, cand, !few, m, sortBy, f.Offset, f.Limit)
		default:
			ids, total, err = searchIndex(tx, cand, m, sortBy, f.Offset, f.Limit)
		}
		if err != nil {
			return err
		}
		page = make([]*marketplace.Listing, 0, len(ids))
		for _, id := range ids {
			l, err := getListing(tx, id)
			if err != nil {
				return fmt.Errorf("listing %d: %w", id, err)
			}
			page = append(page, l)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search catalog: %w", err)
	}
	return page, total, nil
}

// hit is a listing that passed the filter, with what its order needs.
type hit struct {
	id    uint64
	score float32
	sum   string
}

// searchCandidates gets the summary of each candidate, filters, sorts and pages. Few candidates
// are looked up one by one; many (walk) are picked out of one walk of an index. With relevance
// order it also serves large candidate sets: they must all be scored anyway.
func searchCandidates(tx *buntdb.Tx, cand map[uint64]float32, walk bool, m *matcher, sortBy string, offset, limit int) ([]uint64, int, error) {
	hits := make([]hit, 0, len(cand))
	if walk {
		err := tx.Ascend(idxNewest, func(_, s string) bool {
			if len(s) == sLen {
				id := u64(s, sID)
				if score, ok := cand[id]; ok && m.match(s) {
					hits = append(hits, hit{id: id, score: score, sum: s})
				}
			}
			return true
		})
		if err != nil {
			return nil, 0, err
		}
	} else {
		for id, score := range cand {
			s, err := tx.Get(summaryKey(id))
			if err != nil {
				continue // a posting without a summary cannot happen; skip rather than fail a search
			}
			if m.match(s) {
				hits = append(hits, hit{id: id, score: score, sum: s})
			}
		}
	}
	cmpHits := hitOrder(sortBy)
	total := len(hits)
	end := min(offset+limit, total)
	if offset >= total {
		return nil, total, nil
	}
	// Only the first end hits need ordering: select them, then sort those.
	if end < len(hits)/4 {
		hits = topK(hits, end, cmpHits)
	} else {
		slices.SortFunc(hits, cmpHits)
	}
	ids := make([]uint64, 0, end-offset)
	for _, h := range hits[offset:end] {
		ids = append(ids, h.id)
	}
	return ids, total, nil
}

// topK returns the k first hits in cmp's order, sorted.
func topK(hits []hit, k int, order func(a, b hit) int) []hit {
	// A bounded max-heap on order: the root is the worst of the best k so far.
	h := make([]hit, 0, k)
	down := func(i int) {
		for {
			l, r, w := 2*i+1, 2*i+2, i
			if l < len(h) && order(h[l], h[w]) > 0 {
				w = l
			}
			if r < len(h) && order(h[r], h[w]) > 0 {
				w = r
			}
			if w == i {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for _, x := range hits {
		if len(h) < k {
			h = append(h, x)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if order(h[i], h[p]) <= 0 {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
		} else if k > 0 && order(x, h[0]) < 0 {
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, order)
	return h
}

// hitOrder returns the comparison that sorts hits in the order's sequence, the same sequence the
// order's index walk gives.
func hitOrder(sortBy string) func(a, b hit) int {
	pos := func(a, b hit) int { return strings.Compare(b.sum[sPos:sPos+12], a.sum[sPos:sPos+12]) }
	switch sortBy {
	case marketplace.SortRelevance:
		return func(a, b hit) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return pos(a, b)
		}
	case marketplace.SortPriceAsc:
		return func(a, b hit) int {
			if c := strings.Compare(a.sum[sPrice:sPrice+32], b.sum[sPrice:sPrice+32]); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		}
	case marketplace.SortPriceDesc:
		return func(a, b hit) int {
			if c := strings.Compare(b.sum[sPrice:sPrice+32], a.sum[sPrice:sPrice+32]); c != 0 {
				return c
			}
			return cmp.Compare(b.id, a.id)
		}
	case marketplace.SortSales:
		return func(a, b hit) int {
			if c := cmp.Compare(u64(b.sum, sSales), u64(a.sum, sSales)); c != 0 {
				return c
			}
			return cmp.Compare(b.id, a.id)
		}
	default:
		return pos
	}
}

// searchIndex walks the index of the sort order, keeping the listings that are candidates (all
// when cand is nil) and pass the filter, counting them all and keeping the page's ids.
func searchIndex(tx *buntdb.Tx, cand map[uint64]float32, m *matcher, sortBy string, offset, limit int) ([]uint64, int, error) {
	var ids []uint64
	total := 0
	visit := func(_, s string) bool {
		if len(s) != sLen {
			return true
		}
		if m.priceMax != "" && sortBy == marketplace.SortPriceAsc && s[sPrice:sPrice+32] > m.priceMax {
			return false // ascending past the upper bound: nothing further can match
		}
		if m.priceMin != "" && sortBy == marketplace.SortPriceDesc && s[sPrice:sPrice+32] < m.priceMin {
			return false
		}
		if cand != nil {
			if _, ok := cand[u64(s, sID)]; !ok {
				return true
			}
		}
		if !m.match(s) {
			return true
		}
		if total >= offset && total < offset+limit {
			ids = append(ids, u64(s, sID))
		}
		total++
		return true
	}
	var err error
	switch sortBy {
	case marketplace.SortPriceAsc:
		if m.priceMin != "" {
			err = tx.AscendGreaterOrEqual(idxPrice, pricePivot(m.priceMin), visit)
		} else {
			err = tx.Ascend(idxPrice, visit)
		}
	case marketplace.SortPriceDesc:
		if m.priceMax != "" {
			err = tx.DescendLessOrEqual(idxPrice, pricePivot(m.priceMax), visit)
		} else {
			err = tx.Descend(idxPrice, visit)
		}
	case marketplace.SortSales:
		err = tx.Descend(idxSales, visit)
	default:
		err = tx.Descend(idxNewest, visit)
	}
	return ids, total, err
}

// pricePivot is a summary-shaped value with the price field set, to start a walk of the price index.
func pricePivot(price string) string {
	b := make([]byte, sLen)
	copy(b[sPrice:], price)
	return string(b)
}

// matcher is a CatalogFilter compiled to comparisons on summary fields.
type matcher struct {
	delisted bool
	terms    uint64
	priceMin string // 32 big-endian bytes, "" for no bound
	priceMax string
	rowsMin  uint64
	types    uint32
	seller   string // 20 bytes, "" for any
	pub      uint64 // publisherHash, 0 for any
}

func newMatcher(f *marketplace.CatalogFilter) *matcher {
	m := &matcher{
		delisted: f.IncludeDelisted,
		terms:    uint64(f.Terms),
		rowsMin:  f.RowsMin,
		types:    dataTypeBits(f.DataTypes),
		pub:      publisherHash(f.Publisher),
	}
	if f.PriceMin != nil {
		m.priceMin = price32(f.PriceMin)
	}
	if f.PriceMax != nil {
		m.priceMax = price32(f.PriceMax)
	}
	if f.Seller != nil {
		m.seller = string(f.Seller[:])
	}
	return m
}

func (m *matcher) match(s string) bool {
	if len(s) != sLen || s[sCard] != cardVerified {
		return false
	}
	if !m.delisted && s[sActive] != 1 {
		return false
	}
	if m.terms != 0 && u64(s, sDUO)&m.terms != m.terms {
		return false
	}
	if m.priceMin != "" && s[sPrice:sPrice+32] < m.priceMin {
		return false
	}
	if m.priceMax != "" && s[sPrice:sPrice+32] > m.priceMax {
		return false
	}
	if m.rowsMin != 0 && u64(s, sRows) < m.rowsMin {
		return false
	}
	if m.types != 0 && u32(s, sTypes)&m.types != m.types {
		return false
	}
	if m.seller != "" && s[sSeller:sSeller+20] != m.seller {
		return false
	}
	if m.pub != 0 && u64(s, sPub) != m.pub {
		return false
	}
	return true
}

package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

var _ marketplace.CatalogService = (*Catalog)(nil)

// SearchCatalog implements marketplace.CatalogService: one page of the active, card-verified
// listings matching f (delisted ones too with f.IncludeDelisted), in f's order, and the number of
// matches. An invalid filter is an EINVALID error naming the field.
//
// Query text is matched on the full-text postings in buntdb; filters and order are evaluated on
// the in-memory search index in one pass that counts every match and keeps the best
// offset+limit; the page's cards are read from buntdb. Ties keep a stable order: price_asc breaks
// them by listing id ascending, price_desc and sales by id descending (newer first), relevance by
// newest.
func (c *Catalog) SearchCatalog(ctx context.Context, f marketplace.CatalogFilter) ([]*marketplace.Listing, int, error) {
	f, err := f.Normalize()
	if err != nil {
		return nil, 0, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	sortBy := f.Sort
	scores, done, none, err := c.textScores(f.Query)
	defer done()
	if err != nil {
		return nil, 0, fmt.Errorf("search catalog: %w", err)
	}
	if none {
		return []*marketplace.Listing{}, 0, nil
	}
	if sortBy == marketplace.SortRelevance && scores == nil {
		sortBy = marketplace.SortNewest // only stop words or one-letter words: nothing to rank by
	}

	c.m.mu.RLock()
	ids, total := selectDocs(c.m.docs, scores, newMatcher(&f), sortBy, f.Offset, f.Limit)
	c.m.mu.RUnlock()

	page := make([]*marketplace.Listing, 0, len(ids))
	err = c.db.View(func(tx *buntdb.Tx) error {
		for _, id := range ids {
			l, err := getListing(tx, id, &c.m.cards)
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

// textScores matches query's words on the full-text postings: it returns one score per
// listing id (0 for no match), or nil scores when the query has no words to match (every
// listing passes), and none when no listing matches. done returns the scores to the pool; call
// it once the scores are no longer read, whatever the error.
func (c *Catalog) textScores(query string) (scores []float32, done func(), none bool, err error) {
	terms := parseQuery(query)
	if len(terms) == 0 {
		return nil, func() {}, false, nil
	}
	c.m.mu.RLock()
	n := len(c.m.docs)
	c.m.mu.RUnlock()
	sb, tb := getScores(n), getScores(n)
	done = func() { putScores(sb); putScores(tb) }
	var matched int
	err = c.db.View(func(tx *buntdb.Tx) error {
		var err error
		matched, err = matchTerms(tx, terms, *sb, *tb)
		return err
	})
	return *sb, done, err == nil && matched == 0, err
}

// scorePool recycles the per-search score slices (one float32 per listing): a search allocates
// the catalog's size in scores, and under concurrent searches the pool keeps that off the
// garbage collector. It is the package's one piece of shared mutable state, and safe for
// concurrent use; what it holds is scratch space, never read before it is overwritten.
var scorePool sync.Pool

func getScores(n int) *[]float32 {
	if p, ok := scorePool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n, n+n/8)
	return &s
}

func putScores(p *[]float32) { scorePool.Put(p) }

// selectDocs scans the search index once: it counts the listings that match m (and have a
// non-zero score, when scores is given) and keeps the first offset+limit of them in sortBy's
// order in a bounded heap. It returns the page's ids in order and the count.
func selectDocs(docs []doc, scores []float32, m *matcher, sortBy string, offset, limit int) ([]uint64, int) {
	before := orderOf(docs, scores, sortBy)
	k := offset + limit
	if k > len(docs) {
		k = len(docs)
	}
	h := make([]uint32, 0, min(k, 4096))
	n := len(docs)
	if scores != nil && len(scores) < n {
		n = len(scores)
	}
	if n <= 1 { // docs[0] is never a listing: nothing to select
		return nil, 0
	}
	total := 0
	// Visit ids newest first (ascending only for price_asc, whose ties go to the lower id), so
	// that in the usual orders an entry rarely displaces one already kept: the heap then costs
	// one comparison per match.
	id, step, end := n-1, -1, 0
	if sortBy == marketplace.SortPriceAsc {
		id, step, end = 1, 1, n
	}
	for ; id != end; id += step {
		if scores != nil && scores[id] == 0 {
			continue
		}
		if !m.match(&docs[id]) {
			continue
		}
		total++
		x := uint32(id)
		switch {
		case len(h) < k:
			h = append(h, x)
			siftUp(h, before)
		case k > 0 && before(x, h[0]):
			h[0] = x
			siftDown(h, before)
		}
	}
	// Pop the heap from the back: the root is the worst kept.
	ordered := make([]uint32, len(h))
	for j := len(h) - 1; j >= 0; j-- {
		ordered[j] = h[0]
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		siftDown(h, before)
	}
	if offset >= len(ordered) {
		return nil, total
	}
	ids := make([]uint64, 0, len(ordered)-offset)
	for _, id := range ordered[offset:] {
		ids = append(ids, uint64(id))
	}
	return ids, total
}

// The kept entries of selectDocs form a max-heap of "worst": the root is the entry every other
// comes before, the first to give up its place.

// siftUp restores the heap after an entry was appended: it rises while it is worse than its
// parent.
func siftUp(h []uint32, before func(a, b uint32) bool) {
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !before(h[p], h[i]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// siftDown restores the heap after its root was replaced: the root sinks below any child worse
// than it.
func siftDown(h []uint32, before func(a, b uint32) bool) {
	for i := 0; ; {
		l, r, w := 2*i+1, 2*i+2, i
		if l < len(h) && before(h[w], h[l]) {
			w = l
		}
		if r < len(h) && before(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// orderOf returns "a comes before b" for the sort order; a total order (ties broken by id or
// listing position), so that the page boundaries are stable.
func orderOf(docs []doc, scores []float32, sortBy string) func(a, b uint32) bool {
	switch sortBy {
	case marketplace.SortRelevance:
		return func(a, b uint32) bool {
			if scores[a] != scores[b] {
				return scores[a] > scores[b]
			}
			return docs[a].newer(&docs[b])
		}
	case marketplace.SortPriceAsc:
		return func(a, b uint32) bool {
			if c := cmpPrice(&docs[a].price, &docs[b].price); c != 0 {
				return c < 0
			}
			return a < b
		}
	case marketplace.SortPriceDesc:
		return func(a, b uint32) bool {
			if c := cmpPrice(&docs[a].price, &docs[b].price); c != 0 {
				return c > 0
			}
			return a > b
		}
	case marketplace.SortSales:
		return func(a, b uint32) bool {
			if docs[a].sales != docs[b].sales {
				return docs[a].sales > docs[b].sales
			}
			return a > b
		}
	default:
		return func(a, b uint32) bool { return docs[a].newer(&docs[b]) }
	}
}

// matcher is a CatalogFilter compiled to comparisons on search index fields.
type matcher struct {
	delisted       bool
	hasMin, hasMax bool
	hasSeller      bool
	terms          uint64
	priceMin       [4]uint64
	priceMax       [4]uint64
	rowsMin        uint64
	rowsMax        uint64 // 0: no upper bound
	types          uint32
	seller         [20]byte
	pub            uint64 // publisherHash, 0 for any
}

func newMatcher(f *marketplace.CatalogFilter) *matcher {
	m := &matcher{
		delisted: f.IncludeDelisted,
		terms:    uint64(f.Terms),
		rowsMin:  f.RowsMin,
		rowsMax:  f.RowsMax,
		types:    dataTypeBits(f.DataTypes),
		pub:      publisherHash(f.Publisher),
	}
	words := func(s string) (w [4]uint64) {
		for i := range w {
			w[i] = u64(s, 8*i)
		}
		return w
	}
	if f.PriceMin != nil {
		m.hasMin, m.priceMin = true, words(price32(f.PriceMin))
	}
	if f.PriceMax != nil {
		m.hasMax, m.priceMax = true, words(price32(f.PriceMax))
	}
	if f.Seller != nil {
		m.hasSeller, m.seller = true, *f.Seller
	}
	return m
}

// match applies the whole filter. It is matchOthers, rowsOK and priceOK in one body: the
// search's scan calls it once a listing, and one call costs less than three.
func (m *matcher) match(d *doc) bool {
	if !d.present || !d.verified || (!d.active && !m.delisted) {
		return false
	}
	if d.duo&m.terms != m.terms || d.rows < m.rowsMin || (m.rowsMax != 0 && d.rows > m.rowsMax) || d.types&m.types != m.types {
		return false
	}
	if m.hasMin && cmpPrice(&d.price, &m.priceMin) < 0 {
		return false
	}
	if m.hasMax && cmpPrice(&d.price, &m.priceMax) > 0 {
		return false
	}
	if m.hasSeller && d.seller != m.seller {
		return false
	}
	return m.pub == 0 || d.pub == m.pub
}

// matchOthers applies every part of the filter but its row and price bounds.
func (m *matcher) matchOthers(d *doc) bool {
	if !d.present || !d.verified || (!d.active && !m.delisted) {
		return false
	}
	if d.duo&m.terms != m.terms || d.types&m.types != m.types {
		return false
	}
	if m.hasSeller && d.seller != m.seller {
		return false
	}
	return m.pub == 0 || d.pub == m.pub
}

// rowsOK applies the filter's row bounds.
func (m *matcher) rowsOK(d *doc) bool {
	return d.rows >= m.rowsMin && (m.rowsMax == 0 || d.rows <= m.rowsMax)
}

// priceOK applies the filter's price bounds.
func (m *matcher) priceOK(d *doc) bool {
	return (!m.hasMin || cmpPrice(&d.price, &m.priceMin) >= 0) && (!m.hasMax || cmpPrice(&d.price, &m.priceMax) <= 0)
}

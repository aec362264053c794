package store

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// The catalog's filter-and-sort index. buntdb holds the catalog durably (summaries, cards,
// postings, cursor, each batch in one transaction); searches filter and order listings on this
// mirror of the summaries: one fixed-size struct per listing in a slice indexed by listing id.
// A search scans it sequentially, a few nanoseconds per listing, where walking a buntdb index
// costs about 100 ns per item (every item is a pointer to chase) and a key lookup about 1 µs:
// too slow to count the matches of a broad search over 100,000 listings in 10 ms. Like buntdb's
// own indexes, the mirror lives in memory only and is rebuilt from the summaries when the store
// is opened.
//
// The mirror changes only after a catalog transaction committed, under the catalog's write lock,
// so it never holds what buntdb does not.

// doc is the searchable part of one listing's summary.
type doc struct {
	block    uint64
	logIndex uint32
	types    uint32
	price    [4]uint64 // most significant word first
	sales    uint64
	duo      uint64
	rows     uint64
	pub      uint64
	seller   [20]byte
	present  bool
	active   bool
	verified bool
}

func docOf(s string) doc {
	d := doc{
		block:    u64(s, sPos),
		logIndex: u32(s, sPos+8),
		types:    u32(s, sTypes),
		sales:    u64(s, sSales),
		duo:      u64(s, sDUO),
		rows:     u64(s, sRows),
		pub:      u64(s, sPub),
		present:  true,
		active:   s[sActive] == 1,
		verified: s[sCard] == cardVerified,
	}
	for i := range d.price {
		d.price[i] = u64(s, sPrice+8*i)
	}
	copy(d.seller[:], s[sSeller:sSeller+20])
	return d
}

// newer reports whether a was listed after b.
func (a *doc) newer(b *doc) bool {
	return a.block > b.block || (a.block == b.block && a.logIndex > b.logIndex)
}

func cmpPrice(a, b *[4]uint64) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// mirror is the in-memory filter-and-sort index of one store's catalog.
type mirror struct {
	write sync.Mutex   // held by catalog writers across their transaction and the mirror update
	mu    sync.RWMutex // guards docs
	docs  []doc        // by listing id; docs[0] is never present
	cards cardCache
}

// cardCache keeps decoded cards: decoding each result's card (its report
// included) was half the time of a catalog page. An entry is used only
// while the stored bytes are the ones it was decoded from, so it needs no
// invalidation; it is bounded by dropping an arbitrary entry when full.
type cardCache struct {
	mu sync.Mutex
	m  map[uint64]cachedCard
}

type cachedCard struct {
	raw  string
	card *marketplace.DatasetCard
}

const maxCachedCards = 2048

// decode returns the card of listing id stored as raw, decoding it only
// when the cache does not hold these bytes. Each caller gets its own copy
// of the card's top level.
func (cc *cardCache) decode(id uint64, raw string) (*marketplace.DatasetCard, error) {
	cc.mu.Lock()
	e, ok := cc.m[id]
	cc.mu.Unlock()
	if !ok || e.raw != raw {
		var c marketplace.DatasetCard
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, err
		}
		e = cachedCard{raw: raw, card: &c}
		cc.mu.Lock()
		if cc.m == nil {
			cc.m = map[uint64]cachedCard{}
		}
		if len(cc.m) >= maxCachedCards {
			for k := range cc.m {
				delete(cc.m, k)
				break
			}
		}
		cc.m[id] = e
		cc.mu.Unlock()
	}
	cp := *e.card
	return &cp, nil
}

func (m *mirror) load(db *buntdb.DB) error {
	var docs []doc
	err := db.View(func(tx *buntdb.Tx) error {
		return tx.AscendGreaterOrEqual("", catSummaryPrefix, func(k, v string) bool {
			if !strings.HasPrefix(k, catSummaryPrefix) {
				return false
			}
			if len(v) >= sLen {
				docs = setDoc(docs, u64(v, sID), docOf(v))
			}
			return true
		})
	})
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.docs = docs
	m.mu.Unlock()
	return nil
}

// maxMirrorID bounds the slice: listing ids are the contract's counter, dense from 1, so a
// higher id than this is a forged event rather than a real catalog.
const maxMirrorID = 1 << 27

func setDoc(docs []doc, id uint64, d doc) []doc {
	if id >= maxMirrorID {
		return docs
	}
	if int(id) >= len(docs) {
		docs = append(docs, make([]doc, int(id)+1-len(docs))...)
	}
	docs[id] = d
	return docs
}

// update installs the summaries a committed transaction wrote.
func (m *mirror) update(changed map[uint64]string) {
	if len(changed) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, s := range changed {
		m.docs = setDoc(m.docs, id, docOf(s))
	}
}

func (m *mirror) reset() {
	m.mu.Lock()
	m.docs = nil
	m.mu.Unlock()
}

// mirrorOf returns the store's one mirror, loading it on first use, so
// that every Catalog of a Store shares it.
func mirrorOf(s *Store) (*mirror, error) {
	s.mirrorMu.Lock()
	defer s.mirrorMu.Unlock()
	if s.mirror != nil {
		return s.mirror, nil
	}
	m := &mirror{}
	if err := m.load(s.db); err != nil {
		return nil, err
	}
	s.mirror = m
	return m, nil
}

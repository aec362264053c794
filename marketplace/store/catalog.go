package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// Catalog is the node's index of the chain's listings, in the store's buntdb. The indexer
// (marketplace/catalog) is its only writer and applies contract events to it in chain order;
// everyone else reads it through the marketplace.CatalogService methods. Safe for concurrent use.
//
// Keys (all under "cat:", so ResetCatalog drops exactly the catalog):
//
//	cat:cursor                  the first block the indexer has not applied (decimal)
//	cat:count                   the number of listings (decimal)
//	cat:c:<id>                  the verified dataset card, canonical JSON
//	cat:s:<id>                  the listing's summary: its on-chain fields, fixed-width binary, for
//	                            filters and sorts (see catalog_summary.go), including those events
//	                            change (active, price, sales, card status); the indexes
//	                            cat_newest, cat_price and cat_sales order these keys
//	cat:t:<token>:<bucket>      full-text postings of a lower-cased token for listings
//	                            bucket*256..bucket*256+255: (id%256, field mask) byte pairs, the
//	                            mask saying where the token occurs (title, tags, columns,
//	                            description, terms); see catalog_text.go
//	cat:ev:<block>:<log index>  an event applied ahead of the cursor (IndexTx), so the indexer
//	                            skips it when it reaches that block
//	cat:pending:<id>            a listing whose card could not be fetched yet
//
// <id> and <block> are 16 hex digits, <log index> 8, so keys sort in numeric order.
//
// Every write is one buntdb transaction: a block batch's events and the cursor move together, so
// a crash leaves the catalog at a batch boundary, never half way through.
type Catalog struct {
	db *buntdb.DB
	m  *mirror
}

const (
	catPrefix        = "cat:"
	catPrefixEnd     = "cat;" // the least key after every "cat:..." key
	catCursorKey     = "cat:cursor"
	catCountKey      = "cat:count"
	catCardPrefix    = "cat:c:"
	catSummaryPrefix = "cat:s:"
	catTokenPrefix   = "cat:t:"
	catEventPrefix   = "cat:ev:"
	catPendingPrefix = "cat:pending:"
)

// Catalog returns the catalog kept in the store. The first call after opening loads the
// catalog's in-memory search index from the summaries (see catalog_mirror.go; about 0.1 s for
// 100,000 listings); later calls share it.
func (s *Store) Catalog() (*Catalog, error) {
	m, err := mirrorOf(s)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	return &Catalog{db: s.db, m: m}, nil
}

// update runs fn in a write transaction under the catalog's write lock and, once it committed,
// installs the summaries it changed in the search index.
func (c *Catalog) update(fn func(tx *buntdb.Tx, changed map[uint64]string) error) error {
	c.m.write.Lock()
	defer c.m.write.Unlock()
	changed := make(map[uint64]string)
	if err := c.db.Update(func(tx *buntdb.Tx) error { return fn(tx, changed) }); err != nil {
		return err
	}
	c.m.update(changed)
	return nil
}

func hex16(v uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

func summaryKey(id uint64) string { return catSummaryPrefix + hex16(id) }
func pendingKey(id uint64) string { return catPendingPrefix + hex16(id) }
func cardKey(id uint64) string    { return catCardPrefix + hex16(id) }
func postingKey(token string, bucket uint64) string {
	return catTokenPrefix + token + ":" + hex16(bucket)
}
func eventKey(block uint64, logIndex uint) string {
	return catEventPrefix + hex16(block) + ":" + hex16(uint64(logIndex))[8:]
}

// CatalogCursor returns the first block whose events the catalog has not applied: where the
// indexer resumes. 0 for an empty catalog.
func (c *Catalog) CatalogCursor(ctx context.Context) (uint64, error) {
	n, err := c.viewUint(catCursorKey)
	if err != nil {
		return 0, fmt.Errorf("read catalog cursor: %w", err)
	}
	return n, nil
}

// CatalogCount returns the number of listings in the catalog, whatever their state.
func (c *Catalog) CatalogCount(ctx context.Context) (int, error) {
	n, err := c.viewUint(catCountKey)
	if err != nil {
		return 0, fmt.Errorf("count catalog: %w", err)
	}
	return int(n), nil
}

// viewUint reads the counter at key (0 when absent) in a read transaction.
func (c *Catalog) viewUint(key string) (uint64, error) {
	var n uint64
	err := c.db.View(func(tx *buntdb.Tx) error {
		var err error
		n, err = getUint(tx, key)
		return err
	})
	return n, err
}

func getUint(tx *buntdb.Tx, key string) (uint64, error) {
	s, err := tx.Get(key)
	if errors.Is(err, buntdb.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(s, 10, 64)
}

func setUint(tx *buntdb.Tx, key string, v uint64) error {
	_, _, err := tx.Set(key, strconv.FormatUint(v, 10), nil)
	return err
}

// Listing returns the listing with the id, in whatever state, or ENOTFOUND.
func (c *Catalog) Listing(ctx context.Context, id uint64) (*marketplace.Listing, error) {
	var l *marketplace.Listing
	err := c.db.View(func(tx *buntdb.Tx) error {
		var err error
		l, err = getListing(tx, id, &c.m.cards)
		return err
	})
	if err != nil {
		return nil, listingError(id, "read listing", err)
	}
	return l, nil
}

// listingError is the error of a failed read or change of listing id: a
// listing missing from the catalog is ENOTFOUND; anything else says what
// was being done ("read listing").
func listingError(id uint64, doing string, err error) error {
	if errors.Is(err, buntdb.ErrNotFound) {
		return marketplace.Errorf(marketplace.ENOTFOUND, "Listing %d not found in the catalog.", id)
	}
	return fmt.Errorf("%s %d: %w", doing, id, err)
}

// getListing assembles a listing from its summary and its card.
func getListing(tx *buntdb.Tx, id uint64, cards *cardCache) (*marketplace.Listing, error) {
	sum, err := tx.Get(summaryKey(id))
	if err != nil {
		return nil, err
	}
	if len(sum) < sLen {
		return nil, fmt.Errorf("listing %d: summary of %d bytes, want at least %d", id, len(sum), sLen)
	}
	l := summaryListing(sum)
	if l.CardStatus == marketplace.CardVerified {
		cb, err := tx.Get(cardKey(id))
		if err != nil {
			return nil, fmt.Errorf("card of listing %d: %w", id, err)
		}
		c, err := cards.decode(id, cb)
		if err != nil {
			return nil, fmt.Errorf("decode card of listing %d: %w", id, err)
		}
		l.Card = c
	}
	return l, nil
}

func putCard(tx *buntdb.Tx, id uint64, c *marketplace.DatasetCard) error {
	cb, err := c.Encode()
	if err != nil {
		return fmt.Errorf("encode card of listing %d: %w", id, err)
	}
	_, _, err = tx.Set(cardKey(id), string(cb), nil)
	return err
}

// ApplyBlocks applies the events of blocks from..to inclusive, in chain order, and moves the
// cursor past to, all in one transaction. It is idempotent: events of blocks before the cursor
// are skipped (already applied), and so are events ApplyEvents applied ahead of the cursor. The
// indexer calls it with the range it just read, starting at the cursor: a range that starts past
// a non-zero cursor would leave blocks unread and is an EINVALID error, as are events outside
// the range or out of order.
func (c *Catalog) ApplyBlocks(ctx context.Context, from, to uint64, events []marketplace.ListingEvent) error {
	if to < from {
		return marketplace.Errorf(marketplace.EINVALID, "Block range %d..%d ends before it starts.", from, to)
	}
	if err := checkOrder(events, from, to); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := c.update(func(tx *buntdb.Tx, changed map[uint64]string) error {
		cursor, err := getUint(tx, catCursorKey)
		if err != nil {
			return err
		}
		if from > cursor && cursor != 0 {
			return marketplace.Errorf(marketplace.EINVALID, "Block range %d..%d starts past the catalog cursor %d: blocks %d..%d would be skipped.", from, to, cursor, cursor, from-1)
		}
		a := applier{tx: tx, changed: changed}
		for i := range events {
			ev := &events[i]
			if ev.Block < cursor {
				continue
			}
			mark := eventKey(ev.Block, ev.LogIndex)
			if _, err := tx.Delete(mark); err == nil {
				continue // applied ahead of the cursor by ApplyEvents
			} else if !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
			if _, err := a.apply(ev); err != nil {
				return err
			}
		}
		if err := a.flush(); err != nil {
			return err
		}
		// Marks of events the chain no longer has (a reorg dropped them) would linger: the
		// cursor passing their block retires them.
		if err := deleteMarksBefore(tx, to+1); err != nil {
			return err
		}
		if to+1 > cursor {
			return setUint(tx, catCursorKey, to+1)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply blocks %d..%d to the catalog: %w", from, to, err)
	}
	return nil
}

// ApplyEvents applies events ahead of the indexer, such as those of a receipt the node just got
// for its own transaction, so a listing shows at once. Events of blocks before the cursor are
// skipped (the indexer applied them); the others are applied and marked, so that the indexer
// skips them when it reaches their block. An event about a listing the catalog has not seen yet
// is left for the indexer, which applies events in order. One transaction for all the events.
func (c *Catalog) ApplyEvents(ctx context.Context, events []marketplace.ListingEvent) error {
	if err := checkOrder(events, 0, ^uint64(0)); err != nil {
		return err
	}
	err := c.update(func(tx *buntdb.Tx, changed map[uint64]string) error {
		cursor, err := getUint(tx, catCursorKey)
		if err != nil {
			return err
		}
		a := applier{tx: tx, changed: changed}
		for i := range events {
			ev := &events[i]
			if ev.Block < cursor {
				continue
			}
			mark := eventKey(ev.Block, ev.LogIndex)
			if _, err := tx.Get(mark); err == nil {
				continue
			} else if !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
			applied, err := a.apply(ev)
			if err != nil {
				return err
			}
			if applied {
				if _, _, err := tx.Set(mark, "", nil); err != nil {
					return err
				}
			}
		}
		return a.flush()
	})
	if err != nil {
		return fmt.Errorf("apply events to the catalog: %w", err)
	}
	return nil
}

func deleteMarksBefore(tx *buntdb.Tx, block uint64) error {
	return deleteRange(tx, catEventPrefix, catEventPrefix+hex16(block))
}

// deleteRange deletes the keys in [from, to). buntdb forbids deleting while
// ascending, so the keys are collected first.
func deleteRange(tx *buntdb.Tx, from, to string) error {
	var keys []string
	err := tx.AscendRange("", from, to, func(k, _ string) bool {
		keys = append(keys, k)
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func checkOrder(events []marketplace.ListingEvent, from, to uint64) error {
	for i := range events {
		ev := &events[i]
		if ev.Block < from || ev.Block > to {
			return marketplace.Errorf(marketplace.EINVALID, "Event %s of listing %d at block %d is outside blocks %d..%d.", ev.Kind, ev.ListingID, ev.Block, from, to)
		}
		if i > 0 {
			p := &events[i-1]
			if ev.Block < p.Block || (ev.Block == p.Block && ev.LogIndex <= p.LogIndex) {
				return marketplace.Errorf(marketplace.EINVALID, "Events out of chain order at block %d log %d.", ev.Block, ev.LogIndex)
			}
		}
		if ev.ListingID == 0 {
			return marketplace.Errorf(marketplace.EINVALID, "Event %s at block %d names listing 0.", ev.Kind, ev.Block)
		}
	}
	return nil
}

// applier applies events inside one transaction, keeping the listing count and the new
// postings in memory until flush, so that a batch writes each posting bucket once.
type applier struct {
	tx       *buntdb.Tx
	changed  map[uint64]string // summaries written, for the search index
	added    uint64
	postings map[string][]byte // posting key -> new (id%256, mask) pairs, in id order
}

// apply applies one event and reports whether it changed the catalog; false means the listing is
// unknown (or already listed, for Listed).
func (a *applier) apply(ev *marketplace.ListingEvent) (bool, error) {
	tx := a.tx
	switch ev.Kind {
	case marketplace.EventListed:
		l := ev.Listing
		if l == nil || l.ID != ev.ListingID {
			return false, marketplace.Errorf(marketplace.EINVALID, "Listed event at block %d carries no listing %d.", ev.Block, ev.ListingID)
		}
		if err := l.Validate(); err != nil {
			return false, err
		}
		if _, err := tx.Get(summaryKey(l.ID)); err == nil {
			return false, nil
		} else if !errors.Is(err, buntdb.ErrNotFound) {
			return false, err
		}
		if l.Card != nil {
			if err := putCard(tx, l.ID, l.Card); err != nil {
				return false, err
			}
		}
		if err := a.setSummary(l.ID, string(newSummary(l))); err != nil {
			return false, err
		}
		if l.CardStatus == marketplace.CardVerified {
			a.addPostings(l.ID, l.Terms.Use, l.Card)
		} else if l.CardStatus == marketplace.CardPending {
			if _, _, err := tx.Set(pendingKey(l.ID), "", nil); err != nil {
				return false, err
			}
		}
		a.added++
		for _, id := range ev.Copies {
			if err := a.hideCopy(id); err != nil {
				return false, err
			}
		}
		return true, nil

	case marketplace.EventDelisted, marketplace.EventPriceChanged, marketplace.EventPurchased:
		s, err := tx.Get(summaryKey(ev.ListingID))
		if errors.Is(err, buntdb.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		sum := []byte(s)
		switch ev.Kind {
		case marketplace.EventDelisted:
			sum[sActive] = 0
		case marketplace.EventPriceChanged:
			if ev.Price == nil || ev.Price.Sign() < 0 {
				return false, marketplace.Errorf(marketplace.EINVALID, "PriceChanged event at block %d has no price.", ev.Block)
			}
			// Only a later price counts: ApplyEvents may have applied a newer change first.
			pos := eventPos(ev.Block, ev.LogIndex)
			if string(pos[:]) <= s[sPricePos:sPricePos+12] {
				return true, nil
			}
			copy(sum[sPricePos:], pos[:])
			putPrice(sum, ev.Price)
		case marketplace.EventPurchased:
			putUint64(sum[sSales:], u64(s, sSales)+1)
		}
		return true, a.setSummary(ev.ListingID, string(sum))
	}
	return false, marketplace.Errorf(marketplace.EINVALID, "Unknown catalog event kind %d.", ev.Kind)
}

// hideCopy flags listing id, a copy of a listing committed to earlier but listed later, as its
// vetting would have had the original been indexed first: a shown listing loses its card and
// postings and becomes CardMismatch. A listing not shown (pending, already flagged) or unknown
// is left as it is: a pending card is vetted when it is fetched.
func (a *applier) hideCopy(id uint64) error {
	s, err := a.tx.Get(summaryKey(id))
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(s) < sLen || s[sCard] != cardVerified {
		return nil
	}
	cb, err := a.tx.Get(cardKey(id))
	if err != nil {
		return fmt.Errorf("card of listing %d: %w", id, err)
	}
	var c marketplace.DatasetCard
	if err := json.Unmarshal([]byte(cb), &c); err != nil {
		return fmt.Errorf("decode card of listing %d: %w", id, err)
	}
	if err := a.flushPostings(); err != nil {
		return err
	}
	if err := a.removePostings(id, marketplace.DUO(u64(s, sDUO)), &c); err != nil {
		return err
	}
	if _, err := a.tx.Delete(cardKey(id)); err != nil {
		return err
	}
	sum := []byte(s)
	setCardFields(sum, &marketplace.Listing{CardStatus: marketplace.CardMismatch})
	return a.setSummary(id, string(sum))
}

func (a *applier) setSummary(id uint64, sum string) error {
	if _, _, err := a.tx.Set(summaryKey(id), sum, nil); err != nil {
		return err
	}
	a.changed[id] = sum
	return nil
}

func (a *applier) flush() error {
	if err := a.flushPostings(); err != nil {
		return err
	}
	if a.added == 0 {
		return nil
	}
	n, err := getUint(a.tx, catCountKey)
	if err != nil {
		return err
	}
	a.added, n = 0, n+a.added
	return setUint(a.tx, catCountKey, n)
}

// PendingCards returns the ids of listings whose card could not be fetched yet, lowest first.
func (c *Catalog) PendingCards(ctx context.Context) ([]uint64, error) {
	var ids []uint64
	err := c.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendGreaterOrEqual("", catPendingPrefix, func(k, _ string) bool {
			if len(k) < len(catPendingPrefix) || k[:len(catPendingPrefix)] != catPendingPrefix {
				return false
			}
			if id, err := strconv.ParseUint(k[len(catPendingPrefix):], 16, 64); err == nil {
				ids = append(ids, id)
			}
			return true
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list pending cards: %w", err)
	}
	return ids, nil
}

// SetCard settles a pending card: card (the bytes fetched) is verified against the listing's
// metadata hash; a match makes the listing searchable, a mismatch flags it CardMismatch. It
// returns the listing as stored. A listing whose card is already settled is returned unchanged;
// an unknown listing is ENOTFOUND.
func (c *Catalog) SetCard(ctx context.Context, id uint64, card []byte) (*marketplace.Listing, error) {
	var out *marketplace.Listing
	err := c.update(func(tx *buntdb.Tx, changed map[uint64]string) error {
		l, err := getListing(tx, id, &c.m.cards)
		if err != nil {
			return err
		}
		out = l
		if l.CardStatus != marketplace.CardPending {
			return nil
		}
		s, err := tx.Get(summaryKey(id))
		if err != nil {
			return err
		}
		if _, err := tx.Delete(pendingKey(id)); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		dc, derr := marketplace.DecodeCard(card, l.MetadataHash)
		if derr != nil {
			l.CardStatus = marketplace.CardMismatch
		} else {
			l.Card, l.CardStatus = dc, marketplace.CardVerified
			a := applier{tx: tx, changed: changed}
			a.addPostings(id, l.Terms.Use, dc)
			if err := a.flush(); err != nil {
				return err
			}
			if err := putCard(tx, id, dc); err != nil {
				return err
			}
		}
		sum := []byte(s)
		setCardFields(sum, l)
		if _, _, err := tx.Set(summaryKey(id), string(sum), nil); err != nil {
			return err
		}
		changed[id] = string(sum)
		return nil
	})
	if err != nil {
		return nil, listingError(id, "set card of listing", err)
	}
	return out, nil
}

// ResetCatalog drops the whole catalog (listings, postings, cursor) in one transaction, so the
// indexer rebuilds it from block 0. The rest of the store is untouched.
func (c *Catalog) ResetCatalog(ctx context.Context) error {
	c.m.write.Lock()
	defer c.m.write.Unlock()
	err := c.db.Update(func(tx *buntdb.Tx) error {
		return deleteRange(tx, catPrefix, catPrefixEnd)
	})
	if err != nil {
		return fmt.Errorf("reset catalog: %w", err)
	}
	c.m.reset()
	return nil
}

// Digest returns a SHA-256 over the catalog's keys and values (listings, summaries, postings,
// cursor), leaving out the transient marks of events applied ahead of the cursor. Two catalogs
// built from the same chain up to the same block have the same digest, however they were built
// (incrementally, by re-indexing, by another node).
func (c *Catalog) Digest(ctx context.Context) ([32]byte, error) {
	h := sha256.New()
	err := c.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendGreaterOrEqual("", catPrefix, func(k, v string) bool {
			if !strings.HasPrefix(k, catPrefix) {
				return false
			}
			if strings.HasPrefix(k, catEventPrefix) {
				return true
			}
			var n [8]byte
			putUint64(n[:], uint64(len(k)))
			h.Write(n[:])
			h.Write([]byte(k))
			putUint64(n[:], uint64(len(v)))
			h.Write(n[:])
			h.Write([]byte(v))
			return true
		})
	})
	var sum [32]byte
	if err != nil {
		return sum, fmt.Errorf("digest catalog: %w", err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

package catalog

import (
	"context"
	"errors"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/store"
)

// CardSource finds dataset cards. The publishing node has its cards locally; a node that only
// sees a listing on chain fetches the card from the publisher's provider.
type CardSource interface {
	// Card returns the dataset card of listing l exactly as its publisher serves it: the bytes
	// whose SHA-256 is l.MetadataHash (the indexer checks). Any error leaves the card pending,
	// to be fetched again by RetryCards: ENOTFOUND when the source does not have it,
	// EUNAVAILABLE when it cannot be reached. l carries the on-chain facts only (no card).
	Card(ctx context.Context, l *marketplace.Listing) ([]byte, error)
}

// CardFunc adapts a function to CardSource.
type CardFunc func(ctx context.Context, l *marketplace.Listing) ([]byte, error)

// Card implements CardSource.
func (f CardFunc) Card(ctx context.Context, l *marketplace.Listing) ([]byte, error) { return f(ctx, l) }

// Chain is what the indexer reads: logs by range (chain.LogReader) and, for logs that do not
// carry their block's time (older nodes), headers. Every chain.Chain is one.
type Chain interface {
	chain.LogReader
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	// CallContract asks a contract seller who operates it (vet).
	bind.ContractCaller
}

// Config configures an Indexer.
type Config struct {
	Chain  Chain          // required
	Market common.Address // the DataLicenseMarket contract; required
	// ChainID, when set, requires every card to be signed by its listing's seller for this chain,
	// Market and the listing's content hash (marketplace.CardSignatureMessage); a card that is not
	// is flagged like a mismatch and never shown. Nodes set it; 0 (tests of the index alone)
	// skips that check. Listings that copy an earlier seller's content hash are flagged either way.
	ChainID uint64
	Catalog *store.Catalog // where the catalog is kept; required
	Cards   CardSource     // nil: every card stays pending until SetCard
	Logger  *slog.Logger   // nil: slog.Default()
	// FromBlock is the contract's deployment block: nothing before it is read.
	FromBlock uint64
	// Confirmations is how many of the newest blocks are left unread, so a reorg shallower than
	// that never undoes what was indexed (0 on a dev chain; 12 or more on a public network).
	Confirmations uint64
	// ChunkSize is how many blocks one log query and one store transaction cover (default
	// chain.DefaultChunkSize).
	ChunkSize uint64
	// PollInterval is how often Run looks for new blocks when it gets no head notifications
	// (default 2 s).
	PollInterval time.Duration
	// CardTimeout bounds one card fetch (default 5 s), so an unreachable provider cannot hold
	// the indexer up; CardWorkers is how many cards are fetched at once (default 8).
	CardTimeout time.Duration
	CardWorkers int
}

// Indexer keeps a store's catalog up to date with the chain. Its methods are safe for
// concurrent use; they run one at a time.
type Indexer struct {
	cfg     Config
	dec     *decoder
	scanner *chain.Scanner
	log     *slog.Logger
	mu      sync.Mutex
}

// New returns an indexer for cfg, or EINVALID naming a missing field.
func New(cfg Config) (*Indexer, error) {
	switch {
	case cfg.Chain == nil:
		return nil, marketplace.Errorf(marketplace.EINVALID, "Indexer chain required.")
	case cfg.Market == (common.Address{}):
		return nil, marketplace.Errorf(marketplace.EINVALID, "Indexer market contract address required.")
	case cfg.Catalog == nil:
		return nil, marketplace.Errorf(marketplace.EINVALID, "Indexer catalog required.")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.CardTimeout <= 0 {
		cfg.CardTimeout = 5 * time.Second
	}
	if cfg.CardWorkers <= 0 {
		cfg.CardWorkers = 8
	}
	dec := newDecoder()
	return &Indexer{
		cfg: cfg,
		dec: dec,
		log: cfg.Logger,
		scanner: &chain.Scanner{Chain: cfg.Chain, Addresses: []common.Address{cfg.Market}, Topics: dec.topics(),
			ChunkSize: cfg.ChunkSize, Confirmations: cfg.Confirmations},
	}, nil
}

// Sync indexes every block from the catalog's cursor (or FromBlock) up to the head minus the
// confirmation depth, one store transaction per chunk of blocks, and returns the next block to
// read. A chunk that fails leaves the catalog at the previous chunk's end; calling Sync again
// resumes there. EUNAVAILABLE when the chain cannot be reached.
func (ix *Indexer) Sync(ctx context.Context) (uint64, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.sync(ctx)
}

func (ix *Indexer) sync(ctx context.Context) (uint64, error) {
	cursor, err := ix.cfg.Catalog.CatalogCursor(ctx)
	if err != nil {
		return 0, err
	}
	from := max(cursor, ix.cfg.FromBlock)
	return ix.scanner.Scan(ctx, from, chain.Head, func(from, to uint64, logs []types.Log) error {
		events, err := ix.prepare(ctx, logs)
		if err != nil {
			return err
		}
		if err := ix.cfg.Catalog.ApplyBlocks(ctx, from, to, events); err != nil {
			return err
		}
		if len(events) > 0 {
			ix.log.Debug("catalog indexed", "from", from, "to", to, "events", len(events))
		}
		return nil
	})
}

// Reindex drops the catalog and rebuilds it from FromBlock. The result equals the catalog
// built incrementally up to the same block.
func (ix *Indexer) Reindex(ctx context.Context) (uint64, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.cfg.Catalog.ResetCatalog(ctx); err != nil {
		return 0, err
	}
	return ix.sync(ctx)
}

// IndexTx applies the catalog events of a transaction the node just sent, from its receipt, so
// that the node's own listing (or purchase, price change, delisting) shows at once instead of
// after the indexer's next pass. The indexer skips these events when it reaches their block.
// Receipts of failed transactions and logs of other contracts change nothing.
func (ix *Indexer) IndexTx(ctx context.Context, r *types.Receipt) error {
	if r == nil || r.Status != types.ReceiptStatusSuccessful {
		return nil
	}
	logs := make([]types.Log, 0, len(r.Logs))
	for _, lg := range r.Logs {
		if lg == nil {
			continue
		}
		l := *lg
		if l.BlockNumber == 0 && r.BlockNumber != nil {
			l.BlockNumber = r.BlockNumber.Uint64()
		}
		logs = append(logs, l)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	events, err := ix.prepare(ctx, logs)
	if err != nil || len(events) == 0 {
		return err
	}
	return ix.cfg.Catalog.ApplyEvents(ctx, events)
}

// RetryCards fetches the cards still pending again and settles those found (verified, or
// flagged as a mismatch). It returns how many it settled.
func (ix *Indexer) RetryCards(ctx context.Context) (int, error) {
	ids, err := ix.cfg.Catalog.PendingCards(ctx)
	if err != nil || len(ids) == 0 || ix.cfg.Cards == nil {
		return 0, err
	}
	var listings []*marketplace.Listing
	for _, id := range ids {
		l, err := ix.cfg.Catalog.Listing(ctx, id)
		if err != nil {
			return 0, err
		}
		listings = append(listings, l)
	}
	cards := ix.fetchCards(ctx, listings)
	first, err := ix.firstListings(ctx, listings)
	if err != nil {
		return 0, err
	}
	settled := 0
	for i, l := range listings {
		if cards[i] == nil {
			continue
		}
		b := cards[i]
		if card, err := marketplace.DecodeCard(b, l.MetadataHash); err == nil {
			if reason := ix.vet(ctx, l, card, first[l.ContentHash].first); reason != "" {
				ix.log.Warn("listing not shown", "listing", l.ID, "seller", l.Seller, "reason", reason)
				b = nil // SetCard flags a card that does not decode as a mismatch
			}
		}
		if _, err := ix.cfg.Catalog.SetCard(ctx, l.ID, b); err != nil {
			return settled, err
		}
		settled++
	}
	return settled, nil
}

// Run keeps the catalog in step with the chain until ctx is done: it syncs at once, then on
// every block number received from heads (a chain.Chain's WatchHeads feeds it; nil: every
// PollInterval), and retries pending cards every so often. Failures are logged and retried on the
// next round. It returns ctx.Err().
func (ix *Indexer) Run(ctx context.Context, heads <-chan uint64) error {
	tick := time.NewTicker(ix.cfg.PollInterval)
	defer tick.Stop()
	lastRetry := time.Time{}
	for {
		if _, err := ix.Sync(ctx); err != nil && ctx.Err() == nil {
			ix.log.Warn("catalog sync failed", "err", err)
		}
		if time.Since(lastRetry) > 30*time.Second {
			lastRetry = time.Now()
			if n, err := ix.RetryCards(ctx); err != nil && ctx.Err() == nil {
				ix.log.Warn("catalog card retry failed", "err", err)
			} else if n > 0 {
				ix.log.Info("catalog cards settled", "count", n)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		case _, ok := <-heads:
			if !ok {
				heads = nil
			}
		}
	}
}

// prepare decodes logs and joins each new listing with its card and block time.
func (ix *Indexer) prepare(ctx context.Context, logs []types.Log) ([]marketplace.ListingEvent, error) {
	events, err := ix.dec.decode(ix.cfg.Market, logs)
	if err != nil {
		return nil, err
	}
	var listed []*marketplace.Listing
	var listedEvents []*marketplace.ListingEvent
	times := map[uint64]time.Time{}
	for i := range events {
		l := events[i].Listing
		if l == nil {
			continue
		}
		if l.ListedAt.Unix() == 0 { // the node did not send blockTimestamp
			t, ok := times[l.Block]
			if !ok {
				h, err := ix.cfg.Chain.HeaderByNumber(ctx, new(big.Int).SetUint64(l.Block))
				if err != nil {
					return nil, err
				}
				t = time.Unix(int64(h.Time), 0).UTC()
				times[l.Block] = t
			}
			l.ListedAt = t
		}
		listed = append(listed, l)
		listedEvents = append(listedEvents, &events[i])
	}
	if len(listed) == 0 || ix.cfg.Cards == nil {
		return events, nil
	}
	cards := ix.fetchCards(ctx, listed)
	first, err := ix.firstListings(ctx, listed)
	if err != nil {
		return nil, err
	}
	for i, l := range listed {
		listedEvents[i].Copies = copiesShownBefore(l, first[l.ContentHash])
		if cards[i] == nil {
			continue // stays pending
		}
		card, err := marketplace.DecodeCard(cards[i], l.MetadataHash)
		if err != nil {
			ix.log.Warn("dataset card does not match its listing", "listing", l.ID, "err", err)
			l.CardStatus = marketplace.CardMismatch
			continue
		}
		if reason := ix.vet(ctx, l, card, first[l.ContentHash].first); reason != "" {
			ix.log.Warn("listing not shown", "listing", l.ID, "seller", l.Seller, "reason", reason)
			l.CardStatus = marketplace.CardMismatch
			continue
		}
		l.Card, l.CardStatus = card, marketplace.CardVerified
	}
	return events, ctx.Err()
}

// fetchCards fetches the cards of listings concurrently; a nil entry is a card not found (to be
// fetched again), an empty one a card refused for good (provider URL unusable, card too large):
// it settles as a mismatch.
func (ix *Indexer) fetchCards(ctx context.Context, listings []*marketplace.Listing) [][]byte {
	out := make([][]byte, len(listings))
	sem := make(chan struct{}, ix.cfg.CardWorkers)
	var wg sync.WaitGroup
	for i, l := range listings {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			cctx, cancel := context.WithTimeout(ctx, ix.cfg.CardTimeout)
			defer cancel()
			onChain := *l
			onChain.Card = nil
			if err := marketplace.ValidateProviderURL(l.Provider); err != nil {
				// Never fetched from (a query string, user info, another scheme...): settled as
				// a mismatch, as a card over the size limit is.
				ix.log.Warn("listing's provider URL refused", "listing", l.ID, "err", err)
				out[i] = []byte{}
				return
			}
			b, err := ix.cfg.Cards.Card(cctx, &onChain)
			if errors.Is(err, marketplace.ErrCardTooLarge) {
				ix.log.Warn("dataset card refused", "listing", l.ID, "err", err)
				out[i] = []byte{}
				return
			}
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					ix.log.Debug("dataset card not found", "listing", l.ID, "err", err)
				}
				return
			}
			if len(b) > marketplace.MaxCardBytes {
				b = b[:marketplace.MaxCardBytes+1] // DecodeCard refuses it: a mismatch
			}
			out[i] = b
		}()
	}
	wg.Wait()
	return out
}

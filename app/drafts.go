package app

import (
	"context"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/store"
)

// RetryPublish lists a draft again (a publish whose transaction never
// happened), with the price and terms given now, at the provider it was
// stored at: this node, or the hub it was uploaded to (not uploaded again).
// ECONFLICT when it is already listed.
func (a *App) RetryPublish(ctx context.Context, who Actor, content common.Hash, price *big.Int, terms marketplace.Terms) (Published, error) {
	a.reconcilePublishes(ctx)
	rec, err := a.store.Publish(ctx, content)
	if err != nil {
		return Published{}, err
	}
	if rec.State != store.PublishPending {
		return Published{}, marketplace.Errorf(marketplace.ECONFLICT, "Dataset %s is already listed (listing %d).", content.Hex(), rec.ListingID)
	}
	req := PublishRequest{Price: price, Terms: terms, Provider: rec.Provider}
	providerURL, err := a.checkListing(ctx, &req)
	if err != nil {
		return Published{}, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return Published{}, err
	}
	defer release()
	if sg.Address() != rec.Seller {
		return Published{}, marketplace.Errorf(marketplace.EFORBIDDEN, "Only %s may list this draft.", rec.Seller.Hex())
	}
	if a.isHub(providerURL) {
		// A hub deletes uploads left unlisted past its TTL: do not list a
		// dataset nobody can serve. An unreachable hub does not stop the
		// listing (it serves buyers when it is back).
		if _, err := a.market.client.Card(ctx, providerURL, rec.MetadataHash); marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
			return Published{}, marketplace.Wrap(marketplace.ECONFLICT, err,
				"The hub %s no longer holds this draft (unlisted uploads expire there); discard it and publish the records again", providerURL)
		} else if err != nil {
			a.log.Warn("hub of a draft not reachable; listing anyway", "hub", providerURL, "content", content, "err", err)
		}
	}
	return a.list(ctx, sg, rec, price, terms, providerURL)
}

// DiscardDraft forgets a draft its seller no longer wants: the pending
// record and its card, and for a draft this node provides its blob and
// dataset key (records first, then the blob: a crash in between leaves an
// unnamed blob, removed later, never a record naming a missing blob). A
// draft uploaded to a hub is withdrawn from the hub too, with a request
// signed by the seller; when the hub cannot be told, the draft is still
// discarded here and Discarded says why (the hub deletes the upload when
// its upload TTL ends). Only the seller may discard (EFORBIDDEN); ENOTFOUND
// for no such draft; ECONFLICT when the dataset is listed on chain.
func (a *App) DiscardDraft(ctx context.Context, who Actor, content common.Hash) (Discarded, error) {
	a.reconcilePublishes(ctx)
	rec, err := a.store.Publish(ctx, content)
	if err != nil {
		return Discarded{}, marketplace.Errorf(marketplace.ENOTFOUND, "There is no draft %s.", content.Hex())
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return Discarded{}, err
	}
	defer release()
	if sg.Address() != rec.Seller {
		return Discarded{}, marketplace.Errorf(marketplace.EFORBIDDEN, "Only %s may discard this draft.", rec.Seller.Hex())
	}
	if rec.State != store.PublishPending {
		return Discarded{}, marketplace.Errorf(marketplace.ECONFLICT, "Dataset %s is already listed (listing %d); delist it instead.", content.Hex(), rec.ListingID)
	}
	if listed, err := a.listedOnChain(ctx, content); err != nil {
		return Discarded{}, err
	} else if listed {
		return Discarded{}, marketplace.Errorf(marketplace.ECONFLICT, "Dataset %s is listed on chain; delist it instead.", content.Hex())
	}
	a.hub.mu.Lock()
	_, err = a.dropPublish(ctx, content, func(cur store.Publish) error {
		if cur.State != store.PublishPending || cur.Seller != rec.Seller {
			return marketplace.Errorf(marketplace.ECONFLICT, "Dataset %s changed meanwhile (listed); not discarded.", content.Hex())
		}
		return nil
	})
	a.hub.mu.Unlock()
	if err != nil {
		return Discarded{}, err
	}
	out := Discarded{Hub: rec.Provider}
	if rec.Provider != "" {
		if err := a.withdrawFromHub(ctx, sg, rec.Provider, content); err != nil {
			out.HubProblem = marketplace.ErrorMessage(err)
			a.log.Warn("withdraw discarded draft from its hub", "hub", rec.Provider, "content", content, "err", err)
		} else {
			out.HubWithdrawn = true
		}
	}
	a.log.Info("draft discarded", "seller", rec.Seller, "content", content, "provider", rec.Provider, "hub_withdrawn", out.HubWithdrawn)
	return out, nil
}

// Discarded says what discarding a draft did beyond this node.
type Discarded struct {
	Hub          string // the hub the draft was uploaded to, or ""
	HubWithdrawn bool   // the hub deleted its copy
	HubProblem   string // why the hub could not be told, or ""
}

// reconcilePublishes marks pending publishes whose listing is on chain as
// listed (a crash between the transaction and the record), from the Listed
// events of their content hash. Drafts never listed stay pending.
func (a *App) reconcilePublishes(ctx context.Context) {
	addr, err := a.marketAddr()
	if err != nil {
		return
	}
	pubs, err := a.store.Publishes(ctx)
	if err != nil {
		a.log.Warn("read publishes", "err", err)
		return
	}
	// One query for all pending publishes, however many a hub holds: the
	// market loop calls this every few seconds.
	pending := map[common.Hash]store.Publish{}
	var contents []common.Hash
	for _, p := range pubs {
		if p.State == store.PublishPending {
			pending[p.ContentHash] = p
			contents = append(contents, p.ContentHash)
		}
	}
	if len(contents) == 0 {
		return
	}
	ev := a.market.abi.GetABI().Events["Listed"]
	logs, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(a.deployment.DeployBlock),
		Addresses: []common.Address{addr}, Topics: [][]common.Hash{{ev.ID}, nil, nil, contents}})
	if err != nil {
		a.log.Warn("find listings of pending publishes", "publishes", len(contents), "err", err)
		return
	}
	for _, lg := range logs {
		if len(lg.Topics) < 4 {
			continue
		}
		p, ok := pending[lg.Topics[3]]
		if !ok || common.BytesToAddress(lg.Topics[2].Bytes()) != p.Seller {
			continue
		}
		l, err := a.market.abi.UnpackListedEvent(&lg)
		if err != nil || common.Hash(l.MetadataHash) != p.MetadataHash {
			continue
		}
		delete(pending, p.ContentHash)
		p.State, p.ListingID, p.TxHash = store.PublishListed, l.Id.Uint64(), lg.TxHash
		if err := a.store.PutPublish(ctx, p, nil); err != nil {
			a.log.Warn("mark publish listed", "err", err)
		}
		a.log.Info("publish found on chain after restart", "listing", p.ListingID, "content", p.ContentHash)
	}
}

// Drafts lists the publishes stored here but not listed.
func (a *App) Drafts(ctx context.Context) ([]store.Publish, error) {
	a.reconcilePublishes(ctx)
	pubs, err := a.store.Publishes(ctx)
	return slices.DeleteFunc(pubs, func(p store.Publish) bool { return p.State != store.PublishPending }), err
}

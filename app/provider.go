package app

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// providerBackend is the node's side of the provider API: what it holds
// (blobs, dataset keys wrapped to the node key, cards) and what it asks the
// chain (licences, listings).
type providerBackend struct{ a *App }

// ContentHash reads the listing's content hash from the catalog, syncing
// with the chain once if the listing is not there yet.
//
// A dataset this node holds is served only for a listing by the account
// that handed it over (its own publisher, or the seller who uploaded it to
// this node as a hub): someone else listing the same content hash gets
// nothing from here.
func (b providerBackend) ContentHash(ctx context.Context, id uint64) (common.Hash, error) {
	l, err := b.a.Listing(ctx, id)
	if err != nil {
		return common.Hash{}, err
	}
	if r, err := b.a.store.DatasetKey(ctx, l.ContentHash); err == nil && r.Uploader != (common.Address{}) && r.Uploader != l.Seller {
		return common.Hash{}, marketplace.Errorf(marketplace.EFORBIDDEN,
			"Listing %d is by %s, but its dataset was handed to this node by %s: not served.", id, l.Seller.Hex(), r.Uploader.Hex())
	}
	return l.ContentHash, nil
}

// PreWrappedKey returns the key the market loop wrapped to who from its buy
// transaction (prewrapKeys), if any.
func (b providerBackend) PreWrappedKey(ctx context.Context, id uint64, who common.Address, content common.Hash) ([]byte, bool) {
	k, err := b.a.store.BuyerKey(ctx, id, who)
	if err != nil || k.ContentHash != content {
		return nil, false
	}
	return k.Wrapped, true
}

// StoreUpload stores a dataset a seller uploads to this node as a hub: the
// blob (checked against its size and content hash), the dataset key (it
// must open with the node key; it is kept wrapped to it) and the card, as a
// pending publish of the seller. Once the seller's Listed event names the
// same content and metadata hashes, reconcilePublishes marks it listed; the
// provider serves it for the seller's listings only (ContentHash).
func (b providerBackend) StoreUpload(ctx context.Context, u provider.Upload, card, wrapped []byte, blob io.Reader) error {
	a := b.a
	if _, err := a.market.nodeKey.Unwrap(wrapped); err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "Upload refused: the dataset key is not wrapped to this hub's node key (%s).", a.NodeAddress().Hex())
	}
	if r, err := a.store.DatasetKey(ctx, u.ContentHash); err == nil && r.Uploader != u.Seller {
		return marketplace.Errorf(marketplace.ECONFLICT, "Upload refused: dataset %s is already held here for another seller.", u.ContentHash.Hex())
	}
	had := a.market.blobs.Has(vault.Hash(u.ContentHash))
	sum, n, err := a.market.blobs.Put(blob)
	if err != nil {
		return err
	}
	if common.Hash(sum) != u.ContentHash || n != u.Size {
		if _, err := a.store.DatasetKey(ctx, common.Hash(sum)); err != nil && !(had && common.Hash(sum) == u.ContentHash) {
			a.market.blobs.Remove(sum)
		}
		return marketplace.Errorf(marketplace.EINVALID, "Upload refused: the blob (%d bytes, SHA-256 %s) is not the one signed (%d bytes, %s).",
			n, common.Hash(sum).Hex(), u.Size, u.ContentHash.Hex())
	}
	if err := a.store.PutDatasetKey(ctx, store.DatasetKeyRecord{ContentHash: u.ContentHash, Wrapped: wrapped, Uploader: u.Seller, Created: a.now().UTC()}); err != nil {
		return err
	}
	rec := store.Publish{ContentHash: u.ContentHash, MetadataHash: u.MetadataHash, Seller: u.Seller,
		State: store.PublishPending, Size: n, Created: a.now().UTC()}
	if old, err := a.store.Publish(ctx, u.ContentHash); err == nil && old.State == store.PublishListed {
		rec = old // a repeated upload of a listed dataset
	}
	if err := a.store.PutPublish(ctx, rec, card); err != nil {
		return err
	}
	a.log.Info("hub upload stored", "seller", u.Seller, "content", u.ContentHash, "bytes", n)
	return nil
}

func (b providerBackend) HasLicence(ctx context.Context, id uint64, who common.Address) (bool, error) {
	return b.a.HasLicence(ctx, id, who)
}

func (b providerBackend) UseNonce(ctx context.Context, signer common.Address, nonce string, expiry time.Time) error {
	return b.a.store.UseNonce(ctx, signer, nonce, expiry, b.a.now())
}

func (b providerBackend) DatasetKey(ctx context.Context, content common.Hash) (*vault.DatasetKey, error) {
	r, err := b.a.store.DatasetKey(ctx, content)
	if err != nil {
		return nil, err
	}
	return b.a.market.nodeKey.Unwrap(r.Wrapped)
}

func (b providerBackend) OpenBlob(ctx context.Context, content common.Hash) (io.ReadCloser, int64, error) {
	f, err := b.a.market.blobs.Open(vault.Hash(content))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

func (b providerBackend) Card(ctx context.Context, metadata common.Hash) ([]byte, error) {
	return b.a.store.Card(ctx, metadata)
}

// KeyDeliveries returns how many dataset keys this node's provider delivered
// pre-wrapped (from buy transactions) and how many it wrapped on demand.
func (a *App) KeyDeliveries() (prewrapped, onDemand uint64) {
	if _, p, err := a.ready(); err == nil {
		return p.Deliveries()
	}
	return 0, 0
}

// ProviderHandler returns this node's provider API (GET /provider/v1/key,
// GET /provider/v1/cards/{hash}, POST /provider/v1/download, POST
// /provider/v1/blobs for uploads to this node as a hub), to mount at
// "/provider/v1/". Before the contracts are deployed it answers 503.
func (a *App) ProviderHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := a.ready(); err != nil {
			http.Error(w, marketplace.ErrorMessage(err), http.StatusServiceUnavailable)
			return
		}
		a.market.handler.ServeHTTP(w, r)
	})
}

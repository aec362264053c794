package app

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// providerBackend is the node's side of the provider API: what it holds
// (blobs, dataset keys wrapped to the node key, cards) and what it asks the
// chain (licences, listings).
type providerBackend struct{ a *App }

// ContentHash reads the listing's content hash from the catalog, syncing
// with the chain once if the listing is not there yet.
func (b providerBackend) ContentHash(ctx context.Context, id uint64) (common.Hash, error) {
	l, err := b.a.Listing(ctx, id)
	if err != nil {
		return common.Hash{}, err
	}
	return l.ContentHash, nil
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

// ProviderHandler returns this node's provider API (GET /provider/v1/key,
// GET /provider/v1/cards/{hash}, POST /provider/v1/download), to mount at
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

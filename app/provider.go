package app

import (
	"context"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
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
	// A sweep (under a.hub.mu) may have removed this blob, dropping an
	// expired upload of the same dataset, between Put and here.
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	if !a.market.blobs.Has(sum) {
		return marketplace.Errorf(marketplace.EUNAVAILABLE, "Upload of %s crossed the deletion of its expired copy; send it again.", u.ContentHash.Hex())
	}
	if err := a.store.PutDatasetKey(ctx, store.DatasetKeyRecord{ContentHash: u.ContentHash, Wrapped: wrapped, Uploader: u.Seller, Created: a.now().UTC()}); err != nil {
		return err
	}
	rec := store.Publish{ContentHash: u.ContentHash, MetadataHash: u.MetadataHash, Seller: u.Seller,
		State: store.PublishPending, Size: n, Created: a.now().UTC(), HubUpload: true}
	if old, err := a.store.Publish(ctx, u.ContentHash); err == nil {
		if old.State == store.PublishListed {
			rec = old // a repeated upload of a listed dataset
			rec.HubUpload = true
		} else {
			rec.Provider = old.Provider // this node's own draft through itself as a hub
		}
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

// Hub settings of `serve`, from the environment.
const (
	EnvHubMaxUnlisted = "MEDMARKET_HUB_MAX_UNLISTED" // uploads per seller not listed yet (default 20)
	EnvHubMaxBytes    = "MEDMARKET_HUB_MAX_BYTES"    // bytes stored per seller: 2147483648, 512MiB, 2GiB (default 2GiB)
	EnvHubUploadTTL   = "MEDMARKET_HUB_UPLOAD_TTL"   // how long an upload may stay unlisted: a Go duration, 168h (default 7 days)
)

// DefaultHubUploadTTL is how long an upload to a hub may stay unlisted
// before the hub deletes it.
const DefaultHubUploadTTL = 7 * 24 * time.Hour

// hubSweepEvery is how often RunHubCleanup looks for expired uploads.
const hubSweepEvery = time.Hour

// HubConfig limits what sellers leave on this node as a hub.
type HubConfig struct {
	// MaxUnlistedUploads and MaxSellerBytes are each seller's quota: its
	// uploads not listed on chain yet, and the bytes of all its uploads
	// (0: provider.DefaultMaxUnlistedUploads, provider.DefaultMaxSellerBytes).
	MaxUnlistedUploads int
	MaxSellerBytes     int64
	// UploadTTL is how long an upload may stay unlisted before it is
	// deleted (0: DefaultHubUploadTTL).
	UploadTTL time.Duration
}

// hubState is the node's hub settings, and the lock that keeps a sweep
// from removing a blob an upload is storing.
type hubState struct {
	mu  sync.Mutex
	cfg HubConfig
}

// HubConfigFromEnv reads MEDMARKET_HUB_MAX_UNLISTED (a count),
// MEDMARKET_HUB_MAX_BYTES (bytes, with an optional KiB, MiB, GiB or TiB
// suffix) and MEDMARKET_HUB_UPLOAD_TTL (a Go duration such as 168h); unset
// values keep their defaults.
func HubConfigFromEnv(getenv func(string) string) (HubConfig, error) {
	var c HubConfig
	if s := strings.TrimSpace(getenv(EnvHubMaxUnlisted)); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return c, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a positive number of uploads.", EnvHubMaxUnlisted, s)
		}
		c.MaxUnlistedUploads = n
	}
	if s := strings.TrimSpace(getenv(EnvHubMaxBytes)); s != "" {
		n, err := parseBytes(s)
		if err != nil || n <= 0 {
			return c, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a positive size (e.g. 2147483648, 512MiB, 2GiB).", EnvHubMaxBytes, s)
		}
		c.MaxSellerBytes = n
	}
	if s := strings.TrimSpace(getenv(EnvHubUploadTTL)); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a positive duration (e.g. 168h).", EnvHubUploadTTL, s)
		}
		c.UploadTTL = d
	}
	return c, nil
}

// parseBytes reads a byte count with an optional binary unit suffix.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for i, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if strings.HasSuffix(s, u) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u)), int64(1)<<(10*(i+1))
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > (1<<62)/mult {
		return 0, strconv.ErrRange
	}
	return n * mult, nil
}

// SetHubConfig sets the hub's quota and upload TTL; call it before serving.
func (a *App) SetHubConfig(c HubConfig) {
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	a.hub.cfg = c
}

func (a *App) hubConfig() HubConfig {
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	return a.hub.cfg
}

// UploadLimits gives the provider the node's quota (HubConfig).
func (b providerBackend) UploadLimits() provider.UploadLimits {
	c := b.a.hubConfig()
	return provider.UploadLimits{MaxUnlisted: c.MaxUnlistedUploads, MaxBytes: c.MaxSellerBytes}
}

// UploadUsage counts seller's uploads held here as a hub: the unlisted
// ones, and the bytes of all. fresh reconciles pending records with the
// chain's Listed events first.
func (b providerBackend) UploadUsage(ctx context.Context, seller common.Address, except common.Hash, fresh bool) (provider.UploadUsage, error) {
	if fresh {
		b.a.reconcilePublishes(ctx)
	}
	var use provider.UploadUsage
	pubs, err := b.a.store.Publishes(ctx)
	if err != nil {
		return use, err
	}
	for _, p := range pubs {
		if !p.HubUpload || p.Seller != seller || p.ContentHash == except {
			continue
		}
		use.Bytes += p.Size
		if p.State == store.PublishPending {
			use.Unlisted++
		}
	}
	return use, nil
}

// StepDropped is the step between deleting the records of a discarded
// draft or an expired hub upload and removing its blob (SetPublishHook).
const StepDropped = "dropped"

// listedOnChain reports whether any Listed event names content, whoever
// the seller and whatever the card: a blob in a listing on chain is never
// deleted. An unreadable chain is EUNAVAILABLE (the caller deletes nothing).
func (a *App) listedOnChain(ctx context.Context, content common.Hash) (bool, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return false, err
	}
	ev := a.market.abi.GetABI().Events["Listed"]
	logs, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(a.deployment.DeployBlock),
		Addresses: []common.Address{addr}, Topics: [][]common.Hash{{ev.ID}, nil, nil, {content}}})
	if err != nil {
		return false, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the market's events from %s", a.chain.Endpoint())
	}
	return len(logs) > 0, nil
}

// dropPublish deletes a publish's records (DropPublish, check seeing the
// record in the transaction), then its blob, then the trace: a crash in
// between leaves a trace and a blob no record names, which finishDrops
// removes, never a record naming a missing blob. The caller holds a.hub.mu.
func (a *App) dropPublish(ctx context.Context, content common.Hash, check func(store.Publish) error) (store.Publish, error) {
	p, err := a.store.DropPublish(ctx, content, a.now(), check)
	if err != nil {
		return p, err
	}
	if err := a.publishStep(StepDropped); err != nil {
		return p, err
	}
	return p, a.removeDroppedBlob(ctx, content)
}

// removeDroppedBlob removes the blob of a dropped publish unless a record
// names it again (an upload of the same dataset since), then its trace.
func (a *App) removeDroppedBlob(ctx context.Context, content common.Hash) error {
	held, err := a.store.Holds(ctx, content)
	if err != nil {
		return err
	}
	if !held {
		if err := a.market.blobs.Remove(vault.Hash(content)); err != nil {
			return err
		}
	}
	return a.store.ClearDrop(ctx, content)
}

// finishDrops removes the blobs of publishes dropped before a crash.
func (a *App) finishDrops(ctx context.Context) error {
	drops, err := a.store.Drops(ctx)
	if err != nil {
		return err
	}
	for _, d := range drops {
		if err := a.removeDroppedBlob(ctx, d.ContentHash); err != nil {
			return err
		}
	}
	return nil
}

// SweepHubUploads deletes the uploads this node holds as a hub that were
// not listed on chain within the upload TTL (HubConfig.UploadTTL): their
// record, wrapped key and card in one transaction, then the blob. An upload
// whose content hash is in any Listed event on chain is kept, and marked
// listed when the listing is its seller's; when the chain cannot be read
// nothing is deleted. It returns how many uploads it deleted; RunHubCleanup
// calls it every hour.
func (a *App) SweepHubUploads(ctx context.Context) (int, error) {
	if _, err := a.marketAddr(); err != nil {
		return 0, err
	}
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	if err := a.finishDrops(ctx); err != nil {
		return 0, err
	}
	a.reconcilePublishes(ctx)
	ttl := a.hub.cfg.UploadTTL
	if ttl <= 0 {
		ttl = DefaultHubUploadTTL
	}
	cutoff := a.now().Add(-ttl)
	expired := func(p store.Publish) bool {
		return p.HubUpload && p.State == store.PublishPending && p.Created.Before(cutoff)
	}
	pubs, err := a.store.Publishes(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range pubs {
		if !expired(p) {
			continue
		}
		listed, err := a.listedOnChain(ctx, p.ContentHash)
		if err != nil {
			return n, err
		}
		if listed {
			a.log.Info("hub upload past its TTL kept: its content is listed on chain", "seller", p.Seller, "content", p.ContentHash)
			continue
		}
		_, err = a.dropPublish(ctx, p.ContentHash, func(cur store.Publish) error {
			if !expired(cur) {
				return errNotExpired
			}
			return nil
		})
		if errors.Is(err, errNotExpired) || marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
		a.log.Info("hub upload expired unlisted: deleted", "seller", p.Seller, "content", p.ContentHash, "bytes", p.Size, "uploaded", p.Created)
	}
	return n, nil
}

var errNotExpired = errors.New("hub upload no longer expired")

// WithdrawUpload deletes seller's upload of content that is not listed on
// chain, at the seller's signed request (its draft was discarded).
func (b providerBackend) WithdrawUpload(ctx context.Context, seller common.Address, content common.Hash) error {
	a := b.a
	rec, err := a.store.Publish(ctx, content)
	if err != nil || !rec.HubUpload {
		return marketplace.Errorf(marketplace.ENOTFOUND, "This hub holds no upload %s.", content.Hex())
	}
	if rec.Seller != seller {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "Upload %s is not %s's.", content.Hex(), seller.Hex())
	}
	if listed, err := a.listedOnChain(ctx, content); err != nil {
		return err
	} else if listed || rec.State != store.PublishPending {
		return marketplace.Errorf(marketplace.ECONFLICT, "Upload %s is listed on chain; it stays.", content.Hex())
	}
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	_, err = a.dropPublish(ctx, content, func(cur store.Publish) error {
		if !cur.HubUpload || cur.Seller != seller || cur.State != store.PublishPending {
			return marketplace.Errorf(marketplace.ECONFLICT, "Upload %s changed meanwhile; it stays.", content.Hex())
		}
		return nil
	})
	if err == nil {
		a.log.Info("hub upload withdrawn by its seller", "seller", seller, "content", content)
	}
	return err
}

// RunHubCleanup sweeps expired hub uploads (SweepHubUploads) at once and
// then every hour until ctx ends, then returns nil; `serve` runs it in the
// background. Before the contracts are deployed it waits for them.
func (a *App) RunHubCleanup(ctx context.Context) error {
	t := time.NewTicker(hubSweepEvery)
	defer t.Stop()
	for {
		if n, err := a.SweepHubUploads(ctx); err != nil && ctx.Err() == nil && marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
			a.log.Warn("sweep hub uploads", "err", err)
		} else if n > 0 {
			a.log.Info("hub uploads swept", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

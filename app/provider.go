package app

import (
	"context"
	"errors"
	"io"
	"math/big"
	"net/http"
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
	had, err := a.market.blobs.Has(ctx, vault.Hash(u.ContentHash))
	if err != nil {
		return err
	}
	sum, n, err := a.market.blobs.Put(ctx, blob)
	if err != nil {
		return err
	}
	if common.Hash(sum) != u.ContentHash || n != u.Size {
		if _, err := a.store.DatasetKey(ctx, common.Hash(sum)); err != nil && !(had && common.Hash(sum) == u.ContentHash) {
			if err := a.market.blobs.Remove(ctx, sum); err != nil {
				// Left on disk, named by no record: the start-up cleanup removes it.
				a.log.Warn("remove a refused upload's blob", "content", common.Hash(sum), "err", err)
			}
		}
		return marketplace.Errorf(marketplace.EINVALID, "Upload refused: the blob (%d bytes, SHA-256 %s) is not the one signed (%d bytes, %s).",
			n, common.Hash(sum).Hex(), u.Size, u.ContentHash.Hex())
	}
	// A sweep (under a.hub.mu) may have removed this blob, dropping an
	// expired upload of the same dataset, between Put and here.
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	if has, err := a.market.blobs.Has(ctx, sum); err != nil {
		return err
	} else if !has {
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

// Licence is App.licenceStatus: the provider compares its expiry with its
// own clock.
func (b providerBackend) Licence(ctx context.Context, id uint64, who common.Address) (provider.LicenceStatus, error) {
	return b.a.licenceStatus(ctx, id, who)
}

// nonceWriter writes signed requests' nonces together.
type nonceWriter = groupCommit[store.NonceUse, struct{}]

// UseNonce records a signed request's nonce. Requests arriving together
// share one store transaction (one fsync; groupCommit), each refused or
// admitted as alone.
func (b providerBackend) UseNonce(ctx context.Context, signer common.Address, nonce string, expiry time.Time) error {
	a := b.a
	_, err := a.nonces.do(store.NonceUse{Signer: signer, Nonce: nonce, Expiry: expiry}, func(uses []store.NonceUse) ([]struct{}, []error) {
		return make([]struct{}, len(uses)), a.store.UseNonces(ctx, uses, a.now())
	})
	return err
}

func (b providerBackend) DatasetKey(ctx context.Context, content common.Hash) (*vault.DatasetKey, error) {
	r, err := b.a.store.DatasetKey(ctx, content)
	if err != nil {
		return nil, err
	}
	return b.a.market.nodeKey.Unwrap(r.Wrapped)
}

func (b providerBackend) OpenBlob(ctx context.Context, content common.Hash) (io.ReadCloser, int64, error) {
	return b.a.market.blobs.Open(ctx, vault.Hash(content))
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

// DefaultHubUploadTTL is how long an upload to a hub may stay unlisted
// before the hub deletes it.
const DefaultHubUploadTTL = 7 * 24 * time.Hour

// hubSweepEvery is how often RunHubCleanup looks for expired uploads.
const hubSweepEvery = time.Hour

// HubAdmission is who may upload to this node as a hub.
type HubAdmission string

// Admission policies of a hub, chosen by its operator.
const (
	// HubOpen admits any account (within the quota and the rates).
	HubOpen HubAdmission = "open"
	// HubAllowList admits the accounts the operator approved
	// (AllowHubUploader, `medmarket hub allow`).
	HubAllowList HubAdmission = "allow-list"
	// HubMinBalance admits accounts holding at least HubConfig.MinBalance
	// wei on chain: an identity that costs something.
	HubMinBalance HubAdmission = "balance"
)

// HubConfig limits what sellers leave on this node as a hub. Zero fields
// take the defaults named.
type HubConfig struct {
	// MaxUnlistedUploads and MaxSellerBytes are each seller's quota: its
	// uploads not listed on chain yet, and the bytes of all its uploads
	// (provider.DefaultMaxUnlistedUploads, provider.DefaultMaxSellerBytes).
	MaxUnlistedUploads int
	MaxSellerBytes     int64
	// MaxUnlistedBytes bounds the bytes of unlisted uploads of all sellers
	// together (provider.DefaultMaxUnlistedBytes).
	MaxUnlistedBytes int64
	// UploadsPerMinute bounds the uploads started per minute, all keys
	// together; KeyUploadsPerMinute those of one key
	// (provider.DefaultUploadsPerMinute, provider.DefaultKeyUploadsPerMinute).
	UploadsPerMinute    int
	KeyUploadsPerMinute int
	// UploadTTL is how long an upload may stay unlisted before it is
	// deleted (DefaultHubUploadTTL).
	UploadTTL time.Duration
	// Admission is who may upload ("": HubOpen).
	Admission HubAdmission
	// MinBalance is the balance in wei an account needs under HubMinBalance.
	MinBalance *big.Int
}

// Validate checks the admission policy and its balance.
func (c HubConfig) Validate() error {
	switch c.Admission {
	case "", HubOpen, HubAllowList:
	case HubMinBalance:
		if c.MinBalance == nil || c.MinBalance.Sign() <= 0 {
			return marketplace.Errorf(marketplace.EINVALID, "Hub admission %q: a minimum balance above 0 is required.", c.Admission)
		}
	default:
		return marketplace.Errorf(marketplace.EINVALID, "Hub admission %q: want %s, %s or %s.", c.Admission, HubOpen, HubAllowList, HubMinBalance)
	}
	return nil
}

// hubState is the node's hub settings, and the lock that keeps a sweep
// from removing a blob an upload is storing.
type hubState struct {
	mu  sync.Mutex
	cfg HubConfig
}

// SetHubConfig sets the hub's quota, rates, upload TTL and admission
// policy; call it before serving. EINVALID for an invalid policy.
func (a *App) SetHubConfig(c HubConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	a.hub.cfg = c
	return nil
}

func (a *App) hubConfig() HubConfig {
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	return a.hub.cfg
}

// UploadLimits gives the provider the node's quota and rates (HubConfig).
func (b providerBackend) UploadLimits() provider.UploadLimits {
	c := b.a.hubConfig()
	return provider.UploadLimits{MaxUnlisted: c.MaxUnlistedUploads, MaxBytes: c.MaxSellerBytes, MaxUnlistedBytes: c.MaxUnlistedBytes,
		UploadsPerMinute: c.UploadsPerMinute, KeyUploadsPerMinute: c.KeyUploadsPerMinute}
}

// AdmitUploader applies the operator's admission policy (HubConfig.Admission).
func (b providerBackend) AdmitUploader(ctx context.Context, seller common.Address) error {
	a := b.a
	c := a.hubConfig()
	switch c.Admission {
	case "", HubOpen:
		return nil
	case HubAllowList:
		ok, err := a.store.HubUploaderAllowed(ctx, seller)
		if err != nil {
			return err
		}
		if !ok {
			return marketplace.Errorf(marketplace.EFORBIDDEN, "Upload refused: this hub accepts uploads from accounts its operator approved; %s is not one.", seller.Hex())
		}
		return nil
	case HubMinBalance:
		wei, err := a.chain.BalanceAt(ctx, seller, nil)
		if err != nil {
			return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Upload refused: the uploader's balance cannot be read from the chain")
		}
		if wei.Cmp(c.MinBalance) < 0 {
			return marketplace.Errorf(marketplace.EFORBIDDEN, "Upload refused: this hub accepts uploads from accounts holding at least %s ETH; %s holds less.",
				marketplace.FormatEther(c.MinBalance), seller.Hex())
		}
		return nil
	}
	return marketplace.Errorf(marketplace.EFORBIDDEN, "Upload refused: this hub's admission policy %q is unknown.", c.Admission)
}

// AllowHubUploader puts account on the hub's allow-list (HubAllowList).
func (a *App) AllowHubUploader(ctx context.Context, account common.Address) (store.HubApproval, error) {
	if account == (common.Address{}) {
		return store.HubApproval{}, marketplace.Errorf(marketplace.EINVALID, "Account: an address is required.")
	}
	ap, err := a.store.AllowHubUploader(ctx, account, a.now())
	if err == nil {
		a.log.Info("hub uploader approved", "account", account)
	}
	return ap, err
}

// DenyHubUploader takes account off the hub's allow-list (ENOTFOUND when
// it is not on it); what it uploaded stays until listed or expired.
func (a *App) DenyHubUploader(ctx context.Context, account common.Address) error {
	err := a.store.DenyHubUploader(ctx, account)
	if err == nil {
		a.log.Info("hub uploader denied", "account", account)
	}
	return err
}

// HubUploaders returns the hub's allow-list.
func (a *App) HubUploaders(ctx context.Context) ([]store.HubApproval, error) {
	return a.store.HubUploaders(ctx)
}

// HeldUploads lists the uploads held here as a hub, of all sellers. fresh
// reconciles pending records with the chain's Listed events first.
func (b providerBackend) HeldUploads(ctx context.Context, fresh bool) ([]provider.HeldUpload, error) {
	if fresh {
		b.a.reconcilePublishes(ctx)
	}
	pubs, err := b.a.store.Publishes(ctx)
	if err != nil {
		return nil, err
	}
	var out []provider.HeldUpload
	for _, p := range pubs {
		if p.HubUpload {
			out = append(out, provider.HeldUpload{Seller: p.Seller, Content: p.ContentHash, Size: p.Size, Listed: p.State != store.PublishPending})
		}
	}
	return out, nil
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
		if err := a.market.blobs.Remove(ctx, vault.Hash(content)); err != nil {
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

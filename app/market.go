package app

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/catalog"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// market is the marketplace state of an App: the node key, the blob store,
// the catalog and its indexer, and this node's provider.
type market struct {
	mu        sync.Mutex
	nodeKey   *vault.NodeKey
	blobs     blobStore
	catalog   *store.Catalog
	indexer   *catalog.Indexer // nil until the contracts are deployed
	provider  *provider.Provider
	handler   http.Handler // provider.Handler
	client    provider.Client
	publicURL string
	abi       *contracts.DataLicenseMarket

	// prewrapMu serializes PrewrapKeys (the market loop and tests).
	prewrapMu sync.Mutex

	// hook, when set (tests), is called between the steps of a publish;
	// an error stops the publish there, as a crash would.
	hook func(step string) error
}

// Publish steps a test hook sees.
const (
	StepStored    = "stored"    // blob, wrapped key and pending record are durable; no transaction yet
	StepCommitted = "committed" // the commit transaction is mined; the list transaction not sent
	StepListed    = "listed"    // the listing transaction is mined; not yet indexed nor marked listed
)

// DefaultPublicURL is the provider URL a node announces when none is set:
// serve's default provider listener (the UI, on 8080, serves no provider API).
const DefaultPublicURL = "http://127.0.0.1:8081/"

// openMarket opens the node key, the blob store (blobstore.go) and the
// catalog. Called by Open.
func (a *App) openMarket(ctx context.Context, blobOpts BlobStoreOptions) error {
	m := &a.market
	var err error
	if m.nodeKey, err = vault.LoadOrCreateNodeKey(filepath.Join(a.dataDir, "node.key")); err != nil {
		return err
	}
	if m.blobs, err = a.openBlobStore(ctx, blobOpts); err != nil {
		return err
	}
	if m.catalog, err = a.store.Catalog(); err != nil {
		return err
	}
	m.abi = contracts.NewDataLicenseMarket()
	m.publicURL = DefaultPublicURL
	m.client.PublicOnly = !a.allowPrivate
	return nil
}

// SetPublicURL sets the URL at which other nodes reach this node's provider
// API (serve's --public-url): it goes on chain with every listing published
// through this node. EINVALID for anything but an absolute http(s) URL.
func (a *App) SetPublicURL(u string) error {
	if err := marketplace.ValidateProviderURL(u); err != nil {
		return err
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	a.market.mu.Lock()
	defer a.market.mu.Unlock()
	a.market.publicURL = u
	return nil
}

// PublicURL returns this node's provider URL.
func (a *App) PublicURL() string {
	a.market.mu.Lock()
	defer a.market.mu.Unlock()
	return a.market.publicURL
}

// NodeAddress returns the address of the node key (the provider's identity).
func (a *App) NodeAddress() common.Address { return a.market.nodeKey.Address() }

// marketAddr returns the DataLicenseMarket address, or ENOTFOUND before deployment.
func (a *App) marketAddr() (common.Address, error) {
	if a.deployment != nil {
		if addr, ok := a.deployment.Contracts[MarketContract]; ok {
			return addr, nil
		}
	}
	return common.Address{}, marketplace.Errorf(marketplace.ENOTFOUND,
		"The marketplace contract is not deployed on chain %s (medmarket chain deploy --as NAME).", a.chainID)
}

// ready returns the indexer and provider, built on first use once the
// contracts are known.
func (a *App) ready() (*catalog.Indexer, *provider.Provider, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return nil, nil, err
	}
	m := &a.market
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.indexer == nil {
		cards := catalog.CardFunc(func(ctx context.Context, l *marketplace.Listing) ([]byte, error) {
			if b, err := a.store.Card(ctx, l.MetadataHash); err == nil {
				return b, nil
			}
			if l.Provider == "" {
				return nil, marketplace.Errorf(marketplace.ENOTFOUND, "Listing %d names no provider.", l.ID)
			}
			return m.client.Card(ctx, l.Provider, l.MetadataHash)
		})
		ix, err := catalog.New(catalog.Config{Chain: a.chain, Market: addr, ChainID: a.chainID.Uint64(), Catalog: m.catalog, Cards: cards,
			Logger: a.log, FromBlock: a.deployment.DeployBlock, CardTimeout: 3 * time.Second})
		if err != nil {
			return nil, nil, err
		}
		m.indexer = ix
		m.provider = &provider.Provider{ChainID: a.chainID.Uint64(), Contract: addr, Key: m.nodeKey.PublicKey(),
			Backend: providerBackend{a}, Now: a.now}
		m.handler = m.provider.Handler(a.log)
	}
	return m.indexer, m.provider, nil
}

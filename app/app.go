package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/medmarket/medmarket/anonymize/dp"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
	"github.com/medmarket/medmarket/plugins"
)

// Options configure Open.
type Options struct {
	DataDir string       // the node's data directory; created if missing
	Version string       // the binary's version, shown on the status page
	Logger  *slog.Logger // nil: discard
	Now     func() time.Time
	Chain   ChainOptions // zero: the embedded chain in DataDir

	// BlobStore is where blobs are kept; zero: the folder DataDir/blobs.
	BlobStore BlobStoreOptions

	// SessionIdle ends UI sessions unused for this long; 0: DefaultSessionIdle.
	SessionIdle time.Duration

	// MaxUnlocks bounds the scrypts (passphrase checks, new keys) that run
	// at once; 0: DefaultMaxUnlocks.
	MaxUnlocks int

	// LightScrypt encrypts new keys with scrypt parameters that take
	// milliseconds instead of a second: for tests only, never for real keys.
	LightScrypt bool

	// AllowPrivateProviders lets this node list and contact providers at
	// loopback, private and reserved addresses (a local network). nil: allowed
	// on the embedded chain and with a chain node at such an address, refused
	// otherwise (a public network). See DefaultAllowPrivateProviders.
	AllowPrivateProviders *bool

	// Noise is the randomness of the differential-privacy noise on card
	// statistics (cardstats.go); nil: crypto/rand. Tests seed one
	// (math/rand/v2.ChaCha8); the app serialises its use.
	Noise dp.Source
}

// App is one open data directory and the use cases that work on it. It holds
// the directory's lock until Close, so no two processes share a store.
type App struct {
	dataDir string
	version string
	log     *slog.Logger
	now     func() time.Time
	started time.Time

	lock  *dirLock
	store *store.Store
	node  marketplace.Node
	keys  *vault.Keystore

	sessionIdle time.Duration
	signers     signers
	guard       *unlockGuard // bounds scrypt work, backs off after failures (unlock.go)

	chain          chain.Chain
	funder         chain.Funder // the embedded chain's dev account; nil on a remote node
	chainID        *big.Int
	deploymentPath string
	deployment     *chain.Deployment // nil until the contracts are deployed on this chain

	allowPrivate bool          // providers at private addresses may be listed and contacted
	market       market        // node key, blobs, catalog, indexer, provider (market.go)
	hub          hubState      // quota and expiry of uploads to this node as a hub (provider.go)
	trials       trialService  // opened on first use (trials.go)
	questions    questionState // budgets, answers and data of questions before buying (questions_serve.go)
	nonces       nonceWriter   // signed requests' nonces, written together (provider.go)
	plugins      *plugins.Host // one plugin host for every call (plugins.go)
	previews     previews      // the wizard's dry runs, kept for their owners to publish (previews.go)
	noise        dp.Source     // the card statistics' noise (cardstats.go)
	pools        poolLogs      // the pools this node hosts, their logs replayed (pools.go)
}

// Open locks the data directory, opens its store, keystore and chain, and
// records the start. A data directory already opened by another process
// yields an ECONFLICT error; an unreachable chain node an EUNAVAILABLE one.
func Open(ctx context.Context, opts Options) (*App, error) {
	if opts.DataDir == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Data directory: not set.")
	}
	dir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", opts.DataDir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Data directory %s cannot be created", dir)
	}
	a := &App{dataDir: dir, version: opts.Version, log: opts.Logger, now: opts.Now}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.sessionIdle = opts.SessionIdle
	if a.sessionIdle <= 0 {
		a.sessionIdle = DefaultSessionIdle
	}
	a.started = a.now()
	a.noise = noiseSource(opts.Noise)
	a.guard = newUnlockGuard(opts.MaxUnlocks, a.now)

	if a.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	// Raw files a crash left in tmp/ (uploads.go) go first.
	if err := a.clearTransient(); err != nil {
		return nil, errors.Join(err, a.lock.release())
	}
	if a.store, err = store.Open(filepath.Join(dir, "medmarket.db")); err != nil {
		return nil, errors.Join(err, a.lock.release())
	}
	if a.node, err = a.store.StartNode(ctx, a.started); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	var kopts []vault.KeystoreOption
	if opts.LightScrypt {
		kopts = append(kopts, vault.LightScrypt())
	}
	if a.keys, err = vault.OpenKeystore(filepath.Join(dir, "keystore"), kopts...); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	if err := a.openChain(ctx, opts.Chain); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	a.allowPrivate = DefaultAllowPrivateProviders(opts.Chain.RPC)
	if opts.AllowPrivateProviders != nil {
		a.allowPrivate = *opts.AllowPrivateProviders
	}
	if err := a.openMarket(ctx, opts.BlobStore); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	if err := a.openPlugins(); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	if err := a.cleanLeftovers(ctx); err != nil {
		a.log.Warn("clean what a crash left", "err", err)
	}
	a.log.Info("data dir opened", "dir", dir, "starts", a.node.Starts)
	return a, nil
}

// Close stops the plugins and the chain, closes the store, removes the
// transient raw files (uploads.go) and releases the data directory.
func (a *App) Close() error {
	err := errors.Join(a.closePlugins(), a.closeChain(), a.store.Close(), a.clearTransient(), a.lock.release())
	a.log.Info("data dir closed", "dir", a.dataDir)
	return err
}

// DataDir returns the absolute path of the data directory.
func (a *App) DataDir() string { return a.dataDir }

// Status is what the status page shows: real state, read when asked.
type Status struct {
	Version   string
	GoVersion string
	DataDir   string
	BlobStore string // the folder or object store holding the blobs
	StoreKeys int
	Node      marketplace.Node
	Started   time.Time
	Uptime    time.Duration
}

// Status reports the node's current state.
func (a *App) Status(ctx context.Context) (Status, error) {
	keys, err := a.store.Len(ctx)
	if err != nil {
		return Status{}, err
	}
	node, err := a.store.Node(ctx)
	if err != nil {
		return Status{}, err
	}
	return Status{
		Version:   a.version,
		GoVersion: runtime.Version(),
		DataDir:   a.dataDir,
		BlobStore: a.BlobStore(),
		StoreKeys: keys,
		Node:      node,
		Started:   a.started,
		Uptime:    a.now().Sub(a.started).Round(time.Second),
	}, nil
}

// RenameNode sets the node's name; an empty name clears it.
func (a *App) RenameNode(ctx context.Context, name string) (marketplace.Node, error) {
	n, err := a.store.SetNodeName(ctx, name)
	if err != nil {
		return n, err
	}
	a.log.Info("node renamed", "name", name)
	return n, nil
}

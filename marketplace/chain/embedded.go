package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/medmarket/medmarket/marketplace"
)

// EmbeddedChainID is the chain id of the embedded chain (as geth --dev).
const EmbeddedChainID = 1337

// embeddedGasLimit is the block gas limit of the embedded chain: mainnet's.
const embeddedGasLimit = 60_000_000

// nodeName names the node's instance folder inside the data directory; it is
// fixed so that renaming the binary does not "lose" the chain.
const nodeName = "medmarket-chain"

// devKeyFile holds the dev account's private key (hex) inside the data dir.
// The dev account holds the genesis funds and pays Fund.
const devKeyFile = "devkey"

// Embedded is a go-ethereum dev node running in this process, persisted in a
// directory, built as `geth --dev --datadir` builds it: a full node without
// networking, driven by a simulated beacon client that seals a block right
// after every transaction (one transaction per block, in send order). Every
// sealed block is synced to disk before Send returns, so a crash loses
// nothing that was reported mined.
//
// Only one process may open a directory at a time.
type Embedded struct {
	*client
	dir     string
	stack   *node.Node
	eth     *eth.Ethereum
	beacon  *catalyst.SimulatedBeacon
	devKey  *ecdsa.PrivateKey
	devAddr common.Address

	closeOnce sync.Once
	closeErr  error
}

// OpenEmbedded opens (creating it on first use) the embedded chain persisted
// in dir. It fails with ECONFLICT when another process has dir open.
func OpenEmbedded(ctx context.Context, dir string, opts ...Option) (*Embedded, error) {
	cfg := newConfig(opts)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "cannot create chain data dir %s", dir)
	}
	dir, _ = filepath.Abs(dir)
	stack, err := node.New(&node.Config{
		Name:    nodeName,
		DataDir: dir,
		P2P: p2p.Config{
			NoDiscovery: true,
			NoDial:      true,
			ListenAddr:  "",
			MaxPeers:    0,
		},
	})
	if err != nil {
		if errors.Is(err, node.ErrDatadirUsed) {
			return nil, &marketplace.Error{Code: marketplace.ECONFLICT,
				Message: fmt.Sprintf("data dir %s is in use by another medmarket process", dir), Err: err}
		}
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "cannot start the embedded chain in %s", dir)
	}
	// From here on the directory is ours: closing the stack releases it.
	e := &Embedded{dir: dir, stack: stack}
	fail := func(code string, err error, format string, args ...any) (*Embedded, error) {
		_ = stack.Close() // the start failed: that error is the one to report
		return nil, marketplace.Wrap(code, err, format, args...)
	}
	keyPath := filepath.Join(dir, devKeyFile)
	if _, err := os.Stat(keyPath); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(dir, nodeName, "chaindata")); err == nil {
			// The genesis funds the dev account: a new key would not match it.
			return fail(marketplace.EINVALID, err, "the chain in %s has lost its dev key file %s: restore it from a backup, or start a new chain in an empty directory", dir, keyPath)
		}
	}
	if e.devKey, err = loadOrCreateDevKey(keyPath); err != nil {
		return fail(marketplace.EINTERNAL, err, "cannot read the dev key of the embedded chain in %s", dir)
	}
	e.devAddr = crypto.PubkeyToAddress(e.devKey.PublicKey)

	ethCfg := embeddedEthConfig(e.devAddr)
	if e.eth, err = eth.New(stack, &ethCfg); err != nil {
		var compat *params.ConfigCompatError
		if errors.As(err, &compat) || strings.Contains(err.Error(), "genesis") {
			return fail(marketplace.ECONFLICT, err, "the chain in %s has another genesis than this medmarket builds (created by another version, or with another dev key)", dir)
		}
		return fail(marketplace.EINTERNAL, err, "cannot start the embedded chain in %s", dir)
	}
	// eth.New does not serve eth_getLogs and log subscriptions: the filter API does.
	stack.RegisterAPIs([]rpc.API{{
		Namespace: "eth",
		Service: filters.NewFilterAPI(filters.NewFilterSystem(e.eth.APIBackend, filters.Config{
			LogCacheSize:  ethCfg.FilterLogCacheSize,
			LogQueryLimit: ethCfg.LogQueryLimit,
		})),
	}})
	if e.beacon, err = catalyst.NewSimulatedBeacon(0, e.devAddr, e.eth); err != nil {
		return fail(marketplace.EINTERNAL, err, "cannot start the embedded chain's beacon in %s", dir)
	}
	stack.RegisterLifecycle(e.beacon)
	if err := stack.Start(); err != nil {
		return fail(marketplace.EINTERNAL, err, "cannot start the embedded chain in %s", dir)
	}
	e.client = &client{
		ec:       ethclient.NewClient(stack.Attach()),
		chainID:  big.NewInt(EmbeddedChainID),
		endpoint: "embedded:" + dir,
		cfg:      cfg,
		seal:     e.sealTx,
	}
	if err := ctx.Err(); err != nil {
		_ = e.Close() // cancelled while opening: report the cancellation
		return nil, err
	}
	return e, nil
}

// embeddedGenesis is the genesis of every embedded chain: geth's developer
// genesis funding the dev account, with the chain rules pinned to those live
// on mainnet, so gas figures are realistic. It must not change between opens
// (a different genesis rewrites the stored chain config or is refused).
func embeddedGenesis(devAddr common.Address) *core.Genesis {
	g := core.DeveloperGenesisBlock(embeddedGasLimit, &devAddr)
	cc := *params.AllDevChainProtocolChanges
	zero := uint64(0)
	cc.ChainID = big.NewInt(EmbeddedChainID)
	// Forks not live on mainnet yet.
	cc.AmsterdamTime, cc.BogotaTime, cc.UBTTime = nil, nil, nil
	cc.BPO3Time, cc.BPO4Time, cc.BPO5Time = nil, nil, nil
	// Mainnet's blob-parameter-only forks are live.
	cc.BPO1Time, cc.BPO2Time = &zero, &zero
	cc.BlobScheduleConfig = &params.BlobScheduleConfig{
		Cancun: params.DefaultCancunBlobConfig,
		Prague: params.DefaultPragueBlobConfig,
		BPO1:   params.DefaultBPO1BlobConfig,
		BPO2:   params.DefaultBPO2BlobConfig,
	}
	g.Config = &cc
	return g
}

// embeddedEthConfig is the eth service configuration measured to keep a
// fresh chain at a few MB on disk and durable under kill -9 (see
// shared/notes/embedded-chain.md).
func embeddedEthConfig(devAddr common.Address) ethconfig.Config {
	cfg := ethconfig.Defaults
	cfg.Genesis = embeddedGenesis(devAddr)
	cfg.NetworkId = EmbeddedChainID
	cfg.SyncMode = ethconfig.FullSync
	// Hash scheme without pruning commits every block's state: nothing is
	// lost on a crash (the path scheme loses all blocks since the last clean
	// close), and every historic state can be queried.
	cfg.StateScheme = rawdb.HashScheme
	cfg.NoPruning = true
	// Small caches: pebble sizes its write-ahead files after DatabaseCache
	// (the default 2 GB cache preallocates ~1.4 GB on an empty chain).
	cfg.DatabaseCache = 16
	cfg.DatabaseHandles = 64
	cfg.TrieCleanCache = 8
	cfg.TrieDirtyCache = 8
	cfg.SnapshotCache = 0
	cfg.FilterLogCacheSize = 8
	// No log index: it costs ~150 ms per open; logs are filtered by block
	// range instead, which is fast on a chain of this size.
	cfg.LogNoHistory = true
	cfg.TxPool.NoLocals = true
	cfg.TxPool.Journal = ""
	cfg.Miner.PendingFeeRecipient = devAddr
	cfg.Miner.GasCeil = embeddedGasLimit
	cfg.Miner.GasPrice = big.NewInt(1)
	return cfg
}

// sealTx seals the pending transactions into a block, checks that tx made it
// and syncs the database. Called with sendMu held.
func (e *Embedded) sealTx(tx *types.Transaction) error {
	head := e.beacon.Commit()
	if block := e.eth.BlockChain().GetBlockByHash(head); block != nil && block.Transaction(tx.Hash()) != nil {
		return e.sync()
	}
	if err := e.sync(); err != nil {
		return err
	}
	if pending, queued := e.eth.TxPool().ContentFrom(e.sender(tx)); len(queued) > 0 && len(pending) == 0 {
		return marketplace.Errorf(marketplace.ECONFLICT,
			"transaction %s was queued, not sealed: its nonce %d is ahead of the account's next nonce", tx.Hash().Hex(), tx.Nonce())
	}
	return marketplace.Errorf(marketplace.EINTERNAL, "transaction %s was accepted but not sealed into a block", tx.Hash().Hex())
}

func (e *Embedded) sender(tx *types.Transaction) common.Address {
	from, _ := types.Sender(types.LatestSignerForChainID(e.chainID), tx)
	return from
}

func (e *Embedded) sync() error {
	if err := e.eth.ChainDb().SyncKeyValue(); err != nil {
		return marketplace.Wrap(marketplace.EINTERNAL, err, "cannot sync the embedded chain to disk")
	}
	return nil
}

// Dir returns the data directory of the chain.
func (e *Embedded) Dir() string { return e.dir }

// DevAddress returns the dev account, funded at genesis, that pays Fund.
func (e *Embedded) DevAddress() common.Address { return e.devAddr }

// DevTransactor returns transact options signed by the dev account, for
// deploying the marketplace's contracts on the embedded chain.
func (e *Embedded) DevTransactor(ctx context.Context) *bind.TransactOpts {
	opts := bind.NewKeyedTransactor(e.devKey, e.chainID)
	opts.Context = ctx
	return opts
}

// Fund sends wei from the dev account to `to` and waits for it to be mined.
func (e *Embedded) Fund(ctx context.Context, to common.Address, wei *big.Int) (*types.Receipt, error) {
	if wei == nil || wei.Sign() <= 0 {
		return nil, marketplace.Errorf(marketplace.EINVALID, "fund amount must be positive")
	}
	return Transfer(ctx, e, e.DevTransactor(ctx), to, wei)
}

// AdjustTime seals an empty block whose timestamp is d after the head's, so
// time-based rules (licence expiry) can be exercised.
func (e *Embedded) AdjustTime(d time.Duration) error {
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	// The beacon refuses while the pool lists transactions as pending, and
	// the pool drops the ones just sealed only when it catches up with the
	// new head, a moment later.
	err := e.beacon.AdjustTime(d)
	for wait := 0; err != nil && strings.Contains(err.Error(), "non-empty block") && wait < 200; wait++ {
		time.Sleep(10 * time.Millisecond)
		err = e.beacon.AdjustTime(d)
	}
	if err != nil {
		return marketplace.Wrap(marketplace.EINTERNAL, err, "cannot advance the embedded chain's time")
	}
	return e.sync()
}

// Close stops the node and releases the data directory. Transactions sent
// before Close are on disk.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() {
		e.sendMu.Lock() // let a send in flight finish sealing
		defer e.sendMu.Unlock()
		_ = e.client.Close() // never fails: it only closes the in-process RPC client
		if err := e.stack.Close(); err != nil && !errors.Is(err, node.ErrNodeStopped) {
			e.closeErr = marketplace.Wrap(marketplace.EINTERNAL, err, "cannot close the embedded chain in %s", e.dir)
		}
	})
	return e.closeErr
}

// loadOrCreateDevKey reads the hex key at path, creating it when missing.
// Creation goes through a temporary file and a hard link, so two processes
// racing on a fresh dir end up with the same key.
func loadOrCreateDevKey(path string) (*ecdsa.PrivateKey, error) {
	if key, err := crypto.LoadECDSA(path); err == nil {
		return key, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".devkey-*")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := crypto.SaveECDSA(tmp.Name(), key); err != nil {
		tmp.Close()
		return nil, err
	}
	tmp.Close()
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	return crypto.LoadECDSA(path)
}

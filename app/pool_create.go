package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/pools"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// PoolRequest is what an operator decides when creating a pool.
type PoolRequest struct {
	Name, Description string
	// FeeBasisPoints is the operator's share of each sale (1/100 %).
	FeeBasisPoints uint16
	// Pipeline runs on each patient's node before anything leaves it.
	Pipeline *anonymize.Config
	// K is the k-anonymity enforced over the union of contributions.
	K int
	// Price (wei) and Terms of each released version's listing.
	Price *big.Int
	Terms marketplace.Terms
}

// CreatePool creates a pool run by who from this node as its hub: it
// deploys the pool's PoolPayouts contract (the seller of its versions and
// the holder of their revenue), makes the pool's key (contributions are
// encrypted to it; it is kept wrapped to the node key), and starts the
// pool's log with its configuration, version 1.
//
// Crash safety: the pool's record (with its key and configuration) is
// written before the log; a pool whose log is missing its first entry
// gets it on next use (ensurePoolLog). A crash before the record leaves
// only an unused contract on chain.
func (a *App) CreatePool(ctx context.Context, who Actor, req PoolRequest) (pools.Config, error) {
	market, err := a.marketAddr()
	if err != nil {
		return pools.Config{}, err
	}
	key, err := vault.NewDatasetKey()
	if err != nil {
		return pools.Config{}, err
	}
	cfg := pools.Config{Version: 1, Name: req.Name, Description: req.Description, Chain: a.chainID.Uint64(),
		Hub: a.PublicURL(), FeeBasisPoints: req.FeeBasisPoints, Pipeline: req.Pipeline, K: req.K, Price: req.Price,
		Terms: req.Terms, Recipient: key.Recipient(), At: a.now().UTC().Truncate(1e9)}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return pools.Config{}, err
	}
	defer release()
	cfg.Operator = sg.Address()
	// Check everything the operator chose before paying for a contract.
	probe := cfg
	probe.Contract = common.Address{1}
	if err := probe.Validate(); err != nil {
		return pools.Config{}, err
	}
	code := append(common.FromHex(contracts.PoolPayoutsMetaData.Bin), contracts.NewPoolPayouts().PackConstructor(sg.Address(), market)...)
	r, err := chain.Transact(ctx, a.chain, sg.TransactOpts(ctx, a.chainID), nil, nil, code)
	if err != nil {
		return pools.Config{}, marketplace.Wrap(marketplace.ErrorCode(contracts.DecodeRevert(err)), err, "Cannot deploy the pool's contract")
	}
	cfg.Contract = r.ContractAddress
	wrapped, err := a.market.nodeKey.Wrap(key)
	if err != nil {
		return pools.Config{}, err
	}
	cj, err := json.Marshal(cfg)
	if err != nil {
		return pools.Config{}, err
	}
	rec := store.OperatedPool{Contract: cfg.Contract, Chain: cfg.Chain, Operator: cfg.Operator, Wrapped: wrapped, Config: cj, Created: cfg.At}
	if err := a.store.PutOperatedPool(ctx, rec); err != nil {
		return pools.Config{}, err
	}
	if err := a.ensurePoolLog(ctx, rec); err != nil {
		return pools.Config{}, err
	}
	a.log.Info("pool created", "pool", cfg.Contract, "name", cfg.Name, "operator", cfg.Operator, "gas", r.GasUsed)
	return cfg, nil
}

// ensurePoolLog starts the log of a pool this node runs with its first
// configuration, when it has none yet (a crash right after the record).
func (a *App) ensurePoolLog(ctx context.Context, rec store.OperatedPool) error {
	pl := a.pools.of(rec.Contract)
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if err := a.syncPoolLog(ctx, rec.Contract, pl); err != nil {
		return err
	}
	if pl.st != nil {
		return nil
	}
	var cfg pools.Config
	if err := json.Unmarshal(rec.Config, &cfg); err != nil {
		return fmt.Errorf("pool %s: its stored configuration: %w", rec.Contract.Hex(), err)
	}
	_, err := a.appendPoolEntry(ctx, rec.Contract, pl, pools.Entry{Kind: pools.KindConfig, Config: &cfg})
	return err
}

// operatedPool returns the pool this node runs at addr, with its log
// started.
func (a *App) operatedPool(ctx context.Context, addr common.Address) (store.OperatedPool, error) {
	rec, err := a.store.OperatedPool(ctx, addr)
	if err != nil {
		return rec, err
	}
	return rec, a.ensurePoolLog(ctx, rec)
}

// poolKey returns the key a pool this node runs decrypts contributions
// with (kept wrapped to the node key; unwrapped only where one is opened).
func (a *App) poolKey(ctx context.Context, addr common.Address) (*vault.DatasetKey, error) {
	rec, err := a.operatedPool(ctx, addr)
	if err != nil {
		return nil, err
	}
	return a.market.nodeKey.Unwrap(rec.Wrapped)
}

// asOperator unlocks who for an action only the operator of a pool this
// node runs may take (what: "releases its versions"), and returns the
// signer and its release; EFORBIDDEN for anyone else, naming the operator.
func (a *App) asOperator(ctx context.Context, who Actor, pool common.Address, what string) (*vault.Signer, func(), error) {
	rec, err := a.operatedPool(ctx, pool)
	if err != nil {
		return nil, nil, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return nil, nil, err
	}
	if sg.Address() != rec.Operator {
		release()
		return nil, nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Only the pool's operator %s %s.", rec.Operator.Hex(), what)
	}
	return sg, release, nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// Contract names in deployment files.
const (
	MarketContract   = "DataLicenseMarket"
	RegistryContract = "TrialRegistry"
)

// ChainOptions choose the chain a node works on. The zero value is the
// embedded chain persisted in the data directory.
type ChainOptions struct {
	RPC        string // JSON-RPC URL (http, https, ws, wss) of any Ethereum node; "" for the embedded chain
	ChainID    uint64 // the chain id the node must serve; 0 accepts what it serves
	Deployment string // the deployments file; "" for <data dir>/deployments.json
	Market     string // DataLicenseMarket address, overriding the deployments file
	Registry   string // TrialRegistry address, overriding the deployments file
}

// queuedSender sends contract transactions with chain.Transact, which
// queues each account's transactions on this node: the trial registry's
// register and amend and the checkpoint anchors (trials.Sender) take their
// turn with the account's buys, listings and transfers, so concurrent
// actions of one account never clash on a nonce.
type queuedSender struct{ c chain.Chain }

func (s queuedSender) Transact(ctx context.Context, opts *bind.TransactOpts, to common.Address, data []byte) (*types.Receipt, error) {
	return chain.Transact(ctx, s.c, opts, &to, nil, data)
}

var _ trials.Sender = queuedSender{}

// errorABIs lets the chain layer name our contracts' custom errors.
func errorABIs() ([]*abi.ABI, error) {
	var abis []*abi.ABI
	for _, md := range []*bind.MetaData{&contracts.DataLicenseMarketMetaData, &contracts.TrialRegistryMetaData} {
		a, err := md.ParseABI()
		if err != nil {
			return nil, fmt.Errorf("parse %s ABI: %w", md.ID, err)
		}
		abis = append(abis, a)
	}
	return abis, nil
}

// openChain connects to the configured chain and finds the contracts on it.
// On the embedded chain a missing deployment is made at once from the dev
// account, so `serve` with no flags has a working marketplace.
func (a *App) openChain(ctx context.Context, opts ChainOptions) error {
	abis, err := errorABIs()
	if err != nil {
		return err
	}
	if opts.RPC == "" {
		e, err := chain.OpenEmbedded(ctx, filepath.Join(a.dataDir, "chain"), chain.WithErrorABIs(abis...))
		if err != nil {
			return err
		}
		a.chain, a.funder = e, e
	} else {
		r, err := chain.Dial(ctx, opts.RPC, opts.ChainID, chain.WithErrorABIs(abis...))
		if err != nil {
			return err
		}
		a.chain = r
	}
	id, err := a.chain.ChainID(ctx)
	if err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the chain id from %s", a.chain.Endpoint())
	}
	a.chainID = id

	a.deploymentPath = opts.Deployment
	if a.deploymentPath == "" {
		a.deploymentPath = filepath.Join(a.dataDir, chain.DeploymentsFile)
	}
	d, err := a.findDeployment(ctx, opts)
	if err != nil {
		return err
	}
	if d == nil && a.funder != nil {
		if d, err = a.deploy(ctx, a.funder.DevTransactor(ctx)); err != nil {
			return fmt.Errorf("deploy the contracts on the embedded chain: %w", err)
		}
	}
	a.deployment = d
	return nil
}

// findDeployment returns the contracts' addresses from flags or the
// deployments file, checked against the chain; nil when there are none yet.
func (a *App) findDeployment(ctx context.Context, opts ChainOptions) (*chain.Deployment, error) {
	if opts.Market != "" || opts.Registry != "" {
		d := &chain.Deployment{ChainID: a.chainID.Uint64(), Contracts: map[string]common.Address{}}
		for name, s := range map[string]string{MarketContract: opts.Market, RegistryContract: opts.Registry} {
			if s == "" {
				continue
			}
			if !common.IsHexAddress(s) {
				return nil, marketplace.Errorf(marketplace.EINVALID, "%s address: %q is not a hex address.", name, s)
			}
			d.Contracts[name] = common.HexToAddress(s)
		}
		return d, d.Check(ctx, a.chain)
	}
	ds, err := chain.ReadDeployments(a.deploymentPath)
	if err != nil {
		return nil, err
	}
	d, err := ds.For(a.chainID.Uint64())
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return d, d.Check(ctx, a.chain)
}

// deploy deploys both contracts from `from` and records them in the
// deployments file. The creations take their turn in the account's
// transaction queue (chain.Transact).
func (a *App) deploy(ctx context.Context, from *bind.TransactOpts) (*chain.Deployment, error) {
	genesis, err := a.chain.HeaderByNumber(ctx, common.Big0)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the genesis block from %s", a.chain.Endpoint())
	}
	d := &chain.Deployment{ChainID: a.chainID.Uint64(), GenesisHash: genesis.Hash(), Contracts: map[string]common.Address{}}
	for _, md := range []*bind.MetaData{&contracts.DataLicenseMarketMetaData, &contracts.TrialRegistryMetaData} {
		receipt, err := chain.Transact(ctx, a.chain, from, nil, nil, common.FromHex(md.Bin))
		if err != nil {
			return nil, fmt.Errorf("deploy %s: %w", md.ID, err)
		}
		addr := receipt.ContractAddress
		if d.DeployBlock == 0 {
			d.DeployBlock = receipt.BlockNumber.Uint64()
		}
		d.Contracts[md.ID] = addr
		a.log.Info("contract deployed", "contract", md.ID, "address", addr, "block", receipt.BlockNumber, "gas", receipt.GasUsed)
	}
	ds, err := chain.ReadDeployments(a.deploymentPath)
	if err != nil {
		return nil, err
	}
	if err := ds.Put(d); err != nil {
		return nil, err
	}
	if err := ds.Write(a.deploymentPath); err != nil {
		return nil, err
	}
	return d, nil
}

// Deploy deploys the marketplace contracts from the named account, paid by
// it, and records them in the deployments file. It refuses when the chain
// already has a deployment recorded, unless force is set.
func (a *App) Deploy(ctx context.Context, as, passphrase string, force bool) (*chain.Deployment, error) {
	if a.deployment != nil && !force {
		return nil, marketplace.Errorf(marketplace.ECONFLICT,
			"The contracts are already deployed on chain %s (market %s); pass --force to deploy new ones.",
			a.chainID, a.deployment.Contracts[MarketContract].Hex())
	}
	signer, err := a.unlock(ctx, as, passphrase)
	if err != nil {
		return nil, err
	}
	defer signer.Lock()
	d, err := a.deploy(ctx, signer.TransactOpts(ctx, a.chainID))
	if err != nil {
		return nil, err
	}
	a.deployment = d
	return d, nil
}

// Fund sends ether from the embedded chain's dev account to the named
// account. Only the embedded chain has a dev account to pay from.
func (a *App) Fund(ctx context.Context, name string, wei *big.Int) (*big.Int, error) {
	if a.funder == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"chain fund works on the embedded chain only; on %s, send ether to the account with the network's own means.", a.chain.Endpoint())
	}
	if wei.Sign() <= 0 {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Amount: must be more than 0.")
	}
	acct, err := a.keys.Get(name)
	if err != nil {
		return nil, err
	}
	if _, err := a.funder.Fund(ctx, acct.Address, wei); err != nil {
		return nil, fmt.Errorf("fund %s: %w", name, err)
	}
	a.log.Info("account funded", "account", name, "address", acct.Address, "wei", wei)
	return a.chain.BalanceAt(ctx, acct.Address, nil)
}

// ChainStatus is what `chain status` and the status page show.
type ChainStatus struct {
	Endpoint   string
	Embedded   bool
	ChainID    *big.Int
	Block      uint64
	Deployment *chain.Deployment // nil: no contracts on this chain yet
	Accounts   []AccountBalance
}

// AccountBalance is a keystore account with its balance on the chain.
type AccountBalance struct {
	marketplace.Account
	Wei *big.Int
}

// ChainStatus reads the chain's head and every keystore account's balance.
func (a *App) ChainStatus(ctx context.Context) (ChainStatus, error) {
	st := ChainStatus{Endpoint: a.chain.Endpoint(), Embedded: a.funder != nil, ChainID: a.chainID, Deployment: a.deployment}
	var err error
	if st.Block, err = a.chain.BlockNumber(ctx); err != nil {
		return st, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the head block from %s", st.Endpoint)
	}
	accts, err := a.keys.List()
	if err != nil {
		return st, err
	}
	for _, acct := range accts {
		wei, err := a.chain.BalanceAt(ctx, acct.Address, nil)
		if err != nil {
			return st, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the balance of %s", acct.Address.Hex())
		}
		st.Accounts = append(st.Accounts, AccountBalance{Account: acct, Wei: wei})
	}
	return st, nil
}

// closeChain stops the embedded node or drops the connection.
func (a *App) closeChain() error {
	if a.chain == nil {
		return nil
	}
	return errors.Join(a.chain.Close())
}

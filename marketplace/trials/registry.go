package trials

import (
	"context"
	"errors"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// registry is the TrialRegistry contract as the trial service uses it:
// register and amend protocol hashes, read a trial, find the events that
// registered its protocol versions.
type registry struct {
	backend   ledger.Backend
	address   common.Address
	abi       *contracts.TrialRegistry
	contract  *bind.BoundContract
	fromBlock uint64
}

func newRegistry(backend ledger.Backend, address common.Address, fromBlock uint64) *registry {
	r := contracts.NewTrialRegistry()
	return &registry{backend: backend, address: address, abi: r, contract: r.Instance(backend, address), fromBlock: fromBlock}
}

// chainError gives a code to an error from the chain: the contract's refusal
// decoded, or EUNAVAILABLE.
func chainError(err error, format string, args ...any) error {
	err = contracts.DecodeRevert(err)
	var me *marketplace.Error
	if errors.As(err, &me) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return marketplace.Wrap(marketplace.EUNAVAILABLE, err, format, args...)
}

// onChain is what the contract holds for a trial.
type onChain struct {
	Sponsor  common.Address // zero: not registered
	Protocol common.Hash    // current protocol hash
}

func (r *registry) trial(ctx context.Context, id common.Hash) (onChain, error) {
	out, err := bind.Call(r.contract, &bind.CallOpts{Context: ctx}, r.abi.PackTrial(id), r.abi.UnpackTrial)
	if err != nil {
		return onChain{}, chainError(err, "Cannot read trial %s from the TrialRegistry", id.Hex())
	}
	return onChain{Sponsor: out.Sponsor, Protocol: out.ProtocolHash}, nil
}

// protocolTx is a mined register or amend transaction.
type protocolTx struct {
	Hash   common.Hash
	TxHash common.Hash
	Block  uint64
	Time   time.Time
}

// transact sends data as opts' account and waits for a successful receipt.
func (r *registry) transact(ctx context.Context, opts *bind.TransactOpts, data []byte, what string) (protocolTx, error) {
	o := *opts
	o.Context = ctx
	tx, err := bind.Transact(r.contract, &o, data)
	if err != nil {
		return protocolTx{}, chainError(err, "Cannot send the %s transaction", what)
	}
	receipt, err := r.waitMined(ctx, tx.Hash())
	if err != nil {
		return protocolTx{}, chainError(err, "The %s transaction %s", what, tx.Hash().Hex())
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		if err := contracts.WhyFailed(ctx, r.backend, o.From, tx, receipt); err != nil {
			return protocolTx{}, err
		}
		return protocolTx{}, marketplace.Errorf(marketplace.EINTERNAL, "The %s transaction %s failed.", what, tx.Hash().Hex())
	}
	t, err := r.blockTime(ctx, receipt.BlockNumber.Uint64())
	if err != nil {
		return protocolTx{}, err
	}
	return protocolTx{TxHash: tx.Hash(), Block: receipt.BlockNumber.Uint64(), Time: t}, nil
}

func (r *registry) register(ctx context.Context, opts *bind.TransactOpts, id, protocol common.Hash) (protocolTx, error) {
	p, err := r.transact(ctx, opts, r.abi.PackRegister(id, protocol), "register")
	p.Hash = protocol
	return p, err
}

func (r *registry) amend(ctx context.Context, opts *bind.TransactOpts, id, protocol common.Hash) (protocolTx, error) {
	p, err := r.transact(ctx, opts, r.abi.PackAmend(id, protocol), "amend")
	p.Hash = protocol
	return p, err
}

func (r *registry) waitMined(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	if w, ok := r.backend.(interface {
		WaitMined(context.Context, common.Hash) (*types.Receipt, error)
	}); ok {
		return w.WaitMined(ctx, h)
	}
	return bind.WaitMined(ctx, r.backend, h)
}

func (r *registry) blockTime(ctx context.Context, n uint64) (time.Time, error) {
	h, err := r.backend.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
	if err != nil {
		return time.Time{}, chainError(err, "Cannot read block %d", n)
	}
	return time.Unix(int64(h.Time), 0).UTC(), nil
}

// protocols returns the protocol hashes the chain registered for trial id, in
// order: the TrialRegistered event, then every ProtocolAmended event.
func (r *registry) protocols(ctx context.Context, id common.Hash) (common.Address, []protocolTx, error) {
	var sponsor common.Address
	var out []protocolTx
	opts := &bind.FilterOpts{Start: r.fromBlock, Context: ctx}
	reg, err := bind.FilterEvents(r.contract, opts, r.abi.UnpackTrialRegisteredEvent, []any{[32]byte(id)})
	if err != nil {
		return sponsor, nil, chainError(err, "Cannot search the registration of trial %s", id.Hex())
	}
	for reg.Next() {
		ev := reg.Value()
		if ev.Raw.Removed || ev.TrialId != id {
			continue
		}
		sponsor = ev.Sponsor
		out = append(out, protocolTx{Hash: ev.ProtocolHash, TxHash: ev.Raw.TxHash, Block: ev.Raw.BlockNumber})
	}
	err = reg.Error()
	reg.Close()
	if err != nil {
		return sponsor, nil, chainError(err, "Cannot search the registration of trial %s", id.Hex())
	}
	am, err := bind.FilterEvents(r.contract, opts, r.abi.UnpackProtocolAmendedEvent, []any{[32]byte(id)})
	if err != nil {
		return sponsor, nil, chainError(err, "Cannot search the amendments of trial %s", id.Hex())
	}
	defer am.Close()
	for am.Next() {
		ev := am.Value()
		if ev.Raw.Removed || ev.TrialId != id {
			continue
		}
		out = append(out, protocolTx{Hash: ev.ProtocolHash, TxHash: ev.Raw.TxHash, Block: ev.Raw.BlockNumber})
	}
	if err := am.Error(); err != nil {
		return sponsor, nil, chainError(err, "Cannot search the amendments of trial %s", id.Hex())
	}
	for i := range out {
		if out[i].Time, err = r.blockTime(ctx, out[i].Block); err != nil {
			return sponsor, nil, err
		}
	}
	return sponsor, out, nil
}

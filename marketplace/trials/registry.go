package trials

import (
	"context"
	"crypto/sha256"
	"errors"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// registry is the TrialRegistry contract as the trial service uses it:
// register and amend protocol hashes, read a trial, find the events that
// registered its protocol versions.
type registry struct {
	backend   Backend
	sender    Sender // register and amend go through it
	address   common.Address
	abi       *contracts.TrialRegistry
	contract  *bind.BoundContract
	fromBlock uint64
}

// newRegistry returns the registry at address, sending through sender
// (nil: backendSender{backend}).
func newRegistry(backend Backend, sender Sender, address common.Address, fromBlock uint64) *registry {
	if sender == nil {
		sender = backendSender{backend}
	}
	r := contracts.NewTrialRegistry()
	return &registry{backend: backend, sender: sender, address: address, abi: r, contract: r.Instance(backend, address), fromBlock: fromBlock}
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
	Sponsor    common.Address // zero: not registered
	Protocol   common.Hash    // current protocol hash
	LogKeyHash common.Hash    // SHA-256 of the log's verifier key
}

// trial reads trial(id). A TrialRegistry deployed before log keys were
// pinned answers with two words instead of three: that is an ECONFLICT
// saying what to do, not a decoding error.
func (r *registry) trial(ctx context.Context, id common.Hash) (onChain, error) {
	to := r.address
	raw, err := r.backend.CallContract(ctx, ethereum.CallMsg{To: &to, Data: r.abi.PackTrial(id)}, nil)
	if err != nil {
		return onChain{}, chainError(err, "Cannot read trial %s from the TrialRegistry", id.Hex())
	}
	if len(raw) == 64 {
		return onChain{}, marketplace.Errorf(marketplace.ECONFLICT,
			"The TrialRegistry at %s is an older version that does not pin a trial's log key; its trials cannot be verified against a pinned key. Use a fresh data directory, or deploy the contracts again (medmarket chain deploy --force) and register the trials there.", r.address.Hex())
	}
	out, err := r.abi.UnpackTrial(raw)
	if err != nil {
		return onChain{}, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "The TrialRegistry at %s answered trial(%s) with %d bytes that do not decode", r.address.Hex(), id.Hex(), len(raw))
	}
	return onChain{Sponsor: out.Sponsor, Protocol: out.ProtocolHash, LogKeyHash: out.LogKeyHash}, nil
}

// logKeyHash is what the registry stores for a log verifier key.
func logKeyHash(key string) common.Hash { return sha256.Sum256([]byte(key)) }

// protocolTx is a mined register or amend transaction.
type protocolTx struct {
	Hash   common.Hash
	TxHash common.Hash
	Block  uint64
	Time   time.Time
}

// transact sends data as opts' account and waits for a successful receipt.
func (r *registry) transact(ctx context.Context, opts *bind.TransactOpts, data []byte, what string) (protocolTx, error) {
	receipt, err := r.sender.Transact(ctx, opts, r.address, data)
	if err != nil {
		if receipt == nil {
			return protocolTx{}, chainError(err, "Cannot send the %s transaction", what)
		}
		return protocolTx{}, chainError(err, "The %s transaction %s", what, receipt.TxHash.Hex())
	}
	if receipt.Status != types.ReceiptStatusSuccessful { // a Sender that did not say why
		return protocolTx{}, marketplace.Errorf(marketplace.EINTERNAL, "The %s transaction %s failed.", what, receipt.TxHash.Hex())
	}
	t, err := r.blockTime(ctx, receipt.BlockNumber.Uint64())
	if err != nil {
		return protocolTx{}, err
	}
	return protocolTx{TxHash: receipt.TxHash, Block: receipt.BlockNumber.Uint64(), Time: t}, nil
}

func (r *registry) register(ctx context.Context, opts *bind.TransactOpts, id, protocol common.Hash, logKey string) (protocolTx, error) {
	p, err := r.transact(ctx, opts, r.abi.PackRegister(id, protocol, logKey), "register")
	p.Hash = protocol
	return p, err
}

func (r *registry) amend(ctx context.Context, opts *bind.TransactOpts, id, protocol common.Hash) (protocolTx, error) {
	p, err := r.transact(ctx, opts, r.abi.PackAmend(id, protocol), "amend")
	p.Hash = protocol
	return p, err
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
	sponsor, _, out, err := r.registration(ctx, id)
	return sponsor, out, err
}

// registration returns what the chain registered for trial id: its sponsor,
// the log key of its TrialRegistered event, and its protocol versions.
func (r *registry) registration(ctx context.Context, id common.Hash) (common.Address, string, []protocolTx, error) {
	sponsor, logKey, out, err := r.events(ctx, id)
	if err != nil {
		return sponsor, logKey, nil, err
	}
	for i := range out {
		if out[i].Time, err = r.blockTime(ctx, out[i].Block); err != nil {
			return sponsor, logKey, nil, err
		}
	}
	return sponsor, logKey, out, nil
}

func (r *registry) events(ctx context.Context, id common.Hash) (common.Address, string, []protocolTx, error) {
	var sponsor common.Address
	var logKey string
	var out []protocolTx
	opts := &bind.FilterOpts{Start: r.fromBlock, Context: ctx}
	reg, err := bind.FilterEvents(r.contract, opts, r.abi.UnpackTrialRegisteredEvent, []any{[32]byte(id)})
	if err != nil {
		return sponsor, logKey, nil, chainError(err, "Cannot search the registration of trial %s", id.Hex())
	}
	for reg.Next() {
		ev := reg.Value()
		if ev.Raw.Removed || ev.TrialId != id {
			continue
		}
		sponsor, logKey = ev.Sponsor, ev.LogKey
		out = append(out, protocolTx{Hash: ev.ProtocolHash, TxHash: ev.Raw.TxHash, Block: ev.Raw.BlockNumber})
	}
	err = reg.Error()
	_ = reg.Close() // only unsubscribes; the iterator's error is the one above
	if err != nil {
		return sponsor, logKey, nil, chainError(err, "Cannot search the registration of trial %s", id.Hex())
	}
	am, err := bind.FilterEvents(r.contract, opts, r.abi.UnpackProtocolAmendedEvent, []any{[32]byte(id)})
	if err != nil {
		return sponsor, logKey, nil, chainError(err, "Cannot search the amendments of trial %s", id.Hex())
	}
	defer func() { _ = am.Close() }() // only unsubscribes; the iterator's error is read below
	for am.Next() {
		ev := am.Value()
		if ev.Raw.Removed || ev.TrialId != id {
			continue
		}
		out = append(out, protocolTx{Hash: ev.ProtocolHash, TxHash: ev.Raw.TxHash, Block: ev.Raw.BlockNumber})
	}
	if err := am.Error(); err != nil {
		return sponsor, logKey, nil, chainError(err, "Cannot search the amendments of trial %s", id.Hex())
	}
	return sponsor, logKey, out, nil
}

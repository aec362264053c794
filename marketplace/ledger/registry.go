package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// Backend is what RegistryAnchorer needs from a chain: a contract backend
// that can also wait for receipts. marketplace/chain's Chain and
// ethclient/simulated's Client both are one.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
}

// Sender sends a transaction carrying data to the contract at `to` as the
// account of opts and waits until it is mined. A transaction mined but
// failed comes back with its receipt and an error saying why; an error
// without a receipt means nothing is known to be mined. Safe for concurrent
// use.
//
// The node's Sender is marketplace/chain's Transact (app wires it): it queues
// each account's transactions, so an anchor, a trial's registration and a
// buy by one account never race for a nonce.
type Sender interface {
	Transact(ctx context.Context, opts *bind.TransactOpts, to common.Address, data []byte) (*types.Receipt, error)
}

// BackendSender is the Sender of a bare backend (a simulated chain in
// tests): bind's Transact, then the receipt. It queues nothing: concurrent
// transactions of one account through it, or through it and anything else,
// can clash on their nonce.
func BackendSender(b Backend) Sender { return backendSender{b} }

type backendSender struct{ b Backend }

func (s backendSender) Transact(ctx context.Context, opts *bind.TransactOpts, to common.Address, data []byte) (*types.Receipt, error) {
	o := *opts
	o.Context = ctx
	tx, err := bind.NewBoundContract(to, abi.ABI{}, s.b, s.b, s.b).RawTransact(&o, data)
	if err != nil {
		return nil, err
	}
	var receipt *types.Receipt
	if w, ok := s.b.(interface {
		WaitMined(context.Context, common.Hash) (*types.Receipt, error)
	}); ok {
		// marketplace/chain polls faster than bind.WaitMined's second.
		receipt, err = w.WaitMined(ctx, tx.Hash())
	} else {
		receipt, err = bind.WaitMined(ctx, s.b, tx.Hash())
	}
	if err != nil {
		if receipt == nil {
			return nil, fmt.Errorf("transaction %s: %w", tx.Hash().Hex(), err)
		}
		return receipt, err
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		if err := contracts.WhyFailed(ctx, s.b, o.From, tx, receipt); err != nil {
			return receipt, err
		}
		return receipt, marketplace.Errorf(marketplace.EINTERNAL, "Transaction %s failed.", tx.Hash().Hex())
	}
	return receipt, nil
}

// RegistryAnchorer anchors checkpoints with TrialRegistry.anchor: the log id
// is the trial id, which its sponsor must have registered. It is an Anchorer
// and an AnchorLookup (for Verify). Safe for concurrent use; it sends one
// anchor at a time, through its Sender, which queues them with the
// account's other transactions (see Sender).
type RegistryAnchorer struct {
	backend   Backend
	sender    Sender
	registry  *contracts.TrialRegistry
	contract  *bind.BoundContract
	opts      *bind.TransactOpts
	fromBlock uint64
	mu        sync.Mutex
}

// NewRegistryAnchorer returns an anchorer on the TrialRegistry at address,
// sending through sender (nil: BackendSender(backend)) as the sponsor
// account of opts (nil opts: lookups only, for verification). fromBlock is
// where event searches start (the registry's deployment block; 0 searches
// the whole chain).
func NewRegistryAnchorer(backend Backend, sender Sender, address common.Address, opts *bind.TransactOpts, fromBlock uint64) *RegistryAnchorer {
	if sender == nil {
		sender = BackendSender(backend)
	}
	r := contracts.NewTrialRegistry()
	return &RegistryAnchorer{
		backend: backend, sender: sender, registry: r, contract: r.Instance(backend, address),
		opts: opts, fromBlock: fromBlock,
	}
}

// chainError gives a code to an error from the chain: the contract's refusal
// decoded, or EUNAVAILABLE for an error without one.
func chainError(err error, format string, args ...any) error {
	err = contracts.DecodeRevert(err)
	var me *marketplace.Error
	if errors.As(err, &me) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return marketplace.Wrap(marketplace.EUNAVAILABLE, err, format, args...)
}

// Anchor sends anchor(id, size, root) and waits until it is mined.
func (a *RegistryAnchorer) Anchor(ctx context.Context, id LogID, size uint64, root [32]byte) (AnchorReceipt, error) {
	if a.opts == nil {
		return AnchorReceipt{}, marketplace.Errorf(marketplace.EFORBIDDEN, "No sponsor account to anchor with.")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	receipt, err := a.sender.Transact(ctx, a.opts, a.contract.Address(), a.registry.PackAnchor(id, size, root))
	if err != nil {
		if receipt == nil {
			return AnchorReceipt{}, chainError(err, "Cannot anchor log %s", id)
		}
		return AnchorReceipt{}, chainError(err, "Anchor transaction %s of log %s", receipt.TxHash.Hex(), id)
	}
	if receipt.Status != types.ReceiptStatusSuccessful { // a Sender that did not say why
		return AnchorReceipt{}, marketplace.Errorf(marketplace.EINTERNAL, "Anchor transaction %s of log %s failed.", receipt.TxHash.Hex(), id)
	}
	t, err := a.blockTime(ctx, receipt.BlockNumber)
	if err != nil {
		return AnchorReceipt{}, err
	}
	return AnchorReceipt{
		TreeSize: size, RootHash: root, TxHash: receipt.TxHash,
		Block: receipt.BlockNumber.Uint64(), Time: t, GasUsed: receipt.GasUsed,
	}, nil
}

func (a *RegistryAnchorer) blockTime(ctx context.Context, n *big.Int) (time.Time, error) {
	h, err := a.backend.HeaderByNumber(ctx, n)
	if err != nil {
		return time.Time{}, chainError(err, "Cannot read block %s", n)
	}
	return time.Unix(int64(h.Time), 0).UTC(), nil
}

// Latest calls latest(id). An unregistered trial is ENOTFOUND.
func (a *RegistryAnchorer) Latest(ctx context.Context, id LogID) (AnchorReceipt, error) {
	out, err := bind.Call(a.contract, &bind.CallOpts{Context: ctx}, a.registry.PackLatest(id), a.registry.UnpackLatest)
	if err != nil {
		return AnchorReceipt{}, chainError(err, "Cannot read the latest anchor of log %s", id)
	}
	rec := AnchorReceipt{TreeSize: out.TreeSize, RootHash: out.RootHash}
	if out.AnchoredAt != 0 {
		rec.Time = time.Unix(int64(out.AnchoredAt), 0).UTC()
	}
	return rec, nil
}

// FindAnchor finds the CheckpointAnchored event of log id for tree size.
// The contract anchors each size at most once.
func (a *RegistryAnchorer) FindAnchor(ctx context.Context, id LogID, size uint64) (AnchorReceipt, error) {
	it, err := bind.FilterEvents(a.contract, &bind.FilterOpts{Start: a.fromBlock, Context: ctx},
		a.registry.UnpackCheckpointAnchoredEvent, []any{[32]byte(id)})
	if err != nil {
		return AnchorReceipt{}, chainError(err, "Cannot search the anchors of log %s", id)
	}
	defer func() { _ = it.Close() }() // only unsubscribes; the iterator's error is read below
	for it.Next() {
		ev := it.Value()
		if ev.TrialId != id || ev.TreeSize != size || ev.Raw.Removed {
			continue
		}
		t, err := a.blockTime(ctx, new(big.Int).SetUint64(ev.Raw.BlockNumber))
		if err != nil {
			return AnchorReceipt{}, err
		}
		return AnchorReceipt{
			TreeSize: size, RootHash: ev.RootHash, TxHash: ev.Raw.TxHash,
			Block: ev.Raw.BlockNumber, Time: t,
		}, nil
	}
	if err := it.Error(); err != nil {
		return AnchorReceipt{}, chainError(err, "Cannot search the anchors of log %s", id)
	}
	return AnchorReceipt{}, marketplace.Errorf(marketplace.ENOTFOUND, "The chain has no anchor of log %s at size %d.", id, size)
}

var _ Anchorer = (*RegistryAnchorer)(nil)

// String names the anchorer for logs.
func (a *RegistryAnchorer) String() string {
	return fmt.Sprintf("TrialRegistry at %s", a.contract.Address().Hex())
}

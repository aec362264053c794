package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

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

// RegistryAnchorer anchors checkpoints with TrialRegistry.anchor: the log id
// is the trial id, which its sponsor must have registered. It is an Anchorer
// and an AnchorLookup (for Verify). Safe for concurrent use; it sends one
// transaction at a time so that nonces do not clash.
type RegistryAnchorer struct {
	backend   Backend
	registry  *contracts.TrialRegistry
	contract  *bind.BoundContract
	opts      *bind.TransactOpts
	fromBlock uint64
	mu        sync.Mutex
}

// NewRegistryAnchorer returns an anchorer on the TrialRegistry at address,
// sending as the sponsor account of opts (nil opts: lookups only, for
// verification). fromBlock is where event searches start (the registry's
// deployment block; 0 searches the whole chain).
func NewRegistryAnchorer(backend Backend, address common.Address, opts *bind.TransactOpts, fromBlock uint64) *RegistryAnchorer {
	r := contracts.NewTrialRegistry()
	return &RegistryAnchorer{
		backend: backend, registry: r, contract: r.Instance(backend, address),
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
	opts := *a.opts
	opts.Context = ctx
	tx, err := bind.Transact(a.contract, &opts, a.registry.PackAnchor(id, size, root))
	if err != nil {
		return AnchorReceipt{}, chainError(err, "Cannot send the anchor of log %s", id)
	}
	receipt, err := a.waitMined(ctx, tx.Hash())
	if err != nil {
		if receipt == nil {
			return AnchorReceipt{}, chainError(err, "Anchor transaction %s of log %s", tx.Hash().Hex(), id)
		}
		return AnchorReceipt{}, err
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		if err := contracts.WhyFailed(ctx, a.backend, opts.From, tx, receipt); err != nil {
			return AnchorReceipt{}, err
		}
		return AnchorReceipt{}, marketplace.Errorf(marketplace.EINTERNAL, "Anchor transaction %s of log %s failed.", tx.Hash().Hex(), id)
	}
	t, err := a.blockTime(ctx, receipt.BlockNumber)
	if err != nil {
		return AnchorReceipt{}, err
	}
	return AnchorReceipt{
		TreeSize: size, RootHash: root, TxHash: tx.Hash(),
		Block: receipt.BlockNumber.Uint64(), Time: t, GasUsed: receipt.GasUsed,
	}, nil
}

// waitMined uses the backend's own WaitMined when it has one (marketplace/chain
// polls faster than bind.WaitMined's second).
func (a *RegistryAnchorer) waitMined(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	if w, ok := a.backend.(interface {
		WaitMined(context.Context, common.Hash) (*types.Receipt, error)
	}); ok {
		return w.WaitMined(ctx, h)
	}
	return bind.WaitMined(ctx, a.backend, h)
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

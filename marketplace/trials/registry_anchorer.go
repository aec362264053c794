package trials

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// registryAnchorer anchors checkpoints with TrialRegistry.anchor: the log id
// is the trial id, which its sponsor must have registered. It is a ledger.Anchorer
// and an AnchorLookup (for Verify). Safe for concurrent use; it sends one
// anchor at a time, through its Sender, which queues them with the
// account's other transactions (see Sender).
type registryAnchorer struct {
	backend   Backend
	sender    Sender
	registry  *contracts.TrialRegistry
	contract  *bind.BoundContract
	opts      *bind.TransactOpts
	fromBlock uint64
	mu        sync.Mutex
}

// newRegistryAnchorer returns an anchorer on the TrialRegistry at address,
// sending through sender (nil: a backendSender) as the sponsor
// account of opts (nil opts: lookups only, for verification). fromBlock is
// where event searches start (the registry's deployment block; 0 searches
// the whole chain).
func newRegistryAnchorer(backend Backend, sender Sender, address common.Address, opts *bind.TransactOpts, fromBlock uint64) *registryAnchorer {
	if sender == nil {
		sender = backendSender{backend}
	}
	r := contracts.NewTrialRegistry()
	return &registryAnchorer{
		backend: backend, sender: sender, registry: r, contract: r.Instance(backend, address),
		opts: opts, fromBlock: fromBlock,
	}
}

// Anchor sends anchor(id, size, root) and waits until it is mined.
func (a *registryAnchorer) Anchor(ctx context.Context, id ledger.LogID, size uint64, root [32]byte) (ledger.AnchorReceipt, error) {
	if a.opts == nil {
		return ledger.AnchorReceipt{}, marketplace.Errorf(marketplace.EFORBIDDEN, "No sponsor account to anchor with.")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	receipt, err := a.sender.Transact(ctx, a.opts, a.contract.Address(), a.registry.PackAnchor(id, size, root))
	if err != nil {
		if receipt == nil {
			return ledger.AnchorReceipt{}, chainError(err, "Cannot anchor log %s", id)
		}
		return ledger.AnchorReceipt{}, chainError(err, "Anchor transaction %s of log %s", receipt.TxHash.Hex(), id)
	}
	if receipt.Status != types.ReceiptStatusSuccessful { // a Sender that did not say why
		return ledger.AnchorReceipt{}, marketplace.Errorf(marketplace.EINTERNAL, "Anchor transaction %s of log %s failed.", receipt.TxHash.Hex(), id)
	}
	t, err := a.blockTime(ctx, receipt.BlockNumber)
	if err != nil {
		return ledger.AnchorReceipt{}, err
	}
	return ledger.AnchorReceipt{
		TreeSize: size, RootHash: root, TxHash: receipt.TxHash,
		Block: receipt.BlockNumber.Uint64(), Time: t, GasUsed: receipt.GasUsed,
	}, nil
}

func (a *registryAnchorer) blockTime(ctx context.Context, n *big.Int) (time.Time, error) {
	h, err := a.backend.HeaderByNumber(ctx, n)
	if err != nil {
		return time.Time{}, chainError(err, "Cannot read block %s", n)
	}
	return time.Unix(int64(h.Time), 0).UTC(), nil
}

// Latest calls latest(id). An unregistered trial is ENOTFOUND.
func (a *registryAnchorer) Latest(ctx context.Context, id ledger.LogID) (ledger.AnchorReceipt, error) {
	out, err := bind.Call(a.contract, &bind.CallOpts{Context: ctx}, a.registry.PackLatest(id), a.registry.UnpackLatest)
	if err != nil {
		return ledger.AnchorReceipt{}, chainError(err, "Cannot read the latest anchor of log %s", id)
	}
	rec := ledger.AnchorReceipt{TreeSize: out.TreeSize, RootHash: out.RootHash}
	if out.AnchoredAt != 0 {
		rec.Time = time.Unix(int64(out.AnchoredAt), 0).UTC()
	}
	return rec, nil
}

// FindAnchor finds the CheckpointAnchored event of log id for tree size.
// The contract anchors each size at most once.
func (a *registryAnchorer) FindAnchor(ctx context.Context, id ledger.LogID, size uint64) (ledger.AnchorReceipt, error) {
	it, err := bind.FilterEvents(a.contract, &bind.FilterOpts{Start: a.fromBlock, Context: ctx},
		a.registry.UnpackCheckpointAnchoredEvent, []any{[32]byte(id)})
	if err != nil {
		return ledger.AnchorReceipt{}, chainError(err, "Cannot search the anchors of log %s", id)
	}
	defer func() { _ = it.Close() }() // only unsubscribes; the iterator's error is read below
	for it.Next() {
		ev := it.Value()
		if ev.TrialId != id || ev.TreeSize != size || ev.Raw.Removed {
			continue
		}
		t, err := a.blockTime(ctx, new(big.Int).SetUint64(ev.Raw.BlockNumber))
		if err != nil {
			return ledger.AnchorReceipt{}, err
		}
		return ledger.AnchorReceipt{
			TreeSize: size, RootHash: ev.RootHash, TxHash: ev.Raw.TxHash,
			Block: ev.Raw.BlockNumber, Time: t,
		}, nil
	}
	if err := it.Error(); err != nil {
		return ledger.AnchorReceipt{}, chainError(err, "Cannot search the anchors of log %s", id)
	}
	return ledger.AnchorReceipt{}, marketplace.Errorf(marketplace.ENOTFOUND, "The chain has no anchor of log %s at size %d.", id, size)
}

var _ ledger.Anchorer = (*registryAnchorer)(nil)

// String names the anchorer for logs.
func (a *registryAnchorer) String() string {
	return fmt.Sprintf("TrialRegistry at %s", a.contract.Address().Hex())
}

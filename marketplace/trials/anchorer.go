package trials

import (
	"context"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// Signer is an unlocked account: the sponsor's key, which signs steps
// (EIP-191) and chain transactions. *vault.Signer is one.
type Signer interface {
	Address() common.Address
	SignPersonal(msg []byte) ([]byte, error)
	TransactOpts(ctx context.Context, chainID *big.Int) *bind.TransactOpts
	// Lock forgets the unlocked key: the service calls it on a key it kept
	// for scheduled anchoring once the keep time passed or a fresh unlock
	// replaced it, never on a key of an action still in progress.
	Lock()
}

// sponsorAnchorer is the ledger's Anchorer for trial logs. Only a trial's
// sponsor may anchor its log, so each anchor is sent as the sponsor of the
// trial, with the sponsor's key when this process holds it unlocked: during
// an action of the sponsor (hold), or for a while after it when scheduled
// anchoring runs (keep). Without the key, anchoring the log is refused
// (EFORBIDDEN) and the scheduler retries at its next trigger.
//
// All trial transactions of one sponsor go through one lock, so register,
// amend and anchor are sent one after the other; the Sender queues them
// with the account's other transactions (buys, transfers), so that none of
// them races for a nonce.
type sponsorAnchorer struct {
	backend   Backend
	sender    Sender
	registry  common.Address
	chainID   *big.Int
	fromBlock uint64
	lookup    *registryAnchorer // reads only
	sponsorOf func(ctx context.Context, id common.Hash) (common.Address, error)
	now       func() time.Time

	mu       sync.Mutex
	sponsors map[common.Address]*sponsorKey
}

// sponsorKey is one sponsor's unlocked key and its transaction lane.
type sponsorKey struct {
	tx       sync.Mutex // held while sending: one transaction at a time
	signer   Signer
	anchorer *registryAnchorer
	holds    int       // actions in progress with the key
	until    time.Time // keep the key after the last action until then
}

func newSponsorAnchorer(backend Backend, sender Sender, registry common.Address, chainID *big.Int, fromBlock uint64,
	sponsorOf func(context.Context, common.Hash) (common.Address, error), now func() time.Time) *sponsorAnchorer {
	if sender == nil {
		sender = backendSender{backend}
	}
	return &sponsorAnchorer{
		backend: backend, sender: sender, registry: registry, chainID: chainID, fromBlock: fromBlock,
		lookup:    newRegistryAnchorer(backend, sender, registry, nil, fromBlock),
		sponsorOf: sponsorOf, now: now, sponsors: map[common.Address]*sponsorKey{},
	}
}

// hold makes s's key available to anchor its trials until release is called.
func (a *sponsorAnchorer) hold(s Signer) (k *sponsorKey, release func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k = a.sponsors[s.Address()]
	if k == nil {
		k = &sponsorKey{}
		a.sponsors[s.Address()] = k
	}
	if k.signer != s {
		if k.signer != nil && k.holds == 0 && !k.until.IsZero() {
			k.signer.Lock() // a key we kept, replaced by a fresh unlock
		}
		k.until = time.Time{}
		// A fresh unlock: its TransactOpts sign until it is locked.
		k.signer = s
		k.anchorer = newRegistryAnchorer(a.backend, a.sender, a.registry, s.TransactOpts(context.Background(), a.chainID), a.fromBlock)
	}
	k.holds++
	return k, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		k.holds--
		a.expireLocked()
	}
}

// keep keeps s's key unlocked in this process until d from now, so that the
// scheduler can anchor what s recorded.
func (a *sponsorAnchorer) keep(s Signer, d time.Duration) {
	_, release := a.hold(s)
	a.mu.Lock()
	k := a.sponsors[s.Address()]
	if until := a.now().Add(d); until.After(k.until) {
		k.until = until
	}
	a.mu.Unlock()
	release()
}

// expire forgets keys whose actions are over and whose keep time passed.
func (a *sponsorAnchorer) expire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expireLocked()
}

func (a *sponsorAnchorer) expireLocked() {
	now := a.now()
	for addr, k := range a.sponsors {
		if k.holds == 0 && !now.Before(k.until) && k.signer != nil {
			if k.until != (time.Time{}) {
				k.signer.Lock() // a kept key belongs to us: forget it
			}
			k.signer, k.anchorer = nil, nil
			delete(a.sponsors, addr)
		}
	}
}

// lane returns the sponsor's key entry for sending, or EFORBIDDEN when its
// key is not unlocked here.
func (a *sponsorAnchorer) lane(sponsor common.Address) (*sponsorKey, *registryAnchorer, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := a.sponsors[sponsor]
	if k == nil || k.anchorer == nil {
		return nil, nil, marketplace.Errorf(marketplace.EFORBIDDEN,
			"The sponsor account %s is locked on this node; anchor on demand (medmarket trial anchor --as NAME) or unlock it for scheduled anchoring.", sponsor.Hex())
	}
	return k, k.anchorer, nil
}

// Anchor implements ledger.Anchorer: it sends anchor(...) as the trial's sponsor.
func (a *sponsorAnchorer) Anchor(ctx context.Context, id ledger.LogID, size uint64, root [32]byte) (ledger.AnchorReceipt, error) {
	sponsor, err := a.sponsorOf(ctx, common.Hash(id))
	if err != nil {
		return ledger.AnchorReceipt{}, err
	}
	k, anch, err := a.lane(sponsor)
	if err != nil {
		return ledger.AnchorReceipt{}, err
	}
	k.tx.Lock()
	defer k.tx.Unlock()
	return anch.Anchor(ctx, id, size, root)
}

// Latest implements ledger.Anchorer.
func (a *sponsorAnchorer) Latest(ctx context.Context, id ledger.LogID) (ledger.AnchorReceipt, error) {
	return a.lookup.Latest(ctx, id)
}

// FindAnchor implements ledger.AnchorLookup.
func (a *sponsorAnchorer) FindAnchor(ctx context.Context, id ledger.LogID, size uint64) (ledger.AnchorReceipt, error) {
	return a.lookup.FindAnchor(ctx, id, size)
}

var _ ledger.Anchorer = (*sponsorAnchorer)(nil)

package ledger

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// simChain is a simulated chain under mainnet rules with TrialRegistry
// deployed and a funded sponsor.
type simChain struct {
	tb       testing.TB
	sim      *simulated.Backend
	client   chaintest.AutoMine
	registry common.Address
	sponsor  *bind.TransactOpts
	reg      *contracts.TrialRegistry
}

func newSimChain(tb testing.TB) *simChain {
	tb.Helper()
	keys := chaintest.NewKeys(tb, 2)
	sim := chaintest.NewSimulated(tb, new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil), chaintest.Addresses(keys)...)
	c := &simChain{tb: tb, sim: sim, client: chaintest.NewAutoMine(sim), reg: contracts.NewTrialRegistry()}
	chainID := chaintest.ChainID(tb, c.client)
	deployer := bind.NewKeyedTransactor(keys[0], chainID)
	c.sponsor = bind.NewKeyedTransactor(keys[1], chainID)
	addr, tx, err := bind.DeployContract(deployer, common.FromHex(contracts.TrialRegistryMetaData.Bin), c.client, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if r, err := bind.WaitMined(ctx, c.client, tx.Hash()); err != nil || r.Status != types.ReceiptStatusSuccessful {
		tb.Fatalf("deploy: %+v, %v", r, err)
	}
	c.registry = addr
	return c
}

// register registers trial id with its sponsor.
func (c *simChain) register(id LogID) {
	c.tb.Helper()
	inst := c.reg.Instance(c.client, c.registry)
	tx, err := bind.Transact(inst, c.sponsor, c.reg.PackRegister(id, crypto.Keccak256Hash([]byte("protocol")), "medmarket/ledger/"+id.hex()+"+00000000+AQ"))
	if err != nil {
		c.tb.Fatal(contracts.DecodeRevert(err))
	}
	if r, err := bind.WaitMined(ctx, c.client, tx.Hash()); err != nil || r.Status != types.ReceiptStatusSuccessful {
		c.tb.Fatalf("register: %+v, %v", r, err)
	}
}

// anchorer anchors on c's TrialRegistry as its sponsor. The ledger knows no
// contract (marketplace/trials holds the node's anchorer), so its tests
// bring the small one they anchor with.
func (c *simChain) anchorer() *testAnchorer { return &testAnchorer{c: c} }

// testAnchorer is an Anchorer and an AnchorLookup on the simulated chain's
// TrialRegistry, sending one anchor at a time.
type testAnchorer struct {
	c  *simChain
	mu sync.Mutex
}

func (a *testAnchorer) Anchor(ctx context.Context, id LogID, size uint64, root [32]byte) (AnchorReceipt, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	opts := *a.c.sponsor
	opts.Context = ctx
	tx, err := bind.Transact(a.c.reg.Instance(a.c.client, a.c.registry), &opts, a.c.reg.PackAnchor(id, size, root))
	if err != nil {
		return AnchorReceipt{}, contracts.DecodeRevert(err)
	}
	r, err := bind.WaitMined(ctx, a.c.client, tx.Hash())
	if err != nil {
		return AnchorReceipt{}, err
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return AnchorReceipt{}, fmt.Errorf("anchor transaction %s failed", tx.Hash().Hex())
	}
	rec := AnchorReceipt{TreeSize: size, RootHash: root, TxHash: r.TxHash, Block: r.BlockNumber.Uint64(), GasUsed: r.GasUsed}
	rec.Time, err = a.blockTime(ctx, rec.Block)
	return rec, err
}

func (a *testAnchorer) blockTime(ctx context.Context, n uint64) (time.Time, error) {
	h, err := a.c.client.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(int64(h.Time), 0).UTC(), nil
}

func (a *testAnchorer) Latest(ctx context.Context, id LogID) (AnchorReceipt, error) {
	inst := a.c.reg.Instance(a.c.client, a.c.registry)
	out, err := bind.Call(inst, &bind.CallOpts{Context: ctx}, a.c.reg.PackLatest(id), a.c.reg.UnpackLatest)
	if err != nil {
		return AnchorReceipt{}, contracts.DecodeRevert(err)
	}
	rec := AnchorReceipt{TreeSize: out.TreeSize, RootHash: out.RootHash}
	if out.AnchoredAt != 0 {
		rec.Time = time.Unix(int64(out.AnchoredAt), 0).UTC()
	}
	return rec, nil
}

func (a *testAnchorer) FindAnchor(ctx context.Context, id LogID, size uint64) (AnchorReceipt, error) {
	inst := a.c.reg.Instance(a.c.client, a.c.registry)
	it, err := bind.FilterEvents(inst, &bind.FilterOpts{Context: ctx}, a.c.reg.UnpackCheckpointAnchoredEvent, []any{[32]byte(id)})
	if err != nil {
		return AnchorReceipt{}, err
	}
	defer func() { _ = it.Close() }()
	for it.Next() {
		if ev := it.Value(); ev.TreeSize == size && !ev.Raw.Removed {
			rec := AnchorReceipt{TreeSize: size, RootHash: ev.RootHash, TxHash: ev.Raw.TxHash, Block: ev.Raw.BlockNumber}
			rec.Time, err = a.blockTime(ctx, rec.Block)
			return rec, err
		}
	}
	if err := it.Error(); err != nil {
		return AnchorReceipt{}, err
	}
	return AnchorReceipt{}, marketplace.Errorf(marketplace.ENOTFOUND, "The chain has no anchor of log %s at size %d.", id, size)
}

var _ Anchorer = (*testAnchorer)(nil)

// nonce is the sponsor's transaction count.
func (c *simChain) nonce() uint64 {
	c.tb.Helper()
	n, err := c.client.NonceAt(ctx, c.sponsor.From, nil)
	if err != nil {
		c.tb.Fatal(err)
	}
	return n
}

// newAnchoredLog is a test log whose id is registered on c and whose ledger
// anchors there.
func newAnchoredLog(tb testing.TB, c *simChain, name string) *testLog {
	tb.Helper()
	dir := tb.TempDir()
	t := &testLog{tb: tb, dir: dir, dbPath: dir + "/node.db", id: logID(name)}
	t.cfg = Config{KeyDir: dir + "/keys", Anchorer: c.anchorer()}
	t.open()
	tb.Cleanup(func() { closeDB(tb, t.db) })
	c.register(t.id)
	return t
}

func (t *testLog) anchor() AnchorReceipt {
	t.tb.Helper()
	rec, err := t.l.Anchor(ctx, t.id)
	if err != nil {
		t.tb.Fatal(err)
	}
	return rec
}

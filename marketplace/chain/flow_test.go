package chain_test

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

func ether(s string) *big.Int {
	wei, err := marketplace.ParseEther(s)
	if err != nil {
		panic(err)
	}
	return wei
}

func gasCost(r *types.Receipt) *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(r.GasUsed), r.EffectiveGasPrice)
}

func balance(t *testing.T, c chain.Chain, a common.Address) *big.Int {
	t.Helper()
	b, err := c.BalanceAt(context.Background(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deployStore deploys the test contract as from and returns its binding.
func deployStore(t *testing.T, c chain.Chain, from *bind.TransactOpts, a *abi.ABI) (*bind.BoundContract, *types.Receipt) {
	t.Helper()
	ctx := context.Background()
	addr, tx, err := bind.DeployContract(from, storeCode(), c, nil)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	r, err := c.WaitMined(ctx, tx.Hash())
	if err != nil {
		t.Fatalf("deploy receipt: %v", err)
	}
	if r.ContractAddress != addr {
		t.Fatalf("deployed at %s, receipt says %s", addr, r.ContractAddress)
	}
	return bind.NewBoundContract(addr, *a, c, c, c), r
}

func store(t *testing.T, c chain.Chain, bc *bind.BoundContract, a *abi.ABI, from *bind.TransactOpts, v int64) *types.Receipt {
	t.Helper()
	tx, err := bind.Transact(bc, from, mustPack(t, a, "store", big.NewInt(v)))
	if err != nil {
		t.Fatalf("store(%d): %v", v, err)
	}
	r, err := c.WaitMined(context.Background(), tx.Hash())
	if err != nil {
		t.Fatalf("store(%d) receipt: %v", v, err)
	}
	return r
}

func mustPack(t testing.TB, a *abi.ABI, method string, args ...any) []byte {
	t.Helper()
	data, err := a.Pack(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readValue(t *testing.T, bc *bind.BoundContract, a *abi.ABI) uint64 {
	t.Helper()
	v, err := bind.Call(bc, nil, mustPack(t, a, "value"), func(out []byte) (*big.Int, error) {
		vals, err := a.Unpack("value", out)
		if err != nil {
			return nil, err
		}
		return vals[0].(*big.Int), nil
	})
	if err != nil {
		t.Fatalf("value(): %v", err)
	}
	return v.Uint64()
}

// revertOf returns the *RevertError in err, failing the test when there is none.
func revertOf(t *testing.T, err error) *chain.RevertError {
	t.Helper()
	var re *chain.RevertError
	if !errors.As(err, &re) {
		t.Fatalf("want a revert error, got %v", err)
	}
	if code := marketplace.ErrorCode(err); code != marketplace.EINVALID {
		t.Errorf("revert error code = %q, want %q", code, marketplace.EINVALID)
	}
	return re
}

// TestChain_flowOnEveryBackend runs the same flow on the embedded chain and on
// geth --dev: transfers, a deploy, calls, logs by range, decoded reverts, and
// insufficient funds.
func TestChain_flowOnEveryBackend(t *testing.T) {
	a := storeABI(t)
	chaintest.ForEachBackend(t, func(t *testing.T, b chaintest.Backend) {
		f := &chainFlow{ctx: context.Background(), c: b.Chain, a: a, b: b}
		f.alice = b.NewAccount(t, ether("1"))
		f.bob = b.NewAccount(t, nil)
		t.Run("transfer moves value and charges gas", f.transferMovesValueAndChargesGas)
		f.bc, f.deployed = deployStore(t, f.c, f.alice, a)
		t.Run("deploy leaves code", f.deployLeavesCode)
		t.Run("transact and call", f.transactAndCall)
		t.Run("logs by block range equal logs emitted", f.logsByBlockRange)
		t.Run("binding transact of a reverting call gives the decoded custom error", f.bindingTransactReverts)
		t.Run("receipt of a reverted transaction gives the decoded error", f.revertedReceipt)
		t.Run("call with a require message gives the message", f.requireMessage)
		t.Run("insufficient funds is refused with the figures", f.insufficientFunds)
		t.Run("watch heads sees new blocks", f.watchHeads)
	}, chain.WithErrorABIs(a))
}

// chainFlow is what the steps of TestChain_flowOnEveryBackend share on one
// backend, in the order they run: the test contract is deployed after the
// first step, and the stores of "transact and call" are the logs the next
// step reads.
type chainFlow struct {
	ctx        context.Context
	c          chain.Chain
	a          *abi.ABI
	b          chaintest.Backend
	alice, bob *bind.TransactOpts
	bc         *bind.BoundContract
	deployed   *types.Receipt
	stored     []*types.Receipt
}

// The steps below are the subtests of TestChain_flowOnEveryBackend, each
// named where the test runs it.

func (f *chainFlow) transferMovesValueAndChargesGas(t *testing.T) {
	ctx, c, alice, bob := f.ctx, f.c, f.alice, f.bob
	before := balance(t, c, alice.From)
	r, err := chain.Transfer(ctx, c, alice, bob.From, ether("0.25"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != types.ReceiptStatusSuccessful || r.GasUsed != params.TxGas {
		t.Fatalf("receipt status %d gas %d", r.Status, r.GasUsed)
	}
	if got := balance(t, c, bob.From); got.Cmp(ether("0.25")) != 0 {
		t.Errorf("bob has %s, want 0.25 ETH", marketplace.FormatEther(got))
	}
	want := new(big.Int).Sub(before, ether("0.25"))
	want.Sub(want, gasCost(r))
	if got := balance(t, c, alice.From); got.Cmp(want) != 0 {
		t.Errorf("alice has %s, want %s", got, want)
	}
}

func (f *chainFlow) deployLeavesCode(t *testing.T) {
	ctx, c, deployed := f.ctx, f.c, f.deployed
	code, err := c.CodeAt(ctx, deployed.ContractAddress, nil)
	if err != nil || len(code) == 0 {
		t.Fatalf("code at %s: %d bytes, %v", deployed.ContractAddress, len(code), err)
	}
}

func (f *chainFlow) transactAndCall(t *testing.T) {
	c, a, alice, bc := f.c, f.a, f.alice, f.bc
	for _, v := range []int64{7, 42, 1000} {
		f.stored = append(f.stored, store(t, c, bc, a, alice, v))
	}
	if got := readValue(t, bc, a); got != 1000 {
		t.Errorf("value() = %d, want 1000", got)
	}
}

func (f *chainFlow) logsByBlockRange(t *testing.T) {
	ctx, c, a, alice, deployed := f.ctx, f.c, f.a, f.alice, f.deployed
	head, err := c.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logs, err := c.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: deployed.BlockNumber,
		ToBlock:   new(big.Int).SetUint64(head),
		Addresses: []common.Address{deployed.ContractAddress},
		Topics:    [][]common.Hash{{a.Events["Stored"].ID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != len(f.stored) {
		t.Fatalf("%d logs, want %d", len(logs), len(f.stored))
	}
	for i, l := range logs {
		if l.TxHash != f.stored[i].TxHash || common.BytesToAddress(l.Topics[1].Bytes()) != alice.From {
			t.Errorf("log %d: tx %s who %s, want tx %s who %s", i, l.TxHash, l.Topics[1], f.stored[i].TxHash, alice.From)
		}
	}
	// A range that ends before the first store has none.
	none, err := c.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: big.NewInt(0), ToBlock: deployed.BlockNumber,
		Addresses: []common.Address{deployed.ContractAddress},
	})
	if err != nil || len(none) != 0 {
		t.Errorf("logs up to the deploy block: %d, %v", len(none), err)
	}
}

func (f *chainFlow) bindingTransactReverts(t *testing.T) {
	ctx, c, a, alice, bc := f.ctx, f.c, f.a, f.alice, f.bc
	nonce, _ := c.PendingNonceAt(ctx, alice.From)
	_, err := bind.Transact(bc, alice, mustPack(t, a, "store", big.NewInt(5000)))
	re := revertOf(t, err)
	if re.Name != "TooBig" || re.Reason != "TooBig(value: 5000, max: 1000)" {
		t.Errorf("revert = %q %q", re.Name, re.Reason)
	}
	if after, _ := c.PendingNonceAt(ctx, alice.From); after != nonce {
		t.Errorf("nonce moved from %d to %d: something was sent", nonce, after)
	}
}

func (f *chainFlow) revertedReceipt(t *testing.T) {
	ctx, c, a, alice, bc, deployed := f.ctx, f.c, f.a, f.alice, f.bc, f.deployed
	opts := *alice
	opts.GasLimit = 100_000 // skip the estimate, so the revert is mined
	to := deployed.ContractAddress
	r, err := chain.Transact(ctx, c, &opts, &to, nil, mustPack(t, a, "store", big.NewInt(2000)))
	if r == nil || r.Status != types.ReceiptStatusFailed {
		t.Fatalf("want a failed receipt, got %+v (err %v)", r, err)
	}
	re := revertOf(t, err)
	if re.TxHash != r.TxHash || re.Reason != "TooBig(value: 2000, max: 1000)" {
		t.Errorf("revert = tx %s %q", re.TxHash, re.Reason)
	}
	if !strings.Contains(marketplace.ErrorMessage(err), "TooBig(value: 2000, max: 1000)") {
		t.Errorf("message %q does not name the cause", marketplace.ErrorMessage(err))
	}
	if got := readValue(t, bc, a); got != 1000 {
		t.Errorf("value() = %d after a reverted store, want 1000", got)
	}
}

func (f *chainFlow) requireMessage(t *testing.T) {
	ctx, c, a, deployed := f.ctx, f.c, f.a, f.deployed
	_, err := c.CallContract(ctx, ethereum.CallMsg{To: &deployed.ContractAddress, Data: mustPack(t, a, "fail", "no licence")}, nil)
	re := revertOf(t, err)
	if re.Name != "Error" || re.Reason != "no licence" {
		t.Errorf("revert = %q %q", re.Name, re.Reason)
	}
}

func (f *chainFlow) insufficientFunds(t *testing.T) {
	ctx, c, b, bob := f.ctx, f.c, f.b, f.bob
	carol := b.NewAccount(t, ether("0.001"))
	_, err := chain.Transfer(ctx, c, carol, bob.From, ether("1"))
	if marketplace.ErrorCode(err) != marketplace.EINVALID ||
		!strings.Contains(marketplace.ErrorMessage(err), "insufficient funds: account "+carol.From.Hex()+" has 0.001 ETH") {
		t.Errorf("transfer beyond balance: %v", err)
	}
	// A signed transaction that skips every client-side check is
	// refused by the node, and the error still names the cause.
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1337), Nonce: 0, GasTipCap: big.NewInt(1e9),
		GasFeeCap: big.NewInt(10e9), Gas: 21000, To: &bob.From, Value: ether("1")})
	signed, err := carol.Signer(carol.From, tx)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Send(ctx, signed)
	if r != nil || marketplace.ErrorCode(err) != marketplace.EINVALID ||
		!strings.Contains(marketplace.ErrorMessage(err), "insufficient funds: account "+carol.From.Hex()) {
		t.Errorf("send beyond balance: receipt %v, err %v", r, err)
	}
	if got := balance(t, c, carol.From); got.Cmp(ether("0.001")) != 0 {
		t.Errorf("carol has %s after refused transactions, want 0.001 ETH", marketplace.FormatEther(got))
	}
}

func (f *chainFlow) watchHeads(t *testing.T) {
	ctx, c, alice, bob := f.ctx, f.c, f.alice, f.bob
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	heads := make(chan uint64, 16)
	done := make(chan error, 1)
	go func() { done <- c.WatchHeads(wctx, heads) }()
	first := <-heads
	r, err := chain.Transfer(ctx, c, alice, bob.From, big.NewInt(1))
	if err != nil {
		t.Fatal(err)
	}
	for n := first; n < r.BlockNumber.Uint64(); {
		select {
		case n = <-heads:
		case err := <-done:
			t.Fatalf("watch ended: %v", err)
		case <-wctx.Done():
			t.Fatalf("no head %d seen; last %d", r.BlockNumber, n)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("watch ended with %v, want context.Canceled", err)
	}
}

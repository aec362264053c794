package contracts

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// ether is 10^18 wei.
var ether = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

func eth(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), ether) }

// account is a funded externally owned account on the simulated chain.
type account struct {
	key  *ecdsa.PrivateKey
	addr common.Address
	opts *bind.TransactOpts
}

// testChain is a simulated chain with both contracts deployed and a few funded accounts.
type testChain struct {
	tb       testing.TB
	sim      *simulated.Backend
	client   simulated.Client
	ctx      context.Context
	market   *DataLicenseMarket
	registry *TrialRegistry
	marketC  *bind.BoundContract
	regC     *bind.BoundContract

	deployer, seller, buyer, buyer2, member, member2, stranger, sponsor *account
}

func newTestChain(tb testing.TB) *testChain {
	tb.Helper()
	c := &testChain{tb: tb, ctx: context.Background()}
	accts := []**account{&c.deployer, &c.seller, &c.buyer, &c.buyer2, &c.member, &c.member2, &c.stranger, &c.sponsor}
	keys := chaintest.NewKeys(tb, len(accts))
	addrs := chaintest.Addresses(keys)
	c.sim = chaintest.NewSimulated(tb, eth(1000), addrs...)
	c.client = c.sim.Client()
	chainID := chaintest.ChainID(tb, c.client)
	for i, a := range accts {
		*a = &account{key: keys[i], addr: addrs[i], opts: bind.NewKeyedTransactor(keys[i], chainID)}
	}

	c.market, c.registry = NewDataLicenseMarket(), NewTrialRegistry()
	c.marketC = c.market.Instance(c.client, c.deploy(DataLicenseMarketMetaData.Bin, nil))
	c.regC = c.registry.Instance(c.client, c.deploy(TrialRegistryMetaData.Bin, nil))
	return c
}

// deploy deploys creation bytecode (hex) with constructor input and returns the address.
func (c *testChain) deploy(bin string, input []byte) common.Address {
	c.tb.Helper()
	addr, tx, err := bind.DeployContract(c.deployer.opts, common.FromHex(bin), c.client, input)
	if err != nil {
		c.tb.Fatalf("deploy: %v", DecodeRevert(err))
	}
	c.sim.Commit()
	if r := c.receipt(tx); r.Status != types.ReceiptStatusSuccessful {
		c.tb.Fatalf("deploy failed: %+v", r)
	}
	return addr
}

func (c *testChain) receipt(tx *types.Transaction) *types.Receipt {
	c.tb.Helper()
	r, err := c.client.TransactionReceipt(c.ctx, tx.Hash())
	if err != nil {
		c.tb.Fatalf("receipt of %s: %v", tx.Hash(), err)
	}
	return r
}

// send transacts from a with calldata and value, seals a block and returns the receipt, or the
// decoded refusal. Refusals surface at gas estimation, before anything is sent.
func (c *testChain) send(a *account, to *bind.BoundContract, data []byte, value *big.Int) (*types.Receipt, error) {
	c.tb.Helper()
	opts := *a.opts
	opts.Context = c.ctx
	opts.Value = value
	tx, err := bind.Transact(to, &opts, data)
	if err != nil {
		return nil, DecodeRevert(err)
	}
	c.sim.Commit()
	r := c.receipt(tx)
	if r.Status != types.ReceiptStatusSuccessful {
		return r, WhyFailed(c.ctx, c.client, a.addr, tx, r)
	}
	return r, nil
}

// mustSend is send that fails the test on a refusal.
func (c *testChain) mustSend(a *account, to *bind.BoundContract, data []byte, value *big.Int) *types.Receipt {
	c.tb.Helper()
	r, err := c.send(a, to, data, value)
	if err != nil {
		c.tb.Fatalf("transaction refused: %v", err)
	}
	return r
}

// now returns the timestamp of the latest block.
func (c *testChain) now() uint64 {
	c.tb.Helper()
	h, err := c.client.HeaderByNumber(c.ctx, nil)
	if err != nil {
		c.tb.Fatal(err)
	}
	return h.Time
}

// advance moves chain time forward by d (one new empty block). The backend
// refuses while its pool still lists the transactions of the block just
// sealed (the pool catches up with a new head asynchronously): retry briefly.
func (c *testChain) advance(d time.Duration) {
	c.tb.Helper()
	err := c.sim.AdjustTime(d)
	for wait := 0; err != nil && strings.Contains(err.Error(), "non-empty block") && wait < 200; wait++ {
		time.Sleep(10 * time.Millisecond)
		err = c.sim.AdjustTime(d)
	}
	if err != nil {
		c.tb.Fatal(err)
	}
}

func (c *testChain) balance(addr common.Address) *big.Int {
	c.tb.Helper()
	b, err := c.client.BalanceAt(c.ctx, addr, nil)
	if err != nil {
		c.tb.Fatal(err)
	}
	return b
}

// gasCost is what a receipt's transaction cost its sender in fees.
func gasCost(r *types.Receipt) *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(r.GasUsed), r.EffectiveGasPrice)
}

// call runs a view function and fails the test on error.
func call[T any](c *testChain, on *bind.BoundContract, data []byte, unpack func([]byte) (T, error)) T {
	c.tb.Helper()
	v, err := bind.Call(on, &bind.CallOpts{Context: c.ctx}, data, unpack)
	if err != nil {
		c.tb.Fatalf("call: %v", DecodeRevert(err))
	}
	return v
}

// testProvider is the provider URL test listings carry.
const testProvider = "http://127.0.0.1:8080/"

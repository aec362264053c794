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
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
)

// ether is 10^18 wei.
var ether = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

func eth(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), ether) }

// mainnetRules pins the simulated chain to the forks live on mainnet (Osaka with BPO1 and BPO2),
// clearing the unreleased ones the dev preset enables (Amsterdam, Bogota, UBT...), so gas figures
// are those a user would pay. See shared/notes/embedded-chain.md.
func mainnetRules(_ *node.Config, ethConf *ethconfig.Config) {
	cfg := *params.AllDevChainProtocolChanges
	zero := uint64(0)
	cfg.BPO1Time, cfg.BPO2Time = &zero, &zero
	cfg.BPO3Time, cfg.BPO4Time, cfg.BPO5Time = nil, nil, nil
	cfg.AmsterdamTime, cfg.BogotaTime, cfg.UBTTime = nil, nil, nil
	cfg.BlobScheduleConfig = &params.BlobScheduleConfig{
		Cancun: params.DefaultCancunBlobConfig,
		Prague: params.DefaultPragueBlobConfig,
		BPO1:   params.DefaultBPO1BlobConfig,
		BPO2:   params.DefaultBPO2BlobConfig,
	}
	ethConf.Genesis.Config = &cfg
}

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
	alloc := types.GenesisAlloc{}
	for _, a := range accts {
		key, err := crypto.GenerateKey()
		if err != nil {
			tb.Fatal(err)
		}
		*a = &account{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
		alloc[(*a).addr] = types.Account{Balance: eth(1000)}
	}
	c.sim = simulated.NewBackend(alloc, mainnetRules)
	tb.Cleanup(func() {
		if err := c.sim.Close(); err != nil {
			tb.Error(err)
		}
	})
	c.client = c.sim.Client()
	chainID, err := c.client.ChainID(c.ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range accts {
		(*a).opts = bind.NewKeyedTransactor((*a).key, chainID)
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

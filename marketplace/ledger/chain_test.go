package ledger

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"

	"github.com/medmarket/medmarket/marketplace/contracts"
)

// mainnetRules pins the simulated chain to the forks live on mainnet, so the
// gas figures are those a sponsor would pay (as marketplace/contracts does).
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

// autoMine seals a block after every transaction sent, as a dev node does.
type autoMine struct {
	simulated.Client
	sim *simulated.Backend
}

func (c autoMine) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if err := c.Client.SendTransaction(ctx, tx); err != nil {
		return err
	}
	c.sim.Commit()
	return nil
}

// simChain is a simulated chain under mainnet rules with TrialRegistry
// deployed and a funded sponsor.
type simChain struct {
	tb       testing.TB
	sim      *simulated.Backend
	client   autoMine
	registry common.Address
	sponsor  *bind.TransactOpts
	reg      *contracts.TrialRegistry
}

func newSimChain(tb testing.TB) *simChain {
	tb.Helper()
	keys := make([]*ecdsa.PrivateKey, 2)
	alloc := types.GenesisAlloc{}
	for i := range keys {
		k, err := crypto.GenerateKey()
		if err != nil {
			tb.Fatal(err)
		}
		keys[i] = k
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil)}
	}
	sim := simulated.NewBackend(alloc, mainnetRules)
	tb.Cleanup(func() {
		if err := sim.Close(); err != nil {
			tb.Error(err)
		}
	})
	c := &simChain{tb: tb, sim: sim, client: autoMine{sim.Client(), sim}, reg: contracts.NewTrialRegistry()}
	chainID, err := c.client.ChainID(ctx)
	if err != nil {
		tb.Fatal(err)
	}
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

func (c *simChain) anchorer() *RegistryAnchorer {
	return NewRegistryAnchorer(c.client, nil, c.registry, c.sponsor, 0)
}

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

package trials

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

var ctx = context.Background()

// keySigner signs with a raw key, as vault.Signer does with a keystore key.
type keySigner struct{ key *ecdsa.PrivateKey }

func newKeySigner(tb testing.TB) keySigner {
	k, err := crypto.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return keySigner{k}
}

func (k keySigner) Address() common.Address { return crypto.PubkeyToAddress(k.key.PublicKey) }

func (k keySigner) SignPersonal(msg []byte) ([]byte, error) {
	sig, err := crypto.Sign(accounts.TextHash(msg), k.key)
	if err != nil {
		return nil, err
	}
	sig[crypto.RecoveryIDOffset] += 27
	return sig, nil
}

func (k keySigner) TransactOpts(ctx context.Context, chainID *big.Int) *bind.TransactOpts {
	o := bind.NewKeyedTransactor(k.key, chainID)
	o.Context = ctx
	return o
}

// Lock does nothing: a test's raw key has no locked state to return to.
func (keySigner) Lock() {}

// mainnetRules pins the simulated chain to mainnet's forks, so gas figures
// are a sponsor's.
func mainnetRules(_ *node.Config, ethConf *ethconfig.Config) {
	cfg := *params.AllDevChainProtocolChanges
	zero := uint64(0)
	cfg.BPO1Time, cfg.BPO2Time = &zero, &zero
	cfg.BPO3Time, cfg.BPO4Time, cfg.BPO5Time = nil, nil, nil
	cfg.AmsterdamTime, cfg.BogotaTime, cfg.UBTTime = nil, nil, nil
	cfg.BlobScheduleConfig = &params.BlobScheduleConfig{
		Cancun: params.DefaultCancunBlobConfig, Prague: params.DefaultPragueBlobConfig,
		BPO1: params.DefaultBPO1BlobConfig, BPO2: params.DefaultBPO2BlobConfig,
	}
	ethConf.Genesis.Config = &cfg
}

// autoMine seals a block after every transaction, as a dev node does.
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

// testEnv is a simulated chain with TrialRegistry, two funded accounts
// (sponsor and other) and a trial service on a fresh buntdb.
type testEnv struct {
	tb       testing.TB
	client   autoMine
	chainID  *big.Int
	registry common.Address
	sponsor  keySigner
	other    keySigner
	dir      string
	db       *buntdb.DB
	svc      *Service
	clock    *testClock
}

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func newTestEnv(tb testing.TB) *testEnv {
	tb.Helper()
	e := &testEnv{tb: tb, sponsor: newKeySigner(tb), other: newKeySigner(tb), dir: tb.TempDir(),
		clock: &testClock{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	deployer := newKeySigner(tb)
	alloc := types.GenesisAlloc{}
	for _, k := range []keySigner{deployer, e.sponsor, e.other} {
		alloc[k.Address()] = types.Account{Balance: new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil)}
	}
	sim := simulated.NewBackend(alloc, mainnetRules)
	tb.Cleanup(func() {
		if err := sim.Close(); err != nil {
			tb.Error(err)
		}
	})
	e.client = autoMine{sim.Client(), sim}
	var err error
	if e.chainID, err = e.client.ChainID(ctx); err != nil {
		tb.Fatal(err)
	}
	addr, tx, err := bind.DeployContract(deployer.TransactOpts(ctx, e.chainID), common.FromHex(contracts.TrialRegistryMetaData.Bin), e.client, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if r, err := bind.WaitMined(ctx, e.client, tx.Hash()); err != nil || r.Status != types.ReceiptStatusSuccessful {
		tb.Fatalf("deploy: %+v, %v", r, err)
	}
	e.registry = addr
	e.open()
	tb.Cleanup(func() {
		if err := e.db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return e
}

func (e *testEnv) open() {
	e.tb.Helper()
	db, err := buntdb.Open(filepath.Join(e.dir, "node.db"))
	if err != nil {
		e.tb.Fatal(err)
	}
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		e.tb.Fatal(err)
	}
	cfg.SyncPolicy = buntdb.Always
	if err := db.SetConfig(cfg); err != nil {
		e.tb.Fatal(err)
	}
	e.db = db
	e.svc, err = New(Config{DB: db, KeyDir: filepath.Join(e.dir, "keys"), Chain: e.client, ChainID: e.chainID,
		Registry: e.registry, Now: e.clock.now})
	if err != nil {
		e.tb.Fatal(err)
	}
}

func (e *testEnv) register(identifier string) marketplace.Trial {
	e.tb.Helper()
	t, err := e.svc.Register(ctx, e.sponsor, "Aspirin after minor stroke", identifier,
		Protocol{Name: "protocol.pdf", Body: strings.NewReader("protocol v1 of " + identifier)})
	if err != nil {
		e.tb.Fatal(err)
	}
	return t
}

func (e *testEnv) record(id common.Hash, inputs ...StepInput) []Entry {
	e.tb.Helper()
	es, err := e.svc.Record(ctx, e.sponsor, id, inputs)
	if err != nil {
		e.tb.Fatal(err)
	}
	return es
}

func (e *testEnv) size(id common.Hash) uint64 {
	e.tb.Helper()
	h, err := e.svc.ledger.Head(ctx, [32]byte(id))
	if err != nil {
		e.tb.Fatal(err)
	}
	return h.Size
}

func (e *testEnv) lookup() ChainLookup { return NewChainLookup(e.client, e.registry, 0) }

func wantErr(tb testing.TB, err error, code string, parts ...string) {
	tb.Helper()
	if marketplace.ErrorCode(err) != code {
		tb.Fatalf("got %v (code %q), want code %s", err, marketplace.ErrorCode(err), code)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			tb.Errorf("error %q lacks %q", err, p)
		}
	}
}

func contextWithCancel(tb testing.TB) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	return c, cancel
}

type contextT = context.Context

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
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
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

// testEnv is a simulated chain with TrialRegistry, two funded accounts
// (sponsor and other) and a trial service on a fresh buntdb.
type testEnv struct {
	tb       testing.TB
	client   chaintest.AutoMine
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
	sim := chaintest.NewSimulated(tb, new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil), deployer.Address(), e.sponsor.Address(), e.other.Address())
	e.client = chaintest.NewAutoMine(sim)
	e.chainID = chaintest.ChainID(tb, e.client)
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

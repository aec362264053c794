package chaintest

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace/chain"
)

// Backend is one chain backend under test, with a way to fund accounts.
type Backend struct {
	Name  string
	Chain chain.Chain
	// Fund sends wei to an account from the backend's dev account.
	Fund func(t testing.TB, to common.Address, wei *big.Int)
}

// NewAccount returns transact options for a fresh key funded with wei.
func (b Backend) NewAccount(t testing.TB, wei *big.Int) *bind.TransactOpts {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	opts := bind.NewKeyedTransactor(key, chainID(t, b.Chain))
	if wei != nil && wei.Sign() > 0 {
		b.Fund(t, opts.From, wei)
	}
	return opts
}

// ForEachBackend runs f as a subtest on each backend: "embedded" (a fresh
// embedded chain in a temporary directory) and "geth" (a geth --dev node
// over HTTP JSON-RPC, shared by the package's tests under Run; skipped when
// geth is not installed). Each backend is closed when its subtest ends.
func ForEachBackend(t *testing.T, f func(t *testing.T, b Backend), opts ...chain.Option) {
	t.Run("embedded", func(t *testing.T) {
		f(t, Embedded(t, opts...))
	})
	t.Run("geth", func(t *testing.T) {
		f(t, GethBackend(t, opts...))
	})
}

// Embedded opens a fresh embedded chain in a temporary directory, closed at
// cleanup.
func Embedded(t testing.TB, opts ...chain.Option) Backend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := chain.OpenEmbedded(ctx, t.TempDir(), opts...)
	if err != nil {
		t.Fatalf("open embedded chain: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close embedded chain: %v", err)
		}
	})
	return Backend{
		Name:  "embedded",
		Chain: e,
		Fund: func(t testing.TB, to common.Address, wei *big.Int) {
			t.Helper()
			if _, err := e.Fund(context.Background(), to, wei); err != nil {
				t.Fatalf("fund %s: %v", to.Hex(), err)
			}
		},
	}
}

// GethBackend dials a geth --dev node over HTTP: the package's shared one
// under Run, else one started for the test (see SharedGeth). The connection
// (and a geth of the test's own) is closed at cleanup. It skips the test
// when geth is not installed.
func GethBackend(t testing.TB, opts ...chain.Option) Backend {
	t.Helper()
	g := SharedGeth(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := chain.Dial(ctx, g.URL, GethChainID, opts...)
	if err != nil {
		t.Fatalf("dial geth: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close geth client: %v", err)
		}
	})
	return Backend{Name: "geth", Chain: r, Fund: g.Fund}
}

func chainID(t testing.TB, c chain.Chain) *big.Int {
	t.Helper()
	id, err := c.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

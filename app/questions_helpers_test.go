package app

import (
	"context"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// publishAsking publishes req as who with the question budget cq on its
// card (nil: none).
func publishAsking(t testing.TB, a *App, who Actor, req PublishRequest, cq *marketplace.CardQuestions) Published {
	t.Helper()
	if cq == nil {
		req.QuestionsOff = true
	} else {
		req.QuestionsEpsilon, req.QuestionsPerRequester = cq.Epsilon, cq.PerRequester
	}
	p, err := a.Publish(context.Background(), who, req)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return p
}

// questionNodes opens the provider's node A (serving its provider API at
// the returned URL, through whichever App *cur holds, so A can be reopened)
// and the researchers' node B on one geth --dev chain. alice publishes on
// A; rita (funded, to publish through A as a hub) and ron live on B.
func questionNodes(t *testing.T) (cur *atomic.Pointer[App], b *App, urlA string, reopenA func() *App) {
	t.Helper()
	g := chaintest.StartGeth(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	open := func(dir string) *App {
		x, err := Open(t.Context(), Options{DataDir: dir, Version: "test", LightScrypt: true, Chain: ChainOptions{RPC: g.URL}})
		if err != nil {
			t.Fatal(err)
		}
		closeAtEnd(t, x)
		return x
	}
	a := open(dirA)
	acct, err := a.CreateAccount(t.Context(), "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	g.Fund(t, acct.Address, new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18)))
	if _, err := a.Deploy(t.Context(), "alice", "pw", false); err != nil {
		t.Fatal(err)
	}
	dep, err := os.ReadFile(filepath.Join(dirA, "deployments.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "deployments.json"), dep, 0o600); err != nil {
		t.Fatal(err)
	}
	b = open(dirB)
	for _, n := range []string{"rita", "ron"} {
		acct, err := b.CreateAccount(t.Context(), n, "pw")
		if err != nil {
			t.Fatal(err)
		}
		g.Fund(t, acct.Address, new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18)))
	}
	cur = new(atomic.Pointer[App])
	cur.Store(a)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur.Load().ProviderHandler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	if err := a.SetPublicURL(srv.URL); err != nil {
		t.Fatal(err)
	}
	reopenA = func() *App {
		closeApp(t, cur.Load())
		x := open(dirA)
		cur.Store(x)
		return x
	}
	return cur, b, srv.URL + "/", reopenA
}

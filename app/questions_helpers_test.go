package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// publishAsking publishes req as who, as Publish does (through this node,
// or the hub req.Provider names), with the question budget cq on its card
// (nil: none).
func publishAsking(t testing.TB, a *App, who Actor, req PublishRequest, cq *marketplace.CardQuestions) Published {
	t.Helper()
	ctx := context.Background()
	providerURL, err := a.checkListing(ctx, &req)
	if err != nil {
		t.Fatal(err)
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	p, err := a.anonymizeForPublish(ctx, sg.Address(), &req)
	if err != nil {
		t.Fatal(err)
	}
	p.card.Questions = cq
	dk, err := vault.NewDatasetKey()
	if err != nil {
		t.Fatal(err)
	}
	ct, err := dk.EncryptBytes(p.plain)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.signCard(sg, p, common.Hash(sha256.Sum256(ct))); err != nil {
		t.Fatal(err)
	}
	if a.isHub(providerURL) {
		content := common.Hash(sha256.Sum256(ct))
		if err := a.uploadToHub(ctx, sg, providerURL, dk, ct, content, p.encoded); err != nil {
			t.Fatal(err)
		}
		rec := store.Publish{ContentHash: content, MetadataHash: marketplace.CardHash(p.encoded), Seller: sg.Address(),
			State: store.PublishPending, Size: int64(len(ct)), Created: a.now().UTC(), Provider: providerURL}
		out, err := a.storeAndList(ctx, sg, rec, p, req, providerURL)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	sum, size, err := a.market.blobs.Put(bytes.NewReader(ct))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := a.market.nodeKey.Wrap(dk)
	if err != nil {
		t.Fatal(err)
	}
	content := common.Hash(sum)
	if err := a.store.PutDatasetKey(ctx, store.DatasetKeyRecord{ContentHash: content, Wrapped: wrapped, Uploader: sg.Address(), Created: a.now().UTC()}); err != nil {
		t.Fatal(err)
	}
	rec := store.Publish{ContentHash: content, MetadataHash: marketplace.CardHash(p.encoded), Seller: sg.Address(),
		State: store.PublishPending, Size: size, Created: a.now().UTC()}
	out, err := a.storeAndList(ctx, sg, rec, p, req, providerURL)
	if err != nil {
		t.Fatal(err)
	}
	return out
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

package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/vault"
)

var dsIRBCOL = marketplace.Terms{Use: marketplace.DS | marketplace.IRB | marketplace.COL, DurationDays: 30, Seats: 1}

func publishDS(t *testing.T, a *App, providerURL string) Published {
	t.Helper()
	p, err := a.Publish(context.Background(), ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5",
		Title: "Asthma cohort", Price: ether("0.01"), Terms: dsIRBCOL, TermsDetail: map[string]string{"DS": "asthma"}, Provider: providerURL})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return p
}

var stated = BuyConfirmation{AcceptTerms: true, Disease: " asthma ", Approval: "IRB-2026-17", Collaborator: "Dr. Alice Example, Leiden"}

// TestBuy_statementsRecordedShownAndDelivered: what the buyer states is
// kept with its purchase (My licences), delivered to the provider (here the
// seller's own node) and shown to the seller with the buyer (My datasets).
func TestBuy_statementsRecordedShownAndDelivered(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	p := publishDS(t, a, "")
	bob := addr(t, a, "bob")

	refuseIncompleteStatements(t, a, p)

	buy, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, stated)
	if err != nil {
		t.Fatal(err)
	}
	st := buy.Statement
	if st == nil || st.Disease != "asthma" || st.Approval != "IRB-2026-17" || st.Collaborator != stated.Collaborator ||
		st.TxHash != buy.TxHash || st.Buyer != bob || st.Delivered.IsZero() || len(st.Signature) == 0 {
		t.Fatalf("purchase statement: %+v", st)
	}
	statementShownToBoth(t, a, buy)
	// Nothing stated, nothing recorded.
	carolBuy, err := a.Buy(ctx, ByAccount("carol", "pw"), publishPatients(t, a, hmb, nil).ListingID, BuyConfirmation{AcceptTerms: true})
	if err != nil || carolBuy.Statement != nil {
		t.Fatalf("buy without statements: %+v, %v", carolBuy.Statement, err)
	}
}

// refuseIncompleteStatements: a missing or overlong statement is refused
// before anything is sent.
func refuseIncompleteStatements(t *testing.T, a *App, p Published) {
	t.Helper()
	ctx := t.Context()
	// A missing statement is refused before anything is sent.
	for field, conf := range map[string]BuyConfirmation{
		"Disease":      {AcceptTerms: true, Approval: "x", Collaborator: "y"},
		"Approval":     {AcceptTerms: true, Disease: "x", Collaborator: "y"},
		"Collaborator": {AcceptTerms: true, Disease: "x", Approval: "y"},
	} {
		_, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, conf)
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), field) {
			t.Errorf("buy without %s: %v", field, err)
		}
	}

	long := stated
	long.Collaborator = strings.Repeat("x", marketplace.MaxStatementLen+1)
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, long); marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "Collaborator") {
		t.Errorf("buy with an overlong statement: %v", err)
	}
}

// statementShownToBoth: bob sees his statement with his licence, alice
// with her sale.
func statementShownToBoth(t *testing.T, a *App, buy Purchase) {
	t.Helper()
	ctx := t.Context()
	bob := addr(t, a, "bob")
	lics, err := a.Licences(ctx, bob)
	if err != nil || len(lics) != 1 || lics[0].Statement == nil || lics[0].Statement.Approval != "IRB-2026-17" {
		t.Fatalf("my licences: %+v, %v", lics, err)
	}
	mine, err := a.MyDatasets(ctx, addr(t, a, "alice"))
	if err != nil || len(mine.Datasets) != 1 {
		t.Fatalf("my datasets: %+v, %v", mine, err)
	}
	got := mine.Datasets[0].StatementsOf(bob)
	if len(got) != 1 || got[0].Disease != "asthma" || got[0].Collaborator != stated.Collaborator || got[0].TxHash != buy.TxHash ||
		mine.Datasets[0].StatementsProblem != "" {
		t.Fatalf("seller sees %+v (problem %q)", got, mine.Datasets[0].StatementsProblem)
	}
}

// TestStatement_refusedWhenForgedOrReplayed sends signed statements to the
// node's provider over HTTP.
func TestStatement_refusedWhenForgedOrReplayed(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	p := publishDS(t, a, "")
	bobBuy, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, stated)
	if err != nil {
		t.Fatal(err)
	}
	carolBuy, err := a.Buy(ctx, ByAccount("carol", "pw"), p.ListingID, stated)
	if err != nil {
		t.Fatal(err)
	}
	_, prov, _ := a.ready()
	srv := httptest.NewServer(a.ProviderHandler())
	defer srv.Close()
	unlock := func(name string) *vault.Signer {
		sg, err := a.keys.Unlock(name, "pw")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sg.Lock)
		return sg
	}
	bob, carol, alice := unlock("bob"), unlock("carol"), unlock("alice")
	stmt := func(buyer common.Address, tx common.Hash) provider.Statement {
		return provider.Statement{ChainID: a.chainID.Uint64(), Contract: prov.Contract, ListingID: p.ListingID, Buyer: buyer, TxHash: tx,
			Statements: marketplace.Statements{Disease: "asthma", Approval: "IRB-9"}}
	}
	sign := func(s provider.Statement, sg *vault.Signer) provider.SignedStatement {
		ss, err := provider.SignStatement(s, sg)
		if err != nil {
			t.Fatal(err)
		}
		return ss
	}
	var c provider.Client
	for name, tc := range map[string]struct {
		ss   provider.SignedStatement
		code string
		want string
	}{
		"other account's signature": {sign(stmt(bob.Address(), bobBuy.TxHash), carol), marketplace.EFORBIDDEN, "not signed by buyer"},
		"another buyer's purchase":  {sign(stmt(carol.Address(), bobBuy.TxHash), carol), marketplace.EFORBIDDEN, "not a purchase of listing"},
		"no licence":                {sign(stmt(alice.Address(), bobBuy.TxHash), alice), marketplace.EFORBIDDEN, "holds no valid licence"},
		"unsigned":                  {provider.SignedStatement{Statement: stmt(bob.Address(), bobBuy.TxHash)}, marketplace.EFORBIDDEN, "malformed"},
	} {
		err := c.DeliverStatement(ctx, srv.URL, tc.ss)
		if marketplace.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %s with %q", name, err, tc.code, tc.want)
		}
	}
	// The statement bob's node delivered, sent again as is: a replay.
	rec, err := a.store.MyStatement(ctx, p.ListingID, bob.Address())
	if err != nil {
		t.Fatal(err)
	}
	replay := sign(stmt(bob.Address(), bobBuy.TxHash), bob)
	replay.Statements, replay.Signature = rec.Statements, rec.Signature
	if err := c.DeliverStatement(ctx, srv.URL, replay); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("replayed statement: %v, want ECONFLICT", err)
	}
	// Tampered after signing: the signature no longer names bob.
	replay.Disease = "diabetes"
	if err := c.DeliverStatement(ctx, srv.URL, replay); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("tampered statement: %v, want EFORBIDDEN", err)
	}
	kept, _ := a.store.Statements(ctx, p.ListingID)
	if len(kept) != 2 || kept[0].Disease != "asthma" || kept[1].TxHash != carolBuy.TxHash {
		t.Fatalf("provider kept %+v, want bob's and carol's", kept)
	}
}

// hideBlob moves a's copy of a blob away, so that a acts as a buyer's node
// that does not provide the listing and reaches its provider over HTTP.
func hideBlob(t *testing.T, a *App, content common.Hash) (restore func()) {
	t.Helper()
	path := filepath.Join(a.dataDir, "blobs", content.Hex()[2:4], content.Hex()[2:])
	if err := os.Rename(path, path+".away"); err != nil {
		t.Fatal(err)
	}
	var restored bool
	restore = func() { // once: by the test, else at cleanup
		if restored {
			return
		}
		restored = true
		if err := os.Rename(path+".away", path); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(restore)
	return restore
}

// TestBuy_statementsRetriedWhenProviderUnreachable: a hub that cannot be
// reached does not fail the buy; the statement goes with the next
// download; the seller's node then fetches it from the hub with a query
// the seller signs.
func TestBuy_statementsRetriedWhenProviderUnreachable(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	if _, _, err := a.ready(); err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	hub := cuttableHub(t, a, &down)
	defer hub.Close()
	p := publishDS(t, a, hub.URL)
	a.reconcilePublishes(ctx)
	restore := hideBlob(t, a, p.ContentHash)

	statementGoesWithDownload(t, a, p, &down, restore)
	marketLoopRetriesStatement(t, a, p, &down)
	sellerFetchesStatementsFromHub(t, a, p, hub.URL)
}

// cuttableHub serves a's provider API, cutting every connection but the
// buy's "do you serve it?" while down is set.
func cuttableHub(t *testing.T, a *App, down *atomic.Bool) *httptest.Server {
	t.Helper()
	h := a.ProviderHandler()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Down after answering the buy's "do you serve it?" (a buy is
		// refused when the provider cannot answer): the statement's
		// delivery right after the buy fails.
		if down.Load() && !strings.Contains(r.URL.Path, "/listings/") {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			if err := conn.Close(); err != nil {
				t.Errorf("cut the connection: %v", err)
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// statementGoesWithDownload: a statement not delivered at bob's buy (the
// hub down) goes with his download once the hub is back.
func statementGoesWithDownload(t *testing.T, a *App, p Published, down *atomic.Bool, restore func()) {
	t.Helper()
	ctx := t.Context()
	bob := addr(t, a, "bob")
	down.Store(true)
	buy, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, stated)
	if err != nil {
		t.Fatalf("buy with the hub down: %v", err)
	}
	if buy.Statement == nil || !buy.Statement.Delivered.IsZero() || !strings.Contains(buy.Statement.LastError, "unreachable") {
		t.Fatalf("statement with the hub down: %+v", buy.Statement)
	}
	if kept, _ := a.store.Statements(ctx, p.ListingID); len(kept) != 0 {
		t.Fatalf("hub kept %d statements while down", len(kept))
	}
	down.Store(false)
	restore()
	out := filepath.Join(t.TempDir(), "data.csv")
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Out: out}); err != nil {
		t.Fatal(err)
	}
	rec, err := a.store.MyStatement(ctx, p.ListingID, bob)
	if err != nil || rec.Delivered.IsZero() || rec.LastError != "" {
		t.Fatalf("statement after the download: %+v, %v", rec, err)
	}
	if kept, _ := a.store.Statements(ctx, p.ListingID); len(kept) != 1 || kept[0].Approval != "IRB-2026-17" {
		t.Fatalf("hub kept %+v", kept)
	}
}

// marketLoopRetriesStatement: the market loop retries a delivery that
// failed for an unreachable provider, a minute after the last attempt.
func marketLoopRetriesStatement(t *testing.T, a *App, p Published, down *atomic.Bool) {
	t.Helper()
	ctx := t.Context()
	hideBlob(t, a, p.ContentHash)
	down.Store(true)
	if buy, err := a.Buy(ctx, ByAccount("carol", "pw"), p.ListingID, stated); err != nil || !buy.Statement.Delivered.IsZero() {
		t.Fatalf("carol's buy with the hub down: %+v, %v", buy.Statement, err)
	}
	down.Store(false)
	if n, err := a.DeliverStatements(ctx); err != nil || n != 0 {
		t.Fatalf("retry at once: %d, %v (want none: too soon)", n, err)
	}
	now := a.now
	a.now = func() time.Time { return now().Add(2 * statementRetryEvery) }
	n, err := a.DeliverStatements(ctx)
	a.now = now
	if err != nil || n != 1 {
		t.Fatalf("market loop retry: %d, %v", n, err)
	}
	if kept, _ := a.store.Statements(ctx, p.ListingID); len(kept) != 2 {
		t.Fatalf("hub kept %d statements, want 2", len(kept))
	}
}

// sellerFetchesStatementsFromHub: the seller's node, not holding the
// dataset, asks the hub, which refuses anyone but the seller.
func sellerFetchesStatementsFromHub(t *testing.T, a *App, p Published, hub string) {
	t.Helper()
	ctx := t.Context()
	alice, bob := addr(t, a, "alice"), addr(t, a, "bob")
	mine, err := a.MyDatasets(ctx, alice)
	if err != nil || len(mine.Datasets) != 1 || len(mine.Datasets[0].Statements) != 0 || !strings.Contains(mine.Datasets[0].StatementsProblem, "sign in") {
		t.Fatalf("seller not signed in: %+v, %v", mine.Datasets, err)
	}
	token, _, err := a.SignIn(ctx, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := a.SignOut(ctx, token); err != nil {
			t.Error(err)
		}
	}()
	mine, err = a.MyDatasets(ctx, alice)
	if err != nil || len(mine.Datasets) != 1 {
		t.Fatalf("my datasets: %+v, %v", mine, err)
	}
	if got := mine.Datasets[0].StatementsOf(bob); len(got) != 1 || got[0].Disease != "asthma" || mine.Datasets[0].StatementsProblem != "" {
		t.Fatalf("seller fetched %+v (problem %q)", got, mine.Datasets[0].StatementsProblem)
	}
	// Anyone but the seller is refused by the hub.
	_, prov, _ := a.ready()
	sg, _ := a.keys.Unlock("bob", "pw")
	defer sg.Lock()
	q, _ := provider.NewStatementsQuery(a.chainID.Uint64(), prov.Contract, p.ListingID, sg, time.Now(), time.Minute)
	var c provider.Client
	if _, err := c.Statements(ctx, hub, q); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !strings.Contains(err.Error(), "not the seller") {
		t.Fatalf("query by the buyer: %v", err)
	}
}

package app

import (
	"context"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// TestMarket_providerURLsCannotAimTheNodeAtItsNetwork: the blind SSRF of
// the report. A node not configured for local networks refuses to publish
// with a loopback provider URL, and never sends a request to a listing's
// loopback provider, however often its catalog retries; no node ever
// fetches from a provider URL with a query string (which would turn the
// card request into another request), and such a listing is flagged.
func TestMarket_providerURLsCannotAimTheNodeAtItsNetwork(t *testing.T) {
	ctx := context.Background()
	var hits atomic.Int64
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer victim.Close()

	no := false
	a, err := Open(ctx, Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true, AllowPrivateProviders: &no})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	for _, n := range []string{"alice", "carol"} {
		if _, err := a.CreateAccount(ctx, n, "pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(ctx, n, ether("10")); err != nil {
			t.Fatal(err)
		}
	}

	// Listing time: this node's loopback URL, and a hub at loopback, refused.
	for _, prov := range []string{"", victim.URL} {
		_, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "Patients",
			Tags: []string{"synthea"}, DataTypes: []string{"patients"}, Price: ether("0.01"), Terms: hmb, Provider: prov})
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), "127.0.0.1") {
			t.Errorf("publish with provider %q on a public-network node: %v; want EINVALID naming the address", prov, err)
		}
	}

	// Fetch time: listings written straight to the chain (any wallet can).
	loopback := listAs(t, a, "carol", common.Hash{0x10}, big.NewInt(0), common.Hash{0x11}, victim.URL+"/")
	query := listAs(t, a, "carol", common.Hash{0x20}, big.NewInt(0), common.Hash{0x21}, victim.URL+"/admin/reboot?confirm=yes&x=")
	for range 3 { // the market loop's retries
		if err := a.SyncCatalog(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := hits.Load(); got != 0 {
		t.Fatalf("the loopback server got %d requests from a node not configured for local networks", got)
	}
	if l, err := a.Listing(ctx, query); err != nil || l.CardStatus != marketplace.CardMismatch {
		t.Errorf("listing with a query-string provider: %+v, %v; want flagged", l, err)
	}
	if l, err := a.Listing(ctx, loopback); err != nil || l.CardStatus == marketplace.CardVerified {
		t.Errorf("listing with a loopback provider: %+v, %v; want never verified", l, err)
	}
	if _, err := a.Buy(ctx, ByAccount("carol", "pw"), loopback, BuyConfirmation{AcceptTerms: true}); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("buy of the loopback listing: %v; want EFORBIDDEN before any transaction", err)
	}
	if got := hits.Load(); got != 0 {
		t.Fatalf("the loopback server got %d requests", got)
	}

	// A node on a local network (the embedded default) reaches loopback
	// providers, but still never a URL with a query string.
	b := marketApp(t, t.TempDir())
	listAs(t, b, "carol", common.Hash{0x20}, big.NewInt(0), common.Hash{0x21}, victim.URL+"/admin/reboot?confirm=yes&x=")
	if err := b.SyncCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	if got := hits.Load(); got != 0 {
		t.Fatalf("a query-string provider URL was fetched %d times", got)
	}

	// Provider text that is no URL at all (the contract accepts any) is
	// recorded and flagged; it does not stop the catalog's sync.
	junk := listAs(t, b, "carol", common.Hash{0x30}, big.NewInt(0), common.Hash{0x31}, "not a url")
	if err := b.SyncCatalog(ctx); err != nil {
		t.Fatalf("sync after a listing with provider %q: %v", "not a url", err)
	}
	if l, err := b.Listing(ctx, junk); err != nil || l.CardStatus != marketplace.CardMismatch {
		t.Fatalf("listing with provider %q: %+v, %v; want flagged", "not a url", l, err)
	}
}

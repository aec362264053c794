package app

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
)

// TestProvider_refusedRequestsWriteNothing: requests signed by a stranger
// (a valid signature of its own key, no licence) are refused without a
// store write: the store file keeps its size and keys. A licensed buyer's
// request is served once, and its replay refused.
func TestProvider_refusedRequestsWriteNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := marketApp(t, dir)
	hub, _ := hubNode(t, a)
	p := publishPatients(t, a, hmb, nil)
	_, prov, err := a.ready()
	if err != nil {
		t.Fatal(err)
	}
	carol, err := a.keys.Unlock("carol", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer carol.Lock()
	db := filepath.Join(dir, "medmarket.db")
	size := func() int64 {
		fi, err := os.Stat(db)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	keys, err := a.store.Len(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := size()
	const n = 300
	for i := range n {
		req, err := provider.NewRequest(a.chainID.Uint64(), prov.Contract, p.ListingID, carol.Address(), a.now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		sr, err := provider.Sign(req, carol)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.market.client.Download(ctx, hub.URL, sr); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
			t.Fatalf("request %d by a stranger: %v, want EFORBIDDEN", i, err)
		}
	}
	if after, err := a.store.Len(ctx); err != nil || after != keys || size() != before {
		t.Fatalf("%d refused requests: store %d -> %d bytes, %d -> %d keys (%v); want unchanged", n, before, size(), keys, after, err)
	}

	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	bob, err := a.keys.Unlock("bob", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Lock()
	req, _ := provider.NewRequest(a.chainID.Uint64(), prov.Contract, p.ListingID, bob.Address(), a.now(), time.Minute)
	sr, _ := provider.Sign(req, bob)
	d, err := a.market.client.Download(ctx, hub.URL, sr)
	if err != nil {
		t.Fatalf("licensed download: %v", err)
	}
	_, err = io.Copy(io.Discard, d.Blob)
	d.Blob.Close()
	if err != nil {
		t.Fatalf("read licensed download: %v", err)
	}
	if _, err := a.market.client.Download(ctx, hub.URL, sr); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("replay of a served request: %v, want EFORBIDDEN", err)
	}
}

// seatedOneDayLicence is a market app on a clock the test moves (skew),
// with a one-day, two-seat licence bought by bob and carol seated on it.
func seatedOneDayLicence(t *testing.T) (*App, *atomic.Int64, Published) {
	t.Helper()
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	skew := skewClock(a)
	oneDay := marketplace.Terms{Use: marketplace.HMB | marketplace.NCU, DurationDays: 1, Seats: 2}
	p := publishPatients(t, a, oneDay, nil)
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	if err := a.AddSeat(ctx, ByAccount("bob", "pw"), p.ListingID, addr(t, a, "carol")); err != nil {
		t.Fatal(err)
	}
	return a, skew, p
}

// wantIdleChainLicence checks that the idle chain's hasLicence still says
// yes for who: its head is older than the expiry the clock has passed.
func wantIdleChainLicence(t *testing.T, a *App, listingID uint64, who string) {
	t.Helper()
	if ok, err := a.chainHasLicence(context.Background(), listingID, addr(t, a, who)); err != nil || !ok {
		t.Fatalf("the idle chain's hasLicence for %s: %v, %v; want true (its head is older than the expiry)", who, ok, err)
	}
}

// TestProvider_expiredLicenceRefusedOnIdleChain: the embedded chain seals
// blocks only on transactions, so while it is idle its head's time lags
// the clock and the contract's hasLicence still says yes past a licence's
// expiry. The provider refuses by its own clock.
func TestProvider_expiredLicenceRefusedOnIdleChain(t *testing.T) {
	ctx := context.Background()
	a, skew, p := seatedOneDayLicence(t)
	download := func(who string) error {
		var b bytes.Buffer
		_, err := a.Download(ctx, ByAccount(who, "pw"), p.ListingID, DownloadRequest{Writer: &b})
		return err
	}
	for _, who := range []string{"bob", "carol"} {
		if err := download(who); err != nil {
			t.Fatalf("%s before expiry: %v", who, err)
		}
	}
	skew.Store(int64(25 * time.Hour)) // the clock passes the expiry; no block is sealed
	for _, who := range []string{"bob", "carol"} {
		wantIdleChainLicence(t, a, p.ListingID, who)
		if err := download(who); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
			t.Errorf("%s after expiry on an idle chain: %v, want EFORBIDDEN", who, err)
		}
	}
}

// TestLicences_expiredByTheClockOnIdleChain: My licences (and HasLicence,
// which the card's buy panel asks) judge a licence as its provider does:
// past its expiry by this node's clock it is not valid, though the idle
// chain's hasLicence still says yes. The holder's licence and the seat on
// it turn invalid together.
func TestLicences_expiredByTheClockOnIdleChain(t *testing.T) {
	ctx := context.Background()
	a, skew, p := seatedOneDayLicence(t)
	valid := func(who string) bool {
		t.Helper()
		ls, err := a.Licences(ctx, addr(t, a, who))
		if err != nil || len(ls) != 1 || ls[0].ListingID != p.ListingID {
			t.Fatalf("licences of %s: %+v, %v; want the one of listing %d", who, ls, err, p.ListingID)
		}
		has, err := a.HasLicence(ctx, p.ListingID, addr(t, a, who))
		if err != nil || has != ls[0].Valid {
			t.Fatalf("%s: HasLicence %v (%v), My licences says valid %v; want them to agree", who, has, err, ls[0].Valid)
		}
		return ls[0].Valid
	}
	for _, who := range []string{"bob", "carol"} {
		if !valid(who) {
			t.Fatalf("%s's licence before expiry: not valid", who)
		}
	}
	skew.Store(int64(25 * time.Hour)) // the clock passes the expiry; no block is sealed
	for _, who := range []string{"bob", "carol"} {
		wantIdleChainLicence(t, a, p.ListingID, who)
		if valid(who) {
			t.Errorf("%s's licence a day after it expired, on an idle chain: shown valid", who)
		}
	}
}

package app

import (
	"bytes"
	"context"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// TestDownload_prewrappedKey: after a purchase, with the buyer's node not
// asking anything, the providing node's market loop (PrewrapKeys) wraps the
// dataset key to the public key recovered from the buy transaction and
// stores it; the buyer's download then uses it (the signed request and
// hasLicence are still checked). A seated member, who sent no transaction,
// gets a key wrapped on demand.
func TestDownload_prewrappedKey(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	var published bytes.Buffer
	p := publishPatients(t, a, marketplace.Terms{Use: marketplace.HMB, DurationDays: 30, Seats: 1}, &published)
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	bob, carol := addr(t, a, "bob"), addr(t, a, "carol")
	n, err := a.PrewrapKeys(ctx)
	if err != nil || n != 1 {
		t.Fatalf("pre-wrapped %d keys, %v; want 1", n, err)
	}
	k, err := a.store.BuyerKey(ctx, p.ListingID, bob)
	if err != nil || k.ContentHash != p.ContentHash || len(k.Wrapped) == 0 {
		t.Fatalf("bob's pre-wrapped key: %+v, %v", k, err)
	}
	if n, err := a.PrewrapKeys(ctx); err != nil || n != 0 {
		t.Fatalf("second pass wrapped %d, %v; want 0", n, err)
	}

	var got bytes.Buffer
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Writer: &got}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), published.Bytes()) {
		t.Fatal("download with the pre-wrapped key differs from the published file")
	}
	if pre, demand := a.KeyDeliveries(); pre != 1 || demand != 0 {
		t.Fatalf("deliveries: pre-wrapped %d, on demand %d; want 1, 0", pre, demand)
	}

	// carol is seated by bob: no buy transaction of hers, an on-demand wrap.
	if err := a.AddSeat(ctx, ByAccount("bob", "pw"), p.ListingID, carol); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PrewrapKeys(ctx); err != nil {
		t.Fatal(err)
	}
	got.Reset()
	if _, err := a.Download(ctx, ByAccount("carol", "pw"), p.ListingID, DownloadRequest{Writer: &got}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), published.Bytes()) {
		t.Fatal("seat member's download differs")
	}
	if pre, demand := a.KeyDeliveries(); pre != 1 || demand != 1 {
		t.Fatalf("deliveries: pre-wrapped %d, on demand %d; want 1, 1", pre, demand)
	}

	// A pre-wrapped key is no licence: once it is gone (seat removed here;
	// expiry alike) the download is refused although the key is stored.
	if err := a.RemoveSeat(ctx, ByAccount("bob", "pw"), p.ListingID, carol); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Download(ctx, ByAccount("carol", "pw"), p.ListingID, DownloadRequest{Writer: &got}); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("removed seat: %v", err)
	}
	// The buyer can download again any time while the licence is valid.
	got.Reset()
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Writer: &got}); err != nil || !bytes.Equal(got.Bytes(), published.Bytes()) {
		t.Fatalf("download again: %v", err)
	}
	if pre, _ := a.KeyDeliveries(); pre != 2 {
		t.Fatalf("pre-wrapped deliveries %d, want 2", pre)
	}
}

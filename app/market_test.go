package app

import (
	"bytes"
	"context"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/vault"
)

const patientsCSV = "../../shared/data/synthea-csv/patients.csv"

var ether = func(s string) *big.Int { w, _ := marketplace.ParseEther(s); return w }

// marketApp opens an embedded node with funded accounts alice, bob and carol.
func marketApp(t testing.TB, dir string) *App {
	t.Helper()
	a, err := Open(context.Background(), Options{DataDir: dir, Version: "test", LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, a)
	for _, n := range []string{"alice", "bob", "carol"} {
		if _, err := a.keys.Get(n); err == nil {
			continue
		}
		if _, err := a.CreateAccount(context.Background(), n, "pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(context.Background(), n, ether("10")); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func addr(t testing.TB, a *App, name string) common.Address {
	acct, err := a.keys.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return acct.Address
}

func publishPatients(t testing.TB, a *App, terms marketplace.Terms, copy *bytes.Buffer) Published {
	t.Helper()
	req := PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "Synthea patients", Description: "Synthetic patients",
		Tags: []string{"synthea"}, DataTypes: []string{"patients"}, Price: ether("0.01"), Terms: terms}
	if copy != nil {
		req.Copy = copy
	}
	p, err := a.Publish(context.Background(), ByAccount("alice", "pw"), req)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return p
}

var hmb = marketplace.Terms{Use: marketplace.HMB | marketplace.NCU, DurationDays: 365, Seats: 2}

func TestMarket_publishSearchBuyDownloadWithdraw(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	var copy bytes.Buffer
	p := publishPatients(t, a, hmb, &copy)
	if p.ListingID == 0 || copy.Len() == 0 {
		t.Fatalf("published %+v, copy %d bytes", p, copy.Len())
	}
	// Searchable at once, no indexer lag.
	ls, n, err := a.Search(ctx, marketplace.CatalogFilter{Query: "synthea"})
	if err != nil || n != 1 || ls[0].ID != p.ListingID || ls[0].Provider != a.PublicURL() {
		t.Fatalf("search: %+v %d %v (want id %d provider %s)", ls[0], n, err, p.ListingID, a.PublicURL())
	}
	buyAsBob(t, a, p)
	out := filepath.Join(t.TempDir(), "data.csv")
	d, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Out: out})
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, copy.Bytes()) || d.Bytes != int64(len(got)) {
		t.Fatalf("downloaded %d bytes differ from the published %d", len(got), copy.Len())
	}
	// Downloading again works any time while the licence is valid.
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Out: out}); err != nil {
		t.Fatalf("second download: %v", err)
	}
	lics, err := a.Licences(ctx, addr(t, a, "bob"))
	if err != nil || len(lics) != 1 || !lics[0].Valid || lics[0].Listing == nil {
		t.Fatalf("licences: %+v, %v", lics, err)
	}
	sellerOperations(t, a, p)
}

// buyAsBob: the buy's and the listing's cost previews, and bob's buy,
// refused until he accepts the terms.
func buyAsBob(t *testing.T, a *App, p Published) {
	t.Helper()
	ctx := t.Context()
	q, err := a.BuyPreview(ctx, addr(t, a, "bob"), p.ListingID)
	if err != nil || q.Cost.Gas == 0 || q.Cost.Value.Cmp(ether("0.01")) != 0 || len(q.Terms) != 4 {
		t.Fatalf("preview: %+v, %v", q, err)
	}
	cost, err := a.PublishPreview(ctx, addr(t, a, "alice"), ether("1"), hmb, "self")
	if err != nil || cost.Gas == 0 || cost.Fee.Sign() != 0 {
		t.Fatalf("publish preview: %+v, %v", cost, err)
	}
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("buy without accepting terms: %v", err)
	}
	buy, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true})
	if err != nil || !buy.Licence.ValidAt(time.Now()) || buy.Licence.Seats != 2 {
		t.Fatalf("buy: %+v, %v", buy, err)
	}
}

// sellerOperations: alice sees her sale, withdraws once, and alone sets
// the price.
func sellerOperations(t *testing.T, a *App, p Published) {
	t.Helper()
	ctx := t.Context()
	mine, err := a.MyDatasets(ctx, addr(t, a, "alice"))
	if err != nil || len(mine.Datasets) != 1 || mine.Datasets[0].Sales != 1 || mine.Datasets[0].Buyers[0] != addr(t, a, "bob") ||
		mine.Withdrawable.Cmp(ether("0.01")) != 0 {
		t.Fatalf("my datasets: %+v, %v", mine, err)
	}
	if w, err := a.Withdraw(ctx, ByAccount("alice", "pw")); err != nil || w.Cmp(ether("0.01")) != 0 {
		t.Fatalf("withdraw: %v %v", w, err)
	}
	if _, err := a.Withdraw(ctx, ByAccount("alice", "pw")); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("second withdraw: %v", err)
	}
	if err := a.SetPrice(ctx, ByAccount("bob", "pw"), p.ListingID, ether("1")); marketplace.ErrorCode(err) == "" {
		t.Fatal("a buyer changed the price")
	}
	if err := a.SetPrice(ctx, ByAccount("alice", "pw"), p.ListingID, ether("0.02")); err != nil {
		t.Fatal(err)
	}
	if l, _ := a.Listing(ctx, p.ListingID); l.Price.Cmp(ether("0.02")) != 0 {
		t.Fatalf("price after SetPrice: %v", l.Price)
	}
}

func TestPublish_policyGateRefusesAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	_, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "x",
		Price: ether("0.01"), Terms: hmb, Privacy: nil, Roles: nil, Policy: nil, Format: "csv", Preview: "",
		Secret: nil, Tags: nil, Provider: "self", InputFormat: "csv",
		Publisher: "", Description: "", DataTypes: nil, TermsDetail: nil, Table: "",
		Reader: nil, InputName: "", Copy: nil,
	})
	if err != nil {
		t.Fatalf("control publish: %v", err)
	}
	_, err = a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "x",
		Price: ether("0.01"), Terms: hmb, Policy: &policyK1000})
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "k-anonymity") {
		t.Fatalf("gate: %v", err)
	}
	drafts, _ := a.Drafts(ctx)
	if len(drafts) != 0 {
		t.Fatalf("a refused publish left drafts: %+v", drafts)
	}
}

// TestDownload_accessControl: each case must fail to get data.
func TestDownload_accessControl(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	short := marketplace.Terms{Use: marketplace.GRU, DurationDays: 1, Seats: 1}
	p := publishPatients(t, a, short, nil)
	out := filepath.Join(t.TempDir(), "out.csv")
	bob, carol := addr(t, a, "bob"), addr(t, a, "carol")
	_, prov, err := a.ready()
	if err != nil {
		t.Fatal(err)
	}
	unlock := func(name string) *vault.Signer { return unlockForTest(t, a, name) }
	signed := func(sg *vault.Signer, account common.Address) provider.SignedRequest {
		return signedDownload(t, a, prov, p.ListingID, sg, account)
	}
	refused := func(t *testing.T, err error, want string) { t.Helper(); refusedDownload(t, out, err, want) }

	t.Run("no licence", func(t *testing.T) {
		_, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Out: out})
		refused(t, err, "holds no valid licence")
	})
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	t.Run("forged signature", func(t *testing.T) {
		sr := signed(unlock("bob"), bob)
		sr.Signature[10] ^= 0xff
		_, err := prov.Download(ctx, sr)
		refused(t, err, "")
		sr = signed(unlock("bob"), bob)
		sr.ListingID++ // the signed text no longer matches
		_, err = prov.Download(ctx, sr)
		refused(t, err, "not signed by account")
	})
	t.Run("other account's signature", func(t *testing.T) {
		// carol signs a request claiming to be bob.
		_, err := prov.Download(ctx, signed(unlock("carol"), bob))
		refused(t, err, "not signed by account")
	})
	t.Run("replayed nonce", func(t *testing.T) {
		srv := httptest.NewServer(a.ProviderHandler())
		defer srv.Close()
		var c provider.Client
		sr := signed(unlock("bob"), bob)
		d, err := c.Download(ctx, srv.URL, sr)
		if err != nil {
			t.Fatalf("first use over HTTP: %v", err)
		}
		d.Blob.Close()
		_, err = c.Download(ctx, srv.URL, sr)
		refused(t, err, "already used")
	})
	t.Run("seat member removed", func(t *testing.T) {
		if err := a.AddSeat(ctx, ByAccount("bob", "pw"), p.ListingID, carol); err != nil {
			t.Fatal(err)
		}
		seated := filepath.Join(t.TempDir(), "seat.csv")
		if _, err := a.Download(ctx, ByAccount("carol", "pw"), p.ListingID, DownloadRequest{Out: seated}); err != nil {
			t.Fatalf("seated member: %v", err)
		}
		lics, err := a.Licences(ctx, carol)
		if err != nil || len(lics) != 1 || lics[0].SeatOf != bob {
			t.Fatalf("carol's licences: %+v, %v", lics, err)
		}
		if err := a.RemoveSeat(ctx, ByAccount("bob", "pw"), p.ListingID, carol); err != nil {
			t.Fatal(err)
		}
		_, err = a.Download(ctx, ByAccount("carol", "pw"), p.ListingID, DownloadRequest{Out: out})
		refused(t, err, "holds no valid licence")
	})
	t.Run("tampered blob", func(t *testing.T) { refuseTamperedBlob(t, a, p, out) })
	t.Run("delisted then bought", func(t *testing.T) {
		if err := a.Delist(ctx, ByAccount("alice", "pw"), p.ListingID); err != nil {
			t.Fatal(err)
		}
		_, err := a.Buy(ctx, ByAccount("carol", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true})
		if code := marketplace.ErrorCode(err); code != marketplace.ECONFLICT && code != marketplace.EINVALID {
			t.Fatalf("buy after delist: %v", err)
		}
		_, err = a.Download(ctx, ByAccount("carol", "pw"), p.ListingID, DownloadRequest{Out: out})
		refused(t, err, "holds no valid licence")
		// Licences sold before stay valid.
		if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Out: filepath.Join(t.TempDir(), "x")}); err != nil {
			t.Fatalf("holder after delist: %v", err)
		}
	})
	t.Run("expired licence", func(t *testing.T) {
		if err := a.chain.(*chain.Embedded).AdjustTime(48 * time.Hour); err != nil {
			t.Fatal(err)
		}
		_, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Out: out})
		refused(t, err, "holds no valid licence")
	})
}

// unlockForTest unlocks account name until the test ends.
func unlockForTest(t *testing.T, a *App, name string) *vault.Signer {
	t.Helper()
	sg, err := a.keys.Unlock(name, "pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sg.Lock)
	return sg
}

// signedDownload is a download request for listing id by account, signed by sg.
func signedDownload(t *testing.T, a *App, prov *provider.Provider, id uint64, sg *vault.Signer, account common.Address) provider.SignedRequest {
	t.Helper()
	r, err := provider.NewRequest(a.chainID.Uint64(), prov.Contract, id, account, time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := provider.Sign(r, sg)
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

// refusedDownload: err is EFORBIDDEN saying want, and out was not written.
func refusedDownload(t *testing.T, out string, err error, want string) {
	t.Helper()
	if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want EFORBIDDEN with %q", err, want)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Fatal("a refused download wrote the output")
	}
}

// refuseTamperedBlob: a blob changed on disk is refused as tampered with,
// and nothing is written out.
func refuseTamperedBlob(t *testing.T, a *App, p Published, out string) {
	ctx := t.Context()
	path := filepath.Join(a.dataDir, "blobs", p.ContentHash.Hex()[2:4], p.ContentHash.Hex()[2:])
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(orig)
	bad[len(bad)-20] ^= 1
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			t.Error(err)
		}
	}()
	_, err = a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Out: out})
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "tampered") {
		t.Fatalf("tampered blob: %v", err)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Fatal("a tampered blob was written out")
	}
}

var policyK1000 = anonymizePolicy(1000)

package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// hubNode serves a's provider API at its own URL, as a hub, counting the
// uploads it receives.
func hubNode(t *testing.T, a *App) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	if _, _, err := a.ready(); err != nil {
		t.Fatal(err)
	}
	var uploads atomic.Int32
	h := a.ProviderHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, provider.PathBlobs) {
			uploads.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &uploads
}

// skewClock makes a's clock run ahead of the wall clock by what the
// returned pointer holds; call it before a.ready().
func skewClock(a *App) *atomic.Int64 {
	var skew atomic.Int64
	a.now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	return &skew
}

var errStopped = errors.New("node stopped before the listing transaction")

// stoppedDraft publishes as name through hub (a hub's provider URL, or ""
// for this node) with the listing transaction stopped (the publish hook),
// leaving a draft, which it returns.
func stoppedDraft(t *testing.T, a *App, hub, name, title string) store.Publish {
	t.Helper()
	a.SetPublishHook(func(step string) error {
		if step == StepStored {
			return errStopped
		}
		return nil
	})
	defer a.SetPublishHook(nil)
	_, err := a.Publish(context.Background(), ByAccount(name, "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5",
		Title: title, Price: ether("0.01"), Terms: hmb, Provider: hub})
	if !errors.Is(err, errStopped) {
		t.Fatalf("publish stopped before listing: %v", err)
	}
	drafts, err := a.Drafts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drafts {
		if d.Seller == addr(t, a, name) && d.Created.After(time.Now().Add(-time.Minute)) {
			if md, err := a.store.Card(context.Background(), d.MetadataHash); err == nil && bytes.Contains(md, []byte(title)) {
				return d
			}
		}
	}
	t.Fatalf("no draft %q of %s among %+v", title, name, drafts)
	return store.Publish{}
}

// TestPublish_hubDraftRetriesWithoutUploadingAgain: when the listing
// transaction fails after the upload to a hub, the patient's node keeps a
// draft naming the hub; Retry lists it there without a second upload, and
// buyers are served by the hub.
func TestPublish_hubDraftRetriesWithoutUploadingAgain(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	hub, uploads := hubNode(t, a)
	d := stoppedDraft(t, a, hub.URL, "alice", "Draft via the hub")
	if d.Provider != hub.URL+"/" || d.State != store.PublishPending || uploads.Load() != 1 {
		t.Fatalf("draft %+v after %d uploads; want pending at %s/ after 1", d, uploads.Load(), hub.URL)
	}
	if _, err := a.store.Card(ctx, d.MetadataHash); err != nil {
		t.Fatalf("the draft's card is not kept: %v", err)
	}
	p, err := a.RetryPublish(ctx, ByAccount("alice", "pw"), d.ContentHash, ether("0.02"), hmb)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if p.Provider != hub.URL+"/" || uploads.Load() != 1 {
		t.Fatalf("listed at %q after %d uploads; want the hub, 1 upload", p.Provider, uploads.Load())
	}
	l, err := a.Listing(ctx, p.ListingID)
	if err != nil || l.Provider != hub.URL+"/" || l.ContentHash != d.ContentHash {
		t.Fatalf("listing %+v, %v", l, err)
	}
	if drafts, _ := a.Drafts(ctx); len(drafts) != 0 {
		t.Fatalf("drafts after retry: %+v", drafts)
	}
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Writer: &got}); err != nil || got.Len() == 0 {
		t.Fatalf("download from the hub: %d bytes, %v", got.Len(), err)
	}
}

// TestPublish_hubQuotaRefusal: a publish through a hub that would take the
// seller over the hub's quota fails with the hub's message (EFORBIDDEN,
// naming the limit and the usage), not an internal error; nothing more is
// stored on the hub.
func TestPublish_hubQuotaRefusal(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	hub, _ := hubNode(t, a)
	if err := a.SetHubConfig(HubConfig{MaxUnlistedUploads: 1}); err != nil {
		t.Fatal(err)
	}
	d := stoppedDraft(t, a, hub.URL, "alice", "First")
	alice := addr(t, a, "alice")
	publish := func() error {
		_, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5",
			Title: "Second", Price: ether("0.01"), Terms: hmb, Provider: hub.URL})
		return err
	}
	err := publish()
	want := "hub quota: seller " + alice.Hex() + " has 1 unlisted uploads (limit 1); list or wait for them to expire"
	if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !strings.Contains(marketplace.ErrorMessage(err), want) || !errors.Is(err, provider.ErrQuota) {
		t.Fatalf("got %v, want EFORBIDDEN with %q", err, want)
	}
	if pubs, _ := a.store.Publishes(ctx); len(pubs) != 1 {
		t.Fatalf("%d publish records after the refusal, want 1", len(pubs))
	}

	// The byte limit, set on the provider: listing the first frees its count, not its bytes.
	if _, err := a.RetryPublish(ctx, ByAccount("alice", "pw"), d.ContentHash, ether("0.01"), hmb); err != nil {
		t.Fatal(err)
	}
	_, prov, _ := a.ready()
	prov.MaxSellerBytes = d.Size + 10
	defer func() { prov.MaxSellerBytes = 0 }()
	err = publish()
	if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !strings.Contains(err.Error(), "hub quota: seller "+alice.Hex()+" stores") ||
		!strings.Contains(err.Error(), "would exceed the limit") {
		t.Fatalf("byte limit: %v", err)
	}
	prov.MaxSellerBytes = 0
	if err := publish(); err != nil {
		t.Fatalf("within the quota: %v", err)
	}
}

// TestHubCleanup_deletesUploadsNeverListed: past the upload TTL the hub's
// sweep deletes unlisted uploads (record, key, card, blob), and keeps the
// listed ones, a pending one whose content another account listed on chain,
// and younger ones. A crash between the records and the blob leaves no
// record naming a missing blob, and the next sweep removes the blob.
func TestHubCleanup_deletesUploadsNeverListed(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	skew := skewClock(a)
	hub, _ := hubNode(t, a)
	if err := a.SetHubConfig(HubConfig{UploadTTL: 7 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}

	listed, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5",
		Title: "Listed via the hub", Price: ether("0.01"), Terms: hmb, Provider: hub.URL})
	if err != nil {
		t.Fatal(err)
	}
	draft := stoppedDraft(t, a, hub.URL, "bob", "Never listed")

	// carol uploads directly: one dataset whose content bob lists on chain
	// (by another seller, with another card), one never listed.
	sg, err := a.keys.Unlock("carol", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer sg.Lock()
	pc, err := a.anonymizeForPublish(ctx, sg.Address(), &PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "carol's"})
	if err != nil {
		t.Fatal(err)
	}
	upload := func() common.Hash { return uploadToHub(t, a, hub.URL, sg, pc) }
	foreign, unlisted := upload(), upload()
	listOthersContent(t, a, "bob", foreign, hub.URL)
	skew.Store(int64(3 * 24 * time.Hour))
	young := upload()

	held := func(content common.Hash) bool { return heldByHub(t, a, content) }
	if n, err := a.SweepHubUploads(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before the TTL: %d, %v", n, err)
	}
	skew.Store(int64(8 * 24 * time.Hour))
	n, err := a.SweepHubUploads(ctx)
	if err != nil || n != 2 {
		t.Fatalf("swept %d, %v; want the 2 unlisted uploads", n, err)
	}
	for _, c := range []struct {
		name    string
		content common.Hash
		kept    bool
	}{{"listed", listed.ContentHash, true}, {"listed by another account", foreign, true}, {"younger", young, true},
		{"bob's draft", draft.ContentHash, false}, {"carol's unlisted", unlisted, false}} {
		if got := held(c.content); got != c.kept {
			t.Errorf("%s: held %v, want %v", c.name, got, c.kept)
		}
	}
	if p, _ := a.store.Publish(ctx, foreign); p.State != store.PublishPending {
		t.Errorf("carol's upload listed by bob: %+v; want kept pending (only the chain check keeps it)", p)
	}
	if _, err := a.store.Card(ctx, draft.MetadataHash); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("the expired draft's card: %v", err)
	}
	if _, err := a.store.Card(ctx, listed.MetadataHash); err != nil {
		t.Errorf("the listed dataset's card: %v", err)
	}
	var got bytes.Buffer
	if _, err := a.Buy(ctx, ByAccount("carol", "pw"), listed.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Download(ctx, ByAccount("carol", "pw"), listed.ListingID, DownloadRequest{Writer: &got}); err != nil {
		t.Fatalf("download of the listed dataset after the sweep: %v", err)
	}

	// A crash between the records and the blob.
	sweepCrashLeavesOnlyTheBlob(t, a, skew, young, listed.ContentHash, foreign)
}

// uploadToHub uploads pc to hub as sg, encrypted to a fresh dataset key,
// and returns its content hash.
func uploadToHub(t *testing.T, a *App, hub string, sg *vault.Signer, pc *prepared) common.Hash {
	t.Helper()
	_, prov, _ := a.ready()
	var c provider.Client
	dk, _ := vault.NewDatasetKey()
	ct, _ := dk.EncryptBytes(pc.plain)
	content := common.Hash(sha256.Sum256(ct))
	wrapped, _ := vault.WrapKey(dk, a.market.nodeKey.PublicKey())
	su, err := provider.NewUpload(a.chainID.Uint64(), prov.Contract, content, int64(len(ct)), pc.encoded, wrapped, sg, a.now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upload(t.Context(), hub, su, bytes.NewReader(ct)); err != nil {
		t.Fatalf("upload: %v", err)
	}
	return content
}

// listOthersContent lists content at hub as account name, with a card of
// its own: another seller's upload listed on chain.
func listOthersContent(t *testing.T, a *App, name string, content common.Hash, hub string) {
	t.Helper()
	ctx := t.Context()
	sg, err := a.keys.Unlock(name, "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer sg.Lock()
	var otherCard common.Hash
	rand.Read(otherCard[:])
	salt := contracts.NewSalt()
	if err := a.commitListing(ctx, sg, content, salt); err != nil {
		t.Fatal(err)
	}
	if _, err := a.sendTx(ctx, sg, nil, a.market.abi.PackList(content, salt, ether("0.01"), hmb.Pack(), otherCard, hub+"/")); err != nil {
		t.Fatal(err)
	}
}

// heldByHub reports whether the hub holds content whole (record, key and
// blob); a record naming a missing blob fails the test.
func heldByHub(t *testing.T, a *App, content common.Hash) bool {
	t.Helper()
	_, errP := a.store.Publish(t.Context(), content)
	_, errK := a.store.DatasetKey(t.Context(), content)
	blob := hasBlob(t, a, content)
	if (errP == nil || errK == nil) && !blob {
		t.Fatalf("a record names the missing blob %s", content.Hex())
	}
	return errP == nil && errK == nil && blob
}

// sweepCrashLeavesOnlyTheBlob: a sweep that crashes between the records
// and the blob of the expired upload young leaves only its blob, which
// the next sweep removes; the listed uploads stay.
func sweepCrashLeavesOnlyTheBlob(t *testing.T, a *App, skew *atomic.Int64, young common.Hash, listed ...common.Hash) {
	t.Helper()
	ctx := t.Context()
	held := func(content common.Hash) bool { return heldByHub(t, a, content) }
	skew.Store(int64(11 * 24 * time.Hour))
	crash := errors.New("crash")
	a.SetPublishHook(func(step string) error {
		if step == StepDropped {
			return crash
		}
		return nil
	})
	if _, err := a.SweepHubUploads(ctx); !errors.Is(err, crash) {
		t.Fatalf("sweep with a crash: %v", err)
	}
	a.SetPublishHook(nil)
	if held(young) || !hasBlob(t, a, young) {
		t.Fatal("after the crash: want the records gone and the blob left")
	}
	if _, err := a.SweepHubUploads(ctx); err != nil {
		t.Fatal(err)
	}
	if hasBlob(t, a, young) {
		t.Fatal("the next sweep left the blob of the dropped upload")
	}
	if ds, _ := a.store.Drops(ctx); len(ds) != 0 {
		t.Fatalf("drop traces left: %+v", ds)
	}
	for _, c := range listed {
		if !held(c) {
			t.Fatal("listed uploads deleted")
		}
	}
}

// TestDiscardDraft: only the seller discards a draft; its record, card,
// dataset key and blob go (records first: a crash in between leaves only
// an unnamed blob, removed by the next sweep); a listed dataset is not a
// draft (ECONFLICT).
func TestDiscardDraft(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	draft := func(title string) store.Publish {
		t.Helper()
		return stoppedDraft(t, a, "", "alice", title)
	}
	gone := func(d store.Publish) bool {
		_, errP := a.store.Publish(ctx, d.ContentHash)
		_, errK := a.store.DatasetKey(ctx, d.ContentHash)
		_, errC := a.store.Card(ctx, d.MetadataHash)
		return errP != nil && errK != nil && errC != nil
	}

	d := draft("To discard")
	if _, err := a.DiscardDraft(ctx, ByAccount("bob", "pw"), d.ContentHash); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("bob discards alice's draft: %v", err)
	}
	if gone(d) {
		t.Fatal("a refused discard deleted the draft")
	}
	if _, err := a.DiscardDraft(ctx, ByAccount("alice", "pw"), d.ContentHash); err != nil {
		t.Fatal(err)
	}
	if !gone(d) || hasBlob(t, a, d.ContentHash) {
		t.Fatal("the discarded draft's records or blob remain")
	}
	if ds, _ := a.Drafts(ctx); len(ds) != 0 {
		t.Fatalf("drafts after discarding: %+v", ds)
	}
	if _, err := a.DiscardDraft(ctx, ByAccount("alice", "pw"), d.ContentHash); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("discarding again: %v", err)
	}

	p := publishPatients(t, a, hmb, nil)
	if _, err := a.DiscardDraft(ctx, ByAccount("alice", "pw"), p.ContentHash); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("discarding a listed dataset: %v", err)
	}
	if !hasBlob(t, a, p.ContentHash) {
		t.Fatal("the listed dataset's blob was removed")
	}

	d = draft("Crash while discarding")
	crash := errors.New("crash")
	a.SetPublishHook(func(step string) error {
		if step == StepDropped {
			return crash
		}
		return nil
	})
	if _, err := a.DiscardDraft(ctx, ByAccount("alice", "pw"), d.ContentHash); !errors.Is(err, crash) {
		t.Fatalf("discard with a crash: %v", err)
	}
	a.SetPublishHook(nil)
	if !gone(d) || !hasBlob(t, a, d.ContentHash) {
		t.Fatal("after the crash: want the records gone, the blob left")
	}
	if _, err := a.SweepHubUploads(ctx); err != nil {
		t.Fatal(err)
	}
	if hasBlob(t, a, d.ContentHash) {
		t.Fatal("the sweep left the blob of the discarded draft")
	}
}

// TestPublish_hubDraftExpiredOnTheHub: a draft whose hub no longer holds
// the upload (it expired there) is not listed: ECONFLICT saying so.
func TestPublish_hubDraftExpiredOnTheHub(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	hub, _ := hubNode(t, a)
	d := stoppedDraft(t, a, hub.URL, "alice", "Expired on the hub")
	// A hub that deleted the upload: its card is not found there.
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"code":"not_found","message":"No dataset card on this node."}`))
	}))
	defer gone.Close()
	d.Provider = gone.URL + "/"
	if err := a.store.PutPublish(ctx, d, nil); err != nil {
		t.Fatal(err)
	}
	_, err := a.RetryPublish(ctx, ByAccount("alice", "pw"), d.ContentHash, ether("0.01"), hmb)
	if marketplace.ErrorCode(err) != marketplace.ECONFLICT || !strings.Contains(err.Error(), "no longer holds this draft") {
		t.Fatalf("retry of a draft the hub deleted: %v", err)
	}
	if ds, _ := a.Drafts(ctx); len(ds) != 1 {
		t.Fatalf("drafts %+v, want the draft kept", ds)
	}
}

// TestHubWithdraw: a hub deletes an unlisted upload only at its seller's
// signed request, once; another account's request, a forged or replayed
// one, or the upload of a listed dataset is refused, and nothing is lost.
func TestHubWithdraw(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	hub, _ := hubNode(t, a)
	d := stoppedDraft(t, a, hub.URL, "alice", "To withdraw")
	contract, err := a.marketAddr()
	if err != nil {
		t.Fatal(err)
	}
	signer := func(name string) *vault.Signer {
		s, err := a.keys.Unlock(name, "pw")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	alice, bob := signer("alice"), signer("bob")
	withdrawal := func(s *vault.Signer, content common.Hash) provider.SignedWithdrawal {
		sw, err := provider.NewWithdrawal(a.chainID.Uint64(), contract, content, s, time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return sw
	}
	held := func() bool {
		_, err := a.store.Publish(ctx, d.ContentHash)
		return err == nil && hasBlob(t, a, d.ContentHash)
	}

	forged := withdrawal(bob, d.ContentHash)
	forged.Seller = alice.Address()
	for name, tc := range map[string]struct {
		sw   provider.SignedWithdrawal
		code string
	}{
		"another seller's upload": {withdrawal(bob, d.ContentHash), marketplace.EFORBIDDEN},
		"forged":                  {forged, marketplace.EFORBIDDEN},
		"unknown upload":          {withdrawal(alice, common.Hash{1}), marketplace.ENOTFOUND},
	} {
		if err := a.market.client.Withdraw(ctx, hub.URL, tc.sw); marketplace.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
		if !held() {
			t.Fatalf("%s: the upload is gone", name)
		}
	}
	sw := withdrawal(alice, d.ContentHash)
	if err := a.market.client.Withdraw(ctx, hub.URL, sw); err != nil {
		t.Fatal(err)
	}
	if held() {
		t.Fatal("the withdrawn upload is still held")
	}
	// Replayed: nothing left to withdraw (refused before the nonce is read).
	if err := a.market.client.Withdraw(ctx, hub.URL, sw); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("replayed withdrawal: %v", err)
	}

	// A listed dataset's upload stays.
	d = stoppedDraft(t, a, hub.URL, "alice", "Listed after all")
	if _, err := a.RetryPublish(ctx, ByAccount("alice", "pw"), d.ContentHash, ether("0.01"), hmb); err != nil {
		t.Fatal(err)
	}
	if err := a.market.client.Withdraw(ctx, hub.URL, withdrawal(alice, d.ContentHash)); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("withdrawing a listed upload: %v", err)
	}
	if !held() {
		t.Fatal("the listed dataset's upload is gone")
	}
}

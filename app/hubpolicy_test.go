package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// hubUploader uploads random blobs of a given size to the hub a serves,
// signed by accounts of a's keystore, over real HTTP.
type hubUploader struct {
	t    *testing.T
	a    *App
	url  string
	card []byte
}

func newHubUploader(t *testing.T, a *App, url string) *hubUploader {
	card, err := (&marketplace.DatasetCard{Version: marketplace.CardVersion, Title: "hub upload", Rows: 1, Format: "csv",
		Columns: []marketplace.CardColumn{{Name: "a", Type: "string", Role: "insensitive"}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	return &hubUploader{t: t, a: a, url: url, card: card}
}

func (h *hubUploader) signer(name string) *vault.Signer {
	if _, err := h.a.keys.Get(name); err != nil {
		if _, err := h.a.CreateAccount(context.Background(), name, "pw"); err != nil {
			h.t.Fatal(err)
		}
	}
	s, err := h.a.keys.Unlock(name, "pw")
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(s.Lock)
	return s
}

func (h *hubUploader) upload(ctx context.Context, s *vault.Signer, size int) (common.Hash, error) {
	blob := make([]byte, size)
	rand.Read(blob)
	content := common.Hash(sha256.Sum256(blob))
	dk, _ := vault.NewDatasetKey()
	wrapped, err := vault.WrapKey(dk, h.a.market.nodeKey.PublicKey())
	if err != nil {
		return content, err
	}
	_, prov, _ := h.a.ready()
	su, err := provider.NewUpload(h.a.chainID.Uint64(), prov.Contract, content, int64(size), h.card, wrapped, s, h.a.now(), time.Minute)
	if err != nil {
		return content, err
	}
	_, err = h.a.market.client.Upload(ctx, h.url, su, bytes.NewReader(blob))
	return content, err
}

// concurrently runs n uploads by s at once and returns how many were accepted.
func (h *hubUploader) concurrently(ctx context.Context, s *vault.Signer, n, size int) int {
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.upload(ctx, s, size)
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, provider.ErrQuota) && marketplace.ErrorCode(err) != marketplace.EFORBIDDEN:
				h.t.Errorf("upload: %v, want accepted or refused by the quota", err)
			}
		}()
	}
	wg.Wait()
	return int(ok.Load())
}

// held returns seller's unlisted uploads on the hub and their bytes.
func heldBy(t *testing.T, a *App, seller common.Address) (n int, bytes int64) {
	pubs, err := a.store.Publishes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pubs {
		if p.HubUpload && p.Seller == seller && p.State == store.PublishPending {
			n++
			bytes += p.Size
		}
	}
	return n, bytes
}

// TestHubQuota_concurrentUploadsNeverExceedIt: the quota is checked and
// reserved in one step, so uploads in flight count: 30 concurrent uploads
// by one key with 5 unlisted uploads allowed store exactly 5, and 4
// concurrent uploads of 4 MiB with 10 MiB allowed store exactly 2.
func TestHubQuota_concurrentUploadsNeverExceedIt(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	hub, _ := hubNode(t, a)
	h := newHubUploader(t, a, hub.URL)
	if err := a.SetHubConfig(HubConfig{MaxUnlistedUploads: 5, KeyUploadsPerMinute: 1000, UploadsPerMinute: 1000}); err != nil {
		t.Fatal(err)
	}
	carol := h.signer("carol")
	if got := h.concurrently(ctx, carol, 30, 1000); got != 5 {
		t.Errorf("30 concurrent uploads with 5 allowed: %d accepted", got)
	}
	if n, _ := heldBy(t, a, carol.Address()); n != 5 {
		t.Errorf("carol holds %d unlisted uploads, want 5", n)
	}

	if err := a.SetHubConfig(HubConfig{MaxSellerBytes: 10 << 20, KeyUploadsPerMinute: 1000, UploadsPerMinute: 1000}); err != nil {
		t.Fatal(err)
	}
	dave := h.signer("dave")
	if got := h.concurrently(ctx, dave, 4, 4<<20); got != 2 {
		t.Errorf("4 concurrent uploads of 4 MiB with 10 MiB allowed: %d accepted", got)
	}
	if _, b := heldBy(t, a, dave.Address()); b != 8<<20 {
		t.Errorf("dave stores %d bytes, want 8 MiB", b)
	}
}

// TestHubLimits_hubWide: strangers with fresh keys cannot fill the hub:
// the unlisted bytes of all sellers and the uploads started per minute
// (hub-wide and per key) are bounded; a refusal is ErrQuota (HTTP 429)
// and names the limit; the next minute admits uploads again.
func TestHubLimits_hubWide(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	skew := skewClock(a)
	hub, _ := hubNode(t, a)
	h := newHubUploader(t, a, hub.URL)
	refused := func(err error, want string) {
		t.Helper()
		if !errors.Is(err, provider.ErrQuota) || !bytes.Contains([]byte(marketplace.ErrorMessage(err)), []byte(want)) {
			t.Fatalf("got %v, want a quota refusal with %q", err, want)
		}
	}

	// Unlisted bytes, all sellers: 3 fresh keys of 1000 bytes each fit in 3000, the 4th does not.
	if err := a.SetHubConfig(HubConfig{MaxUnlistedBytes: 3000}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := h.upload(ctx, h.signer(fmt.Sprintf("fresh%d", i)), 1000); err != nil {
			t.Fatalf("fresh key %d: %v", i, err)
		}
	}
	_, err := h.upload(ctx, h.signer("fresh3"), 1000)
	refused(err, "hub full: it holds 2.9 KiB of unlisted uploads")

	// Uploads per minute, hub-wide and per key.
	if err := a.SetHubConfig(HubConfig{UploadsPerMinute: 4, KeyUploadsPerMinute: 2}); err != nil {
		t.Fatal(err)
	}
	skew.Store(int64(time.Minute))
	k1, k2, k3 := h.signer("rate1"), h.signer("rate2"), h.signer("rate3")
	for _, s := range []*vault.Signer{k1, k1} {
		if _, err := h.upload(ctx, s, 10); err != nil {
			t.Fatal(err)
		}
	}
	_, err = h.upload(ctx, k1, 10)
	refused(err, "started 2 uploads this minute (limit 2)")
	for _, s := range []*vault.Signer{k2, k2} {
		if _, err := h.upload(ctx, s, 10); err != nil {
			t.Fatal(err)
		}
	}
	_, err = h.upload(ctx, k3, 10)
	refused(err, "hub busy: 4 uploads this minute (limit 4)")
	skew.Store(int64(2 * time.Minute))
	if _, err := h.upload(ctx, k3, 10); err != nil {
		t.Fatalf("the next minute: %v", err)
	}
}

// TestHubAdmission: under the allow-list policy only accounts the operator
// approved may upload (approval and denial take effect at once); under the
// balance policy an account holding less than the stated balance is
// refused and one holding enough is accepted.
func TestHubAdmission(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	hub, _ := hubNode(t, a)
	h := newHubUploader(t, a, hub.URL)
	forbidden := func(err error, want string) {
		t.Helper()
		if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || errors.Is(err, provider.ErrQuota) ||
			!bytes.Contains([]byte(marketplace.ErrorMessage(err)), []byte(want)) {
			t.Fatalf("got %v, want EFORBIDDEN with %q", err, want)
		}
	}

	if err := a.SetHubConfig(HubConfig{Admission: HubAllowList}); err != nil {
		t.Fatal(err)
	}
	stranger, carol := h.signer("stranger"), h.signer("carol")
	_, err := h.upload(ctx, stranger, 10)
	forbidden(err, "accounts its operator approved; "+stranger.Address().Hex()+" is not one")
	if _, err := a.AllowHubUploader(ctx, carol.Address()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.upload(ctx, carol, 10); err != nil {
		t.Fatalf("approved account: %v", err)
	}
	if aps, err := a.HubUploaders(ctx); err != nil || len(aps) != 1 || aps[0].Account != carol.Address() {
		t.Fatalf("allow-list %+v, %v", aps, err)
	}
	if err := a.DenyHubUploader(ctx, carol.Address()); err != nil {
		t.Fatal(err)
	}
	_, err = h.upload(ctx, carol, 10)
	forbidden(err, "is not one")
	if err := a.DenyHubUploader(ctx, carol.Address()); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("denying again: %v", err)
	}

	if err := a.SetHubConfig(HubConfig{Admission: HubMinBalance}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("balance policy without a balance: %v", err)
	}
	if err := a.SetHubConfig(HubConfig{Admission: HubMinBalance, MinBalance: ether("1")}); err != nil {
		t.Fatal(err)
	}
	poor := h.signer("poor") // never funded
	_, err = h.upload(ctx, poor, 10)
	forbidden(err, "accounts holding at least 1 ETH; "+poor.Address().Hex()+" holds less")
	if _, err := h.upload(ctx, carol, 10); err != nil { // funded with 10 ETH
		t.Fatalf("funded account: %v", err)
	}
}

package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// TestPublish_throughHub publishes with Provider = a hub's URL (here the
// node's own provider API behind another URL, so the whole upload goes over
// HTTP): the hub stores blob, card and key as pending for the seller, the
// listing names the hub, a buyer downloads from it. Forged, replayed,
// tampered and oversized uploads are refused.
func TestPublish_throughHub(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	if _, _, err := a.ready(); err != nil {
		t.Fatal(err)
	}
	hub := httptest.NewServer(a.ProviderHandler())
	defer hub.Close()
	var published bytes.Buffer
	req := PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "Via the hub", Price: ether("0.01"), Terms: hmb,
		Provider: hub.URL, Copy: &published}
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), req)
	if err != nil {
		t.Fatalf("publish through hub: %v", err)
	}
	if p.Provider != hub.URL+"/" {
		t.Fatalf("listed provider %q, want the hub %s/", p.Provider, hub.URL)
	}
	rec, err := a.store.DatasetKey(ctx, p.ContentHash)
	if err != nil || rec.Uploader != addr(t, a, "alice") {
		t.Fatalf("hub's key record: %+v, %v", rec, err)
	}
	a.reconcilePublishes(ctx)
	if pub, err := a.store.Publish(ctx, p.ContentHash); err != nil || pub.State != store.PublishListed || pub.ListingID != p.ListingID {
		t.Fatalf("hub's publish record: %+v, %v", pub, err)
	}
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Writer: &got}); err != nil {
		t.Fatal(err)
	}
	if published.Len() == 0 || !bytes.Equal(got.Bytes(), published.Bytes()) {
		t.Fatalf("downloaded %d bytes, published %d", got.Len(), published.Len())
	}

	// Refusals, each with a fresh dataset.
	_, prov, _ := a.ready()
	sg, err := a.keys.Unlock("carol", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer sg.Lock()
	pc, err := a.anonymizeForPublish(ctx, sg.Address(), &PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "refusals"})
	if err != nil {
		t.Fatal(err)
	}
	card := pc.encoded
	dk, _ := vault.NewDatasetKey()
	ct, _ := dk.EncryptBytes([]byte("a,b\n1,2\n"))
	content := common.Hash(sha256.Sum256(ct))
	wrapped, _ := vault.WrapKey(dk, a.market.nodeKey.PublicKey())
	upload := func() provider.SignedUpload {
		su, err := provider.NewUpload(a.chainID.Uint64(), prov.Contract, content, int64(len(ct)), card, wrapped, sg, time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return su
	}
	var c provider.Client
	refused := func(t *testing.T, su provider.SignedUpload, blob []byte, code, want string) {
		t.Helper()
		_, err := c.Upload(ctx, hub.URL, su, bytes.NewReader(blob))
		if marketplace.ErrorCode(err) != code || !strings.Contains(err.Error(), want) {
			t.Fatalf("got %v, want %s with %q", err, code, want)
		}
		if _, err := a.store.DatasetKey(ctx, content); err == nil {
			t.Fatal("a refused upload stored the key")
		}
	}
	t.Run("unsigned", func(t *testing.T) {
		su := upload()
		su.Signature = nil
		refused(t, su, ct, marketplace.EFORBIDDEN, "signature")
	})
	t.Run("forged", func(t *testing.T) {
		su := upload()
		su.Seller = addr(t, a, "alice") // carol claims to be alice
		refused(t, su, ct, marketplace.EFORBIDDEN, "not signed by seller")
	})
	t.Run("tampered blob", func(t *testing.T) {
		bad := bytes.Clone(ct)
		bad[len(bad)-1] ^= 1
		refused(t, upload(), bad, marketplace.EINVALID, "is not the one signed")
		if hasBlob(t, a, sha256.Sum256(bad)) {
			t.Fatal("the tampered blob was kept")
		}
	})
	t.Run("other card", func(t *testing.T) {
		su := upload()
		su.Card = append(bytes.Clone(su.Card), ' ')
		refused(t, su, ct, marketplace.EINVALID, "not the card signed")
	})
	t.Run("key not for the hub", func(t *testing.T) {
		pub, err := sg.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		other, _ := vault.WrapKey(dk, pub)
		su, err := provider.NewUpload(a.chainID.Uint64(), prov.Contract, content, int64(len(ct)), card, other, sg, time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		refused(t, su, ct, marketplace.EINVALID, "not wrapped to this hub")
	})
	t.Run("too large", func(t *testing.T) {
		prov.MaxBlobBytes = 10
		defer func() { prov.MaxBlobBytes = 0 }()
		refused(t, upload(), ct, marketplace.EINVALID, "size")
	})
	t.Run("replayed", func(t *testing.T) {
		su := upload()
		if _, err := c.Upload(ctx, hub.URL, su, bytes.NewReader(ct)); err != nil {
			t.Fatalf("first upload: %v", err)
		}
		if _, err := c.Upload(ctx, hub.URL, su, bytes.NewReader(ct)); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !strings.Contains(err.Error(), "already used") {
			t.Fatalf("replay: %v", err)
		}
	})
}

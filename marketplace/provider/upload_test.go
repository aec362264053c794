package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// memHub is a backend that accepts uploads and keeps them in memory.
type memHub struct {
	mu sync.Mutex // uploads run concurrently
	memBackend
	held    map[common.Hash]memUpload
	limits  UploadLimits
	refresh int // how many times UploadUsage was asked to be fresh
}

type memUpload struct {
	seller common.Address
	size   int64
	listed bool
}

func (m *memHub) StoreUpload(ctx context.Context, u Upload, card, wrapped []byte, blob io.Reader) error {
	b, err := io.ReadAll(blob)
	if err != nil {
		return err
	}
	if int64(len(b)) != u.Size || common.Hash(sha256.Sum256(b)) != u.ContentHash {
		return marketplace.Errorf(marketplace.EINVALID, "not the blob signed")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.held[u.ContentHash] = memUpload{seller: u.Seller, size: u.Size}
	return nil
}

func (m *memHub) HeldUploads(ctx context.Context, fresh bool) ([]HeldUpload, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if fresh {
		m.refresh++
	}
	var out []HeldUpload
	for h, u := range m.held {
		out = append(out, HeldUpload{Seller: u.seller, Content: h, Size: u.size, Listed: u.listed})
	}
	return out, nil
}

func (m *memHub) AdmitUploader(ctx context.Context, seller common.Address) error { return nil }

func (m *memHub) UploadLimits() UploadLimits { return m.limits }

// TestUpload_quotaPerSeller: a hub refuses an upload that would take its
// seller over the count of unlisted uploads or the stored bytes, with 429
// and a message naming the limit and the usage; listed uploads do not
// count against the first limit, other sellers are not affected, an upload
// again of a held dataset replaces it. Provider fields override the
// backend's limits.
func TestUpload_quotaPerSeller(t *testing.T) {
	ctx := context.Background()
	ks, err := vault.OpenKeystore(filepath.Join(t.TempDir(), "ks"), vault.LightScrypt())
	if err != nil {
		t.Fatal(err)
	}
	signers := map[string]*vault.Signer{}
	for _, n := range []string{"alice", "bob"} {
		if _, err := ks.Create(n, "pw"); err != nil {
			t.Fatal(err)
		}
		if signers[n], err = ks.Unlock(n, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	node, _ := vault.LoadOrCreateNodeKey(filepath.Join(t.TempDir(), "node.key"))
	hub := &memHub{memBackend: memBackend{nonces: map[string]bool{}}, held: map[common.Hash]memUpload{},
		limits: UploadLimits{MaxUnlisted: 2, MaxBytes: 300}}
	contract := common.HexToAddress("0xc0")
	p := &Provider{ChainID: 7, Contract: contract, Key: node.PublicKey(), Backend: hub}
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()

	card, err := (&marketplace.DatasetCard{Version: marketplace.CardVersion, Title: "quota", Rows: 1, Format: "csv",
		Columns: []marketplace.CardColumn{{Name: "a", Type: "string", Role: "insensitive"}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	upload := func(who string, size int) (common.Hash, error) {
		n++
		blob := bytes.Repeat([]byte{byte(n)}, size)
		content := common.Hash(sha256.Sum256(blob))
		su, err := NewUpload(7, contract, content, int64(size), card, []byte("wrapped"), signers[who], time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var c Client
		_, err = c.Upload(ctx, srv.URL, su, bytes.NewReader(blob))
		return content, err
	}
	alice := signers["alice"].Address()
	refused := func(t *testing.T, err error, want ...string) {
		t.Helper()
		if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !errors.Is(err, ErrQuota) {
			t.Fatalf("got %v, want a quota refusal", err)
		}
		for _, w := range want {
			if !strings.Contains(marketplace.ErrorMessage(err), w) {
				t.Fatalf("message %q lacks %q", marketplace.ErrorMessage(err), w)
			}
		}
	}

	first, err := upload("alice", 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := upload("alice", 100); err != nil {
		t.Fatal(err)
	}
	_, err = upload("alice", 10)
	refused(t, err, "hub quota: seller "+alice.Hex()+" has 2 unlisted uploads (limit 2); list or wait for them to expire")
	if hub.refresh == 0 {
		t.Error("the usage was not brought up to date before refusing")
	}
	if _, err := upload("bob", 100); err != nil {
		t.Fatalf("another seller refused: %v", err)
	}

	// Once listed, an upload counts only by its bytes.
	hub.held[first] = memUpload{seller: alice, size: 100, listed: true}
	_, err = upload("alice", 101)
	refused(t, err, "stores 200 bytes here; this upload of 101 bytes would exceed the limit of 300 bytes")
	if _, err := upload("alice", 100); err != nil {
		t.Fatalf("within the byte limit: %v", err)
	}

	// Provider fields win over the backend's limits.
	p.MaxUnlistedUploads, p.MaxSellerBytes = 10, 1<<20
	if _, err := upload("alice", 1000); err != nil {
		t.Fatalf("with the provider's limits: %v", err)
	}

	// Refusals are 429 on the wire.
	blob := []byte("x")
	p.MaxSellerBytes = 1
	su, _ := NewUpload(7, contract, sha256.Sum256(blob), 1, card, []byte("wrapped"), signers["alice"], time.Now(), time.Minute)
	env, _ := json.Marshal(su)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/"+PathBlobs, io.MultiReader(bytes.NewReader(env), bytes.NewReader(blob)))
	req.Header.Set(HeaderEnvelopeLength, strconv.Itoa(len(env)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %s, want 429", res.Status)
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1 KiB", 1536: "1.5 KiB", 2 << 30: "2 GiB", 5 << 20: "5 MiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestUpload_heldForAnotherSellerRefusedUnread: an upload of a dataset the
// hub holds for another seller is refused (ECONFLICT) before a byte of
// its blob is read.
func TestUpload_heldForAnotherSellerRefusedUnread(t *testing.T) {
	ctx := context.Background()
	bob := testSigners(t, "bob")[0]
	blob := bytes.Repeat([]byte{7}, 1000)
	content := common.Hash(sha256.Sum256(blob))
	hub := &memHub{memBackend: memBackend{nonces: map[string]bool{}},
		held: map[common.Hash]memUpload{content: {seller: common.HexToAddress("0xa11ce"), size: 1000}}}
	contract := common.HexToAddress("0xc0")
	p := &Provider{ChainID: 7, Contract: contract, Backend: hub}
	card, err := (&marketplace.DatasetCard{Version: marketplace.CardVersion, Title: "taken", Rows: 1, Format: "csv",
		Columns: []marketplace.CardColumn{{Name: "a", Type: "string", Role: "insensitive"}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	su, err := NewUpload(7, contract, content, int64(len(blob)), card, []byte("wrapped"), bob, time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	r := &countingReader{r: bytes.NewReader(blob)}
	if err := p.Upload(ctx, su, r); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("upload of another seller's dataset: %v, want ECONFLICT", err)
	}
	if r.n != 0 || len(hub.nonces) != 0 {
		t.Fatalf("refused upload read %d bytes and used %d nonces; want none", r.n, len(hub.nonces))
	}
}

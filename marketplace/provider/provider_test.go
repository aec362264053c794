package provider

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// memBackend serves one dataset to licensed accounts.
type memBackend struct {
	content  common.Hash
	blob     []byte
	key      *vault.DatasetKey
	licensed map[common.Address]bool
	nonces   map[string]bool
}

func (m *memBackend) ContentHash(ctx context.Context, id uint64) (common.Hash, error) {
	return m.content, nil
}
func (m *memBackend) Licence(ctx context.Context, id uint64, who common.Address) (LicenceStatus, error) {
	if !m.licensed[who] {
		return LicenceStatus{}, nil
	}
	return LicenceStatus{Valid: true, ExpiresAt: math.MaxUint64}, nil
}
func (m *memBackend) UseNonce(ctx context.Context, s common.Address, n string, exp time.Time) error {
	if m.nonces[s.Hex()+n] {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "nonce already used")
	}
	m.nonces[s.Hex()+n] = true
	return nil
}
func (m *memBackend) DatasetKey(ctx context.Context, c common.Hash) (*vault.DatasetKey, error) {
	return m.key, nil
}
func (m *memBackend) OpenBlob(ctx context.Context, c common.Hash) (io.ReadCloser, int64, error) {
	return io.NopCloser(bytes.NewReader(m.blob)), int64(len(m.blob)), nil
}
func (m *memBackend) Card(ctx context.Context, h common.Hash) ([]byte, error) {
	return nil, marketplace.Errorf(marketplace.ENOTFOUND, "no card")
}

// testSigners creates the named accounts in a fresh keystore and unlocks them.
func testSigners(t *testing.T, names ...string) []*vault.Signer {
	t.Helper()
	ks, err := vault.OpenKeystore(filepath.Join(t.TempDir(), "ks"), vault.LightScrypt())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*vault.Signer, len(names))
	for i, n := range names {
		if _, err := ks.Create(n, "pw"); err != nil {
			t.Fatal(err)
		}
		if out[i], err = ks.Unlock(n, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestProvider_overHTTP(t *testing.T) {
	ctx := context.Background()
	bob := testSigners(t, "bob")[0]
	dk, _ := vault.NewDatasetKey()
	blob, _ := dk.EncryptBytes([]byte("rows"))
	node, _ := vault.LoadOrCreateNodeKey(filepath.Join(t.TempDir(), "node.key"))
	be := &memBackend{blob: blob, key: dk, licensed: map[common.Address]bool{bob.Address(): true}, nonces: map[string]bool{}}
	contract := common.HexToAddress("0xc0")
	p := &Provider{ChainID: 7, Contract: contract, Key: node.PublicKey(), Backend: be}
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()
	var c Client

	if ki, pub, err := c.NodeKey(ctx, srv.URL); err != nil || ki.Address != node.Address() || pub == nil {
		t.Fatalf("node key: %+v, %v", ki, err)
	}
	req := func(mod func(*Request)) SignedRequest {
		r, _ := NewRequest(7, contract, 1, bob.Address(), time.Now(), time.Minute)
		mod(&r)
		sr, err := Sign(r, bob)
		if err != nil {
			t.Fatal(err)
		}
		return sr
	}
	d, err := c.Download(ctx, srv.URL, req(func(*Request) {}))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(d.Blob)
	key, err := bob.UnwrapKey(d.WrappedKey)
	if err != nil || !bytes.Equal(got, blob) || key.String() != dk.String() {
		t.Fatalf("delivery: %v", err)
	}
	for name, mod := range map[string]func(*Request){
		"other chain":    func(r *Request) { r.ChainID = 8 },
		"other contract": func(r *Request) { r.Contract = common.HexToAddress("0xc1") },
		"expired":        func(r *Request) { r.Expiry = time.Now().Add(-time.Second).Unix() },
		"too far ahead":  func(r *Request) { r.Expiry = time.Now().Add(time.Hour).Unix() },
		"unlicensed":     func(r *Request) { r.Account = common.HexToAddress("0x01") },
	} {
		_, err := c.Download(ctx, srv.URL, req(mod))
		if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
			t.Errorf("%s: %v, want EFORBIDDEN", name, err)
		}
	}
	_, err = c.Download(ctx, "http://127.0.0.1:1/", req(func(*Request) {}))
	if marketplace.ErrorCode(err) != marketplace.EUNAVAILABLE || !strings.Contains(err.Error(), "provider http://127.0.0.1:1/ unreachable") {
		t.Errorf("unreachable: %v", err)
	}
}

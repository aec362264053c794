package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// fullBackend serves downloads, accepts uploads and withdrawals, and keeps
// statements, in memory.
type fullBackend struct {
	*memHub
	seller common.Address
}

func (b *fullBackend) CheckPurchase(context.Context, uint64, common.Address, common.Hash) error {
	return nil
}
func (b *fullBackend) Seller(context.Context, uint64) (common.Address, error) { return b.seller, nil }
func (b *fullBackend) AddStatement(context.Context, RecordedStatement) error  { return nil }
func (b *fullBackend) Statements(context.Context, uint64) ([]RecordedStatement, error) {
	return []RecordedStatement{}, nil
}
func (b *fullBackend) WithdrawUpload(ctx context.Context, seller common.Address, content common.Hash) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.held, content)
	return nil
}

// TestSignedRequests_requireBoundedExpiry: a download, an upload, a
// statements query and a withdrawal signed with expiry 0 (which used to
// skip the expiry and nonce checks) are refused every time they are sent,
// and so are those expiring far in the future; the same requests with a
// near expiry are served once, and refused when replayed.
func TestSignedRequests_requireBoundedExpiry(t *testing.T) {
	ctx := context.Background()
	bob := testSigners(t, "bob")[0]
	dk, _ := vault.NewDatasetKey()
	blob, _ := dk.EncryptBytes([]byte("rows"))
	node, _ := vault.LoadOrCreateNodeKey(filepath.Join(t.TempDir(), "node.key"))
	be := &fullBackend{seller: bob.Address(), memHub: &memHub{
		memBackend: memBackend{blob: blob, key: dk, licensed: map[common.Address]bool{bob.Address(): true}, nonces: map[string]bool{}},
		held:       map[common.Hash]memUpload{}}}
	contract := common.HexToAddress("0xc0")
	now := time.Now()
	p := &Provider{ChainID: 7, Contract: contract, Key: node.PublicKey(), Backend: be, Now: func() time.Time { return now }}
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()
	var c Client
	card, err := (&marketplace.DatasetCard{Version: marketplace.CardVersion, Title: "expiry", Rows: 1, Format: "csv",
		Columns: []marketplace.CardColumn{{Name: "a", Type: "string", Role: "insensitive"}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	sign := func(msg []byte) []byte {
		sig, err := bob.SignPersonal(msg)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	n := 0
	routes := map[string]func(expiry int64) error{
		"download": func(expiry int64) error {
			r := Request{ChainID: 7, Contract: contract, ListingID: 1, Account: bob.Address(), Nonce: "n-download", Expiry: expiry}
			d, err := c.Download(ctx, srv.URL, SignedRequest{Request: r, Signature: sign(r.Message())})
			if err == nil {
				d.Blob.Close()
			}
			return err
		},
		"upload": func(expiry int64) error {
			n++
			b := bytes.Repeat([]byte{byte(n)}, 10)
			u := Upload{ChainID: 7, Contract: contract, Seller: bob.Address(), ContentHash: sha256.Sum256(b),
				MetadataHash: marketplace.CardHash(card), CardHash: sha256.Sum256(card), KeyHash: sha256.Sum256([]byte("wrapped")),
				Size: int64(len(b)), Nonce: "n-upload", Expiry: expiry}
			_, err := c.Upload(ctx, srv.URL, SignedUpload{Upload: u, Card: card, WrappedKey: []byte("wrapped"), Signature: sign(u.Message())}, bytes.NewReader(b))
			return err
		},
		"statements query": func(expiry int64) error {
			q := StatementsQuery{ChainID: 7, Contract: contract, ListingID: 1, Seller: bob.Address(), Nonce: "n-query", Expiry: expiry}
			_, err := c.Statements(ctx, srv.URL, SignedStatementsQuery{StatementsQuery: q, Signature: sign(q.Message())})
			return err
		},
		"withdrawal": func(expiry int64) error {
			be.mu.Lock()
			be.held[common.HexToHash("0xfe")] = memUpload{seller: bob.Address(), size: 1}
			be.mu.Unlock()
			w := Withdrawal{ChainID: 7, Contract: contract, Seller: bob.Address(), ContentHash: common.HexToHash("0xfe"), Nonce: "n-withdraw", Expiry: expiry}
			return c.Withdraw(ctx, srv.URL, SignedWithdrawal{Withdrawal: w, Signature: sign(w.Message())})
		},
	}
	for name, send := range routes {
		for _, exp := range []struct {
			what   string
			expiry int64
		}{{"no expiry", 0}, {"far future", now.Add(365 * 24 * time.Hour).Unix()}, {"just past the window", now.Add(MaxRequestLifetime + clockSkew + time.Minute).Unix()}} {
			for try := 1; try <= 2; try++ {
				if err := send(exp.expiry); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
					t.Errorf("%s, %s, try %d: %v, want EFORBIDDEN", name, exp.what, try, err)
				}
			}
		}
		near := now.Add(MaxRequestLifetime).Unix()
		if err := send(near); err != nil {
			t.Errorf("%s within the window: %v", name, err)
		}
		if err := send(near); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
			t.Errorf("%s replayed: %v, want EFORBIDDEN", name, err)
		}
	}
}

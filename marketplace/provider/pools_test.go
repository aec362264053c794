package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/pools"
)

// poolMem hosts one pool and keeps what reached it.
type poolMem struct {
	*memBackend
	pool  common.Address
	mu    sync.Mutex
	blobs map[common.Address][]byte
	gone  []common.Address
}

func (m *poolMem) PoolInfos(ctx context.Context) ([]PoolInfo, error) { return nil, nil }
func (m *poolMem) PoolInfo(ctx context.Context, pool common.Address) (PoolInfo, error) {
	return PoolInfo{}, marketplace.Errorf(marketplace.ENOTFOUND, "no pool")
}
func (m *poolMem) PoolLog(ctx context.Context, pool common.Address, w io.Writer) error {
	_, err := w.Write([]byte(`{"format":"x"}`))
	return err
}
func (m *poolMem) PoolRound(ctx context.Context, pool common.Address, n uint64) (RoundReply, error) {
	return RoundReply{}, marketplace.Errorf(marketplace.ENOTFOUND, "no round %d", n)
}
func (m *poolMem) Contribute(ctx context.Context, c pools.Consent, blob io.Reader) (ContributionReply, error) {
	b, err := io.ReadAll(blob)
	if err != nil {
		return ContributionReply{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[c.Account] = b
	return ContributionReply{Pool: c.Pool, Account: c.Account, Contribution: c.Contribution, Index: uint64(len(m.blobs))}, nil
}
func (m *poolMem) Withdraw(ctx context.Context, w pools.Withdrawal) (PoolReceipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gone = append(m.gone, w.Account)
	return PoolReceipt{Pool: w.Pool, Account: w.Account}, nil
}

// TestPoolRoutes_takeOnlyFreshSignedRequestsForThisPool: a contribution
// reaches the hub with its consent; one signed for another pool or chain,
// by another key, too old, or over the per-account rate is refused before
// its body is read; withdrawals likewise.
func TestPoolRoutes_takeOnlyFreshSignedRequestsForThisPool(t *testing.T) {
	ctx := context.Background()
	ss := testSigners(t, "pat", "eve")
	pat, eve := ss[0], ss[1]
	pool := common.HexToAddress("0x9001")
	be := &poolMem{memBackend: &memBackend{nonces: map[string]bool{}}, pool: pool, blobs: map[common.Address][]byte{}}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	p := &Provider{ChainID: 7, Contract: common.HexToAddress("0xc0"), Backend: be, Now: func() time.Time { return now }}
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()
	pc := PoolClient{Client: &Client{}}
	blob := []byte("ciphertext of one patient's record")
	consent := func(mod func(*pools.Consent)) pools.Consent {
		c := pools.Consent{Chain: 7, Pool: pool, ConfigVersion: 1, ConfigHash: common.Hash{1}, Account: pat.Address(),
			Contribution: sha256.Sum256(blob), Records: 1, At: now}
		if mod != nil {
			mod(&c)
		}
		if err := c.Sign(pat); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if rep, err := pc.Contribute(ctx, srv.URL, consent(nil), blob); err != nil || rep.Account != pat.Address() || !bytes.Equal(be.blobs[pat.Address()], blob) {
		t.Fatalf("contribute: %+v, %v", rep, err)
	}
	cases := []struct {
		name string
		c    pools.Consent
		code string
		msg  string
	}{
		{"another pool", consent(func(c *pools.Consent) { c.Pool = common.HexToAddress("0x9002") }), marketplace.EINVALID, "names pool"},
		{"another chain", consent(func(c *pools.Consent) { c.Chain = 8 }), marketplace.EFORBIDDEN, "chain 8"},
		{"too old", consent(func(c *pools.Consent) { c.At = now.Add(-MaxRequestLifetime - time.Second) }), marketplace.EFORBIDDEN, "not within"},
		{"from the future", consent(func(c *pools.Consent) { c.At = now.Add(2 * clockSkew) }), marketplace.EFORBIDDEN, "not within"},
	}
	for _, tc := range cases {
		// Each is sent to this pool's route.
		_, err := pc.contributeTo(ctx, srv.URL, pool, tc.c, blob)
		wantCode(t, err, tc.code, tc.msg)
	}
	forged := consent(nil)
	forged.Account = eve.Address() // signed by pat, claiming to be eve
	_, err := pc.Contribute(ctx, srv.URL, forged, blob)
	wantCode(t, err, marketplace.EFORBIDDEN, "Contribution refused")
	if len(be.blobs) != 1 {
		t.Fatalf("refused contributions reached the hub: %d", len(be.blobs))
	}

	w := pools.Withdrawal{Chain: 7, Pool: pool, Account: pat.Address(), At: now}
	if err := w.Sign(pat); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Withdraw(ctx, srv.URL, w); err != nil || len(be.gone) != 1 {
		t.Fatalf("withdraw: %v (%d recorded)", err, len(be.gone))
	}
	stale := pools.Withdrawal{Chain: 7, Pool: pool, Account: pat.Address(), At: now.Add(-time.Hour)}
	if err := stale.Sign(pat); err != nil {
		t.Fatal(err)
	}
	_, err = pc.Withdraw(ctx, srv.URL, stale)
	wantCode(t, err, marketplace.EFORBIDDEN, "not within")

	// The per-account rate: KeyPoolWritesPerMinute a minute.
	n := 2 // the contribution and the withdrawal above
	for ; n < 2*KeyPoolWritesPerMinute; n++ {
		if _, err = pc.Contribute(ctx, srv.URL, consent(nil), blob); err != nil {
			break
		}
	}
	wantCode(t, err, marketplace.EFORBIDDEN, "pool requests this minute")
	if n != KeyPoolWritesPerMinute {
		t.Errorf("refused after %d requests, want %d", n, KeyPoolWritesPerMinute)
	}
}

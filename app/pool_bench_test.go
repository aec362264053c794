package app

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace/pools"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// keySigner signs with a bare key: a benchmark's many patients need no keystore.
type keySigner struct{ k *ecdsa.PrivateKey }

func (s keySigner) Address() common.Address { return crypto.PubkeyToAddress(s.k.PublicKey) }
func (s keySigner) SignPersonal(msg []byte) ([]byte, error) {
	sig, err := crypto.Sign(accounts.TextHash(msg), s.k)
	if err == nil {
		sig[crypto.RecoveryIDOffset] += 27
	}
	return sig, err
}

// BenchmarkPool_hubTakesContributions measures what a hub does per
// contribution once the HTTP layer checked its consent: read, hash,
// decrypt and parse it with the pool's key, store the blob and append the
// consent to the pool log (fsync; the checkpoint is signed on reads). Reports contributions/s and latency
// percentiles. Run: go test -run '^$' -bench PoolHub -benchtime 200x ./app/
func BenchmarkPool_hubTakesContributions(b *testing.B) {
	ctx := context.Background()
	files := patientFiles(b, 16)
	a := marketApp(b, b.TempDir())
	if _, _, err := a.ready(); err != nil {
		b.Fatal(err)
	}
	req := poolRequest(b, 2)
	cfg, err := a.CreatePool(ctx, ByAccount("alice", "pw"), req)
	if err != nil {
		b.Fatal(err)
	}
	c, err := a.transformForPool(ctx, cfg.Pipeline, records{Path: files[0]})
	if err != nil {
		b.Fatal(err)
	}
	type sent struct {
		consent pools.Consent
		blob    []byte
	}
	work := make([]sent, b.N)
	now := time.Now().UTC().Truncate(time.Second)
	for i := range work {
		k, err := crypto.GenerateKey()
		if err != nil {
			b.Fatal(err)
		}
		ct, err := vault.EncryptTo(cfg.Recipient, c.pkg)
		if err != nil {
			b.Fatal(err)
		}
		s := keySigner{k}
		cs := pools.Consent{Chain: cfg.Chain, Pool: cfg.Contract, ConfigVersion: 1, ConfigHash: cfg.Hash(), Account: s.Address(),
			Contribution: sha256.Sum256(ct), Records: c.disclosure.Records, At: now}
		if err := cs.Sign(s); err != nil {
			b.Fatal(err)
		}
		work[i] = sent{cs, ct}
	}
	be := providerBackend{a}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	for i, w := range work {
		t0 := time.Now()
		if _, err := be.Contribute(ctx, w.consent, bytes.NewReader(w.blob)); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t0)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "contributions/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.Logf("%d contributions of %d bytes in %s", b.N, len(work[0].blob), elapsed.Round(time.Millisecond))
}

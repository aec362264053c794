package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// BenchmarkQuestions_concurrentSigned: 100 researchers each send one
// signed question at the same moment, over HTTP, to one provider serving
// a 100,000-row table; every question is new (a count with two filters,
// a different year each), so each is verified, rate-counted, its nonce
// stored, answered over the data, spent and recorded in the log. One
// iteration is one such burst; the provider's clock moves a minute
// between bursts so the per-minute rates start afresh. It reports the
// latency percentiles of all questions, as the researcher's node sees
// them (signing included), after one warm-up question loaded the data.
//
//	go test -tags medmarket_testhooks -run '^$' -bench BenchmarkQuestions_concurrentSigned -benchtime 10x ./app/
func BenchmarkQuestions_concurrentSigned(b *testing.B) {
	const askers, rows = 100, 100_000
	ctx := context.Background()
	a := marketApp(b, b.TempDir())
	skew := skewClock(a)
	var csv bytes.Buffer
	csv.WriteString("record,age_group,sex,condition,year\n")
	for i := range rows {
		fmt.Fprintf(&csv, "r%d,%d-%d,%c,condition-%d,%d\n", i, 10*(i%9), 10*(i%9)+9, "FM"[i%2], i%97, 1940+i%80)
	}
	p := publishAsking(b, a, ByAccount("alice", "pw"), PublishRequest{Reader: &csv, InputName: "bench.csv", Preset: "safe-harbor",
		Title: "Bench", Price: ether("0.0001"), Terms: marketplace.Terms{Use: marketplace.GRU, DurationDays: 1}},
		&marketplace.CardQuestions{Epsilon: "100", PerRequester: "100", Mechanism: "discrete Laplace"})
	srv := httptest.NewServer(a.ProviderHandler())
	defer srv.Close()
	signers := benchSigners(b, askers)
	addr, err := a.marketAddr()
	if err != nil {
		b.Fatal(err)
	}
	qc := provider.QuestionClient{Client: &provider.Client{}, ChainID: a.chainID.Uint64(), Contract: addr, Now: a.now}
	if _, err := qc.Ask(ctx, srv.URL, signers[0], p.ListingID, "SELECT COUNT(*) EPSILON 0.001"); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	round := 0
	for b.Loop() {
		skew.Add(int64(time.Minute))
		got := make([]time.Duration, askers)
		var wg sync.WaitGroup
		for i := range askers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := fmt.Sprintf("SELECT COUNT(*) WHERE sex = 'F' AND condition != 'condition-%d' EPSILON 0.001", round*askers+i)
				start := time.Now()
				if _, err := qc.Ask(ctx, srv.URL, signers[i], p.ListingID, q); err != nil {
					b.Error(err)
				}
				got[i] = time.Since(start)
			}()
		}
		wg.Wait()
		lat = append(lat, got...)
		round++
	}
	slices.Sort(lat)
	for _, pc := range []struct {
		name string
		q    float64
	}{{"p50-ms", 0.50}, {"p95-ms", 0.95}, {"p99-ms", 0.99}} {
		b.ReportMetric(float64(lat[int(pc.q*float64(len(lat)-1))].Microseconds())/1000, pc.name)
	}
}

// benchSigners unlocks n fresh accounts.
func benchSigners(b *testing.B, n int) []*vault.Signer {
	b.Helper()
	ks, err := vault.OpenKeystore(filepath.Join(b.TempDir(), "researchers"), vault.LightScrypt())
	if err != nil {
		b.Fatal(err)
	}
	out := make([]*vault.Signer, n)
	for i := range out {
		name := fmt.Sprintf("r%d", i)
		if _, err := ks.Create(name, "pw"); err != nil {
			b.Fatal(err)
		}
		if out[i], err = ks.Unlock(name, "pw"); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// BenchmarkQuestions_warmProvider1M: one question at a time, answered by
// the provider in process over a 1,000,000-row table already loaded: a
// count with two filters, new each time, so each is checked, spent,
// computed and recorded (one fsync). It reports the p50 and p95 latency.
//
//	go test -tags medmarket_testhooks -run '^$' -bench BenchmarkQuestions_warmProvider1M -benchtime 100x ./app/
func BenchmarkQuestions_warmProvider1M(b *testing.B) {
	const rows = 1_000_000
	ctx := context.Background()
	a := marketApp(b, b.TempDir())
	var csv bytes.Buffer
	csv.WriteString("record,age_group,sex,condition,year\n")
	for i := range rows {
		fmt.Fprintf(&csv, "r%d,%d-%d,%c,condition-%d,%d\n", i, 10*(i%9), 10*(i%9)+9, "FM"[i%2], i%97, 1940+i%80)
	}
	p := publishAsking(b, a, ByAccount("alice", "pw"), PublishRequest{Reader: &csv, InputName: "bench.csv", Preset: "safe-harbor",
		Title: "Bench 1M", Price: ether("0.0001"), Terms: marketplace.Terms{Use: marketplace.GRU, DurationDays: 1}},
		&marketplace.CardQuestions{Epsilon: "100", PerRequester: "100", Mechanism: "discrete Laplace"})
	if p.Card.Rows != rows {
		b.Fatalf("published %d rows", p.Card.Rows)
	}
	who := addr(b, a, "bob")
	if _, err := (providerBackend{a}).AnswerQuestion(ctx, who, p.ListingID, "SELECT COUNT(*) EPSILON 0.001"); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		q := fmt.Sprintf("SELECT COUNT(*) WHERE sex = 'F' AND condition != 'condition-%d' EPSILON 0.001", i)
		start := time.Now()
		if _, err := (providerBackend{a}).AnswerQuestion(ctx, who, p.ListingID, q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[int(0.95*float64(len(lat)-1))].Microseconds())/1000, "p95-ms")
}

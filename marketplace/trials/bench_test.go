package trials

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// BenchmarkTrialAppend measures signed appends: each step is checked, its
// subject pseudonymized, its canonical JSON signed with the sponsor's key
// (EIP-191, secp256k1, signatures in parallel across cores) and appended to
// the trial's log in batches, one buntdb transaction and one fsync per batch
// (SyncPolicy Always, on the test's temp dir): a batch is durable when
// Record returns. The trial is put in place without a chain.
func BenchmarkTrialAppend(b *testing.B) {
	for _, batch := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			dir := b.TempDir()
			db, err := buntdb.Open(filepath.Join(dir, "node.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				if err := db.Close(); err != nil {
					b.Error(err)
				}
			}()
			var cfg buntdb.Config
			if err := db.ReadConfig(&cfg); err != nil {
				b.Fatal(err)
			}
			cfg.SyncPolicy = buntdb.Always
			if err := db.SetConfig(cfg); err != nil {
				b.Fatal(err)
			}
			svc, err := New(Config{DB: db, KeyDir: filepath.Join(dir, "keys")})
			if err != nil {
				b.Fatal(err)
			}
			sponsor := newKeySigner(b)
			tr := marketplace.Trial{Title: "Benchmark", Identifier: "NCT99999999", Sponsor: sponsor.Address(),
				Protocols: []marketplace.ProtocolVersion{{Version: 1, SHA256: [32]byte{1}, Time: time.Now().UTC()}}}
			tr.ID = marketplace.TrialID(tr.Sponsor, tr.Identifier)
			if err := svc.putTrial(tr); err != nil {
				b.Fatal(err)
			}
			inputs := make([]StepInput, batch)
			for i := range inputs {
				inputs[i] = StepInput{Type: "visit", Subject: fmt.Sprintf("S-%03d", i%500),
					Data: json.RawMessage(`{"sbp":128,"dbp":82,"visit":"week 4"}`)}
			}
			b.ResetTimer()
			start := time.Now()
			n := 0
			for n < b.N {
				k := min(batch, b.N-n)
				if _, err := svc.Record(ctx, sponsor, tr.ID, inputs[:k]); err != nil {
					b.Fatal(err)
				}
				n += k
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "entries/s")
			b.StopTimer()
			if h, _ := svc.Ledger().Head(ctx, ledger.LogID(tr.ID)); h.Size != uint64(n)+1 {
				b.Fatalf("log size %d, want %d", h.Size, n+1)
			}
		})
	}
}

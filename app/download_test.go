package app

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// BenchmarkBuyToDecrypt measures, on the embedded chain, a buyer's path
// from the buy transaction to the decrypted file on disk, for a dataset of
// about 10 MB (published once, outside the timing). Target: <= 1 s.
func BenchmarkBuyToDecrypt(b *testing.B) {
	ctx := context.Background()
	a := marketApp(b, b.TempDir())
	var csv bytes.Buffer
	csv.WriteString("record,year,sex,condition,value,note\n")
	for i := 0; csv.Len() < 10<<20; i++ {
		fmt.Fprintf(&csv, "r%d,%d,%c,condition-%d,%d.%d,measured at visit %d of the cohort study\n", i, 1940+i%60, "FM"[i%2], i%97, i%300, i%10, i%12)
	}
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Reader: &csv, InputName: "bench.csv", Preset: "safe-harbor",
		Title: "Bench", Price: ether("0.0001"), Terms: marketplace.Terms{Use: marketplace.GRU, DurationDays: 1}})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("published %d encrypted bytes", p.Size)
	bob, err := a.keys.Unlock("bob", "pw")
	if err != nil {
		b.Fatal(err)
	}
	defer bob.Lock()
	out := filepath.Join(b.TempDir(), "out.csv")
	var total time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := a.Buy(ctx, BySigner(bob), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
			b.Fatal(err)
		}
		d, err := a.Download(ctx, BySigner(bob), p.ListingID, DownloadRequest{Out: out})
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.SetBytes(d.Bytes)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/buy-to-file")
}

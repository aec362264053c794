package ledger

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
)

// BenchmarkAppend appends 300-byte leaves to a file-backed log with fsync per
// transaction (SyncPolicy Always), in batches: every batch is durable when
// AppendBatch returns. entries/s is what a caller batching that way gets.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			dir := b.TempDir()
			db := openDB(b, filepath.Join(dir, "node.db"))
			defer closeDB(b, db)
			l, err := New(db, Config{KeyDir: filepath.Join(dir, "keys")})
			if err != nil {
				b.Fatal(err)
			}
			id := logID("NCT-BENCH")
			ls := leaves(0, uint64(batch))
			b.SetBytes(int64(300 * batch))
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				if _, err := l.AppendBatch(ctx, id, ls); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "entries/s")
		})
	}
}

// bigLog is a log of 1,000,000 entries, built once per benchmark run with
// AppendBatch (in memory: buntdb serves reads from memory either way).
var bigLog struct {
	once sync.Once
	tl   *testLog
	head TreeHead
	took time.Duration
}

const bigSize = 1_000_000

func buildBigLog(b *testing.B) *testLog {
	bigLog.once.Do(func() {
		start := time.Now()
		db := openDB(b, ":memory:")
		// The key is read once, by New: the directory may go with this benchmark.
		l, err := New(db, Config{KeyDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		tl := &testLog{tb: b, db: db, l: l, id: logID("NCT-BIG")}
		tl.appendN(bigSize, 10_000)
		bigLog.tl = tl
		bigLog.head, _ = l.Head(ctx, tl.id)
		bigLog.took = time.Since(start)
	})
	if bigLog.tl == nil {
		b.Fatal("building the 1 M log failed")
	}
	b.Logf("1 M entry log built in %v", bigLog.took.Round(time.Millisecond))
	return bigLog.tl
}

// BenchmarkInclusionProof builds and verifies the inclusion proof of a random
// entry in a log of 1,000,000 entries.
func BenchmarkInclusionProof(b *testing.B) {
	tl := buildBigLog(b)
	root := bigLog.head.Root
	rnd := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for b.Loop() {
		i := rnd.Uint64N(bigSize)
		p, err := tl.l.InclusionProof(ctx, tl.id, i, bigSize)
		if err != nil {
			b.Fatal(err)
		}
		if err := proof.VerifyInclusion(hasher, i, bigSize, hasher.HashLeaf(leaf(i)), p, root[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConsistencyProof builds and verifies a consistency proof between
// two random sizes of the 1,000,000 entry log.
func BenchmarkConsistencyProof(b *testing.B) {
	tl := buildBigLog(b)
	root := bigLog.head.Root
	rnd := rand.New(rand.NewPCG(3, 4))
	b.ResetTimer()
	for b.Loop() {
		m := 1 + rnd.Uint64N(bigSize-1)
		old, err := tl.l.RootAt(ctx, tl.id, m)
		if err != nil {
			b.Fatal(err)
		}
		p, err := tl.l.ConsistencyProof(ctx, tl.id, m, bigSize)
		if err != nil {
			b.Fatal(err)
		}
		if err := proof.VerifyConsistency(hasher, m, bigSize, p, old[:], root[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck rehashes the whole 1,000,000 entry log and compares every
// node (one op = one full Check).
func BenchmarkCheck(b *testing.B) {
	tl := buildBigLog(b)
	if _, err := tl.l.Checkpoint(ctx, tl.id); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if rep, err := tl.l.Check(ctx, tl.id); err != nil {
			b.Fatal(err, rep.Failures())
		}
	}
}

// BenchmarkExportVerify exports the 1,000,000 entry log with a proof per
// entry and verifies the bundle offline (one op = both).
func BenchmarkExportVerify(b *testing.B) {
	tl := buildBigLog(b)
	if _, err := tl.l.Checkpoint(ctx, tl.id); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		bundle, err := tl.l.Export(ctx, tl.id)
		if err != nil {
			b.Fatal(err)
		}
		exported := time.Since(start)
		if rep, err := Verify(ctx, bundle, VerifyOptions{}); err != nil {
			b.Fatal(err, rep.Failures()[:1])
		}
		b.ReportMetric(exported.Seconds(), "export-s")
	}
}

package ledger

import (
	"sync"
	"testing"

	"github.com/transparency-dev/merkle/proof"
)

// Appends from many goroutines to two logs, with checkpoints and proofs read
// meanwhile: every append gets its own index and the logs check clean.
func TestLedger_concurrentAppendsSignAndProve(t *testing.T) {
	t.Parallel()
	tl := newTestLog(t, false)
	ids := []LogID{logID("A"), logID("B")}
	const writers, perWriter = 4, 50
	var wg sync.WaitGroup
	got := make([]map[uint64]string, len(ids))
	var mu sync.Mutex
	for i := range got {
		got[i] = map[uint64]string{}
	}
	for w := range writers {
		for li, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range perWriter {
					lf := []byte{byte(w), byte(n), byte(li), 'x'}
					idx, err := tl.l.AppendBatch(ctx, id, [][]byte{lf, append(lf, 'y')})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got[li][idx], got[li][idx+1] = string(lf), string(lf)+"y"
					mu.Unlock()
				}
			}()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			for _, id := range ids {
				cp, err := tl.l.Checkpoint(ctx, id)
				if err != nil {
					continue // the log may not exist yet
				}
				p, err := tl.l.InclusionProof(ctx, id, 0, cp.Size)
				if err != nil {
					t.Error(err)
					return
				}
				e, _ := tl.l.Entry(ctx, id, 0)
				if err := proof.VerifyInclusion(hasher, 0, cp.Size, hasher.HashLeaf(e.Leaf), p, cp.Root[:]); err != nil {
					t.Errorf("entry 0 in checkpoint %d: %v", cp.Size, err)
				}
			}
		}
	}()
	wg.Wait()
	for li, id := range ids {
		if n := len(got[li]); n != writers*perWriter*2 {
			t.Errorf("log %d: %d distinct indexes", li, n)
		}
		for idx, want := range got[li] {
			if e, err := tl.l.Entry(ctx, id, idx); err != nil || string(e.Leaf) != want {
				t.Fatalf("log %d entry %d = %q, %v; want %q", li, idx, e.Leaf, err, want)
			}
		}
		if _, err := tl.l.Checkpoint(ctx, id); err != nil {
			t.Fatal(err)
		}
		if rep, err := tl.l.Check(ctx, id); err != nil {
			t.Errorf("Check: %v\n%v", err, rep.Findings)
		}
	}
}

package ledger

import (
	"sync"
	"testing"
)

// Processes (here goroutines) opening a fresh data dir at once all get the
// one key that was created, never a half-written one: the key is linked into
// place whole, so no reader sees the file before its contents.
func TestLoadOrCreateKey_concurrentFirstUseAgrees(t *testing.T) {
	for round := range 20 {
		dir := t.TempDir()
		const n = 8
		keys := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, keys[i], _, errs[i] = loadOrCreateKey(dir, "test.example/log")
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, opener %d: %v", round, i, errs[i])
			}
			if keys[i] != keys[0] {
				t.Fatalf("round %d: opener %d got key %q, opener 0 got %q", round, i, keys[i], keys[0])
			}
		}
	}
}

package app

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Concurrent writers each get their own result, while the flushes number
// fewer than the writers once they pile up (run with -race).
func TestGroupCommit_eachWriterItsResultFewerFlushes(t *testing.T) {
	var g groupCommit[int, string]
	var flushes, written atomic.Int32
	release := make(chan struct{})
	first := true
	var mu sync.Mutex
	flush := func(items []int) ([]string, []error) {
		mu.Lock()
		if first { // hold the first flush until every writer has queued
			first = false
			mu.Unlock()
			<-release
		} else {
			mu.Unlock()
		}
		flushes.Add(1)
		res, errs := make([]string, len(items)), make([]error, len(items))
		for i, it := range items {
			written.Add(1)
			res[i] = fmt.Sprint("w", it)
			if it%7 == 0 {
				errs[i] = errors.New("refused")
			}
		}
		return res, errs
	}
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := g.do(i, flush)
			if res != fmt.Sprint("w", i) || (err != nil) != (i%7 == 0) {
				t.Errorf("writer %d got %q, %v", i, res, err)
			}
		}()
	}
	// The other writers queue behind the held first flush.
	for queued := 0; queued < n-1; runtime.Gosched() {
		g.mu.Lock()
		queued = len(g.queue)
		g.mu.Unlock()
	}
	close(release)
	wg.Wait()
	if written.Load() != n || flushes.Load() != 2 {
		t.Fatalf("%d items written in %d flushes", written.Load(), flushes.Load())
	}
}

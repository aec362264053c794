package app

import "sync"

// groupCommit runs concurrent durable writes together, so that n writers
// arriving at once wait for about two fsyncs rather than n: a writer that
// finds no flush running flushes everything queued (its own write and
// what arrived before), and hands the writes queued meanwhile to the
// first of them, which flushes them next. Each writer gets its own
// result. The zero value is ready; use it by pointer.
type groupCommit[T, R any] struct {
	mu      sync.Mutex
	queue   []*pendingWrite[T, R]
	running bool
}

// pendingWrite is one writer's item, then its result.
type pendingWrite[T, R any] struct {
	item T
	res  R
	err  error
	lead bool // this writer flushes the queue next
	done chan struct{}
}

// do queues item and returns its result once flush wrote it. flush gets
// the items of one batch, in arrival order, and returns a result and an
// error for each.
func (g *groupCommit[T, R]) do(item T, flush func([]T) ([]R, []error)) (R, error) {
	p := &pendingWrite[T, R]{item: item, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	if g.running {
		g.mu.Unlock()
		<-p.done
		if !p.lead {
			return p.res, p.err
		}
		g.mu.Lock()
	}
	g.running = true
	batch := g.queue
	g.queue = nil
	g.mu.Unlock()

	items := make([]T, len(batch))
	for i, w := range batch {
		items[i] = w.item
	}
	res, errs := flush(items)
	for i, w := range batch {
		w.res, w.err = res[i], errs[i]
		if w != p {
			close(w.done)
		}
	}

	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		close(next.done)
	} else {
		g.running = false
	}
	g.mu.Unlock()
	return p.res, p.err
}

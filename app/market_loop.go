package app

import (
	"context"
	"sync"
	"time"
)

// RunMarket keeps the catalog in step with the chain (and settles pending
// publishes) until ctx ends; serve runs it in the background. It returns
// ctx.Err() once all its work has stopped, or at once when the contracts are
// not deployed.
func (a *App) RunMarket(ctx context.Context) error {
	ix, _, err := a.ready()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	heads := make(chan uint64, 16)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := a.chain.WatchHeads(ctx, heads); err != nil && ctx.Err() == nil {
			a.log.Warn("watch heads", "err", err)
		}
	}()
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			a.reconcilePublishes(ctx)
			if _, err := a.PrewrapKeys(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("pre-wrap keys", "err", err)
			}
			if _, err := a.DeliverStatements(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("deliver statements", "err", err)
			}
			if _, err := a.LockIdleSessions(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("lock idle sessions", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ix.Run(ctx, heads)
}

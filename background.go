package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/medmarket/medmarket/app"
)

// startBackground runs a node's background work while it serves: the catalog
// follows the chain's events, trial logs are anchored on schedule
// (MEDMARKET_ANCHOR_EVERY_ENTRIES, MEDMARKET_ANCHOR_EVERY), and uploads to
// this node as a hub that stay unlisted past their TTL are deleted (quota,
// rates, TTL and admission policy from the MEDMARKET_HUB_* variables,
// hubConfigFromEnv). stop ends the work and waits for it, so call it
// before the data dir closes.
func startBackground(ctx context.Context, c *cli, log *slog.Logger, a *app.App) (stop func(), err error) {
	anchoring, err := trialAnchoringFromEnv(c.getenv)
	if err != nil {
		return nil, err
	}
	hub, err := hubConfigFromEnv(c.getenv)
	if err != nil {
		return nil, err
	}
	if err := a.SetHubConfig(hub); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	run := func(what string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && ctx.Err() == nil {
				log.Error(what+" stopped", "err", err)
			}
		}()
	}
	run("catalog indexing", a.RunMarket)
	run("trial anchoring", func(ctx context.Context) error { return a.RunTrialAnchoring(ctx, anchoring) })
	run("hub cleanup", a.RunHubCleanup)
	return func() { cancel(); wg.Wait() }, nil
}

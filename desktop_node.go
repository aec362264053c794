package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/frontend"
)

// desktopOrigin is the page origin inside the Wails window on Linux; the UI
// accepts its form posts as same-site.
const desktopOrigin = "wails://wails"

// desktopNode is what the desktop window runs on, composed without the
// window (which needs cgo) so tests run it as it is: the data dir's App, the
// UI handler the window shows, and the provider API on its own listener, so
// a listing published from the window with "this node" announces a URL
// that answers.
type desktopNode struct {
	App     *app.App
	Log     *slog.Logger
	Handler http.Handler // the window's UI

	stop func() error // stops the provider listener and the background work
}

// openDesktopNode opens the data directory, starts the provider listener
// (l.PublicAddr, announcing l.PublicURL or its address) and the background
// work. Close it when the window closes.
func openDesktopNode(ctx context.Context, c *cli, l listenConfig) (*desktopNode, error) {
	if err := l.checkPublic(); err != nil {
		return nil, err
	}
	a, cfg, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	log := c.logger(cfg)
	n := &desktopNode{App: a, Log: log}
	failOpen := func(err error) (*desktopNode, error) {
		if cerr := a.Close(); cerr != nil {
			log.Error("close data dir", "err", cerr)
		}
		return nil, err
	}
	// The UI's work in the background (wizard runs) ends before the data dir closes.
	uiCtx, stopUI := context.WithCancel(ctx)
	fail := func(err error) (*desktopNode, error) {
		stopUI()
		return failOpen(err)
	}
	if n.Handler, err = frontend.NewServer(log, a, frontend.Options{TrustedOrigins: []string{desktopOrigin}, Window: true, Context: uiCtx}); err != nil {
		return fail(err)
	}
	pubLn, err := listenProvider(a, l)
	if err != nil {
		return fail(err)
	}
	stopBackground, err := startBackground(ctx, c, log, a)
	if err != nil {
		_ = pubLn.Close()
		return fail(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- serveHTTP(sctx, log, defaultHTTPTimeouts(), httpListener{Name: "provider", Listener: pubLn, Handler: publicHandler(a.ProviderHandler())})
	}()
	log.Info("provider API serving", "addr", pubLn.Addr().String(), "public_url", a.PublicURL())
	_, _ = fmt.Fprintf(c.stdout, "provider API on %s, announced as %s\n", pubLn.Addr(), a.PublicURL())
	n.stop = func() error {
		stopUI()
		cancel()
		err := <-served
		stopBackground() // before the data dir closes
		return err
	}
	return n, nil
}

// Close stops serving and closes the data directory.
func (n *desktopNode) Close() error {
	return errors.Join(n.stop(), n.App.Close())
}

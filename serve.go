package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/frontend"
	"github.com/medmarket/medmarket/marketplace"
)

// shutdownGrace is how long in-flight requests may take to finish after a
// stop signal before the server closes them.
const shutdownGrace = 15 * time.Second

func newServeCmd(c *cli) *cobra.Command {
	var addr, publicURL string
	var demo bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web UI on the embedded default (data dir, store, chain)",
		Long: `Serve the medmarket UI over HTTP. With no flags it uses the default data
directory and listens on ` + defaultAddr + `. Stop it with Ctrl-C (SIGINT) or SIGTERM:
requests in flight finish and the store is closed cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return serve(cmd.Context(), c, firstNonEmpty(addr, c.getenv(envAddr), defaultAddr), demo, firstNonEmpty(publicURL, c.getenv(envPublicURL)))
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (env "+envAddr+"; default "+defaultAddr+")")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "URL at which other nodes reach this node's provider API, put on chain with its listings (env "+envPublicURL+"; default http://<listen address>/)")
	cmd.Flags().BoolVar(&demo, "demo", false, "create and fund demo accounts (patient, researcher, sponsor) on the embedded chain; passphrases are printed")
	return cmd
}

func serve(ctx context.Context, c *cli, addr string, demo bool, publicURL string) error {
	a, cfg, err := c.open(ctx)
	if err != nil {
		return err
	}
	log := c.logger(cfg)
	defer func() {
		if err := a.Close(); err != nil {
			log.Error("close data dir", "err", err)
		}
	}()

	if demo {
		accts, err := a.EnsureDemoAccounts(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "DEMO ACCOUNTS (for trying medmarket out only; the passphrases are public):")
		for _, d := range accts {
			fmt.Fprintf(c.stdout, "  %-10s %s  passphrase %q\n", d.Role, d.Address.Hex(), d.Passphrase)
		}
	}
	// The UI's work in the background (wizard runs) ends before the data dir closes.
	uiCtx, stopUI := context.WithCancel(ctx)
	defer stopUI()
	handler, err := frontend.NewServer(log, a, frontend.Options{Provider: a.ProviderHandler(), Context: uiCtx})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot listen on %s (is another server using it? choose one with --addr)", addr)
	}
	if err := a.SetPublicURL(firstNonEmpty(publicURL, "http://"+ln.Addr().String()+"/")); err != nil {
		ln.Close()
		return err
	}
	stop, err := startBackground(ctx, c, log, a)
	if err != nil {
		ln.Close()
		return err
	}
	defer stop() // before the data dir closes
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "data", a.DataDir())
	fmt.Fprintf(c.stdout, "medmarket serving http://%s/ (data dir %s)\n", ln.Addr(), a.DataDir())
	return serveHTTP(ctx, log, ln, handler, shutdownGrace)
}

// serveHTTP serves until ctx ends, then lets requests in flight finish for up
// to grace before it returns.
func serveHTTP(ctx context.Context, log *slog.Logger, ln net.Listener, handler http.Handler, grace time.Duration) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of large record files
		WriteTimeout:      5 * time.Minute, // downloads of large datasets
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	log.Info("stopped")
	return nil
}

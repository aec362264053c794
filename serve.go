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

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/frontend"
	"github.com/medmarket/medmarket/marketplace"
)

// shutdownGrace is how long in-flight requests may take to finish after a
// stop signal before the server closes them.
const shutdownGrace = 15 * time.Second

func newServeCmd(c *cli) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web UI on the embedded default (data dir, store, chain)",
		Long: `Serve the medmarket UI over HTTP. With no flags it uses the default data
directory and listens on ` + defaultAddr + `. Stop it with Ctrl-C (SIGINT) or SIGTERM:
requests in flight finish and the store is closed cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := c.config()
			if err != nil {
				return err
			}
			return serve(cmd.Context(), c, cfg, firstNonEmpty(addr, c.getenv(envAddr), defaultAddr))
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (env "+envAddr+"; default "+defaultAddr+")")
	return cmd
}

func serve(ctx context.Context, c *cli, cfg config, addr string) error {
	log := c.logger(cfg)
	a, err := app.Open(ctx, app.Options{DataDir: cfg.DataDir, Version: binaryVersion(), Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		if err := a.Close(); err != nil {
			log.Error("close data dir", "err", err)
		}
	}()

	handler, err := frontend.NewServer(log, a, frontend.Options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot listen on %s (is another server using it? choose one with --addr)", addr)
	}
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

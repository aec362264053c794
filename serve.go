package main

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/frontend"
)

func newServeCmd(c *cli) *cobra.Command {
	var l listenConfig
	var demo bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web UI and the provider API on the embedded default (data dir, store, chain)",
		Long: `Serve the medmarket UI over HTTP, for this machine's user, and the provider API,
for other nodes, on two listeners. With no flags it uses the default data
directory, serves the UI on ` + defaultAddr + ` and the provider API on ` + defaultPublicAddr(defaultAddr) + `.

The UI shows accounts, the data directory and balances to whoever signs in:
it stays on loopback unless --ui-public is given, and answers only requests
whose Host names its address, a loopback name or a --ui-host name (DNS
rebinding). Other nodes need only the provider API: --public-addr (e.g.
0.0.0.0:8081) with --public-url (the URL they reach it at, put on chain).

Stop it with Ctrl-C (SIGINT) or SIGTERM: requests in flight finish and the
store is closed cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return serve(cmd.Context(), c, l.resolve(c.getenv), demo)
		},
	}
	cmd.Flags().StringVar(&l.UIAddr, "addr", "", "address of the UI (env "+envAddr+"; default "+defaultAddr+"; beyond loopback only with --ui-public)")
	cmd.Flags().BoolVar(&l.UIPublic, "ui-public", false, "allow --addr beyond loopback: anyone who reaches it sees the sign-in page")
	cmd.Flags().StringArrayVar(&l.UIHosts, "ui-host", nil, "a Host name the UI answers to besides its address and loopback names, e.g. a reverse proxy's (repeatable; NAME or NAME:PORT)")
	addPublicFlags(cmd, &l)
	cmd.Flags().BoolVar(&demo, "demo", false, "create and fund demo accounts (patient, researcher, sponsor) on the embedded chain; passphrases are printed")
	return cmd
}

func serve(ctx context.Context, c *cli, l listenConfig, demo bool) error {
	if err := errors.Join(l.checkUI(), l.checkPublic()); err != nil {
		return err
	}
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
	uiLn, err := listenUI(l)
	if err != nil {
		return err
	}
	defer func() { _ = uiLn.Close() }() // on early returns; Shutdown closes it otherwise
	pubLn, err := listenProvider(a, l)
	if err != nil {
		return err
	}
	defer func() { _ = pubLn.Close() }()
	// The UI's work in the background (wizard runs) ends before the data dir closes.
	uiCtx, stopUI := context.WithCancel(ctx)
	defer stopUI()
	handler, err := frontend.NewServer(log, a, frontend.Options{Hosts: uiHosts(l, uiLn), Context: uiCtx})
	if err != nil {
		return err
	}
	stop, err := startBackground(ctx, c, log, a)
	if err != nil {
		return err
	}
	defer stop() // before the data dir closes
	uiURL := "http://" + uiLn.Addr().String() + "/"
	log.Info("serving", "url", uiURL, "provider", pubLn.Addr().String(), "public_url", a.PublicURL(), "data", a.DataDir())
	fmt.Fprintf(c.stdout, "medmarket serving %s (data dir %s)\n", uiURL, a.DataDir())
	if host, _, _ := net.SplitHostPort(uiLn.Addr().String()); !isLoopbackHost(host) {
		log.Warn("the UI is reachable beyond this machine (--ui-public)", "addr", uiLn.Addr().String())
		_, _ = fmt.Fprintf(c.stdout, "WARNING: the UI on %s is reachable beyond this machine (--ui-public): anyone who reaches it sees the sign-in page\n", uiLn.Addr())
	}
	_, _ = fmt.Fprintf(c.stdout, "provider API on %s, announced as %s\n", pubLn.Addr(), a.PublicURL())
	return serveHTTP(ctx, log, defaultHTTPTimeouts(),
		httpListener{Name: "ui", Listener: uiLn, Handler: handler},
		httpListener{Name: "provider", Listener: pubLn, Handler: publicHandler(a.ProviderHandler())})
}

// Command medmarket is the marketplace node: the web UI (serve), the desktop
// window (desktop) and the command line, all on one data directory.
//
// This package owns flag parsing and composition, and nothing else: it
// reads the configuration (flags, the environment, config.go) here and
// only here, opens app once per command with it, and prints what app
// answers. Every command that works on the data dir has one shape
// (command.go: parse the arguments, unlock the account, open, run); each
// command family lives in a file named for it (market_*.go, trial_*.go,
// account.go, chain.go, hub.go, verify.go, anonymize.go, plugins.go,
// serve.go, desktop.go). Errors carry marketplace's codes, which exit.go
// turns into exit statuses through marketplace.ExitCode.
//
// It imports app, frontend, and the domain types of marketplace, never a
// part of marketplace (chain, store, trials, ledger, provider, catalog,
// vault, contracts): what the CLI needs of them, app offers (DESIGN.md's
// dependency table; TestLayering holds it).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "medmarket:", userMessage(err))
		os.Exit(exitCode(err))
	}
}

// run is the whole program behind main, so tests can start it as users do.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := newRootCmd(getenv, stdin, stdout, stderr)
	cmd.SetArgs(args)
	return cmd.ExecuteContext(ctx)
}

package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
)

// action is the one shape of a command that works on the data dir. Its
// steps run in this order, so that a bad argument asks for no passphrase and
// opens nothing, and the data dir is open only while the work runs:
//
//  1. parse reads the arguments and flags;
//  2. unlock asks the passphrase of the account the command acts as;
//  3. the data dir opens (as this node, with its provider URL, when node);
//  4. run works on it; the data dir closes after it, whatever run returned.
//
// Commands that run until stopped (serve, desktop) open the data dir
// themselves, and those that open no data dir (version, anonymize, plugins,
// the hidden plugin server) need none of these steps.
type action struct {
	// parse reads the arguments and flags; nil: nothing to check.
	parse func(args []string) error
	// unlock names the account whose passphrase is asked; nil, or a nil
	// answer (a command that acts as no one this time): none is asked.
	unlock func(args []string) *unlock
	// node opens the data dir as the node that sells and buys: with its
	// provider URL (--public-url, env, default), which listings and
	// providers are told, and the test hooks of test binaries.
	node bool
	// publicURL is the --public-url flag of a node command; nil: none.
	publicURL *string
	// offline, when it points to true, skips the data dir: run gets a nil
	// *app.App.
	offline *bool
	// run does the work; who is the unlocked account, or zero.
	run func(ctx context.Context, a *app.App, who account) error
}

// unlock is the account whose passphrase a command asks for.
type unlock struct {
	name string
	// prompt is asked on a terminal; "" asks "Passphrase of NAME: ".
	prompt string
	// confirm asks twice on a terminal: the passphrase of a new key.
	confirm bool
}

// account is the account a command acts as, with its passphrase.
type account struct{ name, passphrase string }

// actor is the account as app takes it: unlocked for each call.
func (u account) actor() app.Actor { return app.ByAccount(u.name, u.passphrase) }

// unlockAs unlocks the account the --as flag names.
func unlockAs(name *string) func([]string) *unlock {
	return func([]string) *unlock { return &unlock{name: *name} }
}

// command returns the RunE of the action act.
func (c *cli) command(act action) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if act.parse != nil {
			if err := act.parse(args); err != nil {
				return err
			}
		}
		var who account
		if act.unlock != nil {
			if u := act.unlock(args); u != nil {
				prompt := u.prompt
				if prompt == "" {
					prompt = "Passphrase of " + u.name + ": "
				}
				pass, err := c.passphrase(prompt, u.confirm)
				if err != nil {
					return err
				}
				who = account{name: u.name, passphrase: pass}
			}
		}
		ctx := cmd.Context()
		if act.offline != nil && *act.offline {
			return act.run(ctx, nil, who)
		}
		a, _, err := c.open(ctx)
		if err != nil {
			return err
		}
		return errors.Join(c.runOpen(ctx, a, act, who), a.Close())
	}
}

// runOpen runs act on the open data dir.
func (c *cli) runOpen(ctx context.Context, a *app.App, act action, who account) error {
	if act.node {
		publicURL := ""
		if act.publicURL != nil {
			publicURL = *act.publicURL
		}
		if err := a.SetPublicURL(c.publicURL(publicURL)); err != nil {
			return err
		}
		c.installTestHooks(a) // none in the shipped binary (testhooks.go)
	}
	return act.run(ctx, a, who)
}

// asFlag adds the required --as flag: the account, described by what.
func asFlag(cmd *cobra.Command, as *string, what string) {
	cmd.Flags().StringVar(as, "as", "", what)
	_ = cmd.MarkFlagRequired("as") // the flag is defined just above
}

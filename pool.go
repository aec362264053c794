package main

// The pool commands (pool_*.go) run a patient pool from the command line:
// its operator creates it on this node as its hub, checks the union of
// the contributions, releases versions and posts payout rounds; patients
// join from their own nodes (the pool's pipeline runs here, before
// anything leaves), see their standing, claim and withdraw; anyone claims
// for a contributor or verifies a pool from its hub's log and the chain.

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/medmarket/medmarket/marketplace"
)

// newPoolCmd builds `pool` and its subcommands.
func newPoolCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pool",
		Short: "Patient pools: create, join, release versions, pay out, claim, withdraw, verify",
		Long: `A patient pool sells versions of the union of its patients' records: its
operator creates it on a hub node (pool create), patients join from their own
nodes (pool join: the pool's pipeline runs on their machine before anything
leaves it), the operator releases versions that pass k-anonymity over the union
(pool contributions, pool release) and posts payout rounds of the sales (pool
payout); every contributor, or anyone for them, claims their share (pool
claim). Anyone checks a pool from its hub's log and the chain (pool verify).`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPoolCreateCmd(c), newPoolListCmd(c), newPoolJoinCmd(c), newPoolContributionsCmd(c), newPoolReleaseCmd(c),
		newPoolPayoutCmd(c), newPoolClaimCmd(c), newPoolWithdrawCmd(c), newPoolStatusCmd(c), newPoolVerifyCmd(c))
	return cmd
}

// parsePool reads a pool argument: its contract's address.
func parsePool(s string) (common.Address, error) {
	if !common.IsHexAddress(s) {
		return common.Address{}, marketplace.Errorf(marketplace.EINVALID, "Pool: %q is not a pool's contract address (0x and 40 hex digits).", s)
	}
	return common.HexToAddress(s), nil
}

// hubFlag adds --hub: the pool's hub, when this node does not know it.
func hubFlag(cmd *cobra.Command, hub *string) {
	cmd.Flags().StringVar(hub, "hub", "", "the provider URL of the pool's hub (default: this node's own pool, or the hub this node joined it at)")
}

// confirm asks question on a terminal and returns nil on yes; with --yes
// it asks nothing, and without a terminal it refuses, naming --yes.
func (c *cli) confirm(question, refused string, yes bool) error {
	if yes {
		return nil
	}
	f, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return marketplace.Errorf(marketplace.EINVALID, "%s: pass --yes to confirm what is shown above.", refused)
	}
	fmt.Fprintf(c.stderr, "%s [y/N] ", question)
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return marketplace.Errorf(marketplace.EINVALID, "%s: no answer.", refused)
	}
	if a := strings.ToLower(strings.TrimSpace(line)); a == "y" || a == "yes" {
		return nil
	}
	return marketplace.Errorf(marketplace.EINVALID, "%s: not confirmed.", refused)
}

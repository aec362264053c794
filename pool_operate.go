package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
)

// The operator's commands run on the pool's hub node, with its server
// stopped (the server holds the data dir): the contributions and the
// privacy check over their union, releases and payout rounds.

// unionOut is `pool contributions --json`.
type unionOut struct {
	Pool      string       `json:"pool"`
	K         int          `json:"k"`
	Members   int          `json:"members"`
	Withdrawn int          `json:"withdrawn"`
	Versions  int          `json:"versions"`
	Kept      []keptOut    `json:"kept"`
	Waiting   []waitingOut `json:"waiting"`
}

type keptOut struct {
	Account string `json:"account"`
	Records int    `json:"records"`
}

type waitingOut struct {
	Account string `json:"account"`
	Reason  string `json:"reason"`
}

// newPoolContributionsCmd builds `pool contributions`: the privacy check
// over the union of a pool's current contributions.
func newPoolContributionsCmd(c *cli) *cobra.Command {
	var asJSON bool
	var pool common.Address
	cmd := &cobra.Command{
		Use:   "contributions POOL",
		Short: "The contributions of a pool this node runs, and the privacy check over their union: who a release would hold, who waits and why",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			pool, err = parsePool(args[0])
			return err
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			u, err := a.CheckPoolUnion(ctx, pool)
			if err != nil {
				return err
			}
			out := unionOut{Pool: pool.Hex(), K: u.K, Members: len(u.Kept) + len(u.Waiting), Withdrawn: u.Withdrawn, Versions: u.Versions, Kept: []keptOut{}, Waiting: []waitingOut{}}
			for _, m := range u.Kept {
				out.Kept = append(out.Kept, keptOut{Account: m.Account.Hex(), Records: m.Records})
			}
			for _, w := range u.Waiting {
				out.Waiting = append(out.Waiting, waitingOut{Account: w.Account.Hex(), Reason: w.Reason})
			}
			if asJSON {
				return writeJSON(c, out)
			}
			fmt.Fprintf(c.stdout, "Pool %s: %d contributions (%d withdrew; %d versions released); k = %d over their union: %d kept, %d waiting\n",
				out.Pool, out.Members, out.Withdrawn, out.Versions, out.K, len(out.Kept), len(out.Waiting))
			tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCOUNT\tRELEASE\tRECORDS OR REASON")
			for _, m := range out.Kept {
				fmt.Fprintf(tw, "%s\tkept\t%d\n", m.Account, m.Records)
			}
			for _, w := range out.Waiting {
				fmt.Fprintf(tw, "%s\twaits\t%s\n", w.Account, w.Reason)
			}
			return tw.Flush()
		}}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// newPoolReleaseCmd builds `pool release`: the pool's next version.
func newPoolReleaseCmd(c *cli) *cobra.Command {
	var as, publicURL string
	var pool common.Address
	cmd := &cobra.Command{
		Use:   "release POOL --as OPERATOR",
		Short: "Release the next version of a pool this node runs: the contributions that pass k over the union, listed for sale; prints the listing id",
		Long: `Release the next version of a pool this node runs, as its operator: the current
contributions are opened, k-anonymity is checked over their union (patients in a
group smaller than k wait for a later version, and are told why), the kept
contributions are joined into one release package and listed with the pool's
contract as the seller. The version's entry in the pool's log names exactly the
contributions it holds. Prints the listing id.`,
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			pool, err = parsePool(args[0])
			return err
		}, unlock: unlockAs(&as), node: true, publicURL: &publicURL, run: func(ctx context.Context, a *app.App, who account) error {
			r, err := a.ReleasePool(ctx, who.actor(), pool)
			if err != nil {
				return err
			}
			rel := r.Release
			fmt.Fprintf(c.stderr, "version %d listed as %d: %d patients, %d waiting, contributions root %s, list gas %d\n",
				rel.Version, r.Listing, len(rel.Members), len(rel.Waiting), rel.Root.Hex(), r.GasUsed)
			for _, w := range rel.Waiting {
				fmt.Fprintf(c.stderr, "  waits: %s: %s\n", w.Account.Hex(), w.Reason)
			}
			_, err = fmt.Fprintln(c.stdout, r.Listing)
			return err
		}}),
	}
	asFlag(cmd, &as, "the pool's operator")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "this node's provider URL, the pool's hub, which the listing names (env "+envPublicURL+"; default http://<serve's --public-addr>/)")
	return cmd
}

// newPoolPayoutCmd builds `pool payout`: the next payout round.
func newPoolPayoutCmd(c *cli) *cobra.Command {
	var as string
	var pool common.Address
	cmd := &cobra.Command{
		Use:   "payout POOL --as OPERATOR",
		Short: "Post the next payout round of a pool this node runs: collect its sales, compute every share, post the root",
		Long: `Post the next payout round of a pool this node runs, as its operator: the pool's
sales are collected from the market into its contract, every contributor's
cumulative share is computed from the pool's log and the chain's sales, the round
enters the log, and its Merkle root goes on chain. Contributors (or anyone for
them) then claim with pool claim.`,
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			pool, err = parsePool(args[0])
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			p, err := a.PostPoolPayout(ctx, who.actor(), pool)
			if err != nil {
				return err
			}
			collected := "0"
			if p.Collected != nil {
				collected = formatEther(p.Collected)
			}
			_, err = fmt.Fprintf(c.stdout, "round %d: %s ETH in all to %d accounts; collected %s ETH (collect gas %d), postRound gas %d (tx %s)\n",
				p.Round.Number, formatEther(p.Round.Total), p.Contributors, collected, p.CollectGas, p.GasUsed, p.TxHash.Hex())
			return err
		}}),
	}
	asFlag(cmd, &as, "the pool's operator")
	return cmd
}

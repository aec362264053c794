package main

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newPoolClaimCmd builds `pool claim`: a contributor's share paid, by the
// contributor or by anyone for them (a hub for its offline patients).
func newPoolClaimCmd(c *cli) *cobra.Command {
	var as, hub, forAcct string
	var all bool
	var pool common.Address
	cmd := &cobra.Command{
		Use:   "claim POOL --as PAYER [--for ACCOUNT | --all] [--hub URL]",
		Short: "Claim a contributor's share of a pool's latest payout round: the money goes to the contributor, the gas is paid by --as",
		Long: `Pay a contributor its share of the pool's revenue up to the latest payout round:
the difference between its cumulative entitlement and what it was paid, with a
proof against the root on chain. --as pays the gas; the money goes to --for (an
account name of this node or an address; default: --as itself). --all claims for
every contributor with something to claim (a hub for its offline patients). The
entitlements come from the pool's hub (--hub, or this node when it runs the pool,
or the hub this node joined it at) and are checked against the posted root.`,
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if pool, err = parsePool(args[0]); err != nil {
				return err
			}
			if all && forAcct != "" {
				return marketplace.Errorf(marketplace.EINVALID, "--all claims for every contributor; give it or --for ACCOUNT, not both.")
			}
			return nil
		}, unlock: unlockAs(&as), run: func(ctx context.Context, a *app.App, who account) error {
			if all {
				return c.claimAll(ctx, a, who, hub, pool)
			}
			var acct common.Address
			if forAcct != "" {
				var err error
				if acct, err = accountNamed(ctx, a, forAcct); err != nil {
					return err
				}
			}
			cl, err := a.ClaimFromPool(ctx, who.actor(), hub, pool, acct)
			if err != nil {
				return err
			}
			return c.printClaim(cl)
		}}),
	}
	asFlag(cmd, &as, "the account that sends the claim and pays its gas")
	cmd.Flags().StringVar(&forAcct, "for", "", "the contributor paid: an account name of this node or an address (default: --as)")
	cmd.Flags().BoolVar(&all, "all", false, "claim for every contributor with something to claim")
	hubFlag(cmd, &hub)
	return cmd
}

func (c *cli) printClaim(cl app.PoolClaim) error {
	_, err := fmt.Fprintf(c.stdout, "%s: paid %s ETH (round %d, %s ETH in all), gas %d\n",
		cl.Account.Hex(), formatEther(cl.Paid), cl.Round, formatEther(cl.Cumulative), cl.GasUsed)
	return err
}

// claimAll claims for every account of the latest round with something to
// claim; a failure stops it, after what was paid is printed.
func (c *cli) claimAll(ctx context.Context, a *app.App, who account, hub string, pool common.Address) error {
	claims, round, shares, err := a.ClaimAllFromPool(ctx, who.actor(), hub, pool)
	for _, cl := range claims {
		if perr := c.printClaim(cl); perr != nil {
			return perr
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "round %d: %d of %d accounts had something to claim\n", round, len(claims), shares)
	return nil
}

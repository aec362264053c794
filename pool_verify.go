package main

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// poolCheckOut is `pool verify --json`.
type poolCheckOut struct {
	Pool     string   `json:"pool"`
	Name     string   `json:"name"`
	OK       bool     `json:"ok"`
	LogSize  uint64   `json:"log_size"`
	LogState string   `json:"log_state"`
	Rounds   int      `json:"rounds_checked"`
	OnChain  uint64   `json:"rounds_on_chain"`
	Problems []string `json:"problems"`
}

// newPoolVerifyCmd builds `pool verify`: a pool checked from its hub's
// log and the chain, by anyone.
func newPoolVerifyCmd(c *cli) *cobra.Command {
	var hub string
	var asJSON bool
	var pool common.Address
	cmd := &cobra.Command{
		Use:   "verify POOL [--hub URL]",
		Short: "Verify a pool from its hub's log and the chain: the log, its rules, and every payout round recomputed",
		Long: `Verify a pool from its hub's log and the chain alone, as any node can: the log
verifies (signatures, consistency, inclusion of every entry) and replays under the
pool's rules (every consent and withdrawal signed by its patient), the rounds on
chain are the log's, and each round's root and total are recomputed from the log
and the chain's sales, naming every contributor whose published share differs.
Exits 0 when the pool verifies, ` + fmt.Sprint(exitVerificationFailed) + ` when it does not (each problem printed).`,
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			pool, err = parsePool(args[0])
			return err
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			chk, err := a.VerifyPool(ctx, hub, pool)
			if err != nil {
				return err
			}
			out := poolCheckOut{Pool: pool.Hex(), Name: chk.Name, OK: chk.OK(), LogSize: chk.LogSize, LogState: chk.LogState,
				Rounds: len(chk.Rounds), OnChain: chk.OnChain, Problems: chk.Problems}
			if out.Problems == nil {
				out.Problems = []string{}
			}
			if asJSON {
				if err := writeJSON(c, out); err != nil {
					return err
				}
			} else if err := printPoolCheck(c, out); err != nil {
				return err
			}
			if !out.OK {
				return verificationFailed{marketplace.Errorf(marketplace.EINVALID, "Pool %s does not verify: %d problems.", pool.Hex(), len(out.Problems))}
			}
			return nil
		}}),
	}
	hubFlag(cmd, &hub)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printPoolCheck(c *cli, out poolCheckOut) error {
	fmt.Fprintf(c.stdout, "Pool %q (%s): log of %d entries (%s); %d payout rounds checked, %d on chain\n",
		out.Name, out.Pool, out.LogSize, out.LogState, out.Rounds, out.OnChain)
	for _, p := range out.Problems {
		fmt.Fprintf(c.stdout, "PROBLEM: %s\n", p)
	}
	if out.OK {
		_, err := fmt.Fprintln(c.stdout, "OK")
		return err
	}
	return nil
}

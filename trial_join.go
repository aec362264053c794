package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
)

// newTrialJoinCmd builds `trial join`: staff whose account lives on this
// node join a trial whose log lives on its sponsor's node.
func newTrialJoinCmd(c *cli) *cobra.Command {
	var as, nodeURL, trial string
	cmd := &cobra.Command{
		Use:   "join --node URL --trial ID [--as NAME]",
		Short: "Join a trial run on another node: its staff on this node sign their entries here and read the trial",
		Long: `Join a trial whose log lives on its sponsor's node (--node: that node's provider
URL; --trial: the trial's id, 0x and 64 hex digits). The sponsor authorizes the
staff's accounts there; the staff then record on this node (trial record, the
trial's page) and each entry is prepared by the trial's node, signed here with
the staff member's own key, and appended there. What this node shows of the
trial is its export, verified against this node's chain.

With --as, the trial's export is fetched at once as that account (which must be
on the trial's team) and verified.`,
		Args: cobra.NoArgs,
		RunE: c.command(action{unlock: func([]string) *unlock {
			if as == "" {
				return nil
			}
			return &unlock{name: as}
		}, run: func(ctx context.Context, a *app.App, who account) error {
			if err := a.JoinTrial(ctx, nodeURL, trial); err != nil {
				return err
			}
			if as == "" {
				_, err := fmt.Fprintf(c.stdout, "joined trial %s of %s; it is read once a member of its team records or joins with --as\n", trial, nodeURL)
				return err
			}
			e, rep, err := a.RemoteTrialExport(ctx, who.actor(), trial)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "joined trial %s (%s) of %s: %d entries, %s\n", e.Trial.Identifier, e.Trial.ID.Hex(), nodeURL, len(e.Entries), rep.State())
			return err
		}}),
	}
	cmd.Flags().StringVar(&nodeURL, "node", "", "the provider URL of the trial's node (its sponsor's)")
	cmd.Flags().StringVar(&trial, "trial", "", "the trial's id (0x and 64 hex digits)")
	cmd.Flags().StringVar(&as, "as", "", "an account of this node on the trial's team: fetch and verify the trial's export now")
	for _, f := range []string{"node", "trial"} {
		_ = cmd.MarkFlagRequired(f) // defined just above
	}
	return cmd
}

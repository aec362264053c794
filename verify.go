package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
)

func newVerifyCmd(c *cli) *cobra.Command {
	var bundle string
	var offline, quiet bool
	cmd := &cobra.Command{
		Use:   "verify --bundle EXPORT [--chain-rpc URL | --offline]",
		Short: "Verify an exported trial audit trail; exit 0 when every entry, checkpoint and anchor verifies",
		Long: `Verify a trial's exported audit trail (medmarket trial export), as an auditor:
every entry's inclusion proof against the anchored checkpoint, the sponsor's
signature on every step, the checkpoints' signatures and consistency, and the
anchors and protocol registrations against the chain: the embedded chain of the
data dir, or any Ethereum node with --chain-rpc. --offline skips the chain.

It prints one line per entry, checkpoint and anchor (failures only with
--quiet) and a summary; a failure exits non-zero and names the entry or
checkpoint and why.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := trials.ReadExportFile(bundle)
			if err != nil {
				return err
			}
			var rep *trials.Report
			if offline {
				rep, err = app.VerifyTrialExportOffline(cmd.Context(), e)
			} else {
				err = c.withApp(cmd.Context(), func(a *app.App) error {
					var verr error
					rep, verr = a.VerifyTrialExport(cmd.Context(), e)
					return verr
				})
			}
			if rep == nil {
				return err
			}
			for _, f := range rep.Findings {
				if !quiet || !f.OK {
					fmt.Fprintln(c.stdout, f.String())
				}
			}
			fmt.Fprintln(c.stdout, rep.Summary())
			if err == nil && offline {
				fmt.Fprintln(c.stdout, "offline: the anchors were not compared with the chain")
			}
			if err != nil && marketplace.ErrorCode(err) == marketplace.EINVALID {
				return rep.Err()
			}
			return err
		},
	}
	cmd.Flags().StringVar(&bundle, "bundle", "", "the exported audit trail (JSON)")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not ask the chain (proofs, signatures and checkpoints only)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print failures and the summary only")
	cmd.MarkFlagRequired("bundle")
	return cmd
}

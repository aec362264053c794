package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newTrialCmd builds `trial` and its subcommands: register, amend and anchor
// (here), record and import (trial_record.go), list and show
// (trial_show.go), export (trial_export.go), design (trial_design.go), the
// team's staff, query, sdv, lock and unlock (trial_staff.go, trial_query.go,
// trial_lock.go), join (trial_join.go) and report (trial_report.go).
func newTrialCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trial",
		Short: "Clinical trials: register a protocol on chain, record signed steps, anchor, export the audit trail",
		Long: `A sponsor registers a trial by its protocol document's SHA-256 on chain, records
each step as an entry signed with its account's key in the trial's Merkle log,
anchors the log's checkpoints on chain, and exports the audit trail, which
anyone verifies with 'medmarket verify --bundle'.

TRIAL is the trial's id (0x...) or its identifier (e.g. NCT01234567).`,
	}
	cmd.AddCommand(newTrialRegisterCmd(c), newTrialAmendCmd(c), newTrialRecordCmd(c), newTrialImportCmd(c),
		newTrialAnchorCmd(c), newTrialListCmd(c), newTrialShowCmd(c), newTrialExportCmd(c), newTrialDesignCmd(c))
	cmd.AddCommand(newTrialStaffCmd(c), newTrialQueryCmd(c), newTrialSDVCmd(c), newTrialLockCmd(c, false), newTrialLockCmd(c, true),
		newTrialJoinCmd(c), newTrialReportCmd(c))
	return cmd
}

// openFileArg opens the file a flag names; flag names it in the error.
func openFileArg(flag, path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "%s: cannot read %s", flag, path)
	}
	return f, nil
}

// newTrialRegisterCmd builds `trial register`: the protocol's hash on chain.
func newTrialRegisterCmd(c *cli) *cobra.Command {
	var as, title, id, protocol string
	var f *os.File
	cmd := &cobra.Command{
		Use:   "register --as NAME --title TITLE --id IDENTIFIER --protocol FILE",
		Short: "Register a trial: the protocol's SHA-256 goes on chain; prints the trial id",
		Args:  cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) (err error) {
			f, err = openFileArg("--protocol", protocol)
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			defer f.Close()
			t, err := a.RegisterTrial(ctx, who.actor(), title, id, filepath.Base(protocol), f)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, t.ID.Hex())
			p := t.Protocols[0]
			fmt.Fprintf(c.stderr, "registered %s: protocol sha256 %s in block %d (tx %s)\n", t.Identifier, p.SHA256.Hex(), p.Block, p.TxHash.Hex())
			return nil
		}}),
	}
	asFlag(cmd, &as, "the sponsor's account")
	cmd.Flags().StringVar(&title, "title", "", "the trial's title")
	cmd.Flags().StringVar(&id, "id", "", "the trial's registry number, e.g. NCT01234567")
	cmd.Flags().StringVar(&protocol, "protocol", "", "the protocol document (only its SHA-256 leaves this machine)")
	for _, f := range []string{"title", "id", "protocol"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

// newTrialAmendCmd builds `trial amend`: a new protocol version.
func newTrialAmendCmd(c *cli) *cobra.Command {
	var as, protocol, trial string
	var f *os.File
	cmd := &cobra.Command{
		Use:   "amend TRIAL --as NAME --protocol FILE",
		Short: "Register a new protocol version on chain and record the amendment",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			trial = args[0]
			f, err = openFileArg("--protocol", protocol)
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			defer f.Close()
			p, err := a.AmendTrial(ctx, who.actor(), trial, filepath.Base(protocol), f)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "protocol version %d: sha256 %s in block %d (tx %s)\n", p.Version, p.SHA256.Hex(), p.Block, p.TxHash.Hex())
			return err
		}}),
	}
	asFlag(cmd, &as, "the sponsor's account")
	cmd.Flags().StringVar(&protocol, "protocol", "", "the new protocol document")
	cmd.MarkFlagRequired("protocol")
	return cmd
}

// newTrialAnchorCmd builds `trial anchor`: the log's checkpoint on chain now.
func newTrialAnchorCmd(c *cli) *cobra.Command {
	var as, trial string
	cmd := &cobra.Command{
		Use:   "anchor TRIAL --as NAME",
		Short: "Anchor the trial log's checkpoint on chain now (one transaction for all new entries)",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) error {
			trial = args[0]
			return nil
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			rec, err := a.AnchorTrial(ctx, who.actor(), trial)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "anchored tree size %d, root %s in block %d (tx %s, gas %d)\n",
				rec.TreeSize, rec.RootHash.Hex(), rec.Block, rec.TxHash.Hex(), rec.GasUsed)
			return err
		}}),
	}
	asFlag(cmd, &as, "the sponsor's account, which pays for the transaction")
	return cmd
}

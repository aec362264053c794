package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newTrialSDVCmd builds `trial sdv`: a monitor's source data verification.
func newTrialSDVCmd(c *cli) *cobra.Command {
	var as, trial, item string
	var entry uint64
	cmd := &cobra.Command{
		Use:   "sdv --trial TRIAL --entry N [--item OID] --as MONITOR",
		Short: "Mark an entry (or one item of it) source-data verified",
		Long: `Record that entry N (or its form item --item) was checked against the source
documents: source data verification, signed by a monitor or the sponsor (--as).
A later correction of the entry clears the mark.

Example:
  medmarket trial sdv --trial NCT01234567 --entry 7 --item VS.SYSBP --as mo`,
		Args: cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			trial, err = pickTrial(args, trial)
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			e, err := a.MarkVerified(ctx, who.actor(), trial, entry, item)
			if err != nil {
				return err
			}
			return printSigned(c.stdout, e)
		}}),
	}
	trialFlag(cmd, &trial)
	asFlag(cmd, &as, "the monitor's account, which signs the mark")
	cmd.Flags().Uint64Var(&entry, "entry", 0, "the entry verified")
	cmd.Flags().StringVar(&item, "item", "", "the form item (OID) of the entry verified (default: the whole entry)")
	cmd.MarkFlagRequired("entry")
	return cmd
}

// newTrialLockCmd builds `trial lock` or, unlock, `trial unlock`: a
// subject's casebook or the whole database.
func newTrialLockCmd(c *cli, unlock bool) *cobra.Command {
	var as, trial, subject, reason string
	var all bool
	verb := "lock"
	if unlock {
		verb = "unlock"
	}
	cmd := &cobra.Command{
		Use:   verb + " --trial TRIAL (--subject ID | --all) --reason REASON --as NAME",
		Short: "Lock a subject's casebook or the whole database, with a signed reason; entries to it are then refused",
		Long: `Lock a subject's casebook (--subject) or the whole trial's database (--all),
signed by a data manager or the sponsor (--as) with the reason. Entries to a
locked casebook are refused; while the database is locked only an unlock,
unblinding, analysis, design or staff change may follow.

Examples:
  medmarket trial lock --trial NCT01234567 --subject S-001 --reason "casebook complete" --as dm
  medmarket trial lock --trial NCT01234567 --all --reason "database lock for analysis" --as sponsor`,
		Args: cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if trial, err = pickTrial(args, trial); err != nil {
				return err
			}
			if all == (strings.TrimSpace(subject) != "") {
				return marketplace.Errorf(marketplace.EINVALID, "Give --subject ID to %s one casebook, or --all to %s the whole database (one of the two).", verb, verb)
			}
			return nil
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			var e app.TrialEntry
			var err error
			if all {
				e, err = a.LockTrial(ctx, who.actor(), trial, reason, unlock)
			} else {
				e, err = a.LockCasebook(ctx, who.actor(), trial, subject, reason, unlock)
			}
			if err != nil {
				return err
			}
			return printSigned(c.stdout, e)
		}}),
	}
	if unlock {
		cmd.Short = "Unlock a subject's casebook or the whole database, with a signed reason"
		cmd.Long = `Reopen a subject's casebook (--subject) or the whole trial's database (--all),
as an entry signed by a data manager or the sponsor (--as) with the reason.

Examples:
  medmarket trial unlock --trial NCT01234567 --subject S-001 --reason "query on visit 2" --as dm
  medmarket trial unlock --trial NCT01234567 --all --reason "late SAE follow-up" --as sponsor`
	}
	trialFlag(cmd, &trial)
	asFlag(cmd, &as, "the data manager's or sponsor's account, which signs the "+verb)
	cmd.Flags().StringVar(&subject, "subject", "", "the subject (id or pseudonym) whose casebook to "+verb)
	cmd.Flags().BoolVar(&all, "all", false, verb+" the whole trial's database")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	cmd.MarkFlagRequired("reason")
	return cmd
}

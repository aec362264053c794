package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/frontend"
	"github.com/medmarket/medmarket/marketplace"
)

// newTrialReportCmd builds `trial report`: the inspection report as HTML,
// of a trial on this node or of an auditor's export.
func newTrialReportCmd(c *cli) *cobra.Command {
	var trial, export, key, out string
	var e *app.TrialExport
	var pinned string
	cmd := &cobra.Command{
		Use:   "report (--trial TRIAL | --export FILE [--key KEY]) [--out FILE]",
		Short: "Write the trial's inspection report (HTML, printable on A4): protocol versions, staff over time, every signed entry, checkpoints, anchors, the verdict",
		Long: `Write a trial's inspection report as one standalone HTML page, the page the
web UI serves at /trials/TRIAL/report: the trial, its protocol versions and
their SHA-256 on chain, the study design versions, the staff and their roles
over time, every entry in log order with its data and its signature
manifestation (printed name, account, role held then, date and time UTC,
meaning), the checkpoints and anchors, and the verification's result.
Print it to PDF from any browser (A4, a section a page).

--trial reports this node's log of the trial (id 0x... or identifier), verified
against the chain. --export reports an auditor's exported audit trail
(medmarket trial export), verified as 'medmarket verify' does, with the log key
pinned by --key (the key, or a file holding it) when given.

The report is written whatever the verdict; the exit status is 7 when the
verification failed (the report's Verification section says why).`,
		Example: `  medmarket trial report --trial NCT01234567 --out report.html
  medmarket trial report --trial NCT01234567 > report.html
  medmarket trial report --export audit-NCT01234567.json --key medmarket/ledger/...+1a2b3c4d+AW... --out report.html`,
		Args: cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) (err error) {
			switch {
			case (trial == "") == (export == ""):
				return marketplace.Errorf(marketplace.EINVALID, "Give --trial TRIAL (this node's log) or --export FILE (an exported audit trail), one of them.")
			case key != "" && export == "":
				return marketplace.Errorf(marketplace.EINVALID, "--key pins the log key of an --export; this node's log is checked with its own key.")
			case export != "":
				if e, err = app.ReadTrialExportFile(export); err != nil {
					return err
				}
			}
			pinned, err = readLogKey(key)
			return err
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			var ins *app.TrialInspection
			var err error
			if e != nil {
				ins, err = a.InspectionReportOfExport(ctx, e, pinned)
			} else {
				ins, err = a.InspectionReport(ctx, trial)
			}
			if err != nil {
				return err
			}
			return writeInspectionReport(ctx, c, ins, out)
		}}),
	}
	cmd.Flags().StringVar(&trial, "trial", "", "the trial on this node: its id (0x...) or identifier")
	cmd.Flags().StringVar(&export, "export", "", "an exported audit trail (JSON) to report instead")
	cmd.Flags().StringVar(&key, "key", "", "with --export: the trial log's verifier key (name+hash+base64), or a file holding it")
	cmd.Flags().StringVar(&out, "out", "-", "the HTML file to write (- for standard output)")
	return cmd
}

// writeInspectionReport writes the report to out (or standard output),
// says on standard error what it wrote, and fails with exit status 7 when
// the verification failed.
func writeInspectionReport(ctx context.Context, c *cli, ins *app.TrialInspection, out string) error {
	if err := writeFileAtomic(c.stdout, out, func(w io.Writer) error {
		return frontend.WriteInspectionReport(ctx, w, ins)
	}); err != nil {
		return err
	}
	where := "standard output"
	if out != "-" {
		where = out
	}
	if _, err := fmt.Fprintf(c.stderr, "inspection report of %s (%d entries, %s) written to %s\n",
		ins.Trial.Identifier, len(ins.Entries), ins.Verdict.State, where); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	switch {
	case ins.Verdict.OK:
		return nil
	case ins.Verdict.State == "not verified":
		return marketplace.Errorf(marketplace.EUNAVAILABLE, "The report of %s is not verified: %s", ins.Trial.Identifier, ins.Verdict.Summary)
	}
	var why []string
	for _, f := range ins.Verdict.Failures {
		why = append(why, f.Subject+": "+f.Detail)
	}
	return verificationFailed{marketplace.Errorf(marketplace.EINVALID, "Verification of %s %s: %s", ins.Trial.Identifier, ins.Verdict.State, strings.Join(why, "; "))}
}

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// What the trial team's commands share (staff in trial_staff.go, queries in
// trial_query.go, SDV and locks in trial_lock.go): the trial they work on,
// given as --trial or as the argument like the other trial commands, and
// the sentence saying what a signature was put on.

// trialFlag adds --trial: the trial a team command works on.
func trialFlag(cmd *cobra.Command, trial *string) {
	cmd.Flags().StringVar(trial, "trial", "", "the trial: its id (0x...) or identifier (e.g. NCT01234567); may be given as the argument instead")
}

// pickTrial is the trial named by the argument or by --trial (flag).
func pickTrial(args []string, flag string) (string, error) {
	flag = strings.TrimSpace(flag)
	switch {
	case len(args) == 1 && flag != "" && args[0] != flag:
		return "", marketplace.Errorf(marketplace.EINVALID, "Trial given twice: %q as the argument and %q with --trial.", args[0], flag)
	case len(args) == 1:
		return args[0], nil
	case flag == "":
		return "", marketplace.Errorf(marketplace.EINVALID, "--trial required: the trial's id (0x...) or identifier (e.g. NCT01234567).")
	}
	return flag, nil
}

// printSigned prints, one line each, what the entries es signed.
func printSigned(w io.Writer, es ...app.TrialEntry) error {
	for _, e := range es {
		if _, err := fmt.Fprintln(w, signedLine(e)); err != nil {
			return err
		}
	}
	return nil
}

// signedLine says what entry e records and who signed it with which
// meaning (21 CFR 11.50): "Entry 12 recorded: Data query on entry 7 (item
// VS.SYSBP), signed by Mo Monitor (0x…) — meaning authored".
func signedLine(e app.TrialEntry) string {
	s := e.Step
	who := s.Who.Hex()
	if s.Name != "" {
		who = s.Name + " (" + who + ")"
	}
	return fmt.Sprintf("Entry %d recorded: %s, signed by %s — meaning %s", e.Index, stepSummary(s), who, s.Meaning)
}

// stepSummary is what a step is about, in a few words.
func stepSummary(s marketplace.Step) string {
	what := s.Type.Label()
	switch {
	case s.Type == marketplace.StepStaffAuthorization || s.Type == marketplace.StepStaffRevocation:
		if g, err := marketplace.ParseStaffGrant(s.Data); err == nil {
			what += fmt.Sprintf(" of %s (%s) as %s", g.Name, g.Account.Hex(), grantWhere(g))
		}
	case s.Corrects != nil:
		what += fmt.Sprintf(" correcting entry %d", *s.Corrects)
	case s.Concerns != nil && s.Type == marketplace.StepQueryAnswer:
		what += fmt.Sprintf(" to query %d", *s.Concerns)
	case s.Concerns != nil && s.Type == marketplace.StepQueryClose:
		what += fmt.Sprintf(": query %d", *s.Concerns)
	case s.Concerns != nil:
		what += fmt.Sprintf(" on entry %d", *s.Concerns)
	}
	if s.Item != "" {
		what += " (item " + s.Item + ")"
	}
	if s.Subject != "" && s.Concerns == nil {
		what += " for subject " + s.Subject
	}
	if s.Site != "" {
		what += " at site " + s.Site
	}
	if s.Reason != "" {
		what += fmt.Sprintf(" (reason: %s)", s.Reason)
	}
	return what
}

// grantWhere is a grant's role and where it holds.
func grantWhere(g marketplace.StaffGrant) string {
	if g.Site == "" {
		return g.Role.Label() + " for every site"
	}
	return g.Role.Label() + " at site " + g.Site
}

package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// trialOut is a trial as `trial list --json` and `trial show --json` print it.
type trialOut struct {
	marketplace.Trial
	Entries    uint64     `json:"entries"`
	Anchored   uint64     `json:"anchored"`
	AnchorTx   string     `json:"anchor_tx,omitempty"`
	AnchorAt   *time.Time `json:"anchor_time,omitempty"`
	LastError  string     `json:"anchor_error,omitempty"`
	Unanchored uint64     `json:"unanchored"`
}

// newTrialOut is s as the trial commands print it.
func newTrialOut(s app.TrialSummary) trialOut {
	j := trialOut{Trial: s.Trial, Entries: s.Log.Size, Unanchored: s.Log.Unanchored, LastError: s.Log.LastError}
	if an := s.Log.Anchor; an != nil {
		j.Anchored, j.AnchorTx, j.AnchorAt = an.TreeSize, an.TxHash.Hex(), &an.Time
	}
	return j
}

// newTrialListCmd builds `trial list`: the trials registered here.
func newTrialListCmd(c *cli) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the trials registered from this node",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			ts, err := a.Trials(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]trialOut, len(ts))
				for i, t := range ts {
					out[i] = newTrialOut(t)
				}
				return writeJSON(c, out)
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "IDENTIFIER\tENTRIES\tANCHORED\tTITLE\tID\n")
			for _, t := range ts {
				j := newTrialOut(t)
				fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\n", t.Identifier, j.Entries, j.Anchored, t.Title, t.ID.Hex())
			}
			return w.Flush()
		}}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// newTrialShowCmd builds `trial show`: a trial, its anchoring and its steps.
func newTrialShowCmd(c *cli) *cobra.Command {
	var asJSON bool
	var typ, subject, trial string
	var f app.StepFilter
	cmd := &cobra.Command{
		Use:   "show TRIAL [--type TYPE] [--subject ID]",
		Short: "Show a trial, its anchoring and its steps",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) error {
			trial = args[0]
			f = app.StepFilter{Subject: subject}
			if typ != "" {
				t, err := marketplace.ParseStepType(typ)
				if err != nil {
					return err
				}
				f.Type = t
			}
			return nil
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			t, err := a.Trial(ctx, trial)
			if err != nil {
				return err
			}
			es, err := a.TrialSteps(ctx, trial, f)
			if err != nil {
				return err
			}
			if asJSON {
				steps := make([]marketplace.Step, len(es))
				for i, e := range es {
					steps[i] = e.Step
				}
				return writeJSON(c, struct {
					trialOut
					Steps []marketplace.Step `json:"steps"`
				}{newTrialOut(t), steps})
			}
			j := newTrialOut(t)
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "trial\t%s\t%s\n", t.Identifier, t.Title)
			fmt.Fprintf(w, "id\t%s\n", t.ID.Hex())
			fmt.Fprintf(w, "sponsor\t%s\n", t.Sponsor.Hex())
			for _, p := range t.Protocols {
				fmt.Fprintf(w, "protocol v%d\t%s\t%s, block %d\n", p.Version, p.SHA256.Hex(), p.Name, p.Block)
			}
			fmt.Fprintf(w, "entries\t%d (%d anchored)\n", j.Entries, j.Anchored)
			if j.AnchorAt != nil {
				fmt.Fprintf(w, "last anchor\tblock %d at %s (tx %s)\n", t.Log.Anchor.Block, j.AnchorAt.Format(time.RFC3339), j.AnchorTx)
			}
			if j.LastError != "" {
				fmt.Fprintf(w, "anchoring\t%s\n", j.LastError)
			}
			w.Flush()
			fmt.Fprintln(c.stdout)
			w = tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "#\tWHEN (UTC)\tTYPE\tSUBJECT\tMEANING\tCORRECTS\tDATA\n")
			for _, e := range es {
				s := e.Step
				corr := ""
				if s.Corrects != nil {
					corr = fmt.Sprintf("%d: %s", *s.Corrects, s.Reason)
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Index, s.When.Format("2006-01-02 15:04:05"), s.Type, s.Subject, s.Meaning, corr, s.Data)
			}
			return w.Flush()
		}}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&typ, "type", "", "only steps of this type")
	cmd.Flags().StringVar(&subject, "subject", "", "only steps of this subject (id or pseudonym)")
	return cmd
}

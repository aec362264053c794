package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newTrialDesignCmd builds `trial design` and its subcommands import and
// show: the study design (events, forms, typed items) imported from CDISC
// ODM 1.3.2 metadata and signed into the trial's log.
func newTrialDesignCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "design",
		Short: "The study design: events, forms and typed items, from CDISC ODM 1.3.2 metadata",
		Long: `A trial's study design says what is collected: its events (screening,
baseline, week 4...), the forms filled in at each, and every form's items
with their type, unit, range, code list and whether they are required. The
sponsor imports it from the Study/MetaDataVersion of a CDISC ODM 1.3.2 file
and signs it into the trial's log; each import is a new version. Once there
is a design, 'trial import' maps ODM ClinicalData, and CSV files imported
with form=FORMOID in --map, onto the design's items: every value typed and
range-checked, a bad one refused with its element or row and the item.`,
	}
	cmd.AddCommand(newTrialDesignImportCmd(c), newTrialDesignShowCmd(c))
	return cmd
}

// newTrialDesignImportCmd builds `trial design import`.
func newTrialDesignImportCmd(c *cli) *cobra.Command {
	var as, trial, file string
	var f *os.File
	cmd := &cobra.Command{
		Use:   "import --trial TRIAL --file STUDY.xml --as NAME",
		Short: "Import the study design from a CDISC ODM 1.3.2 file and record it; prints its version",
		Long: `Read the last MetaDataVersion of the file's first Study: StudyEventDefs
(in Protocol order), FormDefs with their ItemGroups flattened, ItemDefs
(DataType, Question, MeasurementUnit, CodeList, Hard RangeChecks). What cannot
be kept faithfully (e.g. GT on a float, a range check by FormalExpression) is
refused, naming the element, and nothing is recorded. The design is signed
with the sponsor's key as a study_design entry of the trial's log.`,
		Args: cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) (err error) {
			f, err = openFileArg("--file", file)
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			defer f.Close()
			d, n, err := a.ImportTrialDesign(ctx, who.actor(), trial, f)
			if err != nil {
				return err
			}
			items := 0
			for _, fo := range d.Forms {
				items += len(fo.Items)
			}
			_, err = fmt.Fprintf(c.stdout, "study design version %d: %s, %d events, %d forms, %d items\n", n, d.Name, len(d.Events), len(d.Forms), items)
			return err
		}}),
	}
	asFlag(cmd, &as, "the sponsor's account, which signs the design")
	cmd.Flags().StringVar(&trial, "trial", "", "the trial's id (0x...) or identifier")
	cmd.Flags().StringVar(&file, "file", "", "the CDISC ODM 1.3.2 file with the study's metadata")
	for _, fl := range []string{"trial", "file"} {
		_ = cmd.MarkFlagRequired(fl) // defined just above
	}
	return cmd
}

// designOut is a design as `trial design show --json` prints it.
type designOut struct {
	Version int                     `json:"version"`
	Design  marketplace.StudyDesign `json:"design"`
}

// newTrialDesignShowCmd builds `trial design show`.
func newTrialDesignShowCmd(c *cli) *cobra.Command {
	var trial string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show --trial TRIAL [--json]",
		Short: "Show the study design in force: events, forms and items with type, unit, range and required",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			d, n, err := a.TrialDesign(ctx, trial)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c, designOut{Version: n, Design: d})
			}
			return writeDesign(c.stdout, d, n)
		}}),
	}
	cmd.Flags().StringVar(&trial, "trial", "", "the trial's id (0x...) or identifier")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("trial") // defined just above
	return cmd
}

// writeDesign prints d for people: events with their forms, then each
// form's items.
func writeDesign(w io.Writer, d marketplace.StudyDesign, n int) error {
	fmt.Fprintf(w, "%s (version %d", d.Name, n)
	if d.OID != "" {
		fmt.Fprintf(w, ", %s", d.OID)
	}
	fmt.Fprintln(w, ")")
	if len(d.Events) > 0 {
		fmt.Fprintln(w, "\nEvents:")
		for _, e := range d.Events {
			fmt.Fprintf(w, "  %s  %s: %s\n", e.OID, e.Name, strings.Join(e.Forms, ", "))
		}
	}
	for _, f := range d.Forms {
		fmt.Fprintf(w, "\nForm %s  %s (%s)\n", f.OID, f.Name, f.StepType().Label())
		for _, it := range f.Items {
			fmt.Fprintf(w, "  %-12s %-30s %s\n", it.OID, it.Label, itemSummary(it))
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// itemSummary is an item's type, unit, range, length, codes and whether
// it is required, in a few words.
func itemSummary(it marketplace.ItemDef) string {
	parts := []string{string(it.Type)}
	if it.Unit != "" {
		parts = append(parts, it.Unit)
	}
	switch {
	case it.Min != nil && it.Max != nil:
		parts = append(parts, *it.Min+".."+*it.Max)
	case it.Min != nil:
		parts = append(parts, ">= "+*it.Min)
	case it.Max != nil:
		parts = append(parts, "<= "+*it.Max)
	}
	if it.Length > 0 {
		parts = append(parts, fmt.Sprintf("max %d chars", it.Length))
	}
	if len(it.Choices) > 0 {
		cs := make([]string, len(it.Choices))
		for i, ch := range it.Choices {
			cs[i] = ch.Code + "=" + ch.Label
		}
		parts = append(parts, "["+strings.Join(cs, ", ")+"]")
	}
	if it.Required {
		parts = append(parts, "required")
	}
	return strings.Join(parts, ", ")
}

package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// savedConfigOut is a saved configuration as `configs list --json` prints it.
type savedConfigOut struct {
	Name    string   `json:"name"`
	Preset  string   `json:"preset"`
	K       int      `json:"k,omitempty"` // the custom preset's privacy model
	Tables  []string `json:"tables"`      // "" is a one-table file (a CSV)
	Updated string   `json:"updated"`     // RFC 3339
}

// newConfigsCmd builds `configs list`, `configs show` and `configs delete`:
// the CLI's side of the wizard's saved settings, so that a configuration
// saved in the UI anonymizes the next file with `anonymize --config`.
func newConfigsCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "configs", Short: "An account's saved release configurations (the wizard's saved settings): list, show as YAML, delete"}

	var listAs string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list --as NAME",
		Short: "List the saved configurations of an account",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			owner, err := accountNamed(ctx, a, listAs)
			if err != nil {
				return err
			}
			cs, err := a.SavedConfigs(ctx, owner)
			if err != nil {
				return err
			}
			out := make([]savedConfigOut, len(cs))
			for i, sc := range cs {
				out[i] = savedConfigOut{Name: sc.Name, Preset: sc.Preset, Tables: sc.Tables(), Updated: sc.Updated.Format(time.RFC3339)}
				if sc.Privacy != nil {
					out[i].K = sc.Privacy.K
				}
			}
			if asJSON {
				return writeJSON(c, out)
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "NAME\tPRESET\tTABLES\tUPDATED\n")
			for _, o := range out {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", o.Name, o.Preset, tablesText(o.Tables), o.Updated)
			}
			return w.Flush()
		}}),
	}
	list.Flags().StringVar(&listAs, "as", "", "account")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = list.MarkFlagRequired("as") // the flag is defined just above

	var showAs, table, outFile, name string
	parseName := func(args []string) error {
		name = args[0]
		return app.ValidateConfigName(name) // before anything is asked or opened
	}
	show := &cobra.Command{
		Use:   "show --as NAME CONFIG [--table T] [--out FILE]",
		Short: "Print a saved configuration as the YAML `anonymize --config FILE` reads (every table's columns, or --table's)",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: parseName, run: func(ctx context.Context, a *app.App, _ account) error {
			owner, err := accountNamed(ctx, a, showAs)
			if err != nil {
				return err
			}
			sc, err := a.SavedConfig(ctx, owner, name)
			if err != nil {
				return err
			}
			y, err := sc.YAML(table)
			if err != nil {
				return err
			}
			if outFile == "" {
				_, err = c.stdout.Write(y)
				return err
			}
			if err := os.WriteFile(outFile, y, 0o600); err != nil {
				return marketplace.Errorf(marketplace.EINVALID, "--out: %v", err)
			}
			return nil
		}}),
	}
	show.Flags().StringVar(&showAs, "as", "", "account")
	show.Flags().StringVar(&table, "table", "", "one table's columns only (a FHIR resource type)")
	show.Flags().StringVar(&outFile, "out", "", "write the YAML to this file instead of standard output")
	_ = show.MarkFlagRequired("as") // the flag is defined just above

	var deleteAs string
	del := &cobra.Command{
		Use:   "delete --as NAME CONFIG",
		Short: "Delete a saved configuration",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: parseName, unlock: unlockAs(&deleteAs), run: func(ctx context.Context, a *app.App, who account) error {
			if err := a.DeleteSavedConfig(ctx, who.actor(), name); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "configuration %q deleted\n", name)
			return err
		}}),
	}
	asFlag(del, &deleteAs, "account")

	cmd.AddCommand(list, show, del)
	return cmd
}

func tablesText(tables []string) string {
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = t
		if t == "" {
			out[i] = "(one table)"
		}
	}
	return strings.Join(out, ",")
}

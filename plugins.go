package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
)

func newPluginsCmd(c *cli) *cobra.Command {
	var dirs []string
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "List, trust and untrust anonymizer and trial recorder plugins",
		Long: `Plugins are programs medmarket runs in their own process: the built-in
transforms and trial recorders (form, csv, odm), and third-party plugins from
<data dir>/plugins or --plugins DIR: anonymizers (pipeline steps) and
recorders ("trial import --recorder NAME").
A third-party plugin runs only once trusted: "trust" pins its binary by
SHA-256 in <data dir>/trusted-plugins.json, and a changed binary is refused
until trusted again.`,
	}
	cmd.PersistentFlags().StringArrayVar(&dirs, "plugins", nil, "another directory of plugins (repeatable)")
	withAnonymizer := func(cmd *cobra.Command, f func(a *app.Anonymizer) error) error {
		cfg, err := c.config()
		if err != nil {
			return err
		}
		a, err := app.NewAnonymizer(cfg.DataDir, app.AnonymizerOptions{PluginDirs: dirs})
		if err != nil {
			return err
		}
		return errors.Join(f(a), a.Close())
	}

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List built-in and third-party plugins with their hash and trust state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAnonymizer(cmd, func(a *app.Anonymizer) error {
				infos, err := a.Plugins(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(c.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(infos)
				}
				tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tKIND\tSTATE\tVERSION\tSHA-256\tPATH")
				for _, i := range infos {
					sum := i.SHA256
					if sum == "" {
						sum = "-"
					}
					path := i.Path
					if path == "" {
						path = "(this binary)"
					}
					kinds := make([]string, len(i.Kinds))
					for k, kind := range i.Kinds {
						kinds[k] = string(kind)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", i.Name, orDash(strings.Join(kinds, ",")), i.State, orDash(i.Version), sum, path)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var name string
	trust := &cobra.Command{
		Use:   "trust PATH [--name NAME]",
		Short: "Pin a plugin binary by its SHA-256 so pipelines and trial imports may use it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAnonymizer(cmd, func(a *app.Anonymizer) error {
				e, err := a.TrustPlugin(cmd.Context(), args[0], name)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(c.stdout, "trusted %s: %s sha256:%s\n", e.Name, e.Path, e.SHA256)
				return err
			})
		},
	}
	trust.Flags().StringVar(&name, "name", "", "name pipelines and --recorder call the plugin by (default: the name it gives itself)")

	untrust := &cobra.Command{
		Use:   "untrust NAME",
		Short: "Remove a plugin from the allow-list",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAnonymizer(cmd, func(a *app.Anonymizer) error {
				if err := a.UntrustPlugin(args[0]); err != nil {
					return err
				}
				_, err := fmt.Fprintf(c.stdout, "untrusted %s\n", args[0])
				return err
			})
		},
	}
	cmd.AddCommand(list, trust, untrust)
	return cmd
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

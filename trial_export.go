package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newTrialExportCmd builds `trial export`: the audit trail auditors verify.
func newTrialExportCmd(c *cli) *cobra.Command {
	var out, format, trial string
	cmd := &cobra.Command{
		Use:   "export TRIAL --out FILE [--format json|csv]",
		Short: "Export the audit trail: entries with proofs, checkpoints and anchors (JSON), or the steps as CSV",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) error {
			trial = args[0]
			if format != "json" && format != "csv" {
				return marketplace.Errorf(marketplace.EINVALID, "--format: %q is not json or csv.", format)
			}
			return nil
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			e, err := a.ExportTrial(ctx, trial)
			if err != nil {
				return err
			}
			if err := writeFileAtomic(c.stdout, out, func(w io.Writer) error {
				if format == "csv" {
					return app.WriteTrialCSV(w, e)
				}
				return app.WriteTrialExport(w, e)
			}); err != nil {
				return err
			}
			anchored := "not anchored yet"
			if n := len(e.Anchors); n > 0 {
				last := e.Anchors[n-1]
				anchored = fmt.Sprintf("anchored in block %d", last.Block)
				if e.TreeSize > last.TreeSize {
					anchored = fmt.Sprintf("anchored up to %d in block %d, the rest not anchored yet", last.TreeSize, last.Block)
				}
			}
			if out == "-" {
				return nil // the export alone on standard output
			}
			_, err = fmt.Fprintf(c.stdout, "exported %d entries of %s to %s (checkpoint %d, %s)\nlog key %s (auditors pin it offline: medmarket verify --key)\n",
				len(e.Entries), e.Trial.Identifier, out, e.TreeSize, anchored, e.VerifierKey)
			return err
		}}),
	}
	cmd.Flags().StringVar(&out, "out", "", "the file to write (- for standard output)")
	cmd.Flags().StringVar(&format, "format", "json", "json (verifiable, with proofs) or csv (the steps, for reading)")
	cmd.MarkFlagRequired("out")
	return cmd
}

// writeFileAtomic writes path through a temporary file renamed into place;
// "-" writes to standard output.
func writeFileAtomic(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".export-*")
	if err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "--out: cannot write in %s", dir)
	}
	defer func() { _ = os.Remove(f.Name()) }()
	bw := bufio.NewWriter(f)
	err = write(bw)
	err = errors.Join(err, bw.Flush(), f.Sync(), f.Close())
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "--out: cannot write %s", path)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newVerifyCmd builds `verify`: an exported audit trail checked as an
// auditor would, against the chain or offline.
func newVerifyCmd(c *cli) *cobra.Command {
	var bundle, key string
	var offline, quiet bool
	var e *app.TrialExport
	var pinned string
	cmd := &cobra.Command{
		Use:   "verify --bundle EXPORT [--key KEY] [--chain-rpc URL | --offline]",
		Short: "Verify an exported trial audit trail; exit 0 when every entry, checkpoint and anchor verifies, 7 when verification fails",
		Long: `Verify a trial's exported audit trail (medmarket trial export), as an auditor:
every entry's inclusion proof, the sponsor's signature on every step, the
checkpoints' signatures and consistency, and, against the chain (the embedded
chain of the data dir, or any Ethereum node with --chain-rpc): the anchors, the
protocol registrations, the log key registered with the trial, and that the
export reaches the chain's latest anchor of the trial (an export cut back to an
earlier anchor fails, naming the missing entries). Entries after the latest
anchor are a warning, not a failure.

--offline skips the chain. The checkpoints are then checked with the log key
given with --key (the key string, or a file holding it): without it, offline
verification fails, since the key carried inside an export proves nothing.

It prints one line per entry, checkpoint and anchor (failures and warnings
only with --quiet) and a summary. Exit status 7: the verification failed
(the lines say which entry, checkpoint or anchor and why); 2: the input is
not an export.`,
		Args: cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) (err error) {
			if e, err = app.ReadTrialExportFile(bundle); err != nil {
				return err
			}
			pinned, err = readLogKey(key)
			return err
		}, offline: &offline, run: func(ctx context.Context, a *app.App, _ account) error {
			var rep *app.VerifyReport
			var err error
			if a == nil {
				rep, err = app.VerifyTrialExportOffline(ctx, e, pinned)
			} else {
				rep, err = a.VerifyTrialExport(ctx, e, pinned)
			}
			if rep == nil {
				return err
			}
			if werr := printVerifyReport(c.stdout, rep, quiet, offline); err == nil && werr != nil {
				return fmt.Errorf("write the report: %w", werr)
			}
			if err != nil && marketplace.ErrorCode(err) == marketplace.EINVALID {
				return verificationFailed{rep.Err()}
			}
			return err
		}}),
	}
	cmd.Flags().StringVar(&bundle, "bundle", "", "the exported audit trail (JSON)")
	cmd.Flags().StringVar(&key, "key", "", "the trial log's verifier key (name+hash+base64), or a file holding it: pins the key the checkpoints must be signed with")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not ask the chain (proofs, signatures with --key, and checkpoints only)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print failures, warnings and the summary only")
	_ = cmd.MarkFlagRequired("bundle") // the flag is defined just above
	return cmd
}

// printVerifyReport prints one line per finding (failures and warnings
// only when quiet) and the summary; it returns the first write error.
func printVerifyReport(w io.Writer, rep *app.VerifyReport, quiet, offline bool) error {
	var werr error
	line := func(s string) {
		if werr == nil {
			_, werr = fmt.Fprintln(w, s)
		}
	}
	for _, f := range rep.Findings {
		if !quiet || !f.OK || f.Warning {
			line(f.String())
		}
	}
	line(rep.Summary())
	if offline {
		line("offline: the anchors were not compared with the chain, so an export cut back to an earlier anchor cannot be told from a whole one")
	}
	return werr
}

// readLogKey returns the --key value: a note verifier key, or the content of
// the file it names. A value that parses as a verifier key is one, whatever
// files lie about (a key's name is a path-like origin such as
// medmarket/ledger/…).
func readLogKey(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if _, err := note.NewVerifier(v); err == nil {
		return v, nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return "", marketplace.Errorf(marketplace.EINVALID, "--key: %q is neither a log verifier key (name+hash+base64) nor a readable file.", v)
	}
	return strings.TrimSpace(string(b)), nil
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

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
		newTrialAnchorCmd(c), newTrialListCmd(c), newTrialShowCmd(c), newTrialExportCmd(c))
	return cmd
}

// credentials asks for the passphrase of the --as account.
func openFileArg(flag, path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "%s: cannot read %s", flag, path)
	}
	return f, nil
}

func newTrialRegisterCmd(c *cli) *cobra.Command {
	var as, title, id, protocol string
	var f *os.File
	cmd := &cobra.Command{
		Use:   "register --as NAME --title TITLE --id IDENTIFIER --protocol FILE",
		Short: "Register a trial: the protocol's SHA-256 goes on chain; prints the trial id",
		Args:  cobra.NoArgs,
		RunE: c.runAs(&as, func([]string) (err error) {
			f, err = openFileArg("--protocol", protocol)
			return err
		}, func(ctx context.Context, a *app.App, who app.Actor) error {
			defer f.Close()
			t, err := a.RegisterTrial(ctx, who, title, id, filepath.Base(protocol), f)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, t.ID.Hex())
			p := t.Protocols[0]
			fmt.Fprintf(c.stderr, "registered %s: protocol sha256 %s in block %d (tx %s)\n", t.Identifier, p.SHA256.Hex(), p.Block, p.TxHash.Hex())
			return nil
		}),
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

func newTrialAmendCmd(c *cli) *cobra.Command {
	var as, protocol, trial string
	var f *os.File
	cmd := &cobra.Command{
		Use:   "amend TRIAL --as NAME --protocol FILE",
		Short: "Register a new protocol version on chain and record the amendment",
		Args:  cobra.ExactArgs(1),
		RunE: c.runAs(&as, func(args []string) (err error) {
			trial = args[0]
			f, err = openFileArg("--protocol", protocol)
			return err
		}, func(ctx context.Context, a *app.App, who app.Actor) error {
			defer f.Close()
			p, err := a.AmendTrial(ctx, who, trial, filepath.Base(protocol), f)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "protocol version %d: sha256 %s in block %d (tx %s)\n", p.Version, p.SHA256.Hex(), p.Block, p.TxHash.Hex())
			return err
		}),
	}
	asFlag(cmd, &as, "the sponsor's account")
	cmd.Flags().StringVar(&protocol, "protocol", "", "the new protocol document")
	cmd.MarkFlagRequired("protocol")
	return cmd
}

func newTrialRecordCmd(c *cli) *cobra.Command {
	var as, typ, subject, data, meaning, reason, protocol, trial string
	var corrects int64
	var attach []string
	var in app.StepInput
	var cmd *cobra.Command
	cmd = &cobra.Command{
		Use:   "record TRIAL --as NAME --type TYPE [--subject ID] [--data JSON] [--meaning authored|reviewed|approved]",
		Short: "Record one signed step; prints its index",
		Long: `Record one step of a trial, signed with the sponsor's key. Types: ` + stepTypeNames() + `.
The subject id (e.g. S-001) is stored only as a keyed pseudonym; ids that look
like e-mails, phone or social security numbers are refused. --corrects N with
--reason records a correction of entry N, which stays in the log.`,
		Args: cobra.ExactArgs(1),
		RunE: c.runAs(&as, func(args []string) error {
			trial = args[0]
			in = app.StepInput{Ref: "step", Type: typ, Subject: subject, Meaning: meaning, Reason: reason, Protocol: protocol,
				Source: marketplace.StepSource{Recorder: "cli"}}
			if data != "" {
				in.Data = json.RawMessage(data)
			}
			if cmd.Flags().Changed("corrects") {
				if corrects < 0 {
					return marketplace.Errorf(marketplace.EINVALID, "--corrects: %d is not an entry index.", corrects)
				}
				n := uint64(corrects)
				in.Corrects = &n
			}
			for _, path := range attach {
				d, err := documentOf(path)
				if err != nil {
					return err
				}
				in.Documents = append(in.Documents, d)
			}
			return nil
		}, func(ctx context.Context, a *app.App, who app.Actor) error {
			es, err := a.RecordTrialSteps(ctx, who, trial, []app.StepInput{in})
			if err != nil {
				return err
			}
			s := es[0].Step
			fmt.Fprintln(c.stdout, es[0].Index)
			fmt.Fprintf(c.stderr, "entry %d: %s %s, %s by %s at %s\n", es[0].Index, s.Type.Label(), s.Subject, s.Meaning, s.Who.Hex(), s.When.Format(time.RFC3339))
			return nil
		}),
	}
	asFlag(cmd, &as, "the sponsor's account, which signs the step")
	cmd.Flags().StringVar(&typ, "type", "", "step type")
	cmd.Flags().StringVar(&subject, "subject", "", "subject id (stored as a pseudonym)")
	cmd.Flags().StringVar(&data, "data", "", "structured payload, a JSON object")
	cmd.Flags().StringVar(&meaning, "meaning", "authored", "signature meaning: authored, reviewed or approved")
	cmd.Flags().Int64Var(&corrects, "corrects", 0, "index of the earlier entry this step corrects (needs --reason)")
	cmd.Flags().StringVar(&reason, "reason", "", "reason for the change")
	cmd.Flags().StringVar(&protocol, "protocol", "", "protocol version the step refers to (consent: the version consented to); default the current one")
	cmd.Flags().StringArrayVar(&attach, "attach", nil, "a document the step refers to, recorded by its SHA-256 (repeatable)")
	cmd.MarkFlagRequired("type")
	return cmd
}

func stepTypeNames() string {
	var names []string
	for _, t := range marketplace.StepTypes() {
		if t.Recordable() {
			names = append(names, string(t))
		}
	}
	return strings.Join(names, ", ")
}

// documentOf hashes a file for a step's documents.
func documentOf(path string) (marketplace.Document, error) {
	f, err := openFileArg("--attach", path)
	if err != nil {
		return marketplace.Document{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return marketplace.Document{}, marketplace.Wrap(marketplace.EINVALID, err, "--attach: cannot read %s", path)
	}
	return marketplace.Document{Name: filepath.Base(path), SHA256: common.Hash(h.Sum(nil)), Size: n}, nil
}

func newTrialImportCmd(c *cli) *cobra.Command {
	var as, recorder, in, mapFile string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import TRIAL --as NAME --recorder odm|csv|PLUGIN --in FILE [--map CONFIG]",
		Short: "Record every step of a CDISC ODM 1.3.2 or CSV file, all or none",
		Long: `Import steps with a recorder: odm (CDISC ODM 1.3.2 ClinicalData; AuditRecord and
Signature give who, when, why and the signature meaning) or csv (one step per
row). --map is a JSON object or key=value lines: for csv the column mapping
(type, subject, meaning, corrects, reason, actor, at, key, data, default_type,
default_meaning), for odm type.<FormOID>=<step type> and default_type.
--recorder may also name a trusted third-party recorder plugin ("medmarket
plugins trust PATH"); it runs isolated, pinned by its SHA-256. A
malformed file or any refused step appends nothing and names the row or element.
--dry-run shows the steps without recording them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := readRecorderConfig(mapFile)
			if err != nil {
				return err
			}
			f, err := openFileArg("--in", in)
			if err != nil {
				return err
			}
			defer f.Close()
			var cred app.Actor
			if !dryRun {
				if cred, err = c.actor(as); err != nil {
					return err
				}
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				ins, err := a.ParseTrialImport(cmd.Context(), recorder, f, cfg)
				if err != nil {
					return err
				}
				if dryRun {
					pre, err := a.PreviewTrialSteps(cmd.Context(), as, args[0], ins)
					w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
					for _, p := range pre {
						status := "ok"
						if p.Err != "" {
							status = "REFUSED: " + p.Err
						}
						fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", p.Step.Index, p.Ref, p.Step.Type, p.Step.Subject, status)
					}
					w.Flush()
					return err
				}
				es, err := a.RecordTrialSteps(cmd.Context(), cred, args[0], ins)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(c.stdout, "recorded %d steps: entries %d-%d\n", len(es), es[0].Index, es[len(es)-1].Index)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the sponsor's account, which signs the steps")
	cmd.Flags().StringVar(&recorder, "recorder", "", "recorder: "+strings.Join(app.RecorderNames(), ", ")+", or a trusted recorder plugin")
	cmd.Flags().StringVar(&in, "in", "", "the file to import")
	cmd.Flags().StringVar(&mapFile, "map", "", "recorder config: JSON object or key=value lines")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show the steps and their problems; record nothing")
	cmd.MarkFlagRequired("recorder")
	cmd.MarkFlagRequired("in")
	return cmd
}

// readRecorderConfig reads --map: a JSON object of strings, or key=value
// lines (# starts a comment).
func readRecorderConfig(path string) (app.RecorderConfig, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "--map: cannot read %s", path)
	}
	cfg := app.RecorderConfig{}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		if err := json.Unmarshal(t, &cfg); err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "--map %s: not a JSON object of strings: %v", path, err)
		}
		return cfg, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, marketplace.Errorf(marketplace.EINVALID, "--map %s line %d: want key=value.", path, n)
		}
		cfg[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return cfg, nil
}

func newTrialAnchorCmd(c *cli) *cobra.Command {
	var as, trial string
	cmd := &cobra.Command{
		Use:   "anchor TRIAL --as NAME",
		Short: "Anchor the trial log's checkpoint on chain now (one transaction for all new entries)",
		Args:  cobra.ExactArgs(1),
		RunE: c.runAs(&as, func(args []string) error {
			trial = args[0]
			return nil
		}, func(ctx context.Context, a *app.App, who app.Actor) error {
			rec, err := a.AnchorTrial(ctx, who, trial)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "anchored tree size %d, root %s in block %d (tx %s, gas %d)\n",
				rec.TreeSize, rec.RootHash.Hex(), rec.Block, rec.TxHash.Hex(), rec.GasUsed)
			return err
		}),
	}
	asFlag(cmd, &as, "the sponsor's account, which pays for the transaction")
	return cmd
}

type trialJSON struct {
	marketplace.Trial
	Entries    uint64     `json:"entries"`
	Anchored   uint64     `json:"anchored"`
	AnchorTx   string     `json:"anchor_tx,omitempty"`
	AnchorAt   *time.Time `json:"anchor_time,omitempty"`
	LastError  string     `json:"anchor_error,omitempty"`
	Unanchored uint64     `json:"unanchored"`
}

func newTrialJSON(s app.TrialSummary) trialJSON {
	j := trialJSON{Trial: s.Trial, Entries: s.Log.Size, Unanchored: s.Log.Unanchored, LastError: s.Log.LastError}
	if an := s.Log.Anchor; an != nil {
		j.Anchored, j.AnchorTx, j.AnchorAt = an.TreeSize, an.TxHash.Hex(), &an.Time
	}
	return j
}

func newTrialListCmd(c *cli) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the trials registered from this node",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				ts, err := a.Trials(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					out := make([]trialJSON, len(ts))
					for i, t := range ts {
						out[i] = newTrialJSON(t)
					}
					return writeJSON(c, out)
				}
				w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintf(w, "IDENTIFIER\tENTRIES\tANCHORED\tTITLE\tID\n")
				for _, t := range ts {
					j := newTrialJSON(t)
					fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\n", t.Identifier, j.Entries, j.Anchored, t.Title, t.ID.Hex())
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newTrialShowCmd(c *cli) *cobra.Command {
	var asJSON bool
	var typ, subject string
	cmd := &cobra.Command{
		Use:   "show TRIAL [--type TYPE] [--subject ID]",
		Short: "Show a trial, its anchoring and its steps",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var f app.StepFilter
			if typ != "" {
				t, err := marketplace.ParseStepType(typ)
				if err != nil {
					return err
				}
				f.Type = t
			}
			f.Subject = subject
			return c.withApp(cmd.Context(), func(a *app.App) error {
				t, err := a.Trial(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				es, err := a.TrialSteps(cmd.Context(), args[0], f)
				if err != nil {
					return err
				}
				if asJSON {
					steps := make([]marketplace.Step, len(es))
					for i, e := range es {
						steps[i] = e.Step
					}
					return writeJSON(c, struct {
						trialJSON
						Steps []marketplace.Step `json:"steps"`
					}{newTrialJSON(t), steps})
				}
				j := newTrialJSON(t)
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
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&typ, "type", "", "only steps of this type")
	cmd.Flags().StringVar(&subject, "subject", "", "only steps of this subject (id or pseudonym)")
	return cmd
}

func newTrialExportCmd(c *cli) *cobra.Command {
	var out, format string
	cmd := &cobra.Command{
		Use:   "export TRIAL --out FILE [--format json|csv]",
		Short: "Export the audit trail: entries with proofs, checkpoints and anchors (JSON), or the steps as CSV",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "json" && format != "csv" {
				return marketplace.Errorf(marketplace.EINVALID, "--format: %q is not json or csv.", format)
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				e, err := a.ExportTrial(cmd.Context(), args[0])
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
			})
		},
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

package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
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

// newTrialRecordCmd builds `trial record`: one signed step.
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
		RunE: c.command(action{parse: func(args []string) error {
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
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			es, err := a.RecordTrialSteps(ctx, who.actor(), trial, []app.StepInput{in})
			if err != nil {
				return err
			}
			s := es[0].Step
			fmt.Fprintln(c.stdout, es[0].Index)
			fmt.Fprintf(c.stderr, "entry %d: %s %s, %s by %s at %s\n", es[0].Index, s.Type.Label(), s.Subject, s.Meaning, s.Who.Hex(), s.When.Format(time.RFC3339))
			return nil
		}}),
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

// stepTypeNames lists the step types a user may record.
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

// newTrialImportCmd builds `trial import`: the steps of a file, all or none.
func newTrialImportCmd(c *cli) *cobra.Command {
	var as, recorder, in, mapFile, trial string
	var dryRun bool
	var cfg app.RecorderConfig
	var f *os.File
	cmd := &cobra.Command{
		Use:   "import TRIAL --as NAME --recorder odm|csv|PLUGIN --in FILE [--map CONFIG]",
		Short: "Record every step of a CDISC ODM 1.3.2 or CSV file, all or none",
		Long: `Import steps with a recorder: odm (CDISC ODM 1.3.2 ClinicalData; AuditRecord and
Signature give who, when, why and the signature meaning) or csv (one step per
row). --map is a JSON object or key=value lines: for csv the column mapping
(type, subject, meaning, corrects, reason, actor, at, key, data, default_type,
default_meaning; form and event map the rows onto a form of the study
design), for odm type.<FormOID>=<step type> and default_type. With a study
design ('trial design import'), values land on its items, typed and checked.
--recorder may also name a trusted third-party recorder plugin ("medmarket
plugins trust PATH"); it runs isolated, pinned by its SHA-256. A
malformed file or any refused step appends nothing and names the row or element.
--dry-run shows the steps without recording them.`,
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			trial = args[0]
			if cfg, err = readRecorderConfig(mapFile); err != nil {
				return err
			}
			f, err = openFileArg("--in", in)
			return err
		}, unlock: func([]string) *unlock {
			if dryRun {
				return nil // a dry run signs nothing
			}
			return &unlock{name: as}
		}, run: func(ctx context.Context, a *app.App, who account) error {
			defer f.Close()
			ins, err := a.ParseTrialImportFor(ctx, trial, recorder, f, cfg)
			if err != nil {
				return err
			}
			if dryRun {
				pre, err := a.PreviewTrialSteps(ctx, as, trial, ins)
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
			es, err := a.RecordTrialSteps(ctx, who.actor(), trial, ins)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "recorded %d steps: entries %d-%d\n", len(es), es[0].Index, es[len(es)-1].Index)
			return err
		}}),
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

// readRecorderConfig reads the --map file (app.ParseRecorderConfig).
func readRecorderConfig(path string) (app.RecorderConfig, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "--map: cannot read %s", path)
	}
	return app.ParseRecorderConfig(string(b), "--map "+path)
}

package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-plugin"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// envSecret holds the publisher's secret for keyed pseudonyms and date
// shifts; without it the presets remove record identifiers instead.
const envSecret = "MEDMARKET_PSEUDONYM_SECRET"

// progressMinBytes: inputs at least this large get a progress bar.
const progressMinBytes = 8 << 20

func newAnonymizeCmd(c *cli) *cobra.Command {
	var (
		req         app.AnonymizeRequest
		delimiter   string
		asOf        string
		qi, sens    []string
		hierarchies []string
		pluginDirs  []string
		ins         []string
		suggest     bool
		progress    string
		timeout     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "anonymize --in FILE --out FILE (--preset NAME | --config pipeline.yaml | --k N --qi COLS)",
		Short: "Anonymize a CSV file or FHIR bundle locally and report the risk left",
		Long: `Anonymize a CSV file or a FHIR R4 bundle on this machine: run a pipeline of
transforms (built-in or trusted plugins), measure the re-identification risk
and utility left, and check the policy. The output (CSV, or Parquet when --out
ends in .parquet; for FHIR one CSV per resource table in the --out directory)
is written only when the policy passes; otherwise the command exits with
status 2 and the policy's reasons, and writes nothing. Rows suppressed by the
privacy model are left out and counted in the report.

The pipeline comes from --config, or --preset (safe-harbor, safe-harbor-k5),
or --k with the quasi-identifiers (--qi) and their hierarchies (--hierarchy
COLUMN=FILE, ARX hierarchy CSVs). --suggest writes a starting config instead.
A FHIR input (a Bundle, NDJSON, a folder or several files) is one release:
every table is anonymized, the privacy model (k, l, t) is decided on the
Patient table's quasi-identifiers so it counts patients, a patient it
suppresses leaves every table, and one verdict covers every table. --out DIR
writes <table>.csv per table and manifest.json; --out FILE.zip the release
package (the same files in one ZIP). Keyed pseudonyms use the secret in
` + envSecret + `; with it, the release's tables are linked by one keyed
pseudonym per patient and each patient's dates shifted by one offset in every
table, so intervals survive; without it the patient key and joins are removed
and the tables do not link. FHIR resource types medmarket does not read are
named on stderr.`,
		Example: `  medmarket anonymize --in patients.csv --preset safe-harbor --out patients-sh.csv --report report.json
  medmarket anonymize --in adult.csv --delimiter ';' --k 5 --qi age,sex,race --sensitive occupation \
      --hierarchy age=adult_hierarchy_age.csv --out adult-k5.parquet
  medmarket anonymize --in patients.csv --suggest --out pipeline.yaml
  medmarket anonymize --in synthea-fhir/ --preset safe-harbor --out release/
  medmarket anonymize --in synthea-fhir/ --preset safe-harbor-k5 --out release.zip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			req.In = strings.Join(ins, ",")
			if delimiter != "" {
				r, n := utf8.DecodeRuneInString(delimiter)
				if delimiter == `\t` || delimiter == "tab" {
					r, n = '\t', len(delimiter)
				}
				if n != len(delimiter) {
					return usageError{fmt.Errorf("--delimiter: want one character, got %q", delimiter)}
				}
				req.Delimiter = r
			}
			req.QuasiIdentifiers = splitList(qi)
			req.Sensitive = splitList(sens)
			req.Hierarchies = map[string]string{}
			for _, h := range hierarchies {
				col, file, ok := strings.Cut(h, "=")
				if !ok || col == "" || file == "" {
					return usageError{fmt.Errorf("--hierarchy %q: want COLUMN=FILE", h)}
				}
				req.Hierarchies[col] = file
			}
			if s := c.getenv(envSecret); s != "" {
				req.Secret = []byte(s)
			}
			if asOf != "" {
				d, err := time.Parse("2006-01-02", asOf)
				if err != nil {
					return usageError{fmt.Errorf("--as-of %q: want a date, 2006-01-02", asOf)}
				}
				req.AsOf = d
			}
			cfg, err := c.config()
			if err != nil {
				return err
			}
			an, err := app.NewAnonymizer(cfg.DataDir, app.AnonymizerOptions{PluginDirs: pluginDirs, CallTimeout: timeout})
			if err != nil {
				return err
			}
			defer func() { err = errors.Join(err, an.Close()) }()
			// On SIGINT/SIGTERM main cancels the context: kill every plugin
			// at once, even one stuck in a call.
			stop := contextAfter(cmd, plugin.CleanupClients)
			defer stop()

			if suggest {
				y, err := an.SuggestConfig(cmd.Context(), req)
				if err != nil {
					return err
				}
				if req.Out == "" || req.Out == "-" {
					_, err = c.stdout.Write(y)
					return err
				}
				if err := writeConfigFile(req.Out, y); err != nil {
					return marketplace.Errorf(marketplace.EINVALID, "--out: %v", err)
				}
				fmt.Fprintf(c.stdout, "wrote %s\n", req.Out)
				return nil
			}
			bar := newProgressBar(c.stderr, req.In, progress)
			req.Progress = bar.update
			req.Warn = func(msg string) { fmt.Fprintf(c.stderr, "warning: %s\n", msg) }
			res, err := an.Anonymize(cmd.Context(), req)
			bar.finish()
			if err != nil {
				return err
			}
			if rr := res.Release; rr != nil {
				printRelease(c.stdout, rr)
			}
			for _, r := range res.Results {
				printReport(c.stdout, r)
			}
			for _, o := range res.Outputs {
				fmt.Fprintf(c.stdout, "wrote %s\n", o)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&ins, "in", nil, "input file: CSV or TSV, or FHIR R4 JSON (a Bundle or NDJSON); a folder (its *.json and *.ndjson files, not subfolders), several --in or comma-separated files of FHIR are read as one release")
	f.StringVar(&req.Format, "format", "", "input format: csv, tsv or fhir (default: recognised by content and extension)")
	f.StringVar(&delimiter, "delimiter", "", "CSV delimiter (default: detected)")
	f.StringVar(&req.Encoding, "encoding", "", "CSV encoding: utf-8, latin1 (Windows-1252) or utf-16 (default: UTF-8, UTF-16 with a byte-order mark, or Latin-1 detected)")
	f.StringVar(&req.ConfigFile, "config", "", "pipeline config (YAML)")
	f.StringVar(&req.Preset, "preset", "", "built-in pipeline: safe-harbor or safe-harbor-k5")
	f.IntVar(&req.K, "k", 0, "k-anonymity: every published row shares its quasi-identifiers with at least k-1 others")
	f.StringSliceVar(&qi, "qi", nil, "quasi-identifier columns (comma-separated; the only ones when given)")
	f.StringSliceVar(&sens, "sensitive", nil, "sensitive columns (comma-separated)")
	f.StringArrayVar(&hierarchies, "hierarchy", nil, "COLUMN=FILE: an ARX generalization hierarchy CSV (repeatable)")
	f.StringVar(&req.Out, "out", "", "output file (.csv or .parquet), a directory for a FHIR release (<table>.csv and manifest.json), a .zip for the release package, or the config with --suggest (default stdout)")
	f.StringVar(&req.Report, "report", "", "write the anonymization report (JSON) here")
	f.StringVar(&asOf, "as-of", "", "the release's reference date (2006-01-02), at which ages are counted (default today)")
	f.BoolVar(&suggest, "suggest", false, "write a starting pipeline config suggested from the data instead of anonymizing")
	f.BoolVar(&req.Isolated, "isolated", false, "run each built-in transform in a process of its own")
	f.StringArrayVar(&pluginDirs, "plugins", nil, "another directory of plugins (repeatable)")
	f.DurationVar(&timeout, "plugin-timeout", 10*time.Minute, "deadline of each call into a plugin; a plugin that does not answer in time is stopped")
	f.StringVar(&progress, "progress", "auto", "progress bar on stderr: auto (large inputs, terminal), always or never")
	return cmd
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// contextAfter runs f when the command's context is cancelled; the
// returned function stops that.
func contextAfter(cmd *cobra.Command, f func()) func() {
	ctx := cmd.Context()
	if ctx == nil {
		return func() {}
	}
	stop := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			f()
		case <-stop:
		}
	}()
	return func() { close(stop) }
}

func writeConfigFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// progressBar draws rows read and transforms done on one stderr line.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	sized bool // "auto" on a terminal: on once the input's size is known to be large
	last  time.Time
	drawn bool
}

// newProgressBar returns the bar for mode: "always", "never", or "auto":
// on a terminal, for an input of at least progressMinBytes. A file's size
// is known now; a folder's is the total of its files, which the first
// "read" event gives (Size).
func newProgressBar(w io.Writer, in, mode string) *progressBar {
	if mode != "auto" {
		return &progressBar{w: w, on: mode == "always"}
	}
	f, isFile := w.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return &progressBar{w: w}
	}
	return autoProgressBar(w, in)
}

// autoProgressBar is the "auto" bar on a terminal.
func autoProgressBar(w io.Writer, in string) *progressBar {
	st, err := os.Stat(in)
	if err == nil && st.Mode().IsRegular() {
		return &progressBar{w: w, on: st.Size() >= progressMinBytes}
	}
	return &progressBar{w: w, sized: true}
}

func (p *progressBar) update(e app.AnonymizeProgress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sized && e.Stage == "read" && e.Size > 0 {
		p.on, p.sized = e.Size >= progressMinBytes, false
	}
	if !p.on {
		return
	}
	if e.Stage == "read" && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	var line string
	switch e.Stage {
	case "read":
		line = fmt.Sprintf("reading %s: %s rows", e.Table, groupDigits(e.Rows))
	case "transform":
		line = fmt.Sprintf("anonymizing %s: [%s%s] step %d/%d %s", e.Table,
			strings.Repeat("#", e.Step-1), strings.Repeat(".", e.Steps-e.Step+1), e.Step, e.Steps, e.Transform)
	case "write":
		line = "writing"
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.drawn = true
}

func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func groupDigits(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// printRisk prints the attacker models' risks and the population
// uniqueness estimate.
func printRisk(w io.Writer, k anonymize.Risk) {
	pc := func(f float64) string { return strconv.FormatFloat(100*f, 'g', 3, 64) + " %" }
	fmt.Fprintf(w, "  risk: prosecutor highest %s, average %s, %s of records above %s\n",
		pc(k.Prosecutor.Highest), pc(k.Prosecutor.Average), pc(k.Prosecutor.RecordsAtRisk), pc(k.Threshold))
	j := fmt.Sprintf("sampling fraction %s", pc(k.SamplingFraction))
	if k.SamplingFraction == 1 {
		j = "sample taken as the population, so equal to prosecutor"
	}
	fmt.Fprintf(w, "  risk: journalist highest %s, average %s, %s of records above the threshold (%s); marketer %s\n",
		pc(k.Journalist.Highest), pc(k.Journalist.Average), pc(k.Journalist.RecordsAtRisk), j, pc(k.Marketer))
	if p := k.Population; p != nil {
		fmt.Fprintf(w, "  risk: %s estimated unique in a population of %.0f (%s)\n", pc(p.UniqueShare), p.PopulationSize, p.Note)
	}
}

// printReport prints a table's report in short: rows, k, risk and verdict,
// every column's treatment and loss, free text, and what to change when the
// risk is above the threshold.
// printRelease says what a release run released: patients, suppressed
// patients, and whether the tables link.
func printRelease(w io.Writer, rr *anonymize.ReleaseResult) {
	link := "tables linked by one keyed pseudonym per patient, dates shifted per patient"
	if !rr.Linked {
		link = "no " + envSecret + ": the patient key and joins were removed, the tables do not link"
	}
	fmt.Fprintf(w, "release: %d tables, %d patients, %d suppressed at patient level (from every table); %s\n",
		len(rr.Tables), rr.Patients, rr.SuppressedPatients, link)
}

func printReport(w io.Writer, r *anonymize.Result) {
	rep := r.Report
	verdict := r.Verdict.String()
	if r.Verdict.Pass && len(rep.Advice) > 0 {
		verdict += fmt.Sprintf(", but the highest risk is above %.0f %% (see below)", 100*rep.Risk.Threshold)
	}
	if v := r.Verdict; !v.Pass && v.Risk != nil && v.Risk.Alone && v.Risk.Default {
		verdict += fmt.Sprintf(" (written: the risk is the only reason; publishing it needs --accept-risk %.0f)", math.Ceil(100*v.Risk.Highest))
	}
	fmt.Fprintf(w, "%s: %d rows published, %d suppressed, k=%d, highest risk %.3g, policy %s\n",
		r.Table.Name, rep.Rows, rep.Suppressed, rep.MinClassSize, rep.Risk.Prosecutor.Highest, verdict)
	printRisk(w, rep.Risk)
	for _, t := range rep.Treatments {
		fmt.Fprintf(w, "  column %s: %s, %.1f %% of its information lost\n", t.Column, t.Treatment, 100*t.Loss)
	}
	for _, f := range rep.FreeText {
		fmt.Fprintf(w, "  free text %s\n", f)
	}
	for _, a := range rep.Advice {
		fmt.Fprintf(w, "  risk above %.0f %%: %s\n", 100*rep.Risk.Threshold, a)
	}
}

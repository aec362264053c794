package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/plugins"
)

// Anonymizer runs anonymization pipelines on files with the node's
// plugins: built-ins in process or isolated, and the third-party plugins the
// user trusted. It needs only the data directory, not the chain.
type Anonymizer struct {
	dataDir string
	host    *plugins.Host
	now     func() time.Time
}

// AnonymizerOptions configure NewAnonymizer.
type AnonymizerOptions struct {
	// PluginDirs are searched for plugins besides <data dir>/plugins.
	PluginDirs []string
	// CallTimeout bounds each call into a plugin (0: the host's default).
	CallTimeout time.Duration
	// PluginLog receives the plugins' log lines (nil: discarded).
	PluginLog io.Writer
	// Now is the clock that dates a release when the request does not
	// (AnonymizeRequest.AsOf); nil: time.Now.
	Now func() time.Time
}

// NewAnonymizer returns an Anonymizer on dataDir; Close stops its plugins.
func NewAnonymizer(dataDir string, opt AnonymizerOptions) (*Anonymizer, error) {
	h, err := newPluginHost(dataDir, plugins.Options{Dirs: opt.PluginDirs, CallTimeout: opt.CallTimeout, Log: opt.PluginLog})
	if err != nil {
		return nil, err
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	return &Anonymizer{dataDir: dataDir, host: h, now: now}, nil
}

// Close stops every plugin the Anonymizer started.
func (a *Anonymizer) Close() error { return a.host.Close() }

// AnonymizeRequest says what to anonymize, how, and where the result goes.
// The pipeline comes from ConfigFile, else Preset, else K; the flags-style
// fields (Preset, K, QuasiIdentifiers, Sensitive, Hierarchies) refine a
// config file.
type AnonymizeRequest struct {
	In        string
	Format    string // "csv", "fhir" or "" (by extension: .json and .ndjson are FHIR)
	Delimiter rune   // CSV input; 0 detects it
	Encoding  string // CSV input: "" detects it, else utf-8, latin1 or utf-16

	ConfigFile       string
	Preset           string
	K                int
	QuasiIdentifiers []string
	Sensitive        []string
	Hierarchies      map[string]string // column -> ARX hierarchy CSV file
	// Secret is the publisher's key for pseudonyms and date shifts; without
	// one the presets remove record identifiers instead.
	Secret []byte
	// Isolated runs each built-in transform in a process of its own.
	Isolated bool
	// AsOf is the release's reference date, at which Safe Harbor counts
	// ages (birth years implying an age over 89 become "90+"); zero: today
	// by the Anonymizer's clock.
	AsOf time.Time

	// Out is a file (.csv, or .parquet for Parquet) for one table, or a
	// directory for the tables of a FHIR input (one <table>.csv each, and
	// for a release manifest.json), or a .zip file: the release package
	// (anonymize.WriteReleaseZIP).
	Out string
	// Report, when set, receives the report as JSON.
	Report string
	// Progress, when set, hears about rows read and steps started.
	Progress func(AnonymizeProgress)
	// Warn, when set, hears what the read skipped: FHIR resource types
	// medmarket does not read, by name and count.
	Warn func(string)
}

// AnonymizeProgress is one progress event.
type AnonymizeProgress struct {
	Stage     string // "read", "transform" or "write"
	Table     string
	Rows      int   // rows read so far (read)
	Bytes     int64 // bytes read so far (read, previews of a file)
	Size      int64 // the file's size (read, previews of a file)
	Step      int   // 1-based step starting (transform)
	Steps     int
	Transform string
}

// AnonymizeResult lists what was written and the runs' results.
type AnonymizeResult struct {
	Outputs []string
	Results []*anonymize.Result
	// Release is the release's result when the input was anonymized as
	// one (a FHIR input with a Patient table, or a .zip output); Results
	// are then its tables'.
	Release *anonymize.ReleaseResult
}

// Anonymize reads req.In, runs the pipeline, checks the policy and writes
// the output and the report. Nothing is written unless every table passes
// the policy: outputs go to temporary files renamed into place at the end.
// Rows the privacy models suppress are left out and counted in the report.
// Errors about the input, the config or the policy are EINVALID and name
// the file, line, column or reasons; untrusted or changed plugins are
// EFORBIDDEN; failing plugins EUNAVAILABLE.
func (a *Anonymizer) Anonymize(ctx context.Context, req AnonymizeRequest) (*AnonymizeResult, error) {
	if req.Out == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "No output given (--out).")
	}
	if req.AsOf.IsZero() {
		req.AsOf = a.now()
	}
	cfg, env, err := req.config()
	if err != nil {
		return nil, err
	}
	tables, err := req.read()
	if err != nil {
		return nil, err
	}
	if _, err := a.host.RegisterAnonymizers(); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Cannot read the plugin allow-list")
	}
	env.Transforms = a.host.Transforms()
	pl, err := cfg.Build(env)
	if err != nil {
		return nil, engineError("pipeline config", err)
	}
	if req.Isolated {
		if err := a.host.Isolate(ctx, cfg, pl, env); err != nil {
			return nil, engineError("pipeline", err)
		}
	}
	name := ""
	pl.Progress = func(step int, transform string) {
		req.progress(AnonymizeProgress{Stage: "transform", Table: name, Step: step + 1, Steps: len(pl.Steps), Transform: transform})
	}
	pl.TableStarted = func(table string) { name = table }
	if rel, ok := releaseOf(tables, req.Out); ok {
		return anonymizeRelease(ctx, req, pl, rel, tables)
	}
	var results []*anonymize.Result
	if len(tables) == 1 {
		name = tables[0].Name
		r, err := pl.Run(ctx, tables[0])
		if err != nil {
			return nil, engineError("anonymize", err)
		}
		results = []*anonymize.Result{r}
	} else {
		if results, err = pl.RunAll(ctx, tables); err != nil {
			return nil, engineError("anonymize", err)
		}
	}
	var reasons []string
	for _, r := range results {
		// A risk above the default threshold alone does not stop a local
		// write: the report says it, and publishing needs the publisher's
		// acceptance. A max_risk the publisher's policy states does.
		if v := r.Verdict; !v.Pass && (v.Risk == nil || !v.Risk.Alone || !v.Risk.Default) {
			for _, why := range r.Verdict.Reasons {
				reasons = append(reasons, fmt.Sprintf("table %q: %s", r.Table.Name, why))
			}
		}
	}
	if len(reasons) > 0 {
		return nil, marketplace.Wrap(marketplace.EINVALID, anonymize.ErrPolicy,
			"The anonymized data fails the policy, nothing was written: %s", strings.Join(reasons, "; "))
	}
	req.progress(AnonymizeProgress{Stage: "write"})
	outs, err := writeResults(req, results)
	if err != nil {
		return nil, err
	}
	return &AnonymizeResult{Outputs: outs, Results: results}, nil
}

// SuggestConfig reads req.In and returns a starting pipeline config (YAML):
// every column with its suggested role, automatic hierarchies for the
// quasi-identifiers, and the safe-harbor-k5 steps.
func (a *Anonymizer) SuggestConfig(ctx context.Context, req AnonymizeRequest) ([]byte, error) {
	tables, err := req.read()
	if err != nil {
		return nil, err
	}
	cfg := anonymize.SuggestConfig(tables[0])
	for _, t := range tables[1:] {
		for n, c := range anonymize.SuggestConfig(t).Columns {
			if _, ok := cfg.Columns[n]; !ok {
				cfg.Columns[n] = c
			}
		}
	}
	b, err := cfg.Marshal()
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("# Pipeline suggested by medmarket from %s: check every column's role before use.\n", filepath.Base(req.In))
	return append([]byte(head), b...), nil
}

func (req *AnonymizeRequest) progress(p AnonymizeProgress) {
	if req.Progress != nil {
		req.Progress(p)
	}
}

// readBatchRows is how many CSV rows are read between progress reports.
const readBatchRows = 1 << 16

// read reads the input into tables: one for CSV, one per resource type for FHIR.
func (req *AnonymizeRequest) read() ([]*anonymize.Table, error) {
	if req.In == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "No input given (--in).")
	}
	return records{Path: req.In, Format: req.Format, Delimiter: req.Delimiter, Encoding: req.Encoding, BatchRows: readBatchRows, Progress: req.Progress, Warn: req.Warn}.read()
}

// writeResults writes every output and the report to temporary files next
// to their destinations, then renames them into place.
func writeResults(req AnonymizeRequest, results []*anonymize.Result) ([]string, error) {
	var o outputs
	if len(results) == 1 && !isDir(req.Out) {
		if err := o.writeTable(req.Out, results[0].Table); err != nil {
			return o.fail(err)
		}
	} else {
		if err := os.MkdirAll(req.Out, 0o755); err != nil {
			return o.fail(marketplace.Errorf(marketplace.EINVALID, "--out: %v", err))
		}
		for _, r := range results {
			if err := o.writeTable(filepath.Join(req.Out, r.Table.Name+".csv"), r.Table); err != nil {
				return o.fail(err)
			}
		}
	}
	if err := o.writeReport(req.Report, results); err != nil {
		return o.fail(err)
	}
	return o.commit()
}

// outputs are files written to temporary names next to their
// destinations, renamed into place together by commit (or removed by
// fail), so that nothing is half written.
type outputs struct {
	done []pendingOutput
}

type pendingOutput struct{ tmp, dst string }

// write writes dst's temporary file with f.
func (o *outputs) write(dst string, f func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "cannot write %s: %v", dst, err)
	}
	o.done = append(o.done, pendingOutput{tmp.Name(), dst})
	if err := f(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	return tmp.Close()
}

// writeTable writes t as CSV, or Parquet when dst ends in .parquet.
func (o *outputs) writeTable(dst string, t *anonymize.Table) error {
	return o.write(dst, func(w io.Writer) error {
		if strings.EqualFold(filepath.Ext(dst), ".parquet") {
			return anonymize.WriteParquet(w, t)
		}
		return anonymize.WriteCSV(w, t, anonymize.CSVWriteOptions{})
	})
}

// writeJSON writes v as indented JSON.
func (o *outputs) writeJSON(dst string, v any) error {
	return o.write(dst, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// writeReport writes the report (one table's, or a list) when dst is set.
func (o *outputs) writeReport(dst string, results []*anonymize.Result) error {
	if dst == "" {
		return nil
	}
	var v any = results[0].Report
	if len(results) > 1 {
		reps := make([]*anonymize.Report, len(results))
		for i, r := range results {
			reps[i] = r.Report
		}
		v = reps
	}
	return o.writeJSON(dst, v)
}

// fail removes the temporary files and returns err.
func (o *outputs) fail(err error) ([]string, error) {
	for _, p := range o.done {
		err = errors.Join(err, os.Remove(p.tmp))
	}
	return nil, err
}

// commit renames every temporary file into place.
func (o *outputs) commit() ([]string, error) {
	var outs []string
	for i, p := range o.done {
		if err := os.Rename(p.tmp, p.dst); err != nil {
			for _, q := range o.done[i:] {
				err = errors.Join(err, os.Remove(q.tmp))
			}
			return nil, err
		}
		outs = append(outs, p.dst)
	}
	return outs, nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return (err == nil && st.IsDir()) || strings.HasSuffix(path, string(os.PathSeparator))
}

// engineError maps the engine's and the plugin host's errors to
// application errors: bad input, config or policy are EINVALID (the message
// names the file, line, column or reasons), plugins the user has not
// trusted EFORBIDDEN, plugins that fail EUNAVAILABLE.
func engineError(what string, err error) error {
	var me *marketplace.Error
	switch {
	case errors.As(err, &me):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "plugin"):
		return err
	case errors.Is(err, plugins.ErrUntrusted), errors.Is(err, plugins.ErrChanged):
		return marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %v", what, err)
	case errors.Is(err, anonymize.ErrInvalid), errors.Is(err, anonymize.ErrPolicy):
		return marketplace.Errorf(marketplace.EINVALID, "%s: %v", what, err)
	case strings.Contains(err.Error(), "plugin "):
		return marketplace.Errorf(marketplace.EUNAVAILABLE, "%s: %v", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

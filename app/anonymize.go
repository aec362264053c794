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
	h, err := plugins.NewHost(plugins.Options{DataDir: dataDir, Dirs: opt.PluginDirs, CallTimeout: opt.CallTimeout, Log: opt.PluginLog})
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
	// directory for the tables of a FHIR input (one <table>.csv each).
	Out string
	// Report, when set, receives the report as JSON.
	Report string
	// Progress, when set, hears about rows read and steps started.
	Progress func(AnonymizeProgress)
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
		if !r.Verdict.Pass {
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

// config resolves the pipeline config and the engine environment.
func (req *AnonymizeRequest) config() (*anonymize.Config, anonymize.Env, error) {
	env := anonymize.Env{Secret: req.Secret, AsOf: req.AsOf}
	cfg := &anonymize.Config{}
	base := "."
	if req.ConfigFile != "" {
		f, err := os.Open(req.ConfigFile)
		if err != nil {
			return nil, env, marketplace.Errorf(marketplace.EINVALID, "--config: %v", err)
		}
		cfg, err = anonymize.LoadConfig(f)
		f.Close()
		if err != nil {
			return nil, env, engineError(req.ConfigFile, err)
		}
		base = filepath.Dir(req.ConfigFile)
	} else if req.Preset == "" && req.K == 0 {
		return nil, env, marketplace.Errorf(marketplace.EINVALID, "No pipeline given: use --config FILE, --preset (%s) or --k N with --qi.", strings.Join(anonymize.Presets(), ", "))
	}
	// Hierarchy files in a config are relative to it; files from flags are
	// made absolute below.
	env.Open = func(name string) (io.ReadCloser, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(base, name)
		}
		return os.Open(name)
	}
	if req.Preset != "" {
		if _, err := anonymize.Preset(req.Preset); err != nil {
			return nil, env, engineError("--preset", err)
		}
		cfg.Preset = req.Preset
	}
	if cfg.Columns == nil {
		cfg.Columns = map[string]anonymize.ColumnConfig{}
	}
	setRole := func(names []string, role anonymize.Role) {
		for _, n := range names {
			c := cfg.Columns[n]
			r := role
			c.Role = &r
			cfg.Columns[n] = c
		}
	}
	setRole(req.QuasiIdentifiers, anonymize.RoleQuasi)
	setRole(req.Sensitive, anonymize.RoleSensitive)
	if len(req.QuasiIdentifiers) > 0 {
		// The quasi-identifiers given are all of them.
		off := false
		cfg.SuggestRoles = &off
	}
	for col, file := range req.Hierarchies {
		abs, err := filepath.Abs(file)
		if err != nil {
			return nil, env, marketplace.Errorf(marketplace.EINVALID, "--hierarchy %s: %v", col, err)
		}
		c := cfg.Columns[col]
		c.Hierarchy = &anonymize.HierarchySpec{File: abs}
		cfg.Columns[col] = c
	}
	if req.K > 0 {
		if len(cfg.Transforms) == 0 && cfg.Preset != "" {
			p, _ := anonymize.Preset(cfg.Preset)
			cfg.Transforms = p.Transforms
			if cfg.Policy == nil {
				cfg.Policy = p.Policy
			}
		}
		found := false
		for i, t := range cfg.Transforms {
			if t.Name == "privacy" {
				p := anonymize.Params{}
				for k, v := range t.Params {
					p[k] = v
				}
				p["k"] = req.K
				cfg.Transforms[i].Params = p
				found = true
			}
		}
		if !found {
			cfg.Transforms = append(cfg.Transforms, anonymize.TransformConfig{Name: "privacy", Params: anonymize.Params{"k": req.K}})
		}
		if cfg.Policy == nil {
			cfg.Policy = &anonymize.Policy{}
		}
		pol := *cfg.Policy
		pol.MinK = max(pol.MinK, req.K)
		cfg.Policy = &pol
	}
	return cfg, env, nil
}

// readBatchRows is how many CSV rows are read between progress reports.
const readBatchRows = 1 << 16

// read reads the input into tables: one for CSV, one per resource type for FHIR.
func (req *AnonymizeRequest) read() ([]*anonymize.Table, error) {
	if req.In == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "No input given (--in).")
	}
	return records{Path: req.In, Format: req.Format, Delimiter: req.Delimiter, BatchRows: readBatchRows, Progress: req.Progress}.read()
}

// writeResults writes every output and the report to temporary files next
// to their destinations, then renames them into place.
func writeResults(req AnonymizeRequest, results []*anonymize.Result) ([]string, error) {
	type pending struct{ tmp, dst string }
	var done []pending
	fail := func(err error) ([]string, error) {
		for _, p := range done {
			err = errors.Join(err, os.Remove(p.tmp))
		}
		return nil, err
	}
	write := func(dst string, f func(w io.Writer) error) error {
		tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
		if err != nil {
			return marketplace.Errorf(marketplace.EINVALID, "cannot write %s: %v", dst, err)
		}
		done = append(done, pending{tmp.Name(), dst})
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
	writeTable := func(dst string, t *anonymize.Table) error {
		return write(dst, func(w io.Writer) error {
			if strings.EqualFold(filepath.Ext(dst), ".parquet") {
				return anonymize.WriteParquet(w, t)
			}
			return anonymize.WriteCSV(w, t, anonymize.CSVWriteOptions{})
		})
	}
	if len(results) == 1 && !isDir(req.Out) {
		if err := writeTable(req.Out, results[0].Table); err != nil {
			return fail(err)
		}
	} else {
		if err := os.MkdirAll(req.Out, 0o755); err != nil {
			return fail(marketplace.Errorf(marketplace.EINVALID, "--out: %v", err))
		}
		for _, r := range results {
			if err := writeTable(filepath.Join(req.Out, r.Table.Name+".csv"), r.Table); err != nil {
				return fail(err)
			}
		}
	}
	if req.Report != "" {
		var v any = results[0].Report
		if len(results) > 1 {
			reps := make([]*anonymize.Report, len(results))
			for i, r := range results {
				reps[i] = r.Report
			}
			v = reps
		}
		err := write(req.Report, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		})
		if err != nil {
			return fail(err)
		}
	}
	var outs []string
	for i, p := range done {
		if err := os.Rename(p.tmp, p.dst); err != nil {
			for _, q := range done[i:] {
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

// PreviewRequest asks for a look at a records file before publishing it:
// its first rows with suggested column roles and, when Preset is set, a dry
// run of the preset with the roles the user changed (nothing is written).
type PreviewRequest struct {
	// Path is a local file; Reader, when set, is read instead (Name names it).
	Path   string
	Reader io.Reader
	Name   string
	Format string // "csv", "fhir" or "" (by the name's extension)
	Table  string // for a FHIR input: the resource table ("" for the first)
	// Preset, when set, runs that preset on the table; Privacy is the
	// custom preset's model (PresetCustom).
	Preset  string
	Privacy *PrivacyParams
	// Roles maps a column to the role the user chose ("insensitive",
	// "direct", "quasi", "sensitive"); roles equal to the suggestion are
	// ignored.
	Roles map[string]string
	// Rows is how many first rows to return (0: 5).
	Rows int
	// Progress, when set, hears about bytes read (Stage "read", Bytes of
	// Size) and steps started, so that a page can show how far a long run is.
	Progress func(AnonymizeProgress)
}

// ColumnSuggestion is the role medmarket suggests for a column.
type ColumnSuggestion struct {
	Column    string
	Role      string
	Transform string // "drop", "pseudonymize", "zip3", "year", "top-code", "generalize" or "keep"
	Reason    string
}

// PreviewVerdict is the policy gate's verdict on a dry run.
type PreviewVerdict struct {
	Pass    bool
	Reasons []string
}

// PreviewResult is what PreviewAnonymization found.
type PreviewResult struct {
	Tables      []string // every table of the input
	Table       string   // the table previewed
	Columns     []string
	Rows        [][]string // the first rows, as read
	NumRows     int
	Suggestions []ColumnSuggestion
	// Roles are the user's roles that differ from the suggestions.
	Roles map[string]string
	// Report and Verdict are the dry run's, when a preset was given.
	Report  *anonymize.Report
	Verdict PreviewVerdict
	Ran     bool
	// Anonymized is the dry run's output: publishing it
	// (PublishRequest.Anonymized) does not run the pipeline again.
	Anonymized *anonymize.Result
}

// ColumnRoles are the roles a column may be given, in the order to offer them.
func ColumnRoles() []string {
	return []string{anonymize.RoleInsensitive.String(), anonymize.RoleDirect.String(), anonymize.RoleQuasi.String(), anonymize.RoleSensitive.String()}
}

// PreviewAnonymization reads a records file and suggests column roles and,
// with a preset, dry-runs it. Errors about the file, the preset, the roles
// or the run are EINVALID with a reason for the user.
func (a *App) PreviewAnonymization(ctx context.Context, req PreviewRequest) (PreviewResult, error) {
	var res PreviewResult
	tables, err := req.readTables()
	if err != nil {
		return res, err
	}
	var t *anonymize.Table
	for _, tb := range tables {
		res.Tables = append(res.Tables, tb.Name)
		if t == nil && (tb.Name == req.Table || req.Table == "") {
			t = tb
		}
	}
	if t == nil {
		return res, marketplace.Errorf(marketplace.EINVALID, "Table: choose one of %s.", strings.Join(res.Tables, ", "))
	}
	res.Table, res.Columns, res.NumRows = t.Name, t.Names(), t.NumRows()
	n := req.Rows
	if n <= 0 {
		n = 5
	}
	for i := 0; i < t.NumRows() && i < n; i++ {
		res.Rows = append(res.Rows, t.Row(i))
	}
	sugg := anonymize.Suggest(t)
	for _, s := range sugg {
		res.Suggestions = append(res.Suggestions, ColumnSuggestion{Column: s.Column, Role: s.Role.String(), Transform: s.Transform, Reason: s.Reason})
	}
	if res.Roles, err = roleOverrides(sugg, req.Roles); err != nil {
		return res, err
	}
	if req.Preset == "" {
		return res, nil
	}
	cfg, err := PresetConfig(req.Preset, req.Privacy, res.Roles)
	if err != nil {
		return res, err
	}
	pipe, err := cfg.Build(anonymize.Env{AsOf: a.asOf()})
	var r *anonymize.Result
	if err == nil {
		if req.Progress != nil {
			pipe.Progress = func(step int, transform string) {
				req.Progress(AnonymizeProgress{Stage: "transform", Table: t.Name, Step: step + 1, Steps: len(pipe.Steps), Transform: transform})
			}
		}
		r, err = pipe.Run(ctx, t)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return res, err
		}
		msg := marketplace.ErrorMessage(err)
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			msg = err.Error() // the engine's reason, about the user's own data
		}
		return res, marketplace.Errorf(marketplace.EINVALID, "Anonymization failed: %s", msg)
	}
	res.Ran, res.Report, res.Anonymized = true, r.Report, r
	res.Verdict = PreviewVerdict{Pass: r.Verdict.Pass, Reasons: r.Verdict.Reasons}
	return res, nil
}

// asOf is the reference date of a release anonymized now: the app's clock,
// or the system's for the previews that run without a node (nil App).
func (a *App) asOf() time.Time {
	if a == nil || a.now == nil {
		return time.Now()
	}
	return a.now()
}

// readTables reads a preview's input into tables.
func (req PreviewRequest) readTables() ([]*anonymize.Table, error) {
	return records{Path: req.Path, Reader: req.Reader, Name: req.Name, Format: req.Format, Bytes: true, Progress: req.Progress}.read()
}

// roleOverrides keeps the roles that differ from the suggestions, or
// EINVALID for an unknown role or column.
func roleOverrides(sugg []anonymize.Suggestion, roles map[string]string) (map[string]string, error) {
	out := map[string]string{}
	want := map[string]anonymize.Role{}
	for _, s := range sugg {
		want[s.Column] = s.Role
	}
	for col, v := range roles {
		w, ok := want[col]
		if !ok {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Column %q is not in the table.", col)
		}
		var role anonymize.Role
		if err := role.UnmarshalText([]byte(v)); err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Column %s: unknown role %q.", col, v)
		}
		if role != w {
			out[col] = role.String()
		}
	}
	return out, nil
}

// PresetCustom names the wizard's custom preset: Safe Harbor, then the
// privacy model the publisher chose (PrivacyParams).
const PresetCustom = "custom"

// PrivacyParams are the custom preset's privacy model.
type PrivacyParams struct {
	K           int     // k-anonymity: each record looks like at least K-1 others (2..1000)
	L           int     // distinct l-diversity of each sensitive column (0: none)
	T           float64 // t-closeness of each sensitive column (0: none; else up to 1)
	Suppression float64 // the largest share of rows the search may remove, in percent (0..50)
	Method      string  // "optimal" (full-domain search, default) or "mondrian" (local recoding)
}

// config is the pipeline of the custom preset, or EINVALID naming the field.
func (p PrivacyParams) config() (*anonymize.Config, error) {
	switch {
	case p.K < 2 || p.K > 1000:
		return nil, marketplace.Errorf(marketplace.EINVALID, "k: a whole number from 2 to 1000 (got %d).", p.K)
	case p.L < 0 || p.L > 100:
		return nil, marketplace.Errorf(marketplace.EINVALID, "l: a whole number from 0 (none) to 100 (got %d).", p.L)
	case p.L > p.K:
		return nil, marketplace.Errorf(marketplace.EINVALID, "l: at most k (%d): a group of k records cannot hold more than k distinct values.", p.K)
	case p.T < 0 || p.T > 1:
		return nil, marketplace.Errorf(marketplace.EINVALID, "t: a number from 0 (none) to 1 (got %v).", p.T)
	case p.Suppression < 0 || p.Suppression > 50:
		return nil, marketplace.Errorf(marketplace.EINVALID, "Suppression: a percentage from 0 to 50 (got %v).", p.Suppression)
	}
	method := anonymize.MethodOptimal
	switch p.Method {
	case "", string(anonymize.MethodOptimal):
	case string(anonymize.MethodMondrian):
		method = anonymize.MethodMondrian
	default:
		return nil, marketplace.Errorf(marketplace.EINVALID, "Method: optimal or mondrian (got %q).", p.Method)
	}
	params := anonymize.Params{"k": p.K, "suppression_limit": p.Suppression / 100, "method": string(method)}
	pol := &anonymize.Policy{MinK: p.K, MinL: p.L, MaxT: p.T}
	if p.L > 0 {
		params["l"] = p.L
	}
	if p.T > 0 {
		params["t"] = p.T
	}
	// On the safe-harbor preset, whose steps and policy these replace: like
	// it, record identifiers are pseudonymized only with a publisher secret.
	return &anonymize.Config{Preset: "safe-harbor", Transforms: []anonymize.TransformConfig{{Name: "pseudonymize"}, {Name: "safe-harbor"}, {Name: "privacy", Params: params}},
		Policy: pol}, nil
}

// PresetConfig returns the pipeline of a preset (custom: with privacy,
// which the other presets ignore) with the column roles the user chose.
func PresetConfig(preset string, privacy *PrivacyParams, roles map[string]string) (*anonymize.Config, error) {
	var cfg *anonymize.Config
	var err error
	if preset == PresetCustom {
		if privacy == nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Custom preset: choose k and the other settings.")
		}
		if cfg, err = privacy.config(); err != nil {
			return nil, err
		}
	} else if cfg, err = anonymize.Preset(preset); err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Preset: choose one of %s, or %s.", strings.Join(anonymize.Presets(), ", "), PresetCustom)
	}
	if len(roles) == 0 {
		return cfg, nil
	}
	c := *cfg
	c.Columns = map[string]anonymize.ColumnConfig{}
	for k, v := range cfg.Columns {
		c.Columns[k] = v
	}
	for col, v := range roles {
		var role anonymize.Role
		if err := role.UnmarshalText([]byte(v)); err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Column %s: unknown role %q.", col, v)
		}
		cc := c.Columns[col]
		cc.Role = &role
		if role == anonymize.RoleQuasi && cc.Hierarchy == nil {
			cc.Hierarchy = &anonymize.HierarchySpec{Auto: "auto"}
		}
		c.Columns[col] = cc
	}
	return &c, nil
}

// progressReader reports the bytes read through it, at most once per
// progressEvery bytes.
type progressReader struct {
	r      io.Reader
	n      int64
	last   int64
	size   int64
	report func(AnonymizeProgress)
}

const progressEvery = 256 << 10

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.n-p.last >= progressEvery || (err == io.EOF && p.n != p.last) {
		p.last = p.n
		p.report(AnonymizeProgress{Stage: "read", Bytes: p.n, Size: p.size})
	}
	return n, err
}

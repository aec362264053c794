package anonymize

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
)

// Step is one built transform of a pipeline.
type Step struct {
	Name      string
	Transform Transform
	// Params are the parameters it was built with, after Build filled in
	// what the environment gives (Safe Harbor's as_of): a host that runs
	// the step elsewhere builds it again from them.
	Params Params
}

// Pipeline is a built config, ready to run on tables.
type Pipeline struct {
	Steps   []Step
	Policy  Policy
	Report  ReportOptions
	columns map[string]ColumnConfig
	hier    map[string]*Hierarchy
	suggest bool
	multi   bool // running as part of RunAll
	// warnings go into every report (a Safe Harbor step without AsOf).
	warnings []string
	asOf     string // the reference date of the Safe Harbor steps, for the report
	// Progress, when set, is called before each step with its index and name.
	Progress func(step int, name string)
	// TableStarted, when set, is called by RunRelease with each table's
	// name before the table's steps run.
	TableStarted func(table string)
	// Tables gives a table of a release its own pipeline (its own column
	// roles and steps) in RunRelease; a table not named runs this one.
	Tables map[string]*Pipeline
}

// Build resolves the preset, loads hierarchy files through env.Open and
// builds every transform from env.Transforms (the built-ins when nil).
func (c *Config) Build(env Env) (*Pipeline, error) {
	cfg, err := c.withPreset()
	if err != nil {
		return nil, err
	}
	pl := &Pipeline{columns: cfg.Columns, suggest: cfg.SuggestRoles == nil || *cfg.SuggestRoles, Report: cfg.Report}
	if cfg.Policy != nil {
		pl.Policy = *cfg.Policy
	}
	if pl.hier, err = loadHierarchies(cfg.Columns, env); err != nil {
		return nil, err
	}
	for i, tc := range cfg.Transforms {
		if tc.Name == "pseudonymize" && len(env.Secret) == 0 && tc.Params["secret"] == nil && cfg.Preset != "" && len(tc.Params) == 0 {
			continue // presets pseudonymize only when the publisher has a secret; Safe Harbor removes the ids otherwise
		}
		if err := pl.addStep(i, tc, env); err != nil {
			return nil, err
		}
	}
	return pl, nil
}

// withPreset returns a copy of c with its preset's transforms and policy
// filled in where c leaves them out.
func (c *Config) withPreset() (Config, error) {
	cfg := *c
	if cfg.Preset == "" {
		return cfg, nil
	}
	p, err := Preset(cfg.Preset)
	if err != nil {
		return cfg, err
	}
	if len(cfg.Transforms) == 0 {
		cfg.Transforms = p.Transforms
	}
	if cfg.Policy == nil {
		cfg.Policy = p.Policy
	}
	return cfg, nil
}

// loadHierarchies returns the hierarchies the columns give inline or as
// files (read through env.Open), by column name; in name order, so that
// the first failing column is always the same one.
func loadHierarchies(columns map[string]ColumnConfig, env Env) (map[string]*Hierarchy, error) {
	hier := map[string]*Hierarchy{}
	names := make([]string, 0, len(columns))
	for n := range columns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		spec := columns[n].Hierarchy
		if spec == nil {
			continue
		}
		switch {
		case spec.Hierarchy != nil:
			hier[n] = spec.Hierarchy
		case spec.File != "":
			h, err := readHierarchyFile(n, spec.File, env)
			if err != nil {
				return nil, err
			}
			hier[n] = h
		}
	}
	return hier, nil
}

// readHierarchyFile reads column's hierarchy file through env.Open.
func readHierarchyFile(column, file string, env Env) (*Hierarchy, error) {
	if env.Open == nil {
		return nil, invalidf("column %q: hierarchy file %q given but no files can be opened here", column, file)
	}
	f, err := env.Open(file)
	if err != nil {
		return nil, invalidf("column %q: hierarchy %q: %v", column, file, err)
	}
	h, err := ReadHierarchy(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("column %q: hierarchy %q: %w", column, file, err)
	}
	return h, nil
}

// addStep builds transform i of the config and appends it. A Safe Harbor
// step gets env.AsOf as its reference date unless it names one, and a
// warning in every report when it has none.
func (pl *Pipeline) addStep(i int, tc TransformConfig, env Env) error {
	params := tc.Params
	if tc.Name == "safe-harbor" {
		if _, set := params["as_of"]; !set && !env.AsOf.IsZero() {
			params = maps.Clone(params)
			if params == nil {
				params = Params{}
			}
			params["as_of"] = env.AsOf.UTC().Format("2006-01-02")
		}
		if _, set := params["as_of"]; !set {
			pl.warnings = append(pl.warnings, fmt.Sprintf("step %d (safe-harbor): no reference date (as_of), so birth years implying an age over 89 were not checked", i+1))
		}
	}
	t, err := env.Transforms.New(tc.Name, params, env)
	if err != nil {
		return fmt.Errorf("transform %d: %w", i+1, err)
	}
	if sh, ok := t.(*SafeHarbor); ok && pl.asOf == "" {
		if d, ok := parseDate(sh.AsOf); ok {
			pl.asOf = d.Format("2006-01-02")
		}
	}
	pl.Steps = append(pl.Steps, Step{Name: tc.Name, Transform: t, Params: params})
	return nil
}

// hierarchyFor builds the configured automatic hierarchy for a column.
func (p *Pipeline) hierarchyFor(c *Column) (*Hierarchy, error) {
	if h, ok := p.hier[c.Name]; ok {
		return h, nil
	}
	cc, ok := p.columns[c.Name]
	if !ok || cc.Hierarchy == nil || cc.Hierarchy.Auto == "" {
		return nil, nil
	}
	s := cc.Hierarchy
	dict := c.Compact().Dict
	switch s.Auto {
	case "interval":
		w := s.Width
		if w == 0 {
			return AutoHierarchy(c.Name, TypeDecimal, dict)
		}
		return IntervalHierarchy(dict, w, s.Factor)
	case "date":
		return DateHierarchy(dict)
	case "zip":
		return ZIPHierarchy(dict)
	case "flat":
		return FlatHierarchy(dict)
	case "auto":
		return AutoHierarchy(c.Name, c.Type, dict)
	}
	return nil, invalidf("column %q: unknown automatic hierarchy %q (interval, date, zip, flat, auto)", c.Name, s.Auto)
}

// Prepare applies the configured (or suggested) types, roles and
// hierarchies to t's columns.
func (p *Pipeline) Prepare(t *Table) (*Table, error) {
	if err := p.checkColumns([]*Table{t}); err != nil {
		return nil, err
	}
	return p.prepare(t)
}

// checkColumns fails when the config names a column that none of the
// tables has (a typo would otherwise go unnoticed).
func (p *Pipeline) checkColumns(tables []*Table) error {
	names := make([]string, 0, len(p.columns))
	for n := range p.columns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		found := false
		for _, t := range tables {
			if t.Index(name) >= 0 {
				found = true
			}
		}
		if !found {
			if len(tables) == 1 {
				return invalidf("config names column %q, which table %q does not have (columns: %v)", name, tables[0].Name, tables[0].Names())
			}
			return invalidf("config names column %q, which none of the %d tables has", name, len(tables))
		}
	}
	return nil
}

func (p *Pipeline) prepare(t *Table) (*Table, error) {
	cols := make([]*Column, len(t.Columns))
	for i, c := range t.Columns {
		n := *c
		cc, listed := p.columns[c.Name]
		if cc.Type != nil {
			n.Type = *cc.Type
		}
		switch {
		case cc.Role != nil:
			n.Role = *cc.Role
		case !listed && p.suggest && c.Role == RoleInsensitive && !wasApplied(c, "pseudonymize"):
			n.Role = SuggestColumn(&n).Role
		}
		if wasApplied(c, releaseKeyNote) {
			n.Role = RoleInsensitive // the release's patient key: linked, never an identifier again
		}
		h, err := p.hierarchyFor(&n)
		if err != nil {
			return nil, err
		}
		if h != nil {
			n.Hierarchy = h
		}
		cols[i] = &n
	}
	return t.WithColumns(cols), nil
}

// Result is a pipeline run's output.
type Result struct {
	Table   *Table
	Report  *Report
	Verdict Verdict
}

// Run prepares t, applies the steps in order, assesses the result and
// checks the policy. A failed policy is not an error: see Result.Verdict
// (and Verdict.Err).
func (p *Pipeline) Run(ctx context.Context, t *Table) (*Result, error) {
	if err := p.checkColumns([]*Table{t}); err != nil {
		return nil, err
	}
	return p.run(ctx, t)
}

// RunAll runs the pipeline on each of several tables of one dataset (the
// tables of a FHIR import, the CSV files of an export): with one secret,
// pseudonyms and date shifts agree across them, so they still join. The
// config's columns apply to every table that has them. The privacy step
// passes tables without quasi-identifiers through, with a warning in their
// report.
func (p *Pipeline) RunAll(ctx context.Context, tables []*Table) ([]*Result, error) {
	if err := p.checkColumns(tables); err != nil {
		return nil, err
	}
	out := make([]*Result, 0, len(tables))
	q := *p
	q.multi = true
	for _, t := range tables {
		r, err := q.run(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("table %q: %w", t.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// CountingTransform is a transform outside this package that says what
// its scrubber replaced in each column, by PHI type: a built-in scrubber
// running in another process (an isolated run). A pipeline calls
// ApplyCounted for a scrubber step (Descriptor.Scrubber) that has it, even
// when it is also a Searcher, so the report counts the replacements as it
// counts the in-process scrubber's. Nil counts: nothing counted.
type CountingTransform interface {
	Transform
	ApplyCounted(ctx context.Context, t *Table) (*Table, map[string]ScrubCounts, error)
}

// countsOutside says whether tr is a scrubber that counts through
// CountingTransform.
func countsOutside(tr Transform) bool {
	_, ok := tr.(CountingTransform)
	return ok && tr.Describe().Scrubber
}

// applyStep applies a transform; a built-in scrubber's counts go to free.
func applyStep(ctx context.Context, tr Transform, t *Table, free *scrubTracker) (*Table, error) {
	var out *Table
	var counts map[string]ScrubCounts
	var err error
	switch sc := tr.(type) {
	case scrubCounter:
		out, counts, err = sc.applyCounted(ctx, t)
	case CountingTransform:
		if !countsOutside(tr) {
			return tr.Apply(ctx, t)
		}
		out, counts, err = sc.ApplyCounted(ctx, t)
	default:
		return tr.Apply(ctx, t)
	}
	if err == nil {
		free.counted(counts)
	}
	return out, err
}

func (p *Pipeline) run(ctx context.Context, t *Table) (*Result, error) {
	cur, err := p.prepare(t)
	if err != nil {
		return nil, err
	}
	var search *SearchResult
	var warnings []string
	free := newScrubTracker(cur)
	treat := newTreatmentTracker(cur)
	for i, s := range p.Steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p.Progress != nil {
			p.Progress(i, s.Name)
		}
		var next *Table
		if sr, ok := s.Transform.(Searcher); ok && !countsOutside(s.Transform) {
			var res *SearchResult
			next, res, err = sr.Anonymize(ctx, cur)
			if res != nil {
				search = res
			}
			if errors.Is(err, ErrNoQuasiIdentifiers) && p.multi {
				next, err = cur, nil
				warnings = append(warnings, fmt.Sprintf("step %d (%s) skipped: the table has no quasi-identifiers", i+1, s.Name))
			}
		} else {
			next, err = applyStep(ctx, s.Transform, cur, free)
		}
		if err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", i+1, s.Name, err)
		}
		if next == nil {
			return nil, fmt.Errorf("step %d (%s): returned no table", i+1, s.Name)
		}
		if err := next.Validate(); err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", i+1, s.Name, err)
		}
		free.step(s.Transform.Describe(), cur, next)
		treat.step(s.Transform.Describe(), cur, next)
		cur = next
	}
	rep := Assess(cur, p.Report)
	rep.Search = search
	rep.FreeText = free.report(cur)
	rep.setTreatments(treat.report())
	rep.AsOf = p.asOf
	rep.Warnings = append(rep.Warnings, p.warnings...)
	rep.Warnings = append(rep.Warnings, warnings...)
	v := p.Policy.Check(rep)
	rep.Verdict = &v
	return &Result{Table: cur, Report: rep, Verdict: v}, nil
}

package app

import (
	"context"
	"errors"
	"maps"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// ReleasePreview is the dry run of a whole release (PreviewRequest.Release):
// every table anonymized, the privacy model decided on patients.
type ReleasePreview struct {
	// Patients is the number of patients released (a one-table release:
	// its rows); SuppressedPatients those the privacy model removed, from
	// every table.
	Patients, SuppressedPatients int
	// Linked says the tables are linked by one keyed pseudonym per patient
	// (a secret was given); otherwise the patient key and joins are removed.
	Linked bool
	// Tables are the release's tables, in the input's order.
	Tables []TablePreview
	// Report is the patient-level report (the Patient table's: k, risk,
	// suppressed patients); Verdict the release's one verdict, each
	// reason naming its table.
	Report  *anonymize.Report
	Verdict PreviewVerdict
}

// TablePreview is one table of a release's dry run.
type TablePreview struct {
	Name string
	// Rows are the table's rows as read, OutputRows as released.
	Rows, OutputRows int
	Columns          []string
	Suggestions      []ColumnSuggestion
	// Roles are the user's roles for this table that differ from the
	// suggestions.
	Roles map[string]string
	// FirstRows are the first rows as read, OutputFirstRows the first
	// anonymized ones (on the publisher's machine only).
	FirstRows       [][]string
	OutputColumns   []string
	OutputFirstRows [][]string
	// Report is the table's own report (treatments, free text).
	Report *anonymize.Report
}

// releaseRun is a release anonymized for a preview or a publish.
type releaseRun struct {
	input  []*anonymize.Table
	result *anonymize.ReleaseResult
	sugg   map[string][]anonymize.Suggestion
	roles  map[string]map[string]string // per table: the user's roles that differ from sugg
	// one: a single table that is not a patient release (a CSV file).
	one bool
}

// releaseSettings say how to anonymize a release: the config of a table
// given its roles, the engine's environment, and progress.
type releaseSettings struct {
	config     func(roles map[string]string) (*anonymize.Config, error)
	tableRoles map[string]map[string]string
	env        anonymize.Env
	progress   func(AnonymizeProgress)
}

// runRelease anonymizes tables as one release: a FHIR input's tables with
// anonymize.Pipeline.RunRelease (each table its own roles), a single
// table of another kind with the pipeline alone. Errors are EINVALID with
// a reason for the user.
func runRelease(ctx context.Context, tables []*anonymize.Table, s releaseSettings) (*releaseRun, error) {
	run := &releaseRun{input: tables, sugg: map[string][]anonymize.Suggestion{}, roles: map[string]map[string]string{}}
	names := map[string]bool{}
	for _, t := range tables {
		names[t.Name] = true
		sugg := anonymize.Suggest(t)
		roles, err := roleOverrides(sugg, s.tableRoles[t.Name])
		if err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Table %s: %s", t.Name, marketplace.ErrorMessage(err))
		}
		run.sugg[t.Name], run.roles[t.Name] = sugg, roles
	}
	for name := range s.tableRoles {
		if !names[name] {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Roles: the input has no table %q.", name)
		}
	}
	pipes := map[string]*anonymize.Pipeline{}
	var base *anonymize.Pipeline
	for _, t := range tables {
		cfg, err := s.config(run.roles[t.Name])
		if err != nil {
			return nil, err
		}
		p, err := cfg.Build(s.env)
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "Anonymization config: %v", err)
		}
		if s.progress != nil {
			name := t.Name
			p.Progress = func(step int, transform string) {
				s.progress(AnonymizeProgress{Stage: "transform", Table: name, Step: step + 1, Steps: len(p.Steps), Transform: transform})
			}
		}
		pipes[t.Name] = p
		base = p
	}
	if base == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "The input holds no table.")
	}
	rel, relErr := anonymize.NewFHIRRelease(tables)
	if relErr != nil && len(tables) == 1 {
		return run.runOne(ctx, pipes[tables[0].Name])
	}
	if relErr != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "These %d tables are not one release: %s", len(tables), marketplace.ErrorMessage(engineError("release", relErr)))
	}
	if k := base.Policy.MinK; k > rel.Patients().NumRows() {
		return nil, tooFewRecords(k, rel.Patients(), "this release")
	}
	base.Tables = pipes
	var key *anonymize.ReleaseKey
	if len(s.env.Secret) > 0 {
		key = &anonymize.ReleaseKey{Secret: s.env.Secret}
	}
	res, err := base.RunRelease(ctx, rel, key)
	if err != nil {
		return nil, anonymizationFailed(err)
	}
	run.result = res
	return run, nil
}

// runOne runs a single table that is not a patient release (a CSV file)
// as a one-table release.
func (run *releaseRun) runOne(ctx context.Context, p *anonymize.Pipeline) (*releaseRun, error) {
	t := run.input[0]
	if k := p.Policy.MinK; k > t.NumRows() {
		return nil, tooFewRecords(k, t, "this file")
	}
	r, err := p.Run(ctx, t)
	if err != nil {
		return nil, anonymizationFailed(err)
	}
	run.one = true
	run.result = &anonymize.ReleaseResult{Release: &anonymize.Release{Tables: []*anonymize.Table{r.Table}},
		Tables: []*anonymize.Result{r}, Report: r.Report, Verdict: r.Verdict, Patients: r.Table.NumRows()}
	return run, nil
}

// anonymizationFailed is the engine's failure as EINVALID, with its
// reason about the user's own data.
func anonymizationFailed(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	msg := marketplace.ErrorMessage(err)
	if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
		msg = err.Error()
	}
	return marketplace.Errorf(marketplace.EINVALID, "Anonymization failed: %s", msg)
}

// manifest is the release package's manifest in format.
func (run *releaseRun) manifest(format string) anonymize.ReleaseManifest {
	if run.one {
		return anonymize.ReleaseManifest{Format: format, Patients: run.result.Patients,
			Scheme: "One table, not linked to any other: its rows are published anonymized, with no patient key."}
	}
	return run.result.Manifest(format)
}

// previewRelease dry-runs the whole input as one release.
func (a *App) previewRelease(ctx context.Context, req PreviewRequest, tables []*anonymize.Table) (PreviewResult, error) {
	var res PreviewResult
	for _, tb := range tables {
		res.Tables, res.TableRows = append(res.Tables, tb.Name), append(res.TableRows, tb.NumRows())
	}
	if req.Preset == "" {
		return res, marketplace.Errorf(marketplace.EINVALID, "Preset: choose one of %s, or %s.", strings.Join(anonymize.Presets(), ", "), PresetCustom)
	}
	asOf := a.asOf()
	run, err := runRelease(ctx, tables, releaseSettings{
		config: func(roles map[string]string) (*anonymize.Config, error) {
			return presetConfig(req.Preset, req.Privacy, roles)
		},
		tableRoles: req.TableRoles, env: anonymize.Env{AsOf: asOf, Secret: req.Secret}, progress: req.Progress})
	if err != nil {
		return res, err
	}
	n := req.Rows
	if n <= 0 {
		n = 5
	}
	rp := run.preview(n)
	res.Release = rp
	// The one-table fields show the patient table (or the one table).
	first := rp.Tables[0]
	for _, tp := range rp.Tables {
		if tp.Name == run.result.Release.PatientTable {
			first = tp
		}
	}
	res.Table, res.Columns, res.Rows, res.NumRows = first.Name, first.Columns, first.FirstRows, first.Rows
	res.Suggestions, res.Roles = first.Suggestions, first.Roles
	res.OutputColumns, res.OutputRows = first.OutputColumns, first.OutputFirstRows
	res.Ran, res.Report, res.Verdict = true, rp.Report, rp.Verdict
	if a != nil && req.Owner != (common.Address{}) {
		res.ID = a.previews.keep(asOf, &keptPreview{owner: req.Owner, path: req.Path, preset: req.Preset,
			privacy: clonePrivacy(req.Privacy), asOf: asOf, release: run, secret: req.Secret})
	}
	return res, nil
}

// preview shows the run: each table with its first n rows before and
// after.
func (run *releaseRun) preview(n int) *ReleasePreview {
	rr := run.result
	rp := &ReleasePreview{Patients: rr.Patients, SuppressedPatients: rr.SuppressedPatients, Linked: rr.Linked, Report: rr.Report,
		Verdict: PreviewVerdict{Pass: rr.Verdict.Pass, Reasons: rr.Verdict.Reasons}}
	for i, in := range run.input {
		out := rr.Tables[i]
		tp := TablePreview{Name: in.Name, Rows: in.NumRows(), OutputRows: out.Table.NumRows(), Columns: in.Names(),
			Roles: run.roles[in.Name], OutputColumns: out.Table.Names(), Report: out.Report}
		for _, s := range run.sugg[in.Name] {
			tp.Suggestions = append(tp.Suggestions, ColumnSuggestion{Column: s.Column, Role: s.Role.String(), Transform: s.Transform, Reason: s.Reason})
		}
		for r := 0; r < in.NumRows() && r < n; r++ {
			tp.FirstRows = append(tp.FirstRows, in.Row(r))
		}
		for r := 0; r < out.Table.NumRows() && r < n; r++ {
			tp.OutputFirstRows = append(tp.OutputFirstRows, out.Table.Row(r))
		}
		rp.Tables = append(rp.Tables, tp)
	}
	return rp
}

// ranRelease reports whether the kept release dry run ran what req
// publishes: a release of the same file, preset, privacy model, secret
// and, table by table, roles.
func (p *keptPreview) ranRelease(req *PublishRequest) bool {
	if p.release == nil || !req.Release {
		return false
	}
	for name := range req.TableRoles {
		if _, ok := p.release.sugg[name]; !ok {
			return false
		}
	}
	for name, sugg := range p.release.sugg {
		roles, err := roleOverrides(sugg, req.TableRoles[name])
		if err != nil || !maps.Equal(roles, p.release.roles[name]) {
			return false
		}
	}
	return true
}

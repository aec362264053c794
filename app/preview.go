package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// PreviewRequest asks for a look at a records file before publishing it:
// its first rows with suggested column roles and, when Preset is set, a dry
// run of the preset with the roles the user changed (nothing is written).
type PreviewRequest struct {
	// Path is a local file; Reader, when set, is read instead (Name names it).
	Path   string
	Reader io.Reader
	Name   string
	Format string // "csv", "tsv", "fhir" or "" (by content and extension)
	// Encoding of a CSV file: "" detects it, else utf-8, latin1 or utf-16.
	Encoding string
	Table    string // for a FHIR input: the resource table ("" for the first)
	// Preset, when set, runs that preset on the table; Privacy is the
	// custom preset's model (PresetCustom).
	Preset  string
	Privacy *PrivacyParams
	// Roles maps a column to the role the user chose ("insensitive",
	// "direct", "quasi", "sensitive"); roles equal to the suggestion are
	// ignored.
	Roles map[string]string
	// Release previews every table of the input as one release
	// (PreviewResult.Release): a FHIR input's tables linked by patient, the
	// privacy model decided on patients; a one-table input is a one-table
	// release. TableRoles then gives each table its roles (table -> column
	// -> role, as Roles); Table and Roles are ignored.
	Release    bool
	TableRoles map[string]map[string]string
	// Secret keys a release's pseudonyms and date shifts, as
	// PublishRequest.Secret; without one the tables are not linked.
	Secret []byte
	// Rows is how many first rows to return (0: 5).
	Rows int
	// Warn, when set, hears what the read skipped (FHIR resource types
	// medmarket does not read, by name and count).
	Warn func(string)
	// Progress, when set, hears about bytes read (Stage "read", Bytes of
	// Size) and steps started, so that a page can show how far a long run is.
	Progress func(AnonymizeProgress)
	// Owner, when set, is the account the dry run is for: the app keeps
	// its output for that account to publish (PreviewResult.ID).
	Owner common.Address
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
	TableRows   []int    // the rows of each of Tables
	Table       string   // the table previewed
	Columns     []string
	Rows        [][]string // the first rows, as read
	NumRows     int
	Suggestions []ColumnSuggestion
	// Roles are the user's roles that differ from the suggestions.
	Roles map[string]string
	// OutputColumns and OutputRows are the dry run's first anonymized rows
	// (as many as Rows), for the publisher to compare with Rows on their
	// own machine: they are never part of the report a listing keeps.
	OutputColumns []string
	OutputRows    [][]string
	// Report and Verdict are the dry run's, when a preset was given.
	Report  *anonymize.Report
	Verdict PreviewVerdict
	Ran     bool
	// Release is the dry run of the whole release (PreviewRequest.Release);
	// the fields above then show its patient table (or its one table),
	// with Report and Verdict the release's.
	Release *ReleasePreview
	// ID names the dry run's output, kept by the app for the request's
	// Owner: a publish naming it (PublishRequest.Preview) with the same
	// settings does not run the pipeline again. "" when nothing is kept.
	ID string
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
	if req.Release {
		return a.previewRelease(ctx, req, tables)
	}
	var t *anonymize.Table
	for _, tb := range tables {
		res.Tables, res.TableRows = append(res.Tables, tb.Name), append(res.TableRows, tb.NumRows())
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
	asOf := a.asOf()
	where := "this file"
	if len(res.Tables) > 1 {
		where = "table " + t.Name
	}
	r, err := req.dryRun(ctx, t, where, res.Roles, asOf)
	if err != nil {
		return res, err
	}
	res.Ran, res.Report = true, r.Report
	if r.Table != nil {
		res.OutputColumns = r.Table.Names()
		for i := 0; i < r.Table.NumRows() && i < n; i++ {
			res.OutputRows = append(res.OutputRows, r.Table.Row(i))
		}
	}
	res.Verdict = PreviewVerdict{Pass: r.Verdict.Pass, Reasons: r.Verdict.Reasons}
	if a != nil && req.Owner != (common.Address{}) {
		res.ID = a.previews.keep(asOf, &keptPreview{owner: req.Owner, path: req.Path, table: t.Name, preset: req.Preset,
			privacy: clonePrivacy(req.Privacy), sugg: sugg, roles: res.Roles, asOf: asOf, result: r})
	}
	return res, nil
}

// dryRun runs the request's preset with roles on t (where names it for the
// user), or EINVALID with the engine's reason.
func (req PreviewRequest) dryRun(ctx context.Context, t *anonymize.Table, where string, roles map[string]string, asOf time.Time) (*anonymize.Result, error) {
	cfg, err := presetConfig(req.Preset, req.Privacy, roles)
	if err != nil {
		return nil, err
	}
	pipe, err := cfg.Build(anonymize.Env{AsOf: asOf})
	if err == nil && pipe.Policy.MinK > t.NumRows() {
		return nil, tooFewRecords(pipe.Policy.MinK, t, where)
	}
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
			return nil, err
		}
		msg := marketplace.ErrorMessage(err)
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			msg = err.Error() // the engine's reason, about the user's own data
		}
		return nil, marketplace.Errorf(marketplace.EINVALID, "Anonymization failed: %s", msg)
	}
	return r, nil
}

// tooFewRecords says in plain words that k cannot hold on t (where names
// it): a group of k look-alike records needs k records.
func tooFewRecords(k int, t *anonymize.Table, where string) error {
	n := t.NumRows()
	what := "records"
	if t.Name == "Patient" {
		what = "patients"
	}
	change := fmt.Sprintf("lower k to %d or less, or publish a larger file", n)
	if n < 2 {
		change = "publish a larger file: k-anonymity needs at least 2 records"
	}
	return marketplace.Errorf(marketplace.EINVALID, "k = %d needs at least %d %s; %s has %d: %s.", k, k, what, where, n, change)
}

func clonePrivacy(p *PrivacyParams) *PrivacyParams {
	if p == nil {
		return nil
	}
	c := *p
	return &c
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
	return records{Path: req.Path, Reader: req.Reader, Name: req.Name, Format: req.Format, Encoding: req.Encoding, Bytes: true, Progress: req.Progress, Warn: req.Warn}.read()
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

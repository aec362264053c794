package frontend

import (
	"context"
	"crypto/rand"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// An upload of several tables (a FHIR record: Patient, Observation,
// Condition...) is shown and published as one release: step 2 shows every
// table with its own roles (fields tableRoleField), step 3 the
// patient-level report and verdict with a section per table, and step 4
// publishes every table (app.PublishRequest.Release). Choosing one table
// in step 2 goes back to one table's flow; a CSV file is one table.

// releaseViewPreset is the preset step 2's release view is read with:
// the app gives each table's columns, suggestions and first rows with a
// dry run of the release, and Safe Harbor runs on any release.
const releaseViewPreset = "safe-harbor"

// newReleaseSecret returns a random key for an upload's release: its
// tables link by one pseudonym per patient and its dates shift by one
// offset per patient, and no one can link them to any other release.
func newReleaseSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// canRelease reports whether u is offered as one release.
func (s *wizardStore) canRelease(u *wizardUpload) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return u.release
}

// offerRelease shows v's upload, which holds several tables, as one
// release when it reads as one (a FHIR record with its Patient table),
// and remembers it; otherwise v (one table at a time) stays, with the
// reason.
func (s *wizardStore) offerRelease(ctx context.Context, svc Service, v wizardPreview) wizardPreview {
	p, err := previewReleaseView(ctx, svc, v.U, nil)
	if err != nil {
		v.Problem = "Each table is published on its own: " + marketplace.ErrorMessage(err)
		return v
	}
	s.mu.Lock()
	v.U.release = true
	s.mu.Unlock()
	v.P, v.CanRelease = p, true
	return v
}

// previewReleaseView reads u as one release for step 2's view, with the
// roles chosen per table. When the app refuses the roles, the view is
// read without them, and the refusal is returned beside it for the user
// to fix.
func previewReleaseView(ctx context.Context, svc Service, u *wizardUpload, roles map[string]map[string]string) (app.PreviewResult, error) {
	req := app.PreviewRequest{Release: true, Preset: releaseViewPreset, TableRoles: roles}
	p, err := u.preview(ctx, svc, req)
	if err != nil && p.Release == nil && len(roles) > 0 && marketplace.ErrorCode(err) == marketplace.EINVALID {
		req.TableRoles = nil
		if q, qerr := u.preview(ctx, svc, req); qerr == nil {
			return q, err
		}
	}
	return p, err
}

// allRoles returns the roles last chosen for each of u's tables (table ->
// column -> role), for a release.
func (s *wizardStore) allRoles(u *wizardUpload) map[string]map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[string]string, len(u.roles))
	for t, roles := range u.roles {
		if len(roles) > 0 {
			out[t] = maps.Clone(roles)
		}
	}
	return out
}

// tableRolePrefix names the release view's fields that set a column's
// role in one table ("roles.Observation.code"): table names (FHIR
// resource types) hold no dot, column names may.
const tableRolePrefix = "roles."

// tableRoleField names the field of table's column col.
func tableRoleField(table, col string) string { return tableRolePrefix + table + "." + col }

// tableRolesOf reads the per-table role fields of a wizard form (table ->
// column -> role).
func tableRolesOf(r *http.Request) map[string]map[string]string {
	m := map[string]map[string]string{}
	for k, v := range r.PostForm {
		rest, ok := strings.CutPrefix(k, tableRolePrefix)
		if !ok || len(v) == 0 || v[0] == "" {
			continue
		}
		if table, col, ok := strings.Cut(rest, "."); ok && table != "" && col != "" {
			if m[table] == nil {
				m[table] = map[string]string{}
			}
			m[table][col] = v[0]
		}
	}
	return m
}

// tableRoleOf is the role the release view's select shows for column s
// of table t: the user's choice, else the app's, else the suggestion.
func (v wizardPreview) tableRoleOf(t app.TablePreview, s app.ColumnSuggestion) string {
	if r, ok := v.TableRoles[t.Name][s.Column]; ok && slices.Contains(app.ColumnRoles(), r) {
		return r
	}
	if r, ok := t.Roles[s.Column]; ok {
		return r
	}
	return s.Role
}

// releaseReport makes step 3 of a release run: the patient-level report
// and verdict stand for the release, and step 4 publishes every table
// with the roles the run used.
func releaseReport(v wizardReport) wizardReport {
	rp := v.P.Release
	v.P.Report, v.P.Verdict = rp.Report, rp.Verdict
	v.Table, v.Form.Table, v.Form.Roles = "", "", nil
	v.Form.Release, v.Form.TableRoles = true, map[string]map[string]string{}
	for _, t := range rp.Tables {
		if len(t.Roles) > 0 {
			v.Form.TableRoles[t.Name] = maps.Clone(t.Roles)
		}
	}
	// Not the file's name: a record's files are often named after the
	// patient (Synthea: Given123_Family456_id.json).
	v.Form.Title = "Health record"
	if len(v.U.Files) > 1 {
		v.Form.Title += " (" + v.U.Name + ")"
	}
	return v
}

// rolesTable is the table whose roles the step-2 form's role fields set
// (field roles-table): none in the release view, whose fields name their
// table.
func (v wizardPreview) rolesTable() string {
	if v.P.Release != nil {
		return ""
	}
	return v.P.Table
}

// runNote says what step 2's run anonymizes: the table's rows, or the
// release's tables and patients.
func (v wizardPreview) runNote() string {
	if rp := v.P.Release; rp != nil {
		return plural(len(rp.Tables), "table", "tables") + " of " + plural(rp.Patients, "patient", "patients")
	}
	return plural(v.P.NumRows, "row", "rows")
}

// releasePatientsNote says how many patients a release publishes and how
// many the privacy model removed.
func releasePatientsNote(rp *app.ReleasePreview) string {
	s := plural(rp.Patients, "patient", "patients") + " released"
	if rp.SuppressedPatients > 0 {
		s += "; " + plural(rp.SuppressedPatients, "patient", "patients") + " removed to protect privacy, from every table"
	}
	return s + "."
}

// releaseReportRows is how many first rows step 3 shows of each table of
// a release, before and after.
const releaseReportRows = 5

// maxCellRunes is how much of a long value (a note) a sample cell shows.
const maxCellRunes = 120

// cellStart is s cut to maxCellRunes runes, with an ellipsis when cut.
func cellStart(s string) string {
	if utf8.RuneCountInString(s) <= maxCellRunes {
		return s
	}
	return string([]rune(s)[:maxCellRunes]) + "…"
}

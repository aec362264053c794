package frontend

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// Saved configurations in the UI: the report step saves the run's preset,
// privacy model and roles under a name (POST /mydata/configs/): a
// release's every table's roles, each under the table's name; step 1
// (field saved) or 2 (POST /mydata/publish/run with step=edit and
// saved=NAME) fills them in for a new file: in a release's view, every
// table's roles; My data's page /mydata/configs/ lists them, with their
// YAML for `medmarket anonymize --config FILE` and a delete button.

// ConfigService is what the saved-configuration pages need of the app.
type ConfigService interface {
	SaveConfig(ctx context.Context, who app.Actor, c app.SavedConfig) (app.SavedConfig, error)
	SavedConfigs(ctx context.Context, owner common.Address) ([]app.SavedConfig, error)
	SavedConfig(ctx context.Context, owner common.Address, name string) (app.SavedConfig, error)
	DeleteSavedConfig(ctx context.Context, who app.Actor, name string) error
}

const myDataConfigsURL = "/mydata/configs/"

func myDataConfigsPath(*http.Request) string { return myDataConfigsURL }

// configURL is the path of a configuration's page part (suffix "delete",
// "config.yaml").
func configURL(name, suffix string) string {
	return myDataConfigsURL + url.PathEscape(name) + "/" + suffix
}

// configTable is the key a saved configuration keeps the roles of p's
// table under: "" for a file of one table named after the file (a CSV),
// else the table's name (a FHIR resource type).
func configTable(u *wizardUpload, p app.PreviewResult) string {
	if len(p.Tables) <= 1 && p.Table == strings.TrimSuffix(u.Name, filepath.Ext(u.Name)) {
		return ""
	}
	return p.Table
}

// savedConfigNames are the names of owner's saved configurations, for
// step 2's choice; none when they cannot be read (the wizard goes on).
func savedConfigNames(ctx context.Context, svc Service, owner common.Address) []string {
	cs, err := svc.SavedConfigs(ctx, owner)
	if err != nil {
		return nil
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}

// privacyFormOf is a saved privacy model as step 2's fields show it.
func privacyFormOf(p *app.PrivacyParams) privacyForm {
	if p == nil {
		return defaultPrivacy()
	}
	method := p.Method
	if method == "" {
		method = "optimal"
	}
	return privacyForm{K: strconv.Itoa(p.K), L: strconv.Itoa(p.L), T: strconv.FormatFloat(p.T, 'f', -1, 64),
		Suppression: strconv.FormatFloat(p.Suppression, 'f', -1, 64), Method: method}
}

// editChoices applies what a step=edit post of step 2 changes besides the
// table: the file's encoding (field encoding) and a saved configuration
// (field saved), on the table chosen or on every table of a release. It
// returns the preview it read, and a problem with its status ("" and 200
// for none).
func editChoices(r *http.Request, svc Service, wz *wizardStore, u *wizardUpload, c *wizardChoices) (app.PreviewResult, string, int) {
	if enc, ok := r.PostForm["encoding"]; ok && len(enc) > 0 {
		wz.setEncoding(u, enc[0])
	}
	if name := r.PostForm.Get("saved"); name != "" {
		p, problem, status := previewForConfig(r.Context(), svc, u, *c)
		if problem == "" {
			problem, status = useSavedConfig(r.Context(), svc, wz, u, name, c, p, false)
		}
		return p, problem, status
	}
	// Another table chosen after saved settings were used gets their roles
	// for it, unless roles were chosen for it already.
	if rt, ok := r.PostForm["roles-table"]; ok && len(rt) > 0 && rt[0] != c.Table && len(c.Roles) == 0 && !c.Release {
		if used := wz.usedConfigOf(u); used != "" {
			p, problem, status := previewForConfig(r.Context(), svc, u, *c)
			if problem == "" {
				problem, status = useSavedConfig(r.Context(), svc, wz, u, used, c, p, true)
			}
			return p, problem, status
		}
	}
	return app.PreviewResult{}, "", http.StatusOK
}

// previewForConfig reads what saved settings apply to: the release view
// of u (without roles: the settings bring them), or c's table.
func previewForConfig(ctx context.Context, svc Service, u *wizardUpload, c wizardChoices) (app.PreviewResult, string, int) {
	var p app.PreviewResult
	var err error
	if c.Release {
		p, err = previewReleaseView(ctx, svc, u, nil)
	} else {
		p, err = u.preview(ctx, svc, app.PreviewRequest{Table: c.Table})
	}
	if err != nil {
		return p, marketplace.ErrorMessage(err), httpStatus(marketplace.ErrorCode(err))
	}
	return p, "", http.StatusOK
}

// renderWithSavedConfig answers a new upload u with step 2 for table,
// filled in with the saved settings name the user chose at step 1: with no
// table chosen, an upload that reads as one release shows the release
// view, every table's roles filled in.
func renderWithSavedConfig(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc Service, wz *wizardStore, u *wizardUpload, table, name string) {
	c := wizardChoices{Table: table}
	p, problem, _ := previewForConfig(r.Context(), svc, u, c)
	if problem != "" { // step 2 reads it again and says why it cannot
		renderChoices(w, r, logger, svc, u, c, app.PreviewResult{}, "", http.StatusOK)
		return
	}
	var status int
	var offered string // why the tables are not one release
	if table == "" && len(p.Tables) > 1 {
		v := wz.offerRelease(r.Context(), svc, wizardPreview{U: u, P: p})
		p, c.CanRelease, c.Release, offered = v.P, v.CanRelease, v.CanRelease, v.Problem
	}
	if problem, status = useSavedConfig(r.Context(), svc, wz, u, name, &c, p, false); problem == "" {
		problem = offered
	}
	renderChoices(w, r, logger, svc, u, c, p, problem, status)
}

// handleConfigChoice handles GET /mydata/configs/choice: step 1's choice of
// saved settings (nothing when there are none), loaded into the upload form.
func handleConfigChoice(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		renderComponent(w, r, logger, http.StatusOK, wizardUploadConfigChoice(savedConfigNames(r.Context(), svc, s.Address())))
	})
}

// setUsedConfig remembers that u's user used the saved settings name.
func (s *wizardStore) setUsedConfig(u *wizardUpload, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.usedConfig = name
}

// usedConfigOf names the saved settings last used on u, "" for none.
func (s *wizardStore) usedConfigOf(u *wizardUpload) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return u.usedConfig
}

// useSavedConfig fills c with u's owner's saved configuration name, for
// p, what c shows: a release's every table (p.Release) or one table. It
// returns a problem with its status ("" and 200 for none) and remembers
// the settings used on u.
func useSavedConfig(ctx context.Context, svc Service, wz *wizardStore, u *wizardUpload, name string, c *wizardChoices, p app.PreviewResult, rolesOnly bool) (string, int) {
	sc, err := svc.SavedConfig(ctx, u.Owner, name)
	if err != nil {
		return marketplace.ErrorMessage(err), httpStatus(marketplace.ErrorCode(err))
	}
	if p.Release != nil {
		applySavedRelease(wz, u, sc, p.Release, c)
	} else {
		applySavedTable(u, sc, p, c, rolesOnly)
	}
	wz.setUsedConfig(u, name)
	return "", http.StatusOK
}

// applySavedPreset sets c's preset and privacy model to sc's.
func applySavedPreset(sc app.SavedConfig, c *wizardChoices) {
	c.Preset = sc.Preset
	if sc.Preset == app.PresetCustom {
		c.Privacy = privacyFormOf(sc.Privacy)
	}
}

// applySavedTable fills c with sc for the table p: its preset and privacy
// model (unless rolesOnly) and the roles of the columns the table has;
// c.Note says what was applied and which roles were left out (columns the
// new file lacks are not an error).
func applySavedTable(u *wizardUpload, sc app.SavedConfig, p app.PreviewResult, c *wizardChoices, rolesOnly bool) {
	roles, ignored := sc.RolesFor(configTable(u, p), p.Columns)
	c.Table, c.Roles = p.Table, roles
	switch {
	case rolesOnly:
		c.Note = fmt.Sprintf("Saved settings %q applied to table %s: %s.", sc.Name, p.Table, plural(len(roles), "column role", "column roles"))
	default:
		applySavedPreset(sc, c)
		c.Note = fmt.Sprintf("Saved settings %q applied: preset %s, %s.", sc.Name, sc.Preset, plural(len(roles), "column role", "column roles"))
		if len(p.Tables) > 1 {
			c.Note += fmt.Sprintf(" Roles are per table: these are table %s's; another table gets its own when you choose it.", p.Table)
		}
	}
	if len(ignored) > 0 {
		c.Note += " Ignored, as this file has no such column: " + strings.Join(ignored, ", ") + "."
	}
}

// applySavedRelease fills c, the release view rp, with sc: its preset and
// privacy model, and each table's roles (savedReleaseRoles), kept for the
// upload's tables as if chosen. c.Note says how many roles each table got
// and which were left out.
func applySavedRelease(wz *wizardStore, u *wizardUpload, sc app.SavedConfig, rp *app.ReleasePreview, c *wizardChoices) {
	applySavedPreset(sc, c)
	c.Table, c.Roles, c.Release = "", nil, true
	c.TableRoles = map[string]map[string]string{}
	applied := make([]string, 0, len(rp.Tables))
	var ignored []string
	for _, t := range rp.Tables {
		roles, left := savedReleaseRoles(sc, rp, t)
		c.TableRoles[t.Name] = roles
		wz.keepRoles(u, t.Name, roles)
		applied = append(applied, fmt.Sprintf("%s %s", t.Name, plural(len(roles), "role", "roles")))
		if len(left) > 0 {
			ignored = append(ignored, fmt.Sprintf("%s (%s)", strings.Join(left, ", "), t.Name))
		}
	}
	c.Note = fmt.Sprintf("Saved settings %q applied to every table: preset %s; %s.", sc.Name, sc.Preset, strings.Join(applied, ", "))
	if shared := sc.Roles[""]; len(sc.Roles) == 1 && shared != nil {
		c.Note += " They were saved for a one-table file: each table gets the roles of the columns it has."
		ignored = sharedIgnored(shared, rp)
	}
	if len(ignored) > 0 {
		c.Note += " Ignored, as the table has no such column: " + strings.Join(ignored, "; ") + "."
	}
	var absent []string
	for _, name := range namedTables(sc) {
		if !slices.ContainsFunc(rp.Tables, func(t app.TablePreview) bool { return t.Name == name }) {
			absent = append(absent, name)
		}
	}
	if len(absent) > 0 {
		c.Note += " Not in this file: table " + strings.Join(absent, ", ") + "."
	}
}

// savedReleaseRoles are sc's roles for table t of the release rp and the
// saved columns t lacks: the table's own roles, or the roles of settings
// saved for a one-table file (a CSV) on every table that has their
// columns. A table the settings do not name gets none: roles saved for
// another table are not its.
func savedReleaseRoles(sc app.SavedConfig, rp *app.ReleasePreview, t app.TablePreview) (map[string]string, []string) {
	if _, own := sc.Roles[t.Name]; !own {
		if _, shared := sc.Roles[""]; !shared || len(sc.Roles) != 1 {
			return map[string]string{}, nil
		}
	}
	return sc.RolesFor(t.Name, t.Columns)
}

// sharedIgnored are the columns of roles (saved for a one-table file)
// that no table of rp has.
func sharedIgnored(roles map[string]string, rp *app.ReleasePreview) []string {
	var out []string
	for _, col := range slices.Sorted(maps.Keys(roles)) {
		if !slices.ContainsFunc(rp.Tables, func(t app.TablePreview) bool { return slices.Contains(t.Columns, col) }) {
			out = append(out, col)
		}
	}
	return out
}

// configForm is the report step's "Save these settings" form as posted.
type configForm struct {
	Upload, Name, Preset string
	// RunTable is the run's table, Table the key its roles are saved
	// under (configTable: "" for a one-table CSV).
	RunTable, Table string
	Privacy         privacyForm
	Roles           map[string]string // the run's table's roles, every column
	// Release: the run was a release, every table's roles (every column)
	// are in TableRoles (table -> column -> role), saved under the
	// table's name.
	Release        bool
	TableRoles     map[string]map[string]string
	Problem, Saved string
	Replaced       bool // Saved replaced settings of the same name
}

// configField is a hidden field of the save form.
type configField struct{ Name, Value string }

// roleFields are f's roles as the save form's hidden fields, in order:
// one table's (rolePrefix) or a release's (tableRoleField).
func (f configForm) roleFields() []configField {
	var out []configField
	if f.Release {
		for _, t := range slices.Sorted(maps.Keys(f.TableRoles)) {
			for _, col := range slices.Sorted(maps.Keys(f.TableRoles[t])) {
				out = append(out, configField{tableRoleField(t, col), f.TableRoles[t][col]})
			}
		}
		return out
	}
	for _, col := range slices.Sorted(maps.Keys(f.Roles)) {
		out = append(out, configField{rolePrefix + col, f.Roles[col]})
	}
	return out
}

// savedMessage says what saving did.
func savedMessage(f configForm) string {
	if f.Replaced {
		return fmt.Sprintf("Saved as “%s”, replacing the settings saved earlier under that name.", f.Saved)
	}
	return fmt.Sprintf("Saved as “%s”.", f.Saved)
}

// readConfigForm reads the save form and the configuration it asks for:
// a release's every table's roles, or the posted table's roles and the
// roles chosen for other tables of the upload (when it is still there).
func readConfigForm(r *http.Request, wz *wizardStore, owner common.Address) (configForm, app.SavedConfig, error) {
	p := r.PostForm
	f := configForm{Upload: p.Get("upload"), Name: strings.TrimSpace(p.Get("name")), RunTable: p.Get("table"), Table: p.Get("config-table"),
		Preset: p.Get("preset"), Privacy: readPrivacyForm(p), Roles: rolesOf(r)}
	c := app.SavedConfig{Name: f.Name, Preset: f.Preset, Roles: map[string]map[string]string{}}
	if f.Release = p.Get("release") != ""; f.Release {
		f.RunTable, f.Table, f.Roles, f.TableRoles = "", "", nil, tableRolesOf(r)
		maps.Copy(c.Roles, f.TableRoles)
	} else {
		if u, err := wz.get(owner, f.Upload); err == nil {
			for table, roles := range wz.keptRoles(u) {
				if len(roles) > 0 && table != f.RunTable && table != "" {
					c.Roles[table] = roles
				}
			}
		}
		c.Roles[f.Table] = f.Roles
	}
	if f.Preset == app.PresetCustom {
		var err error
		if c.Privacy, err = f.Privacy.params(); err != nil {
			return f, c, err
		}
	}
	return f, c, nil
}

// keptRoles returns the roles chosen so far for each of u's tables.
func (s *wizardStore) keptRoles(u *wizardUpload) map[string]map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[string]string, len(u.roles))
	for t, r := range u.roles {
		out[t] = maps.Clone(r)
	}
	return out
}

// handleConfigSave handles POST /mydata/configs/: saves the report step's
// settings under the name given and answers with the form saying so, or
// with its problem (the field named).
func handleConfigSave(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		who, _ := actorOf(r)
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		f, c, err := readConfigForm(r, wz, s.Address())
		if err == nil {
			var saved app.SavedConfig
			if saved, err = svc.SaveConfig(r.Context(), who, c); err == nil {
				f.Saved, f.Replaced = saved.Name, !saved.Created.Equal(saved.Updated)
			}
		}
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			renderError(w, r, logger, err)
			return
		}
		if !isHTMX(r) && err == nil {
			http.Redirect(w, r, myDataConfigsURL, http.StatusSeeOther)
			return
		}
		status := http.StatusOK
		if err != nil {
			f.Problem, status = marketplace.ErrorMessage(err), httpStatus(marketplace.ErrorCode(err))
		}
		renderWizard(w, r, logger, status, wizardSaveConfigForm(f))
	})
}

// configsView is My data's saved configurations page.
type configsView struct {
	Configs          []app.SavedConfig
	Message, Problem string
}

func loadConfigs(r *http.Request, svc Service) configsView {
	s, _ := sessionFrom(r.Context())
	cs, err := svc.SavedConfigs(r.Context(), s.Address())
	if err != nil {
		return configsView{Problem: marketplace.ErrorMessage(err)}
	}
	return configsView{Configs: cs}
}

// handleConfigsPage handles GET /mydata/configs/: the account's saved
// configurations.
func handleConfigsPage(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, logger, http.StatusOK, page{Title: "Saved settings", Section: "mydata", Content: configsPage(loadConfigs(r, svc))})
	})
}

// handleConfigDelete handles POST /mydata/configs/{name}/delete.
func handleConfigDelete(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		name := r.PathValue("name")
		err := svc.DeleteSavedConfig(r.Context(), who, name)
		answerAction(w, r, logger, err, myDataConfigsURL, func(message, problem string) (page, templ.Component) {
			v := loadConfigs(r, svc)
			v.Message, v.Problem = message, problem
			return page{Title: "Saved settings", Section: "mydata", Content: configsPage(v)}, configsList(v)
		}, fmt.Sprintf("Saved settings %q deleted.", name))
	})
}

// handleConfigYAML handles GET /mydata/configs/{name}/config.yaml: the
// configuration as `medmarket anonymize --config FILE` reads it, every
// table's columns in one file, or one table's (?table=NAME).
func handleConfigYAML(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		c, err := svc.SavedConfig(r.Context(), s.Address(), r.PathValue("name"))
		var y []byte
		if err == nil {
			y, err = c.YAML(r.URL.Query().Get("table"))
		}
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", yamlFileName(c.Name)))
		w.Header().Set("Cache-Control", "no-store")
		w.Write(y)
	})
}

// yamlFileName is a file name for a configuration's YAML: its name with
// anything but letters, digits, - _ . as "-".
func yamlFileName(name string) string {
	b := []rune(name)
	for i, r := range b {
		if !(r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r))) {
			b[i] = '-'
		}
	}
	return string(b) + ".yaml"
}

// configSummary says what a saved configuration holds, in one line.
func configSummary(c app.SavedConfig) string {
	s := "Preset " + c.Preset
	if p := c.Privacy; p != nil {
		s += fmt.Sprintf(" (k = %d, l = %d, t = %s, at most %s%% suppressed, %s)", p.K, p.L,
			strconv.FormatFloat(p.T, 'f', -1, 64), strconv.FormatFloat(p.Suppression, 'f', -1, 64), cmp.Or(p.Method, "optimal"))
	}
	var tables []string
	for _, t := range c.Tables() {
		name := t
		if t == "" {
			name = "one-table file"
		}
		tables = append(tables, fmt.Sprintf("%s: %s", name, plural(len(c.Roles[t]), "role", "roles")))
	}
	if len(tables) > 0 {
		s += "; " + strings.Join(tables, "; ")
	}
	return s + "."
}

// namedTables are c's tables with a name (for one YAML per table).
func namedTables(c app.SavedConfig) []string {
	return slices.DeleteFunc(c.Tables(), func(t string) bool { return t == "" })
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// reportConfigForm is the save form of the report step: the run's preset,
// privacy model and every column's role (the chosen one, else the
// suggested one), of every table of a release.
func reportConfigForm(v wizardReport) configForm {
	f := configForm{Upload: v.U.ID, RunTable: v.P.Table, Table: configTable(v.U, v.P), Preset: v.Preset, Privacy: v.Form.Privacy, Roles: map[string]string{}}
	if rp := v.P.Release; rp != nil {
		f.RunTable, f.Table, f.Roles, f.Release = "", "", nil, true
		f.TableRoles = make(map[string]map[string]string, len(rp.Tables))
		for _, t := range rp.Tables {
			f.TableRoles[t.Name] = everyRole(t.Suggestions, t.Roles)
		}
		return f
	}
	f.Roles = everyRole(v.P.Suggestions, v.Form.Roles)
	return f
}

// everyRole is the role of every suggested column: chosen's, else the
// suggestion's.
func everyRole(suggestions []app.ColumnSuggestion, chosen map[string]string) map[string]string {
	out := make(map[string]string, len(suggestions))
	for _, s := range suggestions {
		role := s.Role
		if r, ok := chosen[s.Column]; ok {
			role = r
		}
		out[s.Column] = role
	}
	return out
}

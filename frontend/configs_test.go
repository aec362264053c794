package frontend

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/app"
)

// newAccountsFixture is a server with the accounts alice and bob (passphrase
// NAME-pass), unfunded: enough for the wizard's dry runs and saved settings.
func newAccountsFixture(t *testing.T) *marketFixture {
	t.Helper()
	srv, a := newTestServer(t)
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(t.Context(), n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
	}
	return &marketFixture{srv: srv, a: a}
}

// hiddenFields are the hidden inputs of the form with id in body.
func hiddenFields(t *testing.T, body, id string) url.Values {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no form %s in\n%s", id, body)
	}
	form := body[i:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(form, -1) {
		v.Add(m[1], m[2])
	}
	return v
}

// selectedRole is the role column's select shows selected on step 2.
func selectedRole(t *testing.T, body, column string) string {
	t.Helper()
	return selectedField(t, body, rolePrefix+column)
}

// selectedTableRole is the role the release view's select of table's
// column shows selected on step 2.
func selectedTableRole(t *testing.T, body, table, column string) string {
	t.Helper()
	return selectedField(t, body, tableRoleField(table, column))
}

// selectedField is the option the select named field shows selected.
func selectedField(t *testing.T, body, field string) string {
	t.Helper()
	i := strings.Index(body, `name="`+field+`"`)
	if i < 0 {
		t.Fatalf("no select %s", field)
	}
	sel := body[i : i+strings.Index(body[i:], "</select>")]
	m := regexp.MustCompile(`<option value="([^"]+)" selected>`).FindStringSubmatch(sel)
	if m == nil {
		t.Fatalf("nothing selected in %s: %s", field, sel)
	}
	return m[1]
}

// TestSavedConfigs_wizard: settings saved from a report fill in step 2 of
// the next file (roles of columns it lacks are ignored with a note); My
// data lists them with their YAML and deletes them; forged posts change
// nothing; another account sees none of them.
func TestSavedConfigs_wizard(t *testing.T) {
	f := newAccountsFixture(t)
	alice, bob := f.signIn(t, "alice"), f.signIn(t, "bob")
	first := "name,zip,birthdate,diagnosis,visits\n" +
		"Ann,02139,1970-01-02,E11,3\nBea,02139,1970-03-04,I10,1\nCid,02140,1980-05-06,E11,2\nDan,02140,1980-07-08,J45,5\n" +
		"Eve,02139,1970-09-10,I10,4\nFay,02140,1980-11-12,E11,2\n"
	upload := alice.uploadCSV(t, first, "first file", `id="wizard-rows"`)
	res, body := alice.run(url.Values{"upload": {upload}, "table": {"file"}, "roles-table": {"file"}, "preset": {"custom"}, "k": {"2"}, "l": {"0"}, "t": {"0"}, "suppression": {"10"}, "method": {"optimal"},
		"role.visits": {"sensitive"}, "role.zip": {"quasi-identifier"}})
	wantBody(t, "report", res, body, 200, `id="wizard-save-config-form"`, `id="config-name"`)
	save := hiddenFields(t, body, "wizard-save-config-form")
	if save.Get("config-table") != "" || save.Get("preset") != "custom" || save.Get("k") != "2" || save.Get("role.visits") != "sensitive" || save.Get("role.name") == "" {
		t.Fatalf("save form carries %v", save)
	}

	hx := true
	bad := cloneValues(save)
	bad.Set("name", "a:b")
	res, body = alice.post("/mydata/configs/", bad, hx)
	wantBody(t, "bad name", res, body, 422, `id="config-problem"`, "Name:", `value="a:b"`)
	save.Set("name", "Clinic k2")
	res, body = postForm(t, f.srv, "/mydata/configs/", save, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {alice.cookie.String()}})
	wantBody(t, "forged save", res, body, 403)
	if cs, _ := f.a.SavedConfigs(t.Context(), addrOf(t, f.a, "alice")); len(cs) != 0 {
		t.Fatalf("a forged post saved %v", cs)
	}
	res, body = alice.post("/mydata/configs/", save, hx)
	wantBody(t, "saved", res, body, 200, `id="config-saved"`, "Saved as “Clinic k2”")
	if strings.Contains(body, "replacing") {
		t.Error("a first save says it replaced settings")
	}
	res, body = alice.post("/mydata/configs/", save, hx)
	wantBody(t, "saved again", res, body, 200, "replacing the settings saved earlier under that name")
	if cs, err := f.a.SavedConfigs(t.Context(), addrOf(t, f.a, "alice")); err != nil || len(cs) != 1 || len(cs[0].Tables()) != 1 || cs[0].Tables()[0] != "" {
		t.Fatalf("saved for a one-table CSV: %+v %v", cs, err)
	}

	// Step 1 offers them; bob has none.
	res, body = alice.get("/mydata/configs/choice", true)
	wantBody(t, "step 1's choice", res, body, 200, `name="saved"`, `<option value="Clinic k2">`)
	if res, body = bob.get("/mydata/configs/choice", true); res.StatusCode != 200 || strings.Contains(body, "select") {
		t.Errorf("bob's step 1 choice: %d %s", res.StatusCode, body)
	}

	// The next file: another name, a column fewer, one more.
	next := "zip,birthdate,diagnosis,visits,ward\n02139,1971-01-02,E11,3,A\n02139,1971-03-04,I10,1,B\n02140,1981-05-06,E11,2,A\n02140,1981-07-08,J45,5,B\n"
	upload2 := alice.uploadCSV(t, next, "next file", `id="wizard-use-config-form"`, `<option value="Clinic k2">`)
	res, body = alice.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {upload2}, "table": {""}, "saved": {"Clinic k2"}}, hx)
	wantBody(t, "saved settings used", res, body, 200, `id="wizard-config-note"`, "Saved settings &#34;Clinic k2&#34; applied",
		"Ignored, as this file has no such column: name.", `value="custom" checked`, `name="k" min="2" max="1000" value="2"`, `name="suppression" value="10"`)
	if got := selectedRole(t, body, "visits"); got != "sensitive" {
		t.Errorf("visits: %s, want the saved sensitive", got)
	}
	if got := selectedRole(t, body, "zip"); got != "quasi-identifier" {
		t.Errorf("zip: %s", got)
	}
	res, body = postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": "csv", "saved": "Clinic k2"}, map[string]string{"file": next},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {alice.cookie.String()}})
	wantBody(t, "chosen at step 1", res, body, 200, `id="wizard-rows"`, `id="wizard-config-note"`, "no such column: name.", `value="custom" checked`)
	if got := selectedRole(t, body, "visits"); got != "sensitive" {
		t.Errorf("visits, settings chosen at step 1: %s", got)
	}
	res, body = postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": "csv", "saved": "nope"}, map[string]string{"file": next},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {alice.cookie.String()}})
	wantBody(t, "unknown settings at step 1", res, body, 404, `id="wizard-rows"`, "no saved configuration")
	res, body = alice.run(url.Values{"upload": {upload2}, "preset": {"custom"}, "k": {"2"}, "l": {"0"}, "t": {"0"}, "suppression": {"10"}, "method": {"optimal"},
		"role.visits": {"sensitive"}, "role.zip": {"quasi-identifier"}})
	wantBody(t, "next file's report", res, body, 200, `id="wizard-verdict"`)
	res, body = bob.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {upload2}, "saved": {"Clinic k2"}}, hx)
	wantBody(t, "bob on alice's upload", res, body, 404)
	res, body = alice.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {upload2}, "saved": {"nope"}}, hx)
	wantBody(t, "unknown saved settings", res, body, 404, `id="wizard-rows"`, "no saved configuration")

	// My data: the list, the YAML, delete.
	res, body = alice.get("/mydata/configs/", false)
	wantBody(t, "list", res, body, 200, "<h1>Saved settings</h1>", "Clinic k2", "Preset custom (k = 2", `href="/mydata/configs/Clinic%20k2/config.yaml"`)
	res, body = alice.get("/mydata/configs/Clinic%20k2/config.yaml", false)
	wantBody(t, "yaml", res, body, 200, "preset: safe-harbor", "k: 2")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") || !strings.Contains(res.Header.Get("Content-Disposition"), `filename="Clinic-k2.yaml"`) {
		t.Errorf("yaml headers: %v", res.Header)
	}
	cfg, err := anonymize.LoadConfig(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Build(anonymize.Env{}); err != nil || cfg.Columns["visits"].Role.String() != "sensitive" {
		t.Fatalf("downloaded YAML: %v\n%s", err, body)
	}
	res, body = bob.get("/mydata/configs/", false)
	wantBody(t, "bob's list", res, body, 200, `id="no-configs"`)
	res, _ = bob.get("/mydata/configs/Clinic%20k2/config.yaml", false)
	wantBody(t, "bob gets alice's yaml", res, "", 404)
	res, _ = bob.post("/mydata/configs/Clinic%20k2/delete", nil, hx)
	wantBody(t, "bob deletes alice's", res, "", 404)
	res, body = postForm(t, f.srv, "/mydata/configs/Clinic%20k2/delete", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {alice.cookie.String()}})
	wantBody(t, "forged delete", res, body, 403)
	res, body = alice.post("/mydata/configs/Clinic%20k2/delete", nil, hx)
	wantBody(t, "deleted", res, body, 200, `id="configs-message"`, "deleted", `id="no-configs"`)
	res, body = alice.post("/mydata/configs/Clinic%20k2/delete", nil, false)
	wantBody(t, "deleted twice", res, body, 404)
	res, body = alice.get("/mydata/", false)
	wantBody(t, "my data links them", res, body, 200, `id="saved-configs-link"`)
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vv := range v {
		c[k] = append([]string(nil), vv...)
	}
	return c
}

// twoTablesNDJSON is a FHIR record of two patients, their Patient and
// Observation tables: read as one release.
const twoTablesNDJSON = `{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1970-01-02"}` + "\n" +
	`{"resourceType":"Patient","id":"p2","gender":"male","birthDate":"1980-05-06"}` + "\n" +
	`{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"valueQuantity":{"value":170,"unit":"cm"}}` + "\n" +
	`{"resourceType":"Observation","id":"o2","status":"final","subject":{"reference":"Patient/p2"},"code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"valueQuantity":{"value":182,"unit":"cm"}}` + "\n"

// uploadFHIR sends twoTablesNDJSON to step 1 as u, with the saved
// settings saved ("" for none), and returns the answer and the upload.
func (u *browserUser) uploadFHIR(t *testing.T, saved string) (*http.Response, string, string) {
	t.Helper()
	res, body := postMultipart(t, u.srv, "/mydata/publish/upload", map[string]string{"format": "fhir", "saved": saved}, map[string]string{"file": twoTablesNDJSON},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {u.cookie.String()}})
	m := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("upload: %d\n%s", res.StatusCode, body)
	}
	return res, body, m[1]
}

// wantSavedOnRelease checks that step 2's release view shows the saved
// settings "release" of TestSavedConfigs_perTable on each table.
func wantSavedOnRelease(t *testing.T, what string, res *http.Response, body string) {
	t.Helper()
	wantBody(t, what, res, body, 200, `id="wizard-release"`, `id="wizard-config-note"`,
		"Saved settings &#34;release&#34; applied to every table: preset safe-harbor-k5; Patient 1 role, Observation 2 roles.",
		"Ignored, as the table has no such column: nickname (Patient).", "Not in this file: table Encounter.", `value="safe-harbor-k5" checked`)
	for _, c := range [][3]string{{"Patient", "gender", "sensitive"}, {"Observation", "unit", "sensitive"}, {"Observation", "value", "quasi-identifier"}} {
		if got := selectedTableRole(t, body, c[0], c[1]); got != c[2] {
			t.Errorf("%s: %s's %s is %s, want the saved %s", what, c[0], c[1], got, c[2])
		}
	}
	if got := hiddenFields(t, body, "wizard-use-config-form").Get("table"); got != "" {
		t.Errorf("%s: step 2's saved settings form names table %q, want none (the release)", what, got)
	}
}

// TestSavedConfigs_perTable: settings saved for several tables fill in
// every table of a FHIR record's release view, chosen at step 1 or 2
// (roles of columns a table lacks and tables the file lacks are named);
// the release runs with them, and saving from its report keeps every
// table's roles under its name. Settings saved for a one-table file give
// each table the roles of the columns it has. A table chosen alone gets
// its own roles, and another table chosen after gets its own.
func TestSavedConfigs_perTable(t *testing.T) {
	f := newAccountsFixture(t)
	alice := f.signIn(t, "alice")
	who := app.ByAccount("alice", "alice-pass")
	_, err := f.a.SaveConfig(t.Context(), who, app.SavedConfig{Name: "release", Preset: "safe-harbor-k5",
		Roles: map[string]map[string]string{"Patient": {"gender": "sensitive", "nickname": "direct"}, "Observation": {"unit": "sensitive", "value": "quasi"},
			"Encounter": {"class": "sensitive"}}})
	if err != nil {
		t.Fatal(err)
	}

	res, body, _ := alice.uploadFHIR(t, "release")
	wantSavedOnRelease(t, "chosen at step 1", res, body)

	res, body, upload := alice.uploadFHIR(t, "")
	wantBody(t, "upload", res, body, 200, `id="wizard-release"`, `<option value="release">`, "each table's column roles")
	if strings.Contains(body, `id="wizard-config-note"`) {
		t.Error("saved settings applied unasked")
	}
	res, body = alice.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {upload}, "table": {""}, "saved": {"release"}}, true)
	wantSavedOnRelease(t, "chosen at step 2", res, body)

	// The run takes the roles applied (kept for each table), and its
	// report saves every table's.
	res, body = alice.run(url.Values{"upload": {upload}, "table": {""}, "roles-table": {""}, "preset": {"safe-harbor"}})
	wantBody(t, "release report", res, body, 200, `id="release-report"`, `id="wizard-save-config-form"`, "every table's column roles")
	save := hiddenFields(t, body, "wizard-save-config-form")
	if save.Get("release") == "" || save.Get("table") != "" || save.Get("roles.Patient.gender") != "sensitive" || save.Get("roles.Observation.unit") != "sensitive" ||
		save.Get("roles.Observation.value") != "quasi-identifier" || save.Get("roles.Patient.birth_date") == "" || save.Has("role.gender") {
		t.Fatalf("a release's save form carries %v", save)
	}
	save.Set("name", "from release")
	res, body = alice.post("/mydata/configs/", save, true)
	wantBody(t, "saved from a release", res, body, 200, `id="config-saved"`, "Saved as “from release”", `name="roles.Observation.unit" value="sensitive"`)
	sc, err := f.a.SavedConfig(t.Context(), addrOf(t, f.a, "alice"), "from release")
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Tables(); len(got) != 2 || got[0] != "Observation" || got[1] != "Patient" || sc.Preset != "safe-harbor" {
		t.Fatalf("saved from a release: tables %v, preset %s", got, sc.Preset)
	}
	if sc.Roles["Patient"]["gender"] != "sensitive" || sc.Roles["Observation"]["value"] != "quasi-identifier" || len(sc.Roles["Patient"]) < 3 || sc.Roles["Patient"]["birth_date"] == "" {
		t.Errorf("saved roles: %v", sc.Roles)
	}
	save.Set("name", "a:b")
	res, body = alice.post("/mydata/configs/", save, true)
	wantBody(t, "bad name, release kept", res, body, 422, `id="config-problem"`, `name="release" value="1"`, `name="roles.Patient.gender" value="sensitive"`)

	// Settings saved for a one-table file: each table gets the roles of
	// the columns it has.
	if _, err := f.a.SaveConfig(t.Context(), who, app.SavedConfig{Name: "csv", Preset: "safe-harbor", Roles: map[string]map[string]string{"": {"gender": "sensitive", "ward": "sensitive"}}}); err != nil {
		t.Fatal(err)
	}
	res, body = alice.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {upload}, "table": {""}, "saved": {"csv"}}, true)
	wantBody(t, "one-table settings on a release", res, body, 200, `id="wizard-release"`, "Patient 1 role, Observation 0 roles.", "saved for a one-table file",
		"Ignored, as the table has no such column: ward.")
	if got := selectedTableRole(t, body, "Patient", "gender"); got != "sensitive" {
		t.Errorf("Patient's gender with one-table settings: %s", got)
	}
	if got := selectedTableRole(t, body, "Observation", "unit"); got == "sensitive" {
		t.Error("Observation's unit took a role the settings do not give it")
	}

	// A table chosen alone, then another.
	_, _, upload = alice.uploadFHIR(t, "")
	res, body = alice.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {upload}, "table": {"Patient"}, "roles-table": {""}}, true)
	wantBody(t, "Patient alone", res, body, 200, "table <strong>Patient</strong>")
	res, body = alice.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {upload}, "table": {"Patient"}, "saved": {"release"}}, true)
	wantBody(t, "used on Patient", res, body, 200, "Roles are per table: these are table Patient", "no such column: nickname", `value="safe-harbor-k5" checked`)
	if got := selectedRole(t, body, "gender"); got != "sensitive" {
		t.Errorf("Patient's gender: %s", got)
	}
	run := hiddenFields(t, body, "wizard-run-form")
	run.Set("step", "edit")
	run.Set("table", "Observation")
	run.Set("preset", "safe-harbor")
	run.Set("role.gender", "sensitive")
	res, body = alice.post("/mydata/publish/run", run, true)
	wantBody(t, "Observation chosen", res, body, 200, "table <strong>Observation</strong>", `Saved settings &#34;release&#34; applied to table Observation: 2 column roles.`,
		`value="safe-harbor" checked`)
	if got := selectedRole(t, body, "unit"); got != "sensitive" {
		t.Errorf("Observation's unit: %s", got)
	}
	if got := selectedRole(t, body, "value"); got != "quasi-identifier" {
		t.Errorf("Observation's value: %s", got)
	}
}

package frontend

import (
	"bytes"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	"github.com/medmarket/medmarket/app"
)

// uploadFiles sends files (in order) to step 1 of the publish wizard as u
// (htmx), all in the form's one file field, and returns the answer.
func (u *browserUser) uploadFiles(t *testing.T, format string, files ...testFile) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("format", format); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile("file", f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", u.srv.URL+"/mydata/publish/upload", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return u.do(req, true)
}

// patientBundle is a FHIR Bundle of one patient with one condition.
func patientBundle(id, gender, birth string) []byte {
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"resource":{"resourceType":"Patient","id":"` + id + `","gender":"` + gender + `","birthDate":"` + birth + `","name":[{"family":"Roe` + id + `","given":["Jane"]}]}},` +
		`{"resource":{"resourceType":"Condition","id":"c-` + id + `","subject":{"reference":"Patient/` + id + `"},` +
		`"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006","display":"Diabetes"}]},"onsetDateTime":"2015-03-04"}}]}`)
}

// Several files chosen at once are one upload, read as one release: step
// 2 lists them and shows the rows of all of them; one table of it runs
// and publishes from the kept files, and publishing removes them all. A CSV
// among several files, or two files of one name, is refused with the
// file's name and nothing is kept; one file alone still works.
func TestPublishWizard_severalFilesAreOneUpload(t *testing.T) {
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	a, b := testFile{"a.json", patientBundle("p1", "female", "1970-01-02")}, testFile{"b.json", patientBundle("p2", "male", "1980-05-06")}

	res, body := alice.uploadFiles(t, "", a, b)
	wantBody(t, "two bundles", res, body, 200, `id="wizard-files"`, "2 files read as one release", "<li>a.json</li>", "<li>b.json</li>",
		"2 files (", `id="wizard-release"`, "<summary><strong>Patient</strong>: 2 rows", `<option value="Condition"`)
	if got := transientFiles(t, f.a); len(got) != 1 {
		t.Fatalf("data dir tmp/ holds %v, want one upload", got)
	}
	upload := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
	res, body = alice.run(url.Values{"upload": {upload}, "table": {"Condition"}, "preset": {"safe-harbor"}})
	wantBody(t, "report of the Condition table", res, body, 200, `id="publish-form"`, "on 2 files, table Condition.")
	// Two patients under Safe Harbor are each alone (risk 100 %): the
	// publisher accepts it in the report's confirm step.
	form := url.Values{"upload": {upload}, "table": {"Condition"}, "preset": {"safe-harbor"},
		"title": {"Two bundles"}, "price": {"0"}, "permission": {"GRU"}, "format": {"csv"}}
	for k, v := range alice.acceptRisk(t, body, "Two test bundles; I accept.") {
		form[k] = v
	}
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`)
	if got := transientFiles(t, f.a); len(got) != 0 {
		t.Errorf("after publishing, data dir tmp/ holds %v", got)
	}

	refused := []struct {
		what  string
		files []testFile
		want  string
	}{
		{"a CSV among bundles", []testFile{a, {"p.csv", []byte(smallPatients)}}, "p.csv is not a .json or .ndjson file"},
		{"two files of one name", []testFile{a, a}, "two files are named a.json"},
	}
	for _, c := range refused {
		res, body := alice.uploadFiles(t, "", c.files...)
		wantBody(t, c.what, res, body, 422, `id="wizard-upload"`, c.want)
		if got := transientFiles(t, f.a); len(got) != 0 {
			t.Errorf("%s: data dir tmp/ holds %v", c.what, got)
		}
	}
	res, body = alice.uploadFiles(t, "csv", testFile{"patients.csv", []byte(smallPatients)})
	wantBody(t, "one CSV file", res, body, 200, `id="wizard-rows"`, "patients.csv (")
	if strings.Contains(body, `id="wizard-files"`) {
		t.Error("one file is listed as a set of files")
	}
}

// An account keeps at most maxOwnerUploads uploads: the next discards its
// oldest and that upload's files; another account's are not touched.
func TestWizardStore_boundsUploadsPerAccount(t *testing.T) {
	_, a := newTestServer(t)
	clock := &testClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := newWizardStore(slog.New(slog.DiscardHandler), a, nil, clock.Now)
	var alice, bob [20]byte
	alice[0], bob[0] = 1, 2
	put := func(owner [20]byte) *wizardUpload {
		t.Helper()
		saved, err := a.SaveUploadFile(t.Context(), "", "p.csv", strings.NewReader(smallPatients))
		if err != nil {
			t.Fatal(err)
		}
		return s.put(owner, "p.csv", "csv", saved)
	}
	bobs := put(bob)
	var mine []*wizardUpload
	for range maxOwnerUploads + 1 {
		mine = append(mine, put(alice))
	}
	if _, err := s.get(alice, mine[0].ID); err == nil {
		t.Errorf("alice's oldest upload is kept beside %d newer ones", maxOwnerUploads)
	}
	if _, err := os.Stat(mine[0].Path); !os.IsNotExist(err) {
		t.Errorf("the oldest upload's file: %v, want it removed", err)
	}
	for _, u := range append(mine[1:], bobs) {
		if got, err := s.get(u.Owner, u.ID); err != nil || got != u {
			t.Errorf("upload %s: %v", u.ID, err)
		}
	}
	if got := len(transientFiles(t, a)); got != maxOwnerUploads+1 {
		t.Errorf("data dir tmp/ holds %d uploads, want %d", got, maxOwnerUploads+1)
	}
}

// testRelease is a release preview of two tables, as the app answers a
// dry run: one patient of three removed, notes scrubbed.
func testRelease() *app.ReleasePreview {
	verdict := &anonymize.Verdict{Pass: true}
	return &app.ReleasePreview{Patients: 2, SuppressedPatients: 1,
		Report:  &anonymize.Report{Table: "Patient", Rows: 2, Suppressed: 1, InputRows: 3, MinClassSize: 2, Verdict: verdict},
		Verdict: app.PreviewVerdict{Pass: true},
		Tables: []app.TablePreview{
			{Name: "Patient", Rows: 3, OutputRows: 2, Columns: []string{"id", "gender"},
				Suggestions: []app.ColumnSuggestion{{Column: "id", Role: "direct-identifier", Transform: "pseudonymize"}, {Column: "gender", Role: "quasi-identifier"}},
				Roles:       map[string]string{"gender": "sensitive"},
				FirstRows:   [][]string{{"p1", "female"}, {"p2", "male"}}, OutputColumns: []string{"id", "gender"},
				OutputFirstRows: [][]string{{"9f3a", "female"}},
				Report:          &anonymize.Report{Treatments: []anonymize.ColumnTreatment{{Column: "id", Treatment: "pseudonymized"}, {Column: "gender", Treatment: "kept"}}}},
			{Name: "DocumentReference", Rows: 4, OutputRows: 3, Columns: []string{"patient", "note"},
				Suggestions: []app.ColumnSuggestion{{Column: "patient", Role: "direct-identifier"}, {Column: "note", Role: "insensitive"}},
				FirstRows:   [][]string{{"p1", "Seen by Dr. Finn"}, {"p2", strings.Repeat("word ", 30) + "tail"}}, OutputColumns: []string{"patient", "note"},
				OutputFirstRows: [][]string{{"9f3a", "Seen by Dr. [NAME]"}},
				Report: &anonymize.Report{FreeText: []anonymize.FreeTextReport{{Column: "note", Reason: "long text", Outcome: "scrubbed",
					ScrubbedBy: "safe-harbor", Replaced: anonymize.ScrubCounts{"NAME": 7}}}}},
		}}
}

func renderString(t *testing.T, c templ.Component) string {
	t.Helper()
	var b strings.Builder
	if err := c.Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Step 2 of a release shows every table with its rows and a role select
// per column named for its table, the user's choice first, then the
// app's, then the suggestion; "every table" is the choice. Step 3 shows
// the patients' verdict and each table's rows before and after, its
// treatments and what the scrubber replaced; step 4 publishes the
// release with each table's roles.
func TestWizardRelease_stepsShowEveryTable(t *testing.T) {
	u := &wizardUpload{ID: strings.Repeat("ab", 16), Name: "2 files", Files: []string{"a.json", "b.json"}, Size: 2048}
	p := app.PreviewResult{Tables: []string{"Patient", "DocumentReference"}, TableRows: []int{3, 4}, Release: testRelease()}
	v := wizardPreview{U: u, P: p, Preset: "safe-harbor", Privacy: defaultPrivacy(), CanRelease: true,
		TableRoles: map[string]map[string]string{"DocumentReference": {"note": "sensitive", "patient": "nonsense"}}}
	body := renderString(t, wizardPreviewStep(v))
	for _, want := range []string{
		`id="wizard-files"`, `id="release-table-Patient"`, `id="release-table-DocumentReference"`, "2 tables", "of 2 patients",
		`<summary><strong>Patient</strong>: 3 rows, 2 columns</summary>`, "<td>Seen by Dr. Finn</td>",
		`<option value="" selected>Every table, as one release</option>`, `<option value="Patient">Patient (3 rows)</option>`,
		`name="roles-table" value=""`, "Anonymizing 2 tables of 2 patients",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("step 2 lacks %s", want)
		}
	}
	if strings.Contains(body, `id="wizard-rows"`) || strings.Contains(body, `name="role.`) {
		t.Error("step 2 of a release shows one table's view")
	}
	for field, want := range map[string]string{
		"roles.Patient.gender":            "sensitive",         // the app's
		"roles.Patient.id":                "direct-identifier", // the suggestion
		"roles.DocumentReference.note":    "sensitive",         // the user's
		"roles.DocumentReference.patient": "direct-identifier", // the user's is no role
	} {
		if got := selectedOption(body, field); got != want {
			t.Errorf("%s shows %q, want %q", field, got, want)
		}
	}

	rv := releaseReport(wizardReport{U: u, Preset: "safe-harbor", P: p,
		Form: listingForm{Upload: u.ID, Table: "Patient", Preset: "safe-harbor", Permission: "HMB", Format: "csv", Roles: map[string]string{"x": "quasi"}}})
	body = renderString(t, wizardReportStep(rv))
	for _, want := range []string{
		"on 2 files,", "every table as one release.", `id="verdict-pass"`, `id="card-report"`, `id="release-report"`,
		"2 patients released; 1 patient removed to protect privacy, from every table.",
		`<td><a href="#release-report-Patient">Patient</a></td><td>3</td><td>2</td><td>2 of 2</td>`,
		`id="release-report-DocumentReference"`, "<td><code>id</code></td><td>pseudonymized</td>",
		"note: scrubbed by safe-harbor, replaced NAME 7 (long text)", `id="sample-original-DocumentReference"`,
		"<td>Seen by Dr. [NAME]</td>", `<td title="` + strings.Repeat("word ", 30) + `tail">` + strings.Repeat("word ", 24) + "…</td>", `name="release" value="1"`, `name="roles.Patient.gender" value="sensitive"`,
		`name="table" value=""`, `Health record (2 files)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("step 3 lacks %s", want)
		}
	}
	if strings.Contains(body, `name="role.x"`) || strings.Contains(body, `id="wizard-sample"`) {
		t.Error("step 3 of a release carries one table's roles or sample")
	}
}

// selectedOption is the selected option of the select named name in body.
func selectedOption(body, name string) string {
	m := regexp.MustCompile(`(?s)<select name="` + regexp.QuoteMeta(name) + `".*?</select>`).FindString(body)
	if o := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m); o != nil {
		return o[1]
	}
	return ""
}

// The release view's role fields name their table and column (a column
// name may hold dots); a field without both is ignored.
func TestWizardRelease_tableRolesOf(t *testing.T) {
	r := httptest.NewRequest("POST", "/", nil)
	r.PostForm = url.Values{"roles.Observation.code.system": {"quasi"}, "roles.Patient.gender": {"sensitive"}, "roles.Patient": {"direct"},
		"roles..x": {"direct"}, "roles.Patient.race": {""}, "role.gender": {"quasi"}}
	got := tableRolesOf(r)
	want := map[string]map[string]string{"Observation": {"code.system": "quasi"}, "Patient": {"gender": "sensitive"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tableRolesOf = %v, want %v", got, want)
	}
	if f := tableRoleField("Observation", "code.system"); f != "roles.Observation.code.system" {
		t.Errorf("tableRoleField = %s", f)
	}
}

// An upload of several tables is one release: step 2 shows every table
// with its roles; roles chosen there are kept when one table is looked at
// alone and back; the run reports every table; the listing form publishes
// the release with each table's roles; the researcher's download is a ZIP
// of every table and manifest.json. Choosing one table still publishes
// that table alone.
func TestPublishWizard_releaseOfEveryTable(t *testing.T) {
	f := newMarketFixture(t)
	alice, bob := f.signIn(t, "alice"), f.signIn(t, "bob")
	res, body := alice.uploadFiles(t, "",
		testFile{"a.json", patientBundle("p1", "female", "1970-01-02")}, testFile{"b.json", patientBundle("p2", "male", "1980-05-06")},
		testFile{"c.json", patientBundle("p3", "female", "1990-07-08")})
	wantBody(t, "upload", res, body, 200, `id="wizard-release"`, `id="release-table-Patient"`, `id="release-table-Condition"`,
		`<option value="" selected>Every table, as one release</option>`, `name="roles.Patient.gender"`)
	upload := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]

	// A role chosen in the release view is kept for that table alone, and
	// the table's own choice comes back to the release view.
	res, body = alice.run(url.Values{"upload": {upload}, "step": {"edit"}, "table": {"Patient"}, "roles-table": {""},
		"preset": {"safe-harbor"}, "roles.Patient.gender": {"insensitive"}})
	wantBody(t, "Patient alone", res, body, 200, "table <strong>Patient</strong>", `id="wizard-rows"`)
	if got := selectedOption(body, "role.gender"); got != "insensitive" {
		t.Errorf("Patient alone: gender %q, want the release view's insensitive", got)
	}
	res, body = alice.run(url.Values{"upload": {upload}, "step": {"edit"}, "table": {""}, "roles-table": {"Patient"},
		"preset": {"safe-harbor"}, "role.gender": {"sensitive"}})
	wantBody(t, "the release again", res, body, 200, `id="wizard-release"`)
	if got := selectedOption(body, "roles.Patient.gender"); got != "sensitive" {
		t.Errorf("the release view: gender %q, want Patient's own sensitive", got)
	}

	// A failed run stays on the release view, with the reason in plain
	// words and every choice kept.
	res, body = alice.run(url.Values{"upload": {upload}, "table": {""}, "roles-table": {""}, "preset": {"custom"}, "k": {"50"}, "l": {"0"}, "t": {"0"},
		"suppression": {"3"}, "method": {"optimal"}, "roles.Patient.gender": {"sensitive"}})
	wantBody(t, "k too large", res, body, 422, `id="wizard-release"`, "k = 50 needs at least 50 patients", `name="k" min="2" max="1000" value="50"`,
		`value="custom" checked`)
	if got := selectedOption(body, "roles.Patient.gender"); got != "sensitive" {
		t.Errorf("k too large: gender %q, want sensitive kept", got)
	}
	res, body = alice.run(url.Values{"upload": {upload}, "table": {""}, "roles-table": {""}, "preset": {"safe-harbor"}, "roles.Patient.nope": {"quasi"}})
	wantBody(t, "a column not in the table", res, body, 422, `id="wizard-release"`, `Table Patient: Column &#34;nope&#34; is not in the table.`)

	res, body = alice.run(url.Values{"upload": {upload}, "table": {""}, "roles-table": {""}, "preset": {"safe-harbor"}, "roles.Patient.gender": {"sensitive"}})
	wantBody(t, "the release's report", res, body, 200, "every table as one release.", `id="release-report"`, `id="release-report-Patient"`,
		`id="release-report-Condition"`, `name="release" value="1"`, `name="roles.Patient.gender" value="sensitive"`, `id="publish-form"`,
		`name="title" value="Health record (3 files)"`)
	// Back from the report: the release view with every choice kept.
	back := url.Values{"upload": {upload}, "step": {"edit"}}
	for _, k := range []string{"table", "roles-table", "preset", "k", "l", "t", "suppression", "method"} {
		back.Set(k, regexp.MustCompile(`name="` + k + `" value="([^"]*)"`).FindStringSubmatch(body[strings.Index(body, `id="wizard-edit-form"`):])[1])
	}
	res, body2 := alice.run(back)
	wantBody(t, "back", res, body2, 200, `id="wizard-release"`, `value="safe-harbor" checked`, `<option value="" selected>Every table, as one release</option>`)
	if got := selectedOption(body2, "roles.Patient.gender"); got != "sensitive" {
		t.Errorf("back: gender %q, want sensitive kept", got)
	}
	// Three patients under Safe Harbor are each alone (risk 100 %): the
	// release is refused for that risk until the publisher accepts it in
	// the report's confirm step.
	form := url.Values{"upload": {upload}, "table": {""}, "preset": {"safe-harbor"}, "release": {"1"}, "roles.Patient.gender": {"sensitive"},
		"title": {"Three records"}, "price": {"0.01"}, "permission": {"GRU"}, "format": {"csv"}}
	res, body2 = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published without accepting the risk", res, body2, 422, `id="publish-problem"`, "accept it explicitly")
	for k, v := range alice.acceptRisk(t, body, "Three test records; I accept.") {
		form[k] = v
	}
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`)
	id, err := strconv.ParseUint(regexp.MustCompile(`href="/catalog/(\d+)/" id="published-link"`).FindStringSubmatch(body)[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Buy(t.Context(), app.ByAccount("bob", "bob-pass"), id, app.BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	res, body = bob.get(fmt.Sprintf("/catalog/%d/download", id), false)
	if res.StatusCode != 200 {
		t.Fatalf("download: %d\n%.2000s", res.StatusCode, body)
	}
	anonymizetest.CheckReleaseZIP(t, []byte(body), []string{"Condition", "Patient"}, []string{"Roep1", "Roep2", "Roep3"})
}

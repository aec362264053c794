package frontend

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/app"
)

// uploadCSV sends csv to step 1 of the publish wizard as u (htmx), checks
// that step 2 answers 200 with want in it (what names the check), and
// returns the upload's id.
func (u *browserUser) uploadCSV(t *testing.T, csv, what string, want ...string) string {
	t.Helper()
	res, body := postMultipart(t, u.srv, "/mydata/publish/upload", map[string]string{"format": "csv"}, map[string]string{"file": csv},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {u.cookie.String()}})
	wantBody(t, what, res, body, 200, want...)
	return regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
}

func TestPublishWizard(t *testing.T) {
	f := newMarketFixture(t)
	alice, bob := f.signIn(t, "alice"), f.signIn(t, "bob")
	csv, err := os.ReadFile(patientsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	hx := func(u *browserUser) http.Header {
		return http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {u.cookie.String()}}
	}

	res, body := alice.get("/mydata/publish/", false)
	wantBody(t, "step 1", res, body, 200, "<h1>Publish a dataset</h1>", `hx-encoding="multipart/form-data"`, "at most 64 MiB")
	res, body = (&browserUser{t: t, srv: f.srv}).get("/mydata/publish/", false)
	wantBody(t, "anonymous", res, body, 303)

	res, body = postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": "csv"}, nil, hx(alice))
	wantBody(t, "no file", res, body, 422, "Records file: choose a file", `id="wizard-upload"`)
	res, body = postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": "fhir"}, map[string]string{"file": "not json"}, hx(alice))
	wantBody(t, "bad FHIR", res, body, 422, "not a readable FHIR Bundle")
	ndjson := `{"resourceType":"Patient","id":"p1","gender":"female"}` + "\n" + `{"resourceType":"Patient","id":"p2","gender":"male"}` + "\n"
	res, body = postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": ""}, map[string]string{"file": ndjson}, hx(alice))
	wantBody(t, "FHIR NDJSON recognised by its content", res, body, 200, `id="wizard-rows"`, "table <strong>Patient</strong>")

	res, body = postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": "csv"}, map[string]string{"file": string(csv)}, hx(alice))
	wantBody(t, "step 2", res, body, 200, `id="wizard-rows"`, "direct-identifier", `value="safe-harbor-k5"`, `hx-post="/mydata/publish/run"`)
	m := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no upload id in\n%s", body)
	}
	upload := m[1]

	res, body = bob.run(url.Values{"upload": {upload}, "preset": {"safe-harbor"}})
	wantBody(t, "another account's upload", res, body, 404, "not yours")
	res, body = alice.run(url.Values{"upload": {upload}, "preset": {"nope"}})
	wantBody(t, "bad preset", res, body, 422, "Preset: choose one of")
	res, body = alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}})
	wantBody(t, "step 3", res, body, 200, `id="verdict-pass"`, `id="report-k"`, `id="report-histogram"`, `id="report-column-chart"`, `id="publish-form"`)
	res, body2 := alice.post("/mydata/publish/run", url.Values{"upload": {upload}, "preset": {"safe-harbor"}}, false)
	// Safe Harbor alone leaves every patient unique: the gate refuses for
	// the risk alone, says what to change and offers the confirm step.
	wantBody(t, "step 3 without htmx", res, body2, 200, "<h1>Publish a dataset</h1>", `id="wizard"`, `id="verdict-fail"`,
		`id="risk-advice"`, "raise k", `class="report-removed"`, "dropped", `id="risk-confirm-form"`)
	if strings.Contains(body2, "level -1") {
		t.Error(`the report says "level -1"`)
	}
	if strings.Contains(body, `id="publish-button" disabled`) {
		t.Error("publish disabled although the gate passed")
	}

	form := url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}, "title": {"Wizard patients"}, "description": {"k=5"},
		"tags": {"wizard, synthea"}, "type": {"patients"}, "price": {"0.03"}, "permission": {"HMB"}, "modifier": {"NCU"},
		"duration": {"30"}, "seats": {"1"}, "format": {"csv"}}
	with := func(k, v string) url.Values {
		c := url.Values{}
		for kk, vv := range form {
			c[kk] = vv
		}
		c.Set(k, v)
		return c
	}
	res, body = alice.post("/mydata/publish/cost", form, true)
	wantBody(t, "cost", res, body, 200, `id="publish-cost-table"`, "Platform fee", "0.03 ETH per licence")
	res, body = alice.post("/mydata/publish/cost", with("price", "free"), true)
	wantBody(t, "cost bad price", res, body, 422, "Price")
	res, body = alice.post("/mydata/publish/", with("price", "-1"), true)
	wantBody(t, "bad price", res, body, 422, `id="publish-problem"`, "Price")
	res, body = alice.post("/mydata/publish/", with("permission", ""), true)
	wantBody(t, "no permission", res, body, 422, "one DUO permission")
	res, body = alice.post("/mydata/publish/", with("title", " "), true)
	wantBody(t, "no title", res, body, 422, "Title: required")
	res, body = alice.post("/mydata/publish/", with("permission", "DS"), true)
	wantBody(t, "DS without disease", res, body, 422, "Disease")
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`, "already in the catalog")
	id := regexp.MustCompile(`href="/catalog/(\d+)/" id="published-link"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("no listing link in\n%s", body)
	}
	res, body = alice.get("/catalog/"+id[1]+"/", false)
	wantBody(t, "new card", res, body, 200, "Wizard patients", "0.03 ETH", "the licence lasts 30 days")
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "upload used up", res, body, 404, "expired")
}

func TestPublishWizard_engineRefusalShowsReason(t *testing.T) {
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	// Four rows cannot be 5-anonymous.
	csv := "id,birthdate,gender,zip\n1,1970-01-01,F,02139\n2,1980-02-02,M,10001\n3,1990-03-03,F,94105\n4,2000-04-04,M,60601\n"
	upload := alice.uploadCSV(t, csv, "upload", `id="wizard-rows"`)
	res, body := alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}})
	wantBody(t, "refused", res, body, 422, `id="wizard-preview"`, `id="wizard-problem"`,
		"k = 5 needs at least 5 records; this file has 4: lower k to 4 or less", `value="safe-harbor-k5" checked`)
	// A custom k too large stays on step 2 with every value typed.
	res, body = alice.run(url.Values{"upload": {upload}, "preset": {"custom"}, "k": {"50"}, "l": {"0"}, "t": {"0"}, "suppression": {"3"},
		"method": {"mondrian"}, "role.gender": {"insensitive"}})
	wantBody(t, "k too large", res, body, 422, `id="wizard-preview"`, "k = 50 needs at least 50 records; this file has 4",
		`value="custom" checked`, `name="k" min="2" max="1000" value="50"`, `name="suppression" value="3"`, `value="mondrian" selected`,
		`<option value="insensitive" selected>`)
}

func TestPublishWizard_gateRefusalDisablesPublish(t *testing.T) {
	v := wizardReport{U: &wizardUpload{ID: "x", Name: "p.csv"}, Table: "p", Preset: "safe-harbor",
		P: app.PreviewResult{Ran: true, Report: &anonymize.Report{Rows: 3, MinClassSize: 1},
			Verdict: app.PreviewVerdict{Reasons: []string{"k-anonymity 1 is below the minimum 5"}}},
		Form: listingForm{Upload: "x", Permission: "HMB"}}
	var b strings.Builder
	if err := wizardReportStep(v).Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="verdict-fail"`, "k-anonymity 1 is below the minimum 5", `id="publish-button" disabled`, `id="publish-preview" disabled`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q", want)
		}
	}
}

func TestPublishWizard_adjustedRolesAreUsed(t *testing.T) {
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	upload := alice.uploadCSV(t, smallPatients, "upload", `name="role.condition"`, `form="wizard-run-form"`)
	run := url.Values{"upload": {upload}, "preset": {"safe-harbor"}, "role.condition": {"insensitive"}}
	res, body := alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor"}, "role.nope": {"sensitive"}})
	wantBody(t, "unknown column", res, body, 422, "is not in the table")
	res, body = alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor"}, "role.condition": {"boss"}})
	wantBody(t, "unknown role", res, body, 422, "unknown role")
	res, body = alice.run(run)
	wantBody(t, "run", res, body, 200, "<code>condition</code> <small>insensitive</small>", `name="role.condition" value="insensitive"`)
	// Safe Harbor leaves the six patients unique: the publisher accepts that risk.
	form := url.Values{"upload": {upload}, "preset": {"safe-harbor"}, "role.condition": {"insensitive"}, "title": {"Roles adjusted"},
		"price": {"0"}, "permission": {"GRU"}, "format": {"csv"}, "accept-risk": {"1"}, "accept-words": {"synthetic patients"}}
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`)
	id := regexp.MustCompile(`href="/catalog/(\d+)/" id="published-link"`).FindStringSubmatch(body)[1]
	res, body = alice.get("/catalog/"+id+"/", false)
	wantBody(t, "card", res, body, 200, "<td><code>condition</code></td><td>string</td><td>insensitive</td>")
}

func TestPublishWizard_fhirBundleTables(t *testing.T) {
	files := syntheaBundles(t)
	bundle, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	res, body := postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": "fhir"}, map[string]string{"file": string(bundle)},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {alice.cookie.String()}})
	wantBody(t, "upload: every table as one release", res, body, 200, `<select name="table"`, `<option value="Patient"`, `id="wizard-release"`)
	upload := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
	res, body = alice.run(url.Values{"upload": {upload}, "table": {"Nope"}, "preset": {"safe-harbor"}})
	wantBody(t, "unknown table", res, body, 422, "Table: choose one of")
	res, body = alice.run(url.Values{"upload": {upload}, "table": {"Patient"}, "preset": {"safe-harbor"}})
	if res.StatusCode != 200 && res.StatusCode != 422 {
		t.Fatalf("run on Patient: %d\n%s", res.StatusCode, body)
	}
	t.Logf("Patient table: %d, verdict pass %v", res.StatusCode, strings.Contains(body, `id="verdict-pass"`))
}

// The desktop window's routes take local paths: a file read in place for
// the wizard, and a path the decrypted dataset is saved to. In a browser
// both are refused, and the upload route refuses a path field.
func TestWindowRoutes_localPathsOnlyInTheWindow(t *testing.T) {
	f := newMarketFixture(t)
	ctx := t.Context()
	if _, err := f.a.Buy(ctx, app.ByAccount("bob", "bob-pass"), f.hmb, app.BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	records := filepath.Join(dir, "records.csv")
	if err := os.WriteFile(records, []byte(smallPatients), 0o600); err != nil {
		t.Fatal(err)
	}
	saveTo := filepath.Join(dir, "saved.csv")

	t.Run("browser", func(t *testing.T) {
		alice, bob := f.signIn(t, "alice"), f.signIn(t, "bob")
		res, body := alice.post("/mydata/publish/local", url.Values{"path": {records}}, true)
		wantBody(t, "local path", res, body, 403, "only in the desktop app")
		if strings.Contains(body, `id="wizard-rows"`) {
			t.Error("the browser's local path was read")
		}
		res, body = postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"path": records}, map[string]string{"file": smallPatients},
			http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {alice.cookie.String()}})
		wantBody(t, "upload with a path", res, body, 403, "only in the desktop app")
		res, body = bob.post(fmt.Sprintf("/catalog/%d/save", f.hmb), url.Values{"path": {saveTo}}, true)
		wantBody(t, "save", res, body, 403, "use the download link")
		if _, err := os.Stat(saveTo); err == nil {
			t.Error("the browser's save wrote a file")
		}
	})

	t.Run("window", func(t *testing.T) {
		win := f.windowServer(t)
		hx := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}}
		signIn := func(name string) {
			t.Helper()
			postForm(t, win, "/signout", nil, hx)
			res, _ := postForm(t, win, "/signin", url.Values{"account": {name}, "passphrase": {name + "-pass"}, "next": {"/"}}, hx)
			if res.StatusCode != 200 {
				t.Fatalf("sign in %s: %d", name, res.StatusCode)
			}
		}

		signIn("bob")
		res, body := postForm(t, win, fmt.Sprintf("/catalog/%d/save", f.hmb), url.Values{"path": {"relative.csv"}}, hx)
		wantBody(t, "relative path", res, body, 422, `id="save-status"`)
		res, body = postForm(t, win, fmt.Sprintf("/catalog/%d/save", f.hmb), url.Values{"path": {saveTo}}, hx)
		wantBody(t, "save", res, body, 200, `id="save-status"`, "Saved CSV", saveTo)
		got, err := os.ReadFile(saveTo)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.copies[f.hmb]) {
			t.Errorf("saved %d bytes, not the anonymized output (%d bytes)", len(got), len(f.copies[f.hmb]))
		}
		res, body = postForm(t, win, fmt.Sprintf("/catalog/%d/save", f.dsIRB), url.Values{"path": {filepath.Join(dir, "nolicence.csv")}}, hx)
		wantBody(t, "no licence", res, body, 403, `id="save-status"`)

		signIn("alice")
		res, body = postForm(t, win, "/mydata/publish/local", url.Values{"path": {filepath.Join(dir, "missing.csv")}}, hx)
		wantBody(t, "missing file", res, body, 422, "cannot be read")
		res, body = postForm(t, win, "/mydata/publish/local", url.Values{"path": {records}, "whole": {"1"}}, hx)
		wantBody(t, "from My data", res, body, 200, "<h1>Publish a dataset</h1>", `id="wizard-rows"`, "records.csv")
		res, body = postForm(t, win, "/mydata/publish/local", url.Values{"path": {records}, "format": {"csv"}}, hx)
		wantBody(t, "local file", res, body, 200, `id="wizard-rows"`, `name="role.condition"`, "6 rows")
		upload := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
		res, body = postForm(t, win, "/mydata/publish/run", url.Values{"upload": {upload}, "preset": {"safe-harbor"}}, hx)
		res, body = followRun(t, res, body, func(path string) (*http.Response, string) {
			req, _ := http.NewRequest("GET", win.URL+path, nil)
			for k, v := range hx {
				req.Header[k] = v
			}
			return do(t, req)
		})
		wantBody(t, "report", res, body, 200, `id="wizard-verdict"`)
		if _, err := os.Stat(records); err != nil {
			t.Errorf("the chosen file is gone: %v", err)
		}
		// A patient's record (a Bundle of several tables) read in place is
		// one release.
		bundle := filepath.Join(dir, "record.json")
		if err := os.WriteFile(bundle, patientBundle("p1", "female", "1970-01-02"), 0o600); err != nil {
			t.Fatal(err)
		}
		res, body = postForm(t, win, "/mydata/publish/local", url.Values{"path": {bundle}}, hx)
		wantBody(t, "a local record", res, body, 200, `id="wizard-release"`, `id="release-table-Patient"`, `id="release-table-Condition"`)
	})
}

func TestPublishWizard_progressMarkup(t *testing.T) {
	var b strings.Builder
	if err := wizardUploadStep("").Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<progress id="upload-progress" data-upload-progress`, `id="wizard-choose-file" data-desktop-choose-file`, `class="web-only"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("step 1 lacks %q", want)
		}
	}
	b.Reset()
	v := wizardPreview{U: &wizardUpload{ID: "x", Name: "p.csv"}, P: app.PreviewResult{Table: "p", NumRows: 7}, Preset: "safe-harbor"}
	if err := wizardPreviewStep(v).Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`class="htmx-indicator" id="run-status"`, "Anonymizing 7 rows", `<progress id="run-progress">`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("step 2 lacks %q", want)
		}
	}
}

// run posts a wizard's run form as htmx does and follows the run's
// progress fragments until the report (or a refusal) arrives.
func (u *browserUser) run(form url.Values) (*http.Response, string) {
	u.t.Helper()
	res, body := u.post("/mydata/publish/run", form, true)
	return followRun(u.t, res, body, func(path string) (*http.Response, string) { return u.get(path, true) })
}

// followRun polls a wizard run while its answer is the progress fragment.
func followRun(t testing.TB, res *http.Response, body string, get func(path string) (*http.Response, string)) (*http.Response, string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); res.StatusCode == http.StatusAccepted; {
		m := regexp.MustCompile(`hx-get="(/mydata/publish/run/[0-9a-f]{32}/)"`).FindStringSubmatch(body)
		if m == nil || time.Now().After(deadline) {
			t.Fatalf("run in progress without a way to poll it (or too slow):\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
		res, body = get(m[1])
	}
	return res, body
}

// The custom preset runs Safe Harbor and the privacy model the patient
// typed; a bad field is named on step 2 with what was typed kept; the
// listing is published with that model.
func TestPublishWizard_customPreset(t *testing.T) {
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	csv, err := os.ReadFile(patientsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	upload := alice.uploadCSV(t, string(csv), "step 2", `value="custom"`, `name="k" min="2" max="1000" value="5"`, `name="suppression" value="2"`)
	form := func(kv ...string) url.Values {
		v := url.Values{"upload": {upload}, "preset": {"custom"}, "k": {"10"}, "l": {"0"}, "t": {"0"}, "suppression": {"5"}, "method": {"optimal"},
			"role.GENDER": {"quasi-identifier"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	for _, tc := range []struct{ field, value, want string }{
		{"k", "ten", `k: &#34;ten&#34; is not a whole number`},
		{"k", "1", "k: a whole number from 2 to 1000"},
		{"l", "20", "l: at most k (10)"},
		{"t", "2", "t: a number from 0 (none) to 1"},
		{"suppression", "80", "Suppression: a percentage from 0 to 50"},
		{"method", "magic", "Method: optimal or mondrian"},
	} {
		res, body := alice.run(form(tc.field, tc.value))
		wantBody(t, tc.field+"="+tc.value, res, body, 422, `id="wizard-rows"`, `id="wizard-problem"`, tc.want, `id="custom-privacy" open`)
		if tc.field != "method" && !strings.Contains(body, `value="`+tc.value+`"`) {
			t.Errorf("%s=%s: the typed value is not kept", tc.field, tc.value)
		}
	}

	res, body := alice.run(form("method", "mondrian"))
	wantBody(t, "mondrian report", res, body, 200, "local recoding (Mondrian)")
	if strings.Contains(body, "level -1") {
		t.Error(`the Mondrian report says "level -1"`)
	}
	res, body = alice.run(form())
	wantBody(t, "report", res, body, 200, `id="verdict-pass"`, "Preset custom", "k = 10", "at most 5% suppressed", `name="k" value="10"`, `id="publish-form"`)
	k := regexp.MustCompile(`id="report-k">(\d+)<`).FindStringSubmatch(body)
	if n, _ := strconv.Atoi(k[1]); k == nil || n < 10 {
		t.Fatalf("report k: %v", k)
	}
	listing := url.Values{"title": {"Custom k=10"}, "price": {"0.01"}, "permission": {"HMB"}, "duration": {"30"}, "seats": {"1"}, "format": {"csv"}}
	for key, v := range form() {
		listing[key] = v
	}
	res, body = alice.post("/mydata/publish/", listing, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`)
	id := regexp.MustCompile(`href="/catalog/(\d+)/" id="published-link"`).FindStringSubmatch(body)[1]
	res, body = alice.get("/catalog/"+id+"/", false)
	wantBody(t, "card", res, body, 200, "Custom k=10")
	ck := regexp.MustCompile(`id="report-k">(\d+)<`).FindStringSubmatch(body)
	if ck == nil {
		t.Fatalf("card without k:\n%s", body)
	}
	if n, _ := strconv.Atoi(ck[1]); n < 10 {
		t.Errorf("published with k = %d, want at least 10", n)
	}
}

func TestColumnBars(t *testing.T) {
	bars := columnBars([]anonymize.ColumnReport{
		{Name: "id"}, // not generalized: no bar
		{Name: "ZIP", Level: 1, Height: 3, NCP: 0.5},
		{Name: "Geburtsdatum_der_Patientin", Level: -1, Height: 4, NCP: 1.7},
		{Name: "age", Height: 9, NCP: 0.2, Generalization: "local recoding (Mondrian): intervals per class", Treatment: "local recoding (Mondrian): intervals per class, then 2 of 30 rows suppressed", Loss: 0.25},
	})
	if len(bars) != 3 {
		t.Fatalf("bars: %+v", bars)
	}
	if b := bars[0]; b.W != columnBarW/2 || b.Note != "50.0 %, level 1 of 3" {
		t.Errorf("ZIP: %+v", b)
	}
	if b := bars[1]; b.W != columnBarW || b.Label != "Geburtsdatum_der_…" || !strings.HasSuffix(b.Note, "local recoding (Mondrian)") {
		t.Errorf("long name: %+v", b)
	}
	if b := bars[2]; b.W != columnBarW/4 || b.Note != "25.0 %, local recoding (Mondrian): intervals per class" {
		t.Errorf("local recoding: %+v", b)
	}
}

// The patient chooses at publish time who serves buyers: this node, or a
// hub (its provider URL), named on the listing; a hub choice without a URL
// or with a bad one is refused naming the field.
func TestPublishWizard_throughAHub(t *testing.T) {
	f := newMarketFixture(t)
	hub := httptest.NewServer(f.a.ProviderHandler()) // the node acts as its own hub
	defer hub.Close()
	alice := f.signIn(t, "alice")
	csv, err := os.ReadFile(patientsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	upload := alice.uploadCSV(t, string(csv), "upload", `id="wizard-rows"`)
	res, body := alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}})
	wantBody(t, "report", res, body, 200, `id="publish-provider"`, `name="provider" value="self" checked`, `name="hub"`)
	form := url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}, "title": {"Through the hub"}, "price": {"0.01"},
		"permission": {"HMB"}, "duration": {"30"}, "seats": {"1"}, "format": {"csv"}, "provider": {"hub"}}
	res, body = alice.post("/mydata/publish/cost", form, true)
	wantBody(t, "no hub URL", res, body, 422, "Hub: give the hub")
	form.Set("hub", "ftp://nowhere")
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "bad hub URL", res, body, 422, `id="publish-problem"`, "not an absolute http(s) URL")
	form.Set("hub", hub.URL)
	res, body = alice.post("/mydata/publish/cost", form, true)
	wantBody(t, "cost through the hub", res, body, 200, `id="publish-cost-table"`)
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`, "Buyers download from <code>"+hub.URL+"/</code>")
}

// The report shows the first rows as read beside the same rows anonymized,
// escaped, on the wizard's step only: the published card shows no row.
func TestPublishWizard_reportShowsFirstRowsBeforeAndAfter(t *testing.T) {
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	csv := strings.Replace(smallPatients, "p1,1970-01-02,F,white,Massachusetts,diabetes", `p1,1970-01-02,F,white,Massachusetts,<script>alert(1)</script>`, 1)
	upload := alice.uploadCSV(t, csv, "upload", `id="wizard-rows"`)
	res, body := alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor"}, "roles-table": {"file"}, "table": {"file"}})
	wantBody(t, "report", res, body, 200, `id="wizard-sample"`, `id="sample-original"`, `id="sample-anonymized"`,
		"<td>1970-01-02</td>", "&lt;script&gt;alert(1)&lt;/script&gt;", "As read (6 rows)", "Anonymized (6 rows)")
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("a cell is not escaped")
	}
	anon := body[strings.Index(body, `id="sample-anonymized"`):]
	anon = anon[:strings.Index(anon, "</table>")]
	if strings.Contains(anon, "1970-01-02") || !strings.Contains(anon, "<td>1970</td>") {
		t.Errorf("the anonymized rows do not show the birthdate coarsened to its year:\n%s", anon)
	}
	// Safe Harbor leaves the six patients unique: the publisher accepts that risk.
	form := url.Values{"upload": {upload}, "table": {"file"}, "preset": {"safe-harbor"}, "title": {"Rows stay home"}, "price": {"0"},
		"permission": {"GRU"}, "format": {"csv"}, "accept-risk": {"1"}, "accept-words": {"synthetic patients"}}
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`)
	id := regexp.MustCompile(`href="/catalog/(\d+)/" id="published-link"`).FindStringSubmatch(body)[1]
	res, body = alice.get("/catalog/"+id+"/", false)
	wantBody(t, "card", res, body, 200, "Rows stay home")
	for _, row := range []string{`id="wizard-sample"`, `id="sample-`, "1970-01-02", "alert(1)"} {
		if strings.Contains(body, row) {
			t.Errorf("the card shows %q", row)
		}
	}
}

// Choosing another table runs it with its own roles: the roles of the
// table left (the form's, roles-table) are kept for it, never applied to
// the new one; a bad role or column stays on step 2 with the reason.
func TestPublishWizard_rolesArePerTable(t *testing.T) {
	files := syntheaBundles(t)
	bundle, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	res, body := postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": "fhir"}, map[string]string{"file": string(bundle)},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {alice.cookie.String()}})
	wantBody(t, "upload", res, body, 200, `id="wizard-release"`, `name="roles.Patient.state"`)
	upload := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
	res, body = alice.run(url.Values{"upload": {upload}, "step": {"edit"}, "table": {"Patient"}, "roles-table": {""}, "preset": {"safe-harbor"}})
	wantBody(t, "Patient alone", res, body, 200, `name="role.state"`, `name="roles-table" value="Patient"`, `<option value="Patient" selected>Patient (1 row)</option>`)
	res, body = alice.run(url.Values{"upload": {upload}, "step": {"edit"}, "table": {"Observation"}, "roles-table": {"Patient"},
		"preset": {"safe-harbor"}, "role.state": {"insensitive"}, "role.gender": {"insensitive"}})
	wantBody(t, "Observation's columns", res, body, 200, "table <strong>Observation</strong>", `name="roles-table" value="Observation"`, `value="safe-harbor" checked`)
	if strings.Contains(body, `name="role.state"`) || strings.Contains(body, `id="wizard-problem"`) {
		t.Errorf("Observation's step 2 shows Patient's columns or a problem:\n%.3000s", body)
	}
	res, body = alice.run(url.Values{"upload": {upload}, "table": {"Observation"}, "roles-table": {"Observation"}, "preset": {"safe-harbor"}})
	wantBody(t, "Observation's report", res, body, 200, `id="wizard-verdict"`, "table Observation.", `id="sample-anonymized"`)
	res, body = alice.run(url.Values{"upload": {upload}, "step": {"edit"}, "table": {"Patient"}, "roles-table": {"Observation"}, "preset": {"safe-harbor"}})
	wantBody(t, "Patient's roles kept", res, body, 200, "table <strong>Patient</strong>",
		`aria-label="Role of gender"><option value="insensitive" selected>`)
	// Without script the table is changed in the form and run at once,
	// Patient's roles still in it: Observation runs with its own.
	res, body = alice.run(url.Values{"upload": {upload}, "table": {"Observation"}, "roles-table": {"Patient"}, "preset": {"safe-harbor"},
		"role.state": {"quasi"}, "role.gender": {"insensitive"}})
	wantBody(t, "Observation's report without script", res, body, 200, `id="wizard-verdict"`, "table Observation.")
	res, body = alice.run(url.Values{"upload": {upload}, "table": {"Observation"}, "roles-table": {"Observation"}, "preset": {"safe-harbor"}, "role.state": {"quasi"}})
	wantBody(t, "a column of another table", res, body, 422, `id="wizard-preview"`, `Column &#34;state&#34; is not in the table.`, "table <strong>Observation</strong>")
}

// syntheaBundles returns the shared Synthea FHIR bundles; the test skips
// only when the shared test data is absent, and fails when it is there
// without bundles.
func syntheaBundles(t *testing.T) []string {
	t.Helper()
	const dir = "../../shared/data/synthea-fhir"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the shared test data is absent (%v)", err)
	}
	files, err := filepath.Glob(dir + "/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Synthea FHIR bundle in %s (the shared data changed?): %v", dir, err)
	}
	return files
}

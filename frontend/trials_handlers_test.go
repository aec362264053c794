package frontend

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
)

// newTrialServer is the UI on an App with a funded sponsor account "carol"
// (passphrase "carol-pass").
func newTrialServer(t *testing.T) (*httptest.Server, *app.App) {
	t.Helper()
	srv, a := newTestServer(t)
	if _, err := a.CreateAccount(t.Context(), "carol", "carol-pass"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Fund(t.Context(), "carol", big.NewInt(1e18)); err != nil {
		t.Fatal(err)
	}
	return srv, a
}

// The verdict banners: green and a status when verified, red and an alert
// when not.
const (
	passBanner = `<section id="verify-banner" class="verdict verdict-pass" role="status">`
	failBanner = `<section id="verify-banner" class="verdict verdict-fail" role="alert">`
)

var htmxSameOrigin = http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}}

// testFile is a file field of a multipart form: its file name and content.
type testFile struct {
	name string
	data []byte
}

// multipartForm encodes fields and files (field -> file) as a multipart
// body and gives its content type.
func multipartForm(t *testing.T, fields map[string]string, files map[string]testFile) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for k, f := range files {
		fw, err := mw.CreateFormFile(k, f.name)
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
	return &buf, mw.FormDataContentType()
}

// postMultipart posts fields and files (name -> content) as a multipart form.
func postMultipart(t *testing.T, srv *httptest.Server, path string, fields map[string]string, files map[string]string, header http.Header) (*http.Response, string) {
	t.Helper()
	fs := make(map[string]testFile, len(files))
	for k, v := range files {
		fs[k] = testFile{name: k + ".dat", data: []byte(v)}
	}
	body, ctype := multipartForm(t, fields, fs)
	req, err := http.NewRequest("POST", srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

func wantBody(t *testing.T, what string, res *http.Response, body string, status int, parts ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: status %d, want %d\n%s", what, res.StatusCode, status, body)
	}
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s: body lacks %q", what, p)
		}
	}
}

const uiODM = `<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" ODMVersion="1.3.2">
 <ClinicalData StudyOID="ST.1"><SubjectData SubjectKey="S-003"><StudyEventData StudyEventOID="SE.W1">
  <FormData FormOID="F.AE"><AuditRecord><UserRef UserOID="U.1"/><DateTimeStamp>2026-02-01T10:00:00Z</DateTimeStamp></AuditRecord>
   <ItemGroupData ItemGroupOID="IG.AE"><ItemData ItemOID="IT.AETERM" Value="Rash"/></ItemGroupData></FormData>
 </StudyEventData></SubjectData></ClinicalData></ODM>`

func TestTrialRoutes(t *testing.T) {
	srv, a := newTrialServer(t)
	// Every action needs a session; each form still re-authenticates with
	// the passphrase it carries.
	token, _, err := a.SignIn(t.Context(), "carol", "carol-pass")
	if err != nil {
		t.Fatal(err)
	}
	session := http.Header{"Cookie": {sessionCookie + "=" + token}}
	htmxSession := http.Header{"Cookie": {sessionCookie + "=" + token}}
	for k, v := range htmxSameOrigin {
		htmxSession[k] = v
	}
	htmxSameOrigin := htmxSession
	cred := map[string]string{"account": "carol", "passphrase": "carol-pass"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range cred {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}

	res, body := get(t, srv, "/trials/", nil)
	wantBody(t, "empty list", res, body, 200, `id="trials-empty"`, `enctype="multipart/form-data"`, `type="password"`)

	// Register: refused input shows the form again with the reason.
	res, body = postMultipart(t, srv, "/trials/", with(map[string]string{"title": "", "identifier": "NCT1"}), map[string]string{"protocol": "v1"}, session)
	wantBody(t, "no title", res, body, 422, `id="register-problem"`, "Trial title required")
	res, body = postMultipart(t, srv, "/trials/", with(map[string]string{"title": "T", "identifier": "NCT1"}), nil, session)
	wantBody(t, "no protocol", res, body, 422, "Protocol document: choose a file")
	res, body = postMultipart(t, srv, "/trials/", map[string]string{"title": "T", "identifier": "NCT1", "account": "carol", "passphrase": "nope"}, map[string]string{"protocol": "v1"}, session)
	wantBody(t, "wrong passphrase", res, body, 403, "wrong passphrase")
	res, body = postMultipart(t, srv, "/trials/", with(map[string]string{"title": "Aspirin <b>after</b> stroke", "identifier": "NCT01234567"}), map[string]string{"protocol": "%PDF v1"}, session)
	wantBody(t, "register", res, body, 200, "<h1>Aspirin &lt;b&gt;after&lt;/b&gt; stroke</h1>", `id="timeline"`, "Registration")
	m := regexp.MustCompile(`/trials/(0x[0-9a-f]{64})/`).FindStringSubmatch(res.Request.URL.Path)
	if m == nil {
		t.Fatalf("not redirected to the trial page: %s", res.Request.URL)
	}
	base := "/trials/" + m[1] + "/"

	res, body = get(t, srv, "/trials/", nil)
	wantBody(t, "list", res, body, 200, `id="trials-list"`, "NCT01234567", base)
	res, body = get(t, srv, "/trials/0x"+strings.Repeat("0", 64)+"/", nil)
	wantBody(t, "unknown trial", res, body, 404, "No trial")

	// The step form.
	res, body = postForm(t, srv, base+"steps", url.Values{"type": {"enrolment"}, "subject": {"S-001"}, "data": {`{"arm":"A"}`},
		"meaning": {"authored"}, "account": {"carol"}, "passphrase": {"carol-pass"}}, htmxSameOrigin)
	wantBody(t, "record", res, body, 200, `id="step-done"`, "Entry 1 recorded", `id="timeline" hx-swap-oob="true"`, "Enrolment")
	for _, tt := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"type": {"enrolment"}, "subject": {"jane@example.org"}}, "direct identifier"},
		{url.Values{"type": {"consent"}, "subject": {"S-001"}, "protocol": {"3"}}, "protocol version 3 is not registered"},
		{url.Values{"type": {"visit"}, "data": {"{not json"}}, "data is not JSON"},
		{url.Values{"type": {"visit"}, "corrects": {"1"}}, "needs a reason"},
		{url.Values{"type": {"visit"}, "corrects": {"one"}}, "corrects: &#34;one&#34; is not an entry index"},
	} {
		tt.form.Set("account", "carol")
		tt.form.Set("passphrase", "carol-pass")
		res, body := postForm(t, srv, base+"steps", tt.form, htmxSameOrigin)
		wantBody(t, tt.msg, res, body, 422, `id="step-problem"`, tt.msg)
	}
	res, body = postForm(t, srv, base+"steps", url.Values{"type": {"visit"}, "account": {"carol"}, "passphrase": {"x"}}, htmxSameOrigin)
	wantBody(t, "record wrong passphrase", res, body, 403, "wrong passphrase")

	// Timeline filters.
	res, body = get(t, srv, base+"steps?type=enrolment&subject=S-001", htmxSameOrigin)
	wantBody(t, "filter", res, body, 200, `data-index="1"`)
	if strings.Contains(body, `data-index="0"`) {
		t.Error("filter kept the registration")
	}
	res, body = get(t, srv, base+"steps?subject=S-404", htmxSameOrigin)
	wantBody(t, "filter other subject", res, body, 200, "No steps match")
	res, body = get(t, srv, base+"steps?type=lunch", htmxSameOrigin)
	wantBody(t, "bad filter", res, body, 422, "not one of")

	// Import: a preview names each bad row and records nothing.
	csv := "type,subject\nvisit,S-001\nenrolment,123-45-6789\n"
	res, body = postMultipart(t, srv, base+"import/preview", with(map[string]string{"recorder": "csv"}), map[string]string{"file": csv}, htmxSameOrigin)
	wantBody(t, "preview", res, body, 422, `id="import-preview-table"`, "<ins>ok</ins>", "row 3", "direct identifier", "Nothing can be recorded")
	res, body = postMultipart(t, srv, base+"import", with(map[string]string{"recorder": "csv"}), map[string]string{"file": csv}, htmxSameOrigin)
	wantBody(t, "refused import", res, body, 422, "Nothing was recorded", "row 3")
	res, body = postMultipart(t, srv, base+"import/preview", with(map[string]string{"recorder": "odm"}), map[string]string{"file": strings.Replace(uiODM, `FormOID="F.AE"`, "", 1)}, htmxSameOrigin)
	wantBody(t, "malformed odm", res, body, 422, "ODM/ClinicalData[1]/SubjectData[1]/StudyEventData[1]/FormData[1]: FormOID missing")
	res, body = postMultipart(t, srv, base+"import/preview", with(map[string]string{"recorder": "fhir"}), map[string]string{"file": "x"}, htmxSameOrigin)
	wantBody(t, "unknown recorder", res, body, 422, "Recorder")
	res, body = postMultipart(t, srv, base+"import/preview", with(map[string]string{"recorder": "odm"}), map[string]string{"file": uiODM}, htmxSameOrigin)
	wantBody(t, "odm preview", res, body, 200, "Adverse event", "<ins>ok</ins>")
	res, body = postMultipart(t, srv, base+"import", with(map[string]string{"recorder": "odm"}), map[string]string{"file": uiODM}, htmxSameOrigin)
	wantBody(t, "odm import", res, body, 200, "Recorded 1 steps: entries 2 to 2", `hx-swap-oob="true"`)

	// Anchoring, verification, export.
	res, body = postForm(t, srv, base+"anchor", url.Values{"account": {"carol"}, "passphrase": {"x"}}, htmxSameOrigin)
	wantBody(t, "anchor wrong passphrase", res, body, 403, `id="anchor-problem"`, "not yet")
	res, body = postForm(t, srv, base+"anchor", url.Values{"account": {"carol"}, "passphrase": {"carol-pass"}}, htmxSameOrigin)
	wantBody(t, "anchor", res, body, 200, `id="anchor-size">3 entries`, `id="anchor-block"`)
	res, body = postForm(t, srv, base+"verify", nil, htmxSameOrigin)
	wantBody(t, "verify", res, body, 200, passBanner, "Verified: all 3 entries are signed, in order, and match the chain&#39;s anchor at entry 2", "verified: 3 entries")
	res, body = get(t, srv, base+"export.json", nil)
	wantBody(t, "export", res, body, 200, `"export": "medmarket-trial-export/v1"`)
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="audit-NCT01234567.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	export := body
	res, body = get(t, srv, base+"export.csv", nil)
	wantBody(t, "export csv", res, body, 200, "index,when,type", "adverse_event")

	// The auditor's page.
	res, body = get(t, srv, "/verify/", nil)
	wantBody(t, "verify page", res, body, 200, `id="verify-form"`)
	res, body = postMultipart(t, srv, "/verify/", nil, map[string]string{"bundle": export}, htmxSameOrigin)
	wantBody(t, "verify upload", res, body, 200, passBanner, "Verified: all 3 entries are signed", "anchor 3", "entry 2")
	var x app.TrialExport
	if err := json.Unmarshal([]byte(export), &x); err != nil {
		t.Fatalf("read the export: %v", err)
	}
	x.Entries[1].Leaf = x.Entries[2].Leaf
	var tampered bytes.Buffer
	if err := app.WriteTrialExport(&tampered, &x); err != nil {
		t.Fatal(err)
	}
	res, body = postMultipart(t, srv, "/verify/", nil, map[string]string{"bundle": tampered.String()}, htmxSameOrigin)
	wantBody(t, "verify tampered", res, body, 200, failBanner, "Entry 1 was moved: it was signed as entry 2", "<strong>FAIL</strong>", "<strong>entry 1</strong>")
	res, body = postMultipart(t, srv, "/verify/", map[string]string{"offline": "1", "key": x.VerifierKey}, map[string]string{"bundle": export}, nil)
	wantBody(t, "verify offline with the log key, full page", res, body, 200, "<!doctype html>", passBanner, "Verified offline: all 3 entries are signed", `id="verify-key"`)
	res, body = postMultipart(t, srv, "/verify/", map[string]string{"offline": "1"}, map[string]string{"bundle": export}, htmxSameOrigin)
	wantBody(t, "verify offline without a key", res, body, 200, failBanner, "The trial&#39;s log key was not given", "<strong>log key</strong>: not pinned")
	res, body = postMultipart(t, srv, "/verify/", nil, map[string]string{"bundle": "not json"}, htmxSameOrigin)
	wantBody(t, "verify garbage", res, body, 422, `id="verify-problem"`, "Not a trial export")
	res, body = postMultipart(t, srv, "/verify/", nil, nil, htmxSameOrigin)
	wantBody(t, "verify nothing", res, body, 422, "Audit trail: choose a file")

	if sum, err := a.Trial(t.Context(), "NCT01234567"); err != nil || sum.Log.Size != 3 {
		t.Errorf("log: %+v, %v", sum.Log, err)
	}

	// The log grows and is anchored again: the earlier export now stops
	// short of the chain's latest anchor, and the page says which entries
	// are missing. A new export's unanchored tail is a warning.
	carol := app.ByAccount("carol", "carol-pass")
	if _, err := a.RecordTrialSteps(t.Context(), carol, "NCT01234567", []app.StepInput{{Type: "visit", Subject: "S-001"}, {Type: "visit", Subject: "S-001"}}); err != nil {
		t.Fatal(err)
	}
	rec, err := a.AnchorTrial(t.Context(), carol, "NCT01234567")
	if err != nil {
		t.Fatal(err)
	}
	res, body = postMultipart(t, srv, "/verify/", nil, map[string]string{"bundle": export}, htmxSameOrigin)
	wantBody(t, "verify a cut export", res, body, 200, failBanner, "Entries 3–4 are missing: the chain holds an anchor of size 5",
		fmt.Sprintf("the chain holds an anchor of size 5 at block %d; this export stops at 3: entries 3-4 are missing", rec.Block))
	if _, err := a.RecordTrialSteps(t.Context(), carol, "NCT01234567", []app.StepInput{{Type: "visit", Subject: "S-001"}}); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, srv, base+"export.json", nil)
	res, body = postMultipart(t, srv, "/verify/", nil, map[string]string{"bundle": body}, htmxSameOrigin)
	wantBody(t, "verify an export past the anchor", res, body, 200, passBanner, `id="verify-warnings"`, "Entry 5 is not anchored on chain yet", "entry 5 is not anchored yet")
	for _, struck := range []string{"<del>", "<ins>PASS"} {
		if strings.Contains(body, struck) {
			t.Errorf("verify: the result still shows %s", struck)
		}
	}
}

// A signed-in sponsor registers without typing the passphrase again, but
// each signing of an entry asks for it (21 CFR 11.200); the forms say whose
// signature it is.
func TestTrialRoutes_signedInSessionSigns(t *testing.T) {
	srv, a := newTrialServer(t)
	token, _, err := a.SignIn(t.Context(), "carol", "carol-pass")
	if err != nil {
		t.Fatal(err)
	}
	session := http.Header{"Cookie": {sessionCookie + "=" + token}}
	res, body := get(t, srv, "/trials/", session)
	wantBody(t, "list signed in", res, body, 200, `class="signs-as"`, "carol")
	if _, register, _ := strings.Cut(body, `<article id="register">`); strings.Contains(register, `type="password"`) {
		t.Error("a signed-in sponsor is asked for the passphrase to register")
	}
	res, body = postMultipart(t, srv, "/trials/", map[string]string{"title": "Session trial", "identifier": "NCT7654321"}, map[string]string{"protocol": "v1"}, session)
	wantBody(t, "register signed in", res, body, 200, "<h1>Session trial</h1>")
	base := regexp.MustCompile(`/trials/0x[0-9a-f]{64}/`).FindString(res.Request.URL.Path)
	h := http.Header{"Cookie": {sessionCookie + "=" + token}}
	for k, v := range htmxSameOrigin {
		h[k] = v
	}
	res, body = get(t, srv, base, session)
	wantBody(t, "trial page signed in", res, body, 200, `id="step-signer-name">carol<`, `id="step-passphrase"`, "Sponsor")
	res, body = postForm(t, srv, base+"steps", url.Values{"type": {"enrolment"}, "subject": {"S-9"}, "meaning": {"authored"}}, h)
	wantBody(t, "record without the passphrase", res, body, 403, "each signature needs it")
	res, body = postForm(t, srv, base+"steps", url.Values{"type": {"enrolment"}, "subject": {"S-9"}, "meaning": {"authored"}, "passphrase": {"carol-pass"}}, h)
	wantBody(t, "record signed in", res, body, 200, `id="step-done"`)
	if err := a.SignOut(t.Context(), token); err != nil {
		t.Fatal(err)
	}
	res, body = postForm(t, srv, base+"steps", url.Values{"type": {"enrolment"}, "subject": {"S-9"}, "meaning": {"authored"}, "passphrase": {"carol-pass"}}, h)
	if res.StatusCode == 200 && strings.Contains(body, `id="step-done"`) {
		t.Error("recorded after sign-out")
	}
}

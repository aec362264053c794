package frontend

import (
	"bytes"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
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
// 2 lists them and shows the rows of all of them, the report and the
// publish run from the kept files, and publishing removes them all. A CSV
// among several files, or two files of one name, is refused with the
// file's name and nothing is kept; one file alone still works.
func TestPublishWizard_severalFilesAreOneUpload(t *testing.T) {
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	a, b := testFile{"a.json", patientBundle("p1", "female", "1970-01-02")}, testFile{"b.json", patientBundle("p2", "male", "1980-05-06")}

	res, body := alice.uploadFiles(t, "", a, b)
	wantBody(t, "two bundles", res, body, 200, `id="wizard-files"`, "2 files read as one release", "<li>a.json</li>", "<li>b.json</li>",
		"2 files (", "table <strong>Patient</strong>, 2 rows", `<option value="Condition"`)
	if got := transientFiles(t, f.a); len(got) != 1 {
		t.Fatalf("data dir tmp/ holds %v, want one upload", got)
	}
	upload := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
	res, body = alice.run(url.Values{"upload": {upload}, "table": {"Condition"}, "preset": {"safe-harbor"}})
	wantBody(t, "report of the Condition table", res, body, 200, `id="publish-form"`, "on 2 files, table Condition.")
	res, body = alice.post("/mydata/publish/", url.Values{"upload": {upload}, "table": {"Condition"}, "preset": {"safe-harbor"},
		"title": {"Two bundles"}, "price": {"0"}, "permission": {"GRU"}, "format": {"csv"}}, true)
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

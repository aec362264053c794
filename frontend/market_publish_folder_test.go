package frontend

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A folder chosen in the desktop window (Desktop.ChooseDataFolder) is read
// in place as one release: its records files are listed, their sizes
// added, and the release runs; a folder with no records file is refused,
// named; a browser may not name one.
func TestWindowRoutes_localFolderIsOneRelease(t *testing.T) {
	win, a := newTestServerWith(t, Options{Window: true})
	if _, err := a.CreateAccount(t.Context(), "alice", "alice-pass"); err != nil {
		t.Fatal(err)
	}
	hx := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}}
	if res, _ := postForm(t, win, "/signin", url.Values{"account": {"alice"}, "passphrase": {"alice-pass"}, "next": {"/"}}, hx); res.StatusCode != 200 {
		t.Fatalf("sign in: %d", res.StatusCode)
	}

	dir := t.TempDir()
	records, empty := filepath.Join(dir, "my record"), filepath.Join(dir, "empty")
	for _, d := range []string{records, empty} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	one, two := patientBundle("p1", "female", "1970-01-02"), patientBundle("p2", "male", "1980-05-06")
	for name, b := range map[string][]byte{"a.json": one, "b.json": two, "notes.txt": []byte("not read")} {
		if err := os.WriteFile(filepath.Join(records, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(empty, "patients.csv"), []byte(smallPatients), 0o600); err != nil {
		t.Fatal(err)
	}

	res, body := postForm(t, win, "/mydata/publish/local", url.Values{"path": {empty}}, hx)
	wantBody(t, "a folder without records", res, body, 422, "The folder "+empty+" holds no .json or .ndjson files")
	res, body = postForm(t, win, "/mydata/publish/local", url.Values{"path": {records}, "whole": {"1"}}, hx)
	wantBody(t, "a folder from My data", res, body, 200, "<h1>Publish a dataset</h1>", `id="wizard-release"`,
		`id="release-table-Patient"`, `id="release-table-Condition"`, "2 patients", "2 files read as one release</summary>", "<li>a.json</li>", "<li>b.json</li>",
		"my record ("+fmtSize(int64(len(one)+len(two)))+")", "Choose another file")
	if strings.Contains(body, "notes.txt") {
		t.Error("a file that is not records is listed")
	}

	// Safe Harbor on the whole release, read where it lies.
	upload := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
	res, body = postForm(t, win, "/mydata/publish/run", url.Values{"upload": {upload}, "preset": {"safe-harbor"}}, hx)
	res, body = followRun(t, res, body, func(path string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", win.URL+path, nil)
		for k, v := range hx {
			req.Header[k] = v
		}
		return do(t, req)
	})
	wantBody(t, "the release's report", res, body, 200, `id="release-report"`, `id="release-report-Condition"`, `name="release" value="1"`)
	if _, err := os.Stat(filepath.Join(records, "a.json")); err != nil {
		t.Errorf("the chosen folder's file is gone: %v", err)
	}
}

// The folder buttons are on My data and the wizard's step 1, and the
// window's script calls the bound method behind them.
func TestWindowRoutes_folderButtons(t *testing.T) {
	win, a := newTestServerWith(t, Options{Window: true})
	if _, err := a.CreateAccount(t.Context(), "alice", "alice-pass"); err != nil {
		t.Fatal(err)
	}
	hx := http.Header{"Sec-Fetch-Site": {"same-origin"}}
	if res, _ := postForm(t, win, "/signin", url.Values{"account": {"alice"}, "passphrase": {"alice-pass"}, "next": {"/"}}, hx); res.StatusCode >= 400 {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	res, body := get(t, win, "/mydata/", nil)
	wantBody(t, "My data", res, body, 200, `id="choose-folder" class="secondary" data-desktop-choose-folder accesskey="f"`)
	res, body = get(t, win, "/mydata/publish/", nil)
	wantBody(t, "step 1", res, body, 200, `id="wizard-choose-folder" class="secondary" data-desktop-choose-folder data-wizard accesskey="f"`)
	res, body = get(t, win, "/static/app.js", nil)
	wantBody(t, "the script", res, body, 200, "data-desktop-choose-folder", "ChooseDataFolder()")
}

package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// A patient in the desktop window chooses a folder of Synthea bundles in
// the native folder dialog, sees it as one release of tables, runs Safe
// Harbor on the whole release (notes scrubbed) and publishes every table,
// all by keyboard; a researcher buys the listing and downloads a ZIP
// holding manifest.json and every table, with no Synthea patient's name in
// any entry.
func TestDesktop_publishesARecordSetFromAFolder(t *testing.T) {
	src := needData(t, "synthea-fhir")
	bundles, _ := filepath.Glob(filepath.Join(src, "*.json"))
	if len(bundles) == 0 {
		t.Fatalf("no Synthea bundle in %s: the shared data changed", src)
	}
	folder := filepath.Join(t.TempDir(), "synthea-record-set")
	copyFiles(t, bundles, folder)
	tables := readTableNames(t, folder)

	bin := desktopBinary(t)
	display := startXvfb(t)
	dir := t.TempDir()
	env := map[string]string{envData: dir, envPassphrase: "open sesame", envLightScrypt: "1"}
	for _, n := range []string{"patient", "researcher"} {
		mustRun(t, env, "account", "new", "--name", n)
		mustRun(t, env, "chain", "fund", n, "1")
	}

	d := startDesktop(t, bin, display, nil, "--data", dir, "--log-level", "debug", "--public-addr", "127.0.0.1:0")
	waitFor(t, "the page and its script", 2*time.Minute, d.served("/static/app.js"))
	d.win = waitWindow(t, display, "^medmarket$")
	waitPainted(t, display, nil)
	desktopSignIn(d)
	desktopChooseFolder(d, folder)
	id := desktopPublishRelease(d)
	d.stop()

	// The researcher buys and downloads the release with the CLI, on the
	// node that holds it.
	mustRun(t, env, "buy", "--as", "researcher", id, "--yes")
	out := filepath.Join(t.TempDir(), "release.zip")
	mustRun(t, env, "download", "--as", "researcher", id, "--out", out)
	// Synthea names its files after the patient: Given123_Family456_uuid.json.
	var names []string
	for _, b := range bundles {
		for _, p := range strings.SplitN(filepath.Base(b), "_", 3)[:2] {
			names = append(names, strings.TrimRight(p, "0123456789"))
		}
	}
	checkReleaseDownload(t, out, tables, names)
}

// copyFiles copies files into the new folder dir.
func copyFiles(t *testing.T, files []string, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// readTableNames returns the names of the tables the folder's FHIR files
// read into as one release, sorted.
func readTableNames(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	inputs := make([]anonymize.Input, len(files))
	for i, f := range files {
		inputs[i] = anonymize.Input{Name: filepath.Base(f), Open: func() (io.ReadCloser, error) { return os.Open(f) }}
	}
	read, err := anonymize.ReadInputs(inputs, anonymize.InputOptions{Name: filepath.Base(dir)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range read {
		names = append(names, tb.Name)
	}
	slices.Sort(names)
	if len(names) < 2 {
		t.Fatalf("the Synthea bundles read into %v: want several tables", names)
	}
	return names
}

// desktopChooseFolder chooses folder in the native folder dialog from My
// data (Alt+F, the folder button's access key): the bound Go method logs
// it, and the wizard shows it as one release, read where it lies.
func desktopChooseFolder(d *desktopWindow, folder string) {
	t := d.t
	var dlg string
	actUntil(t, "the folder dialog", 3*time.Minute, 30*time.Second, func() {
		d.focus(d.win)
		d.key("alt+f")
	}, func() bool {
		dlg = findWindow(t, d.display, "^Choose a folder of patient records$")
		return dlg != ""
	})
	var before []byte
	actUntil(t, "the bound method's log line", 3*time.Minute, 30*time.Second, func() {
		d.focus(dlg)
		x(t, d.display, "xdotool", "key", "ctrl+l", "ctrl+a")
		d.typeText(folder)
		d.shot("desktop-folder-dialog.png")
		before = grab(t, d.display)
		x(t, d.display, "xdotool", "key", "Return")
	}, d.logged(`msg="desktop: data folder chosen" path=`+folder+" files=2 "))
	waitFor(t, "the wizard on the chosen folder", 2*time.Minute, d.served("/mydata/publish/local"))
	waitPainted(t, d.display, before)
	screenshot(t, d.display, "desktop-release-tables.png")
}

// desktopPublishRelease chooses Safe Harbor (Alt+H) and runs it on the
// whole release (Alt+R), saves the report's screenshot, accepts the
// patients' risk in the confirm step, then types the price (Alt+E; the
// title defaults to the folder's name) and publishes (Alt+P). It returns
// the new listing's id.
func desktopPublishRelease(d *desktopWindow) string {
	t := d.t
	// The run's report: its form (a quick run) or its polled state answers
	// 200 (202 while it runs).
	runDone := regexp.MustCompile(`path=/mydata/publish/run(/[0-9a-f]{32}/)? status=200`)
	published := regexp.MustCompile(`msg="dataset published" listing=(\d+)`)
	var before []byte
	actUntil(t, "the release's report", 5*time.Minute, time.Minute, func() {
		d.focus(d.win)
		before = grab(t, d.display)
		d.key("alt+h", "alt+r")
	}, func() bool { return runDone.MatchString(d.logs.String()) })
	waitPainted(t, d.display, before)
	d.key("Home")
	waitPainted(t, d.display, nil)
	screenshot(t, d.display, "desktop-release.png")

	// A few patients under Safe Harbor are each alone in their group (risk
	// 100 %): the publisher accepts it in the report's confirm step, by
	// keyboard: tick the box (Alt+A), their words (Alt+W), accept (Alt+K).
	accepted := regexp.MustCompile(`path=/mydata/publish/run/[0-9a-f]{32}/accept-risk status=200`)
	actUntil(t, "the accepted risk", 3*time.Minute, time.Minute, func() {
		d.focus(d.win)
		d.key("alt+a", "alt+w", "ctrl+a")
		d.typeText("Synthetic test patients; I accept the risk.")
		before = grab(t, d.display)
		d.key("alt+k")
	}, func() bool { return accepted.MatchString(d.logs.String()) })
	waitPainted(t, d.display, before)

	var id string
	actUntil(t, "the published listing", 6*time.Minute, 2*time.Minute, func() {
		d.focus(d.win)
		d.key("alt+e", "ctrl+a")
		d.typeText("0.01")
		before = grab(t, d.display)
		d.key("alt+p")
	}, func() bool {
		if m := published.FindStringSubmatch(d.logs.String()); m != nil {
			id = m[1]
		}
		return id != ""
	})
	waitPainted(t, d.display, before)
	screenshot(t, d.display, "desktop-release-published.png")
	return id
}

// checkReleaseDownload checks a downloaded release file: the package
// (anonymizetest.CheckReleaseZIP), every table with rows, and the notes
// (DocumentReference text, which names the patient) there, scrubbed.
func checkReleaseDownload(t *testing.T, path string, tables, names []string) {
	t.Helper()
	zipped, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range anonymizetest.CheckReleaseZIP(t, zipped, tables, names) {
		if strings.Count(body, "\n") < 2 {
			t.Errorf("table %s has no rows", name)
		}
		if name == "DocumentReference" && !strings.Contains(body, "[NAME]") {
			t.Errorf("%s holds no scrubbed name ([NAME]): are the notes there?", name)
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// readReleaseZIP reads a release package file.
func readReleaseZIP(t *testing.T, path string) (*anonymize.ReleaseManifest, []*anonymize.Table) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(b), int64(len(b)), anonymize.ZIPLimits{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m, tables
}

// `anonymize --in FOLDER --out x.zip` writes the release package; --out
// DIR writes one CSV per table and manifest.json; the resource types it
// skipped are warnings on stderr; without a secret the tables do not link.
func TestAnonymize_releasePackageAndManifest(t *testing.T) {
	dir := needData(t, "synthea-fhir")
	env := cliEnv(t)
	env[envSecret] = "cli-release-secret-0123456789"
	zipOut := filepath.Join(t.TempDir(), "release.zip")
	stdout, stderr, err := runCmd(t, env, "anonymize", "--in", dir, "--preset", "safe-harbor", "--out", zipOut)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "release: ") || !strings.Contains(stdout, "2 patients") {
		t.Errorf("stdout lacks the release summary:\n%s", stdout)
	}
	if !strings.Contains(stderr, "warning: ") {
		t.Errorf("no warning about skipped resource types on stderr:\n%s", stderr)
	}
	m, tables := readReleaseZIP(t, zipOut)
	if !m.Linked || m.Patients != 2 || len(tables) < 5 {
		t.Fatalf("manifest %+v, %d tables", m, len(tables))
	}

	outDir := t.TempDir()
	if _, stderr, err := runCmd(t, env, "anonymize", "--in", dir, "--preset", "safe-harbor", "--out", outDir+"/"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	b, err := os.ReadFile(filepath.Join(outDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dm anonymize.ReleaseManifest
	if err := json.Unmarshal(b, &dm); err != nil {
		t.Fatal(err)
	}
	if len(dm.Tables) != len(tables) {
		t.Fatalf("manifest.json lists %d tables, the package %d", len(dm.Tables), len(tables))
	}
	for _, mt := range dm.Tables {
		if _, rows := readCSV(t, filepath.Join(outDir, mt.File)); len(rows) != mt.Rows {
			t.Errorf("%s: %d rows, the manifest says %d", mt.File, len(rows), mt.Rows)
		}
	}

	delete(env, envSecret)
	unlinked := filepath.Join(t.TempDir(), "unlinked.zip")
	if _, stderr, err := runCmd(t, env, "anonymize", "--in", dir, "--preset", "safe-harbor", "--out", unlinked); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	m, tables = readReleaseZIP(t, unlinked)
	if m.Linked || !strings.Contains(m.Scheme, "do not link") {
		t.Errorf("without a secret: manifest %+v", m)
	}
	for _, tb := range tables {
		if tb.Column("patient") != nil || tb.Column("id") != nil {
			t.Errorf("without a secret, %s keeps its patient key: %v", tb.Name, tb.Names())
		}
	}
}

// `publish --in FOLDER` publishes the whole release: the copy buyers
// decrypt is the ZIP package with every table; skipped resource types are
// warnings.
func TestPublish_folderIsOneRelease(t *testing.T) {
	dir := needData(t, "synthea-fhir")
	env := cliEnv(t)
	env[envSecret] = "cli-release-secret-0123456789"
	mustRun(t, env, "account", "new", "--name", "alice")
	mustRun(t, env, "chain", "fund", "alice", "1")
	copyTo := filepath.Join(t.TempDir(), "published.zip")
	args := []string{"publish", "--as", "alice", "--in", dir, "--preset", "safe-harbor", "--title", "Two records",
		"--price", "0", "--terms", "GRU", "--save-copy", copyTo}
	// Two patients under Safe Harbor are each alone (risk 100 %): refused
	// until the publisher accepts it explicitly.
	if _, stderr, err := runCmd(t, env, args...); exitCode(err) != 2 || !strings.Contains(stderr+userMessage(err), "--accept-risk") {
		t.Fatalf("publishing without accepting the risk: %v\n%s", err, stderr)
	}
	stdout, stderr, err := runCmd(t, env, append(args, "--accept-risk", "100", "--accept-risk-words", "two synthetic records")...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.TrimSpace(stdout) == "" || !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, "tables in a ZIP package") {
		t.Errorf("stdout %q, stderr:\n%s", stdout, stderr)
	}
	m, tables := readReleaseZIP(t, copyTo)
	names := make([]string, len(tables))
	for i, tb := range tables {
		names[i] = tb.Name
	}
	if !m.Linked || m.Patients != 2 || !slices.Contains(names, "Observation") || !slices.Contains(names, "Patient") {
		t.Errorf("published package: manifest %+v, tables %v", m, names)
	}
}

// `anonymize --in FILE.csv --out x.zip` writes a one-table release
// package, not linked to anything.
func TestAnonymize_csvToZIPIsOneTableRelease(t *testing.T) {
	needData(t, "synthea-csv")
	out := filepath.Join(t.TempDir(), "patients.zip")
	if _, stderr, err := runCmd(t, cliEnv(t), "anonymize", "--in", patientsCSV, "--preset", "safe-harbor", "--out", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	m, tables := readReleaseZIP(t, out)
	if len(tables) != 1 || m.Linked || m.PatientTable != "" || tables[0].NumRows() == 0 || m.Tables[0].File != tables[0].Name+".csv" {
		t.Errorf("manifest %+v, %d tables", m, len(tables))
	}
}

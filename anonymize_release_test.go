package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// `anonymize --in FOLDER` with a publisher secret keys the release before
// the preset runs: one pseudonym per patient links every table, no
// Synthea patient id is left in any file, and every table's dates went
// through the per-patient date shift.
func TestAnonymize_fhirFolderKeyedRelease(t *testing.T) {
	dir := needData(t, "synthea-fhir")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 2 {
		t.Fatalf("fewer than two FHIR bundles in %s: the shared data changed", dir)
	}
	env := cliEnv(t)
	env[envSecret] = "cli-release-secret-0123456789"
	out, rep := t.TempDir(), filepath.Join(t.TempDir(), "report.json")
	if _, stderr, err := runCmd(t, env, "anonymize", "--in", dir, "--preset", "safe-harbor", "--out", out+"/", "--report", rep); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var srcIDs []string
	for _, f := range files {
		// Synthea names a bundle First_Last_<patient id>.json.
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		srcIDs = append(srcIDs, base[strings.LastIndexByte(base, '_')+1:])
	}
	patients := map[string]bool{}
	header, rows := readCSV(t, filepath.Join(out, "Patient.csv"))
	id := slices.Index(header, "id")
	if id < 0 || len(rows) != len(files) {
		t.Fatalf("Patient.csv: header %v, %d rows", header, len(rows))
	}
	for _, r := range rows {
		patients[r[id]] = true
	}
	csvs, _ := filepath.Glob(filepath.Join(out, "*.csv"))
	for _, f := range csvs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, sid := range srcIDs {
			if strings.Contains(string(b), sid) {
				t.Errorf("%s holds the Synthea patient id %s", filepath.Base(f), sid)
			}
		}
		header, rows := readCSV(t, f)
		if p := slices.Index(header, "patient"); p >= 0 {
			for i, r := range rows {
				if !patients[r[p]] {
					t.Errorf("%s row %d: patient %q is no Patient's id", filepath.Base(f), i+1, r[p])
				}
			}
		}
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var reports []anonymize.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		t.Fatalf("report: %v", err)
	}
	shifted := map[string]bool{}
	for _, r := range reports {
		for _, c := range r.Columns {
			if slices.Contains(c.Applied, "date-shift") {
				shifted[r.Table] = true
			}
		}
	}
	for _, table := range []string{"Patient", "Encounter", "Observation", "Condition", "Procedure", "Immunization"} {
		if !shifted[table] {
			t.Errorf("%s: no column went through the date shift (%v)", table, shifted)
		}
	}
}

// A keyed release anonymized with the built-ins isolated (each in a
// process of its own) is the same as in process: Safe Harbor keeps the
// shifted day of event dates there too, and the year of birth dates.
func TestAnonymize_isolatedReleaseKeepsShiftedDays(t *testing.T) {
	dir := needData(t, "synthea-fhir")
	env := cliEnv(t)
	env[envSecret] = "cli-release-secret-0123456789"
	outs := map[string]string{}
	for _, mode := range []string{"in process", "isolated"} {
		out := t.TempDir()
		args := []string{"anonymize", "--in", dir, "--preset", "safe-harbor", "--out", out + "/", "--as-of", "2026-12-07"}
		if mode == "isolated" {
			args = append(args, "--isolated")
		}
		if _, stderr, err := runCmd(t, env, args...); err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, stderr)
		}
		header, rows := readCSV(t, filepath.Join(out, "Encounter.csv"))
		start := slices.Index(header, "start")
		if start < 0 || len(rows) == 0 || len(rows[0][start]) <= 4 {
			t.Fatalf("%s: Encounter.csv start %v (header %v): want the shifted day kept", mode, rows[0:1], header)
		}
		header, rows = readCSV(t, filepath.Join(out, "Patient.csv"))
		if birth := slices.Index(header, "birth_date"); birth < 0 || len(rows[0][birth]) != 4 {
			t.Fatalf("%s: Patient.csv birth_date %q: want the year", mode, rows[0][birth])
		}
		b, err := os.ReadFile(filepath.Join(out, "Encounter.csv"))
		if err != nil {
			t.Fatal(err)
		}
		outs[mode] = string(b)
	}
	if outs["in process"] != outs["isolated"] {
		t.Error("Encounter.csv differs between the in-process and the isolated run")
	}
}

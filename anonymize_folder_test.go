package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// `anonymize --in FOLDER` (it once failed: "read bundles: … is a
// directory") and repeated --in read the Synthea bundles as one release:
// one CSV per table, every table holding the rows of both bundles, the
// DocumentReference note scrubbed by Safe Harbor (no patient's name left).
func TestAnonymize_fhirFolderOneRelease(t *testing.T) {
	dir := needData(t, "synthea-fhir")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 2 {
		t.Fatalf("fewer than two FHIR bundles in %s: the shared data changed", dir)
	}
	var names []string // the patients' names, from the bundles' file names
	for _, f := range files {
		for _, part := range strings.Split(filepath.Base(f), "_")[:2] {
			names = append(names, strings.TrimRight(part, "0123456789"))
		}
	}
	env := cliEnv(t)
	rows := func(args ...string) map[string]int {
		t.Helper()
		out := t.TempDir()
		if _, stderr, err := runCmd(t, env, append(append([]string{"anonymize"}, args...), "--preset", "safe-harbor", "--out", out+"/")...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		got := map[string]int{}
		csvs, _ := filepath.Glob(filepath.Join(out, "*.csv"))
		for _, f := range csvs {
			header, r := readCSV(t, f)
			name := strings.TrimSuffix(filepath.Base(f), ".csv")
			if name == "DocumentReference" {
				checkScrubbedNotes(t, args, header, r, names)
			}
			got[name] = len(r)
		}
		return got
	}
	folder := rows("--in", dir)
	for _, table := range []string{"Patient", "Encounter", "Observation", "Condition", "MedicationRequest", "Procedure", "Immunization",
		"DiagnosticReport", "DocumentReference", "CarePlan"} {
		if folder[table] == 0 {
			t.Errorf("--in %s: no %s rows (%v)", dir, table, folder)
		}
	}
	if folder["Patient"] != len(files) {
		t.Errorf("--in %s: %d Patient rows, want %d", dir, folder["Patient"], len(files))
	}
	sum := map[string]int{}
	for _, f := range files {
		for table, n := range rows("--in", f) {
			sum[table] += n
		}
	}
	repeated := rows("--in", files[0], "--in", files[1])
	for table, n := range folder {
		if n != sum[table] || (len(files) == 2 && repeated[table] != n) {
			t.Errorf("%s: %d rows from the folder, %d from repeated --in, %d summed over the files", table, n, repeated[table], sum[table])
		}
	}
}

// checkScrubbedNotes checks a published DocumentReference table keeps its
// notes with none of the patients' names in them.
func checkScrubbedNotes(t *testing.T, args, header []string, rows [][]string, names []string) {
	t.Helper()
	i := slices.Index(header, "note")
	if i < 0 {
		t.Errorf("%v: the DocumentReference note is dropped: %v", args, header)
		return
	}
	for _, r := range rows {
		for _, n := range names {
			if strings.Contains(r[i], n) {
				t.Errorf("%v: name %q left in the note %q", args, n, r[i])
			}
		}
	}
}

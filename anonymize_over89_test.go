package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// `anonymize --preset safe-harbor --as-of DATE` puts ages over 89 and the
// birth years that imply them at DATE into 90+, in process and isolated.
func TestAnonymize_safeHarborOver89(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "p.csv")
	data := "BIRTHDATE,AGE,DIAGNOSIS\n1919-04-12,106,I10\n1925-09-03,99,E11.9\n1936-01-01,89,I10\n1980-07-04,44,J45.909\n"
	if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	env := cliEnv(t)
	for _, extra := range [][]string{nil, {"--isolated"}} {
		out := filepath.Join(dir, "out.csv")
		if _, _, err := runCmd(t, env, append([]string{"anonymize", "--in", in, "--preset", "safe-harbor", "--as-of", "2025-06-30", "--out", out}, extra...)...); err != nil {
			t.Fatalf("%v: %v", extra, err)
		}
		header, rows := readCSV(t, out)
		b, a := slices.Index(header, "BIRTHDATE"), slices.Index(header, "AGE")
		var births, ages []string
		for _, r := range rows {
			births, ages = append(births, r[b]), append(ages, r[a])
		}
		if want := []string{"90+", "90+", "1936", "1980"}; !slices.Equal(births, want) {
			t.Errorf("%v: birth years %v, want %v", extra, births, want)
		}
		if want := []string{"90+", "90+", "89", "44"}; !slices.Equal(ages, want) {
			t.Errorf("%v: ages %v, want %v", extra, ages, want)
		}
	}
	if _, _, err := runCmd(t, env, "anonymize", "--in", in, "--preset", "safe-harbor", "--as-of", "soon", "--out", filepath.Join(dir, "x.csv")); exitCode(err) != 2 {
		t.Errorf("--as-of soon: exit %d (%v), want 2", exitCode(err), err)
	}
}

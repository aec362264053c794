package anonymize_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

var testSecret = []byte("publisher-secret-for-tests-0123456789")

func readSynthea(t *testing.T, name string) *anonymize.Table {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedData(t, "synthea-csv"), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := anonymize.ReadCSV(f, anonymize.CSVOptions{Name: strings.TrimSuffix(name, ".csv")})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestSafeHarborPreset_syntheaPatientsLeaveNoIdentifier runs the
// safe-harbor preset on Synthea's patients.csv and scans the written
// output for every original value of the identifying columns.
func TestSafeHarborPreset_syntheaPatientsLeaveNoIdentifier(t *testing.T) {
	header, rows := rawCSV(t, filepath.Join(sharedData(t, "synthea-csv"), "patients.csv"), ',')
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	// Columns whose every original value must be gone, and ZIP codes and
	// dates, of which only 3 digits and the year may stay.
	identifying := []string{"FIRST", "LAST", "MAIDEN", "SSN", "PASSPORT", "DRIVERS", "ADDRESS", "CITY", "COUNTY", "BIRTHPLACE", "ZIP", "LAT", "LON", "BIRTHDATE", "DEATHDATE"}
	for _, tc := range []struct {
		name   string
		secret []byte
		gone   []string // columns none of whose values may be in the output
	}{
		{"without secret", nil, append(slices.Clone(identifying), "Id")},
		{"with secret", testSecret, identifying},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runSafeHarborPreset(t, tc.secret)
			var buf bytes.Buffer
			if err := anonymize.WriteCSV(&buf, res.Table, anonymize.CSVWriteOptions{}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if res.Table.NumRows() != len(rows) {
				t.Errorf("%d rows out, %d in", res.Table.NumRows(), len(rows))
			}
			for _, c := range tc.gone {
				assertValuesGone(t, out, c, rows, col[c])
			}
			if tc.secret != nil {
				assertPseudonymized(t, res.Table.Column("Id"), out, rows, col["Id"])
			}
			assertSafeHarborShapes(t, res.Table)
		})
	}
}

// runSafeHarborPreset runs the safe-harbor preset on Synthea's patients.csv
// and requires its policy to pass.
func runSafeHarborPreset(t *testing.T, secret []byte) *anonymize.Result {
	t.Helper()
	cfg, err := anonymize.Preset("safe-harbor")
	if err != nil {
		t.Fatal(err)
	}
	return runOnSyntheaPatients(t, cfg, secret)
}

// runOnSyntheaPatients builds cfg with secret, runs it on Synthea's
// patients.csv and requires its policy to pass, or to refuse for the
// highest re-identification risk alone (above 20 %: Safe Harbor leaves
// unique patients; the publisher must accept that risk to publish).
func runOnSyntheaPatients(t *testing.T, cfg *anonymize.Config, secret []byte) *anonymize.Result {
	t.Helper()
	p, err := cfg.Build(anonymize.Env{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), readSynthea(t, "patients.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !passesButForRisk(res.Verdict) {
		t.Errorf("policy: %v", res.Verdict)
	}
	return res
}

// assertValuesGone fails for every non-empty original value of column
// name (field i of rows) that the output contains.
func assertValuesGone(t *testing.T, out, name string, rows [][]string, i int) {
	t.Helper()
	for _, r := range rows {
		if v := r[i]; v != "" && strings.Contains(out, v) {
			t.Errorf("column %s: original value %q is in the output", name, v)
		}
	}
}

// assertPseudonymized checks that the record id (field i of rows)
// survives only as its keyed pseudonym.
func assertPseudonymized(t *testing.T, ids *anonymize.Column, out string, rows [][]string, i int) {
	t.Helper()
	if ids == nil {
		t.Fatal("Id column dropped although a secret was given")
	}
	for row, r := range rows {
		if strings.Contains(out, r[i]) {
			t.Errorf("record id %q is in the output", r[i])
		}
		if len(ids.Value(row)) != 32 {
			t.Errorf("pseudonym %q", ids.Value(row))
		}
	}
}

// assertSafeHarborShapes checks that ZIP codes keep 3 digits, dates only
// the year, and the columns Safe Harbor allows stay.
func assertSafeHarborShapes(t *testing.T, out *anonymize.Table) {
	t.Helper()
	zips := out.Column("ZIP")
	for i := range out.NumRows() {
		if z := zips.Value(i); z != "" && len(z) != 3 {
			t.Errorf("ZIP %q is not 3 digits", z)
		}
	}
	for _, c := range []string{"BIRTHDATE", "DEATHDATE"} {
		bc := out.Column(c)
		for i := range out.NumRows() {
			if v := bc.Value(i); v != "" && len(v) != 4 {
				t.Errorf("%s %q is not a year", c, v)
			}
		}
	}
	for _, c := range []string{"STATE", "GENDER", "RACE", "HEALTHCARE_EXPENSES"} {
		if out.Column(c) == nil {
			t.Errorf("column %s removed, Safe Harbor allows it", c)
		}
	}
}

// TestPseudonymize_linksPatientsAcrossTables pseudonymizes patients.csv and
// encounters.csv separately with the same secret: every encounter still
// points to its patient.
func TestPseudonymize_linksPatientsAcrossTables(t *testing.T) {
	patients := readSynthea(t, "patients.csv")
	encounters := readSynthea(t, "encounters.csv")
	ps := &anonymize.Pseudonymize{Columns: []string{"Id"}, Secret: testSecret}
	pe := &anonymize.Pseudonymize{Columns: []string{"PATIENT"}, Secret: testSecret}
	op, err := ps.Apply(context.Background(), patients)
	if err != nil {
		t.Fatal(err)
	}
	oe, err := pe.Apply(context.Background(), encounters)
	if err != nil {
		t.Fatal(err)
	}
	orig := map[string]string{} // pseudonym -> original id
	for i := range op.NumRows() {
		orig[op.Column("Id").Value(i)] = patients.Column("Id").Value(i)
	}
	for i := range oe.NumRows() {
		p := oe.Column("PATIENT").Value(i)
		if orig[p] != encounters.Column("PATIENT").Value(i) {
			t.Fatalf("encounter %d: pseudonym %q does not link to its patient", i, p)
		}
	}
	other := &anonymize.Pseudonymize{Columns: []string{"Id"}, Secret: []byte("another-publisher-secret-000000")}
	oo, _ := other.Apply(context.Background(), patients)
	if oo.Column("Id").Value(0) == op.Column("Id").Value(0) {
		t.Error("two secrets give the same pseudonym")
	}
}

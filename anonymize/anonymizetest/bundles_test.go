package anonymizetest_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// TestWriteBundles_variesEachPatient writes a few patients from the
// Synthea Bundles and reads them back as one release: one Patient row
// each with its own id, name and birth date, every other row linked to
// one of them, the counts WriteBundles reports, and no name or id of the
// template patients left.
func TestWriteBundles_variesEachPatient(t *testing.T) {
	src := filepath.Join("..", "..", "..", "shared", "data", "synthea-fhir")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("shared test data not found at %s (expected ../shared/data next to the repository): %v", src, err)
	}
	files, _ := filepath.Glob(filepath.Join(src, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no Synthea bundle in %s: the shared data changed", src)
	}
	var templates [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		templates = append(templates, b)
	}
	dir := t.TempDir()
	set, err := anonymizetest.WriteBundles(dir, templates, 6, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(paths) != 6 || set.Patients != 6 {
		t.Fatalf("%d files, set %+v; want 6", len(paths), set)
	}
	var inputs []anonymize.Input
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{"Blaine377", "Hickle134", "Nicolas769", "Vandervort697", "92b47f6e-d4b0-47bd-bf6a-b944d4de48e6", "999-77-5044"} {
			if bytes.Contains(data, []byte(leak)) {
				t.Errorf("%s still holds the template's %q", filepath.Base(p), leak)
			}
		}
		inputs = append(inputs, anonymize.Input{Name: filepath.Base(p), Open: func() (io.ReadCloser, error) { return os.Open(p) }})
	}
	tables, err := anonymize.ReadInputs(inputs, anonymize.InputOptions{Name: "set"})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := anonymize.NewFHIRRelease(tables)
	if err != nil {
		t.Fatal(err)
	}
	pat := rel.Patients()
	for _, col := range []string{"id", "given", "birth_date", "ssn"} {
		if c := pat.Column(col); len(c.Dict) != 6 {
			t.Errorf("Patient %s has %d distinct values %v, want 6", col, len(c.Dict), c.Dict)
		}
	}
	rows := 0
	for _, tb := range tables {
		rows += tb.NumRows()
		if tb.Name == "Observation" && tb.NumRows() != set.Observations {
			t.Errorf("%d Observation rows, WriteBundles says %d", tb.NumRows(), set.Observations)
		}
	}
	ids := map[string]bool{}
	for _, v := range pat.Column("id").Dict {
		ids[v] = true
	}
	for _, tb := range tables[1:] {
		c := tb.Column("patient")
		for _, code := range c.Codes {
			if !ids[c.Dict[code]] {
				t.Fatalf("%s row links to %q, not a generated patient", tb.Name, c.Dict[code])
			}
		}
	}
	if set.Observations < 6*200 || rows < set.Observations {
		t.Errorf("%d observations, %d rows: want about 240 observations a patient", set.Observations, rows)
	}
}

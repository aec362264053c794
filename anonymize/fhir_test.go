package anonymize_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// TestReadFHIR_syntheaBundlesRowCounts imports the Synthea bundles and
// compares each table's row count with the resources counted in the JSON
// by a generic decoder.
func TestReadFHIR_syntheaBundlesRowCounts(t *testing.T) {
	dir := sharedData(t, "synthea-fhir")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no bundles in %s: the shared data changed", dir)
	}
	im := anonymize.NewFHIRImporter()
	want := map[string]int{}
	patientIDs := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Entry []struct {
				Resource map[string]any `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		for _, e := range b.Entry {
			typ, _ := e.Resource["resourceType"].(string)
			want[typ]++
			if typ == "Patient" {
				patientIDs[e.Resource["id"].(string)] = true
			}
		}
		if err := im.Add(strings.NewReader(string(data)), filepath.Base(f)); err != nil {
			t.Fatal(err)
		}
	}
	tables := im.Tables()
	got := map[string]*anonymize.Table{}
	for _, tb := range tables {
		got[tb.Name] = tb
	}
	// The resource types the importer flattens.
	for _, typ := range []string{"Patient", "Encounter", "Observation", "Condition", "MedicationRequest", "Procedure", "Immunization"} {
		n := 0
		if tb := got[typ]; tb != nil {
			n = tb.NumRows()
		}
		if n != want[typ] {
			t.Errorf("%s: %d rows, the bundles hold %d resources", typ, n, want[typ])
		}
	}
	// Every clinical row joins to a Patient row.
	for _, tb := range tables {
		if tb.Name == "Patient" {
			continue
		}
		c := tb.Column("patient")
		for i := range tb.NumRows() {
			if !patientIDs[c.Value(i)] {
				t.Fatalf("%s row %d: patient %q is not a Patient id", tb.Name, i, c.Value(i))
			}
		}
	}
	p := got["Patient"]
	for _, col := range []string{"family", "ssn", "birth_date", "postal_code", "latitude"} {
		if p.Column(col).Value(0) == "" {
			t.Errorf("Patient.%s is empty", col)
		}
	}
	if typ := p.Column("birth_date").Type; typ != anonymize.TypeDate {
		t.Errorf("birth_date type %v, want date", typ)
	}
}

func TestReadFHIR_errorsNameLineAndField(t *testing.T) {
	cases := []struct {
		name, in string
		line     int
		field    string
	}{
		{"syntax", "{\"resourceType\": \"Bundle\",\n \"entry\": [\n {\"resource\": {\"resourceType\": \"Patient\" \"id\": \"x\"}}]}", 3, ""},
		{"type", "{\"resourceType\": \"Bundle\", \"entry\": [\n{\"resource\":\n {\"resourceType\": \"Patient\",\n \"birthDate\": 1983}}]}", 4, "entry[0].resource.birthDate"},
		{"no resourceType", "{\"id\": \"x\"}", 1, "value[0].resourceType"},
		{"entry without resource", "{\"resourceType\": \"Bundle\", \"entry\": [{\"fullUrl\": \"urn:uuid:1\"}]}", 1, "entry[0].resource"},
		{"truncated", "{\"resourceType\": \"Bundle\",\n \"entry\": [", 2, ""},
		{"empty", "", 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := anonymize.ReadFHIR(strings.NewReader(c.in), "in.json")
			var pe *anonymize.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *ParseError", err)
			}
			if !errors.Is(err, anonymize.ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid")
			}
			if pe.Line != c.line || pe.Field != c.field {
				t.Errorf("error %q: line %d field %q, want line %d field %q", err, pe.Line, pe.Field, c.line, c.field)
			}
		})
	}
}

func TestReadFHIR_ndjsonAndReferences(t *testing.T) {
	in := `{"resourceType":"Patient","id":"p1","name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1950-02-03"}
{"resourceType":"Encounter","id":"e1","subject":{"reference":"Patient/p1"},"period":{"start":"2020-01-01T10:00:00Z"}}
{"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"},"encounter":{"reference":"Encounter/e1"},"code":{"coding":[{"code":"8302-2"}]},"valueQuantity":{"value":170.5,"unit":"cm"}}
{"resourceType":"Organization","id":"x"}
`
	tables, err := anonymize.ReadFHIR(strings.NewReader(in), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 3 {
		t.Fatalf("%d tables, want 3", len(tables))
	}
	obs := tables[2]
	if obs.Column("patient").Value(0) != "p1" || obs.Column("encounter").Value(0) != "e1" || obs.Column("value").Value(0) != "170.5" {
		t.Errorf("observation row %v", obs.Row(0))
	}
}

func FuzzReadFHIR(f *testing.F) {
	f.Add(`{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"1","birthDate":"2000-01-01"}},{"resource":{"resourceType":"Observation","subject":{"reference":"urn:uuid:1"},"valueQuantity":{"value":1}}}]}`)
	f.Add(`{"resourceType":"Procedure","category":{"coding":[{"code":"x"}]},"performedPeriod":{"start":"2020"}}`)
	f.Add(`{"resourceType":"Bundle","entry":[{"resource":null}]}`)
	f.Add("{\"resourceType\":\n\"Patient\",\"name\":[{\"given\":7}]}")
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, in string) {
		tables, err := anonymize.ReadFHIR(strings.NewReader(in), "fuzz")
		if err != nil {
			var pe *anonymize.ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v (%T) does not name a line", err, err)
			}
			return
		}
		for _, tb := range tables {
			if err := tb.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestSafeHarborPreset_fhirTablesStillJoin runs the safe-harbor-k5 preset
// over all tables of the FHIR import: no patient identifier is left in any
// table, and the keyed pseudonyms still join clinical rows to patients.
func TestSafeHarborPreset_fhirTablesStillJoin(t *testing.T) {
	dir := sharedData(t, "synthea-fhir")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	im := anonymize.NewFHIRImporter()
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		err = im.Add(r, f)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	tables := im.Tables()
	patients := tables[0]
	cfg, _ := anonymize.Preset("safe-harbor-k5")
	cfg.Policy.MinK = 0 // two patients cannot be 5-anonymous; the rows are suppressed instead
	cfg.Transforms[2].Params = anonymize.Params{"k": 2, "suppression_limit": 1}
	p, err := cfg.Build(anonymize.Env{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	results, err := p.RunAll(context.Background(), tables)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, r := range results {
		if err := anonymize.WriteCSV(&all, r.Table, anonymize.CSVWriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	out := all.String()
	for _, c := range []string{"id", "mrn", "ssn", "drivers_license", "passport", "given", "family", "maiden_name", "phone", "address", "city", "postal_code", "latitude", "longitude", "birth_date", "birthplace"} {
		col := patients.Column(c)
		for i := range patients.NumRows() {
			if v := col.Value(i); v != "" && strings.Contains(out, v) {
				t.Errorf("Patient.%s value %q is in the output", c, v)
			}
		}
	}
	pseudo := &anonymize.Pseudonymize{Secret: testSecret}
	_ = pseudo.Validate()
	want := map[string]bool{}
	for i := range patients.NumRows() {
		want[pseudo.Pseudonym(patients.Column("id").Value(i))] = true
	}
	for _, r := range results[1:] {
		c := r.Table.Column("patient")
		if c == nil {
			t.Fatalf("%s: patient column dropped", r.Table.Name)
		}
		for i := range r.Table.NumRows() {
			if !want[c.Value(i)] {
				t.Fatalf("%s row %d: patient %q does not join", r.Table.Name, i, c.Value(i))
			}
		}
	}
}

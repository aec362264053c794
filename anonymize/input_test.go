package anonymize_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

const (
	inputPatientNDJSON = `{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1980-02-03"}
{"resourceType":"Patient","id":"p2","gender":"male","birthDate":"1975-11-30"}
`
	inputBundle = `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p1","gender":"female"}}]}`
	inputCSV    = "name,age,zip\nJane,34,02139\nJohn,40,02140\n"
)

// TestSniffFormat: content decides (JSON naming a FHIR resourceType is
// FHIR, other text CSV); a name that says JSON over content that is not is
// refused, as are empty files and JSON that is not FHIR.
func TestSniffFormat(t *testing.T) {
	for _, c := range []struct {
		name, head, want, err string
	}{
		{"patients.ndjson", inputPatientNDJSON, anonymize.FormatFHIR, ""},
		{"bundle.json", inputBundle, anonymize.FormatFHIR, ""},
		{"bundle.json", "\ufeff\n  " + inputBundle, anonymize.FormatFHIR, ""},
		{"export", inputPatientNDJSON, anonymize.FormatFHIR, ""},   // no extension: content
		{"mislabelled.csv", inputBundle, anonymize.FormatFHIR, ""}, // content wins over the name
		{"array.json", `[{"resourceType":"Patient"}]`, anonymize.FormatFHIR, ""},
		{"truncated.json", `{"entry":[`, anonymize.FormatFHIR, ""}, // named JSON: the FHIR reader says what is wrong
		{"patients.csv", inputCSV, anonymize.FormatCSV, ""},
		{"patients.tsv", "name\tage\nJane\t34\n", anonymize.FormatCSV, ""},
		{"patients.txt", inputCSV, anonymize.FormatCSV, ""},
		{"patients.ndjson", inputCSV, "", "patients.ndjson is named as JSON"},
		{"patients.json", "not json", "", "patients.json is named as JSON"},
		{"config.data", `{"k": 5}`, "", "config.data holds JSON without a FHIR resourceType"},
		{"empty.csv", "", "", "empty.csv is empty"},
		{"blank.json", " \n\t", "", "blank.json is empty"},
	} {
		got, err := anonymize.SniffFormat(c.name, []byte(c.head))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, anonymize.ErrInvalid) {
				t.Errorf("%s %.20q: %q, %v; want an invalid-input error containing %q", c.name, c.head, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %.20q: %q, %v; want %q", c.name, c.head, got, err, c.want)
		}
	}
}

// TestReadInput reads each format into the tables the engine expects,
// whole or in batches, and honours a forced format.
func TestReadInput(t *testing.T) {
	for _, c := range []struct {
		desc   string
		opt    anonymize.InputOptions
		in     string
		tables []string
		rows   int
	}{
		{"ndjson of FHIR", anonymize.InputOptions{Name: "patients.ndjson"}, inputPatientNDJSON, []string{"Patient"}, 2},
		{"FHIR Bundle", anonymize.InputOptions{Name: "bundle.json"}, inputBundle, []string{"Patient"}, 1},
		{"CSV", anonymize.InputOptions{Name: "patients.csv"}, inputCSV, []string{"patients"}, 2},
		{"CSV in batches", anonymize.InputOptions{Name: "patients.csv", BatchRows: 1}, inputCSV, []string{"patients"}, 2},
		{"TSV by name", anonymize.InputOptions{Name: "visits.tsv"}, "a b\tc\n1 2\t3\n", []string{"visits"}, 1},
		{"TSV forced", anonymize.InputOptions{Name: "visits.txt", Format: "tsv"}, "a b\tc\n1 2\t3\n", []string{"visits"}, 1},
		{"FHIR forced", anonymize.InputOptions{Name: "export.dat", Format: "fhir"}, inputPatientNDJSON, []string{"Patient"}, 2},
		{"ndjson forced", anonymize.InputOptions{Name: "export.dat", Format: "ndjson"}, inputPatientNDJSON, []string{"Patient"}, 2},
	} {
		var progress []int
		c.opt.Progress = func(rows int) { progress = append(progress, rows) }
		ts, err := anonymize.ReadInput(strings.NewReader(c.in), c.opt)
		if err != nil {
			t.Errorf("%s: %v", c.desc, err)
			continue
		}
		var names []string
		rows := 0
		for _, tb := range ts {
			names = append(names, tb.Name)
			rows += tb.NumRows()
		}
		if strings.Join(names, ",") != strings.Join(c.tables, ",") || rows != c.rows {
			t.Errorf("%s: tables %v with %d rows, want %v with %d", c.desc, names, rows, c.tables, c.rows)
		}
		if c.opt.Name == "visits.tsv" || c.opt.Format == "tsv" {
			if got := ts[0].Names(); len(got) != 2 || got[0] != "a b" {
				t.Errorf("%s: columns %q, want split on tabs only", c.desc, got)
			}
		}
		if c.opt.BatchRows > 0 && (len(progress) != c.rows || progress[len(progress)-1] != c.rows) {
			t.Errorf("%s: progress %v, want one report per batch up to %d", c.desc, progress, c.rows)
		}
	}
}

// TestReadInput_errorsNameFileAndReason: every refusal matches ErrInvalid
// and names the file, the format it was read as, and where it went wrong.
func TestReadInput_errorsNameFileAndReason(t *testing.T) {
	for _, c := range []struct {
		desc string
		opt  anonymize.InputOptions
		in   string
		want []string
	}{
		{"bad CSV", anonymize.InputOptions{Name: "bad.csv"}, "name,age\nJane,34\nJohn\n", []string{"bad.csv is not a readable CSV file", "line 3"}},
		{"header only", anonymize.InputOptions{Name: "head.csv"}, "name,age\n", []string{"head.csv has a header but no rows"}},
		{"bad FHIR forced", anonymize.InputOptions{Name: "x.csv", Format: "fhir"}, "not json", []string{"x.csv is not a readable FHIR Bundle"}},
		{"bad NDJSON", anonymize.InputOptions{Name: "p.ndjson"}, `{"resourceType":"Patient","id":"p1"}` + "\n{oops\n", []string{"p.ndjson is not a readable FHIR Bundle", "line "}},
		{"no resources read", anonymize.InputOptions{Name: "org.json"}, `{"resourceType":"Organization","id":"o"}`, []string{"org.json holds no FHIR resources"}},
		{"unknown format", anonymize.InputOptions{Name: "p.csv", Format: "xml"}, inputCSV, []string{`p.csv: format "xml" unknown`}},
		{"CSV named as NDJSON", anonymize.InputOptions{Name: "p.ndjson"}, inputCSV, []string{"p.ndjson is named as JSON"}},
	} {
		_, err := anonymize.ReadInput(strings.NewReader(c.in), c.opt)
		if err == nil || !errors.Is(err, anonymize.ErrInvalid) {
			t.Errorf("%s: %v, want an invalid-input error", c.desc, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", c.desc, err, w)
			}
		}
	}
}

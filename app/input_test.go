package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// fhirPatients is NDJSON of FHIR Patient resources, n of them: enough for
// the safe-harbor preset to publish.
func fhirPatients(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"resourceType":"Patient","id":"p%d","gender":"%s","birthDate":"19%02d-0%d-1%d","address":[{"state":"MA","postalCode":"0213%d"}]}`+"\n",
			i, []string{"female", "male"}[i%2], 50+i%40, 1+i%9, i%10, i%10)
	}
	return b.String()
}

// TestPublish_ndjsonIsReadAsFHIR: `publish --in x.ndjson` reads the file as
// FHIR, as `anonymize` and the wizard do (it was once parsed as CSV): the
// published table is the Patient table with its FHIR columns.
func TestPublish_ndjsonIsReadAsFHIR(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	in := filepath.Join(t.TempDir(), "patients.ndjson")
	if err := os.WriteFile(in, []byte(fhirPatients(20)), 0o644); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: in, Preset: "safe-harbor", Title: "FHIR patients",
		Price: ether("0.01"), Terms: hmb, Copy: &got})
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(got.String(), "\n")
	if p.Card.Rows != 20 || !strings.Contains(head, "gender") || strings.Contains(head, "resourceType") {
		t.Errorf("published %d rows with header %q; want the 20 Patient rows with FHIR columns", p.Card.Rows, head)
	}
}

// TestRecords_everyPathReadsTheSameWay: the CLI's anonymizer, the wizard's
// preview and publish read one file into the same tables, and refuse a bad
// one with the same EINVALID reason naming the file.
func TestRecords_everyPathReadsTheSameWay(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "export.ndjson")
	bad := filepath.Join(dir, "notes.json")
	for f, s := range map[string]string{good: fhirPatients(3), bad: "name,age\nJane,34\n"} {
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	readers := map[string]func(path string) ([]string, error){
		"anonymize": func(path string) ([]string, error) {
			ts, err := (&AnonymizeRequest{In: path}).read()
			return tableNames(ts), err
		},
		"preview": func(path string) ([]string, error) {
			ts, err := PreviewRequest{Path: path}.readTables()
			return tableNames(ts), err
		},
		"publish": func(path string) ([]string, error) {
			tb, err := (&PublishRequest{Input: path}).readTable()
			if err != nil {
				return nil, err
			}
			return []string{tb.Name}, nil
		},
	}
	for name, read := range readers {
		if got, err := read(good); err != nil || strings.Join(got, ",") != "Patient" {
			t.Errorf("%s of %s: %v, %v; want the Patient table", name, good, got, err)
		}
		_, err := read(bad)
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), "notes.json is named as JSON") {
			t.Errorf("%s of %s: %v; want EINVALID naming the file and the reason", name, bad, err)
		}
	}
}

func tableNames(ts []*anonymize.Table) []string {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	return names
}

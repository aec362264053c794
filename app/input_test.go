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
	// Each of the 20 generated patients is unique after Safe Harbor: the
	// publisher accepts that risk explicitly, and the card records it.
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: in, Preset: "safe-harbor", Title: "FHIR patients",
		Price: ether("0.01"), Terms: hmb, Copy: &got, AcceptRisk: &RiskAcceptance{Risk: 1, Words: "synthetic patients"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Card.RiskAccepted == nil || p.Card.RiskAccepted.Risk != 1 {
		t.Errorf("card's risk acceptance %+v", p.Card.RiskAccepted)
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

// TestRecords_folderAndListReadAsOneRelease: a folder of FHIR files (its
// *.json and *.ndjson, not its subfolders nor other files) and a
// comma-separated list read as one release, in the CLI's anonymize and
// publish and the wizard's preview alike; a folder without FHIR files is
// refused with its name.
func TestRecords_folderAndListReadAsOneRelease(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("b.ndjson", fhirPatients(3))
	b := write("a.json", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"q1","gender":"male"}},`+
		`{"resource":{"resourceType":"Claim","id":"c1"}}]}`)
	write("notes.txt", "not read")
	write("sub/c.ndjson", fhirPatients(5)) // not read: the folder's own files only
	for _, path := range []string{dir, a + "," + b, dir + string(os.PathSeparator)} {
		var warned []string
		ts, err := records{Path: path, Warn: func(m string) { warned = append(warned, m) }}.read()
		if err != nil || len(ts) != 1 || ts[0].Name != "Patient" || ts[0].NumRows() != 4 {
			t.Fatalf("%s: %v, %v; want the 4 Patient rows of both files", path, ts, err)
		}
		if len(warned) != 1 || !strings.Contains(warned[0], "Claim (1)") {
			t.Errorf("%s: warnings %q, want Claim (1) named", path, warned)
		}
	}
	if ts, err := (&AnonymizeRequest{In: dir}).read(); err != nil || ts[0].NumRows() != 4 {
		t.Errorf("anonymize --in %s: %v, %v", dir, ts, err)
	}
	if tb, err := (&PublishRequest{Input: dir}).readTable(); err != nil || tb.NumRows() != 4 {
		t.Errorf("publish --in %s: %v, %v", dir, tb, err)
	}
	if ts, err := (PreviewRequest{Path: dir}).readTables(); err != nil || ts[0].NumRows() != 4 {
		t.Errorf("preview of %s: %v, %v", dir, ts, err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := records{Path: empty}.read()
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), "empty holds no .json or .ndjson files") {
		t.Errorf("empty folder: %v", err)
	}
	csv := write("x.csv", "a,b\n1,2\n")
	_, err = records{Path: csv + "," + a}.read()
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), "x.csv is not FHIR JSON") {
		t.Errorf("a CSV among several files: %v", err)
	}
	_, err = records{Path: a + "," + filepath.Join(dir, "missing.json")}.read()
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), "missing.json") {
		t.Errorf("a missing file among several: %v", err)
	}
}

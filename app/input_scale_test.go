package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// TestRecords_refusesACSVTooLargeBeforeReading: a CSV file above the
// machine's limit (a sparse file: nothing is written to disk) is refused
// up front, naming its size, the limit and what to do, by every reader; a
// FHIR file of that size is not refused (it streams); a limit given
// instead of the machine's applies alike.
func TestRecords_refusesACSVTooLargeBeforeReading(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "records.csv")
	if err := os.WriteFile(big, []byte("id,name\n1,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, CSVLimit()+1<<30); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("records.csv is %s; medmarket anonymizes CSV files up to %s on this machine", gigabytes(CSVLimit()+1<<30), gigabytes(CSVLimit()))
	_, err := records{Path: big}.read()
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "split it") {
		t.Fatalf("error %v, want EINVALID saying %q and split it", err, want)
	}
	if _, err := (&AnonymizeRequest{In: big}).read(); !strings.Contains(fmt.Sprint(err), want) {
		t.Errorf("anonymize --in: %v, want %q", err, want)
	}
	if _, err := (PreviewRequest{Path: big}).readTables(); !strings.Contains(fmt.Sprint(err), want) {
		t.Errorf("preview: %v, want %q", err, want)
	}

	small := filepath.Join(dir, "small.csv")
	fhir := filepath.Join(dir, "p.ndjson")
	if err := os.WriteFile(small, []byte("id,name\n1,a\n2,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fhir, []byte(fhirPatients(3)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := (records{Path: small, MaxCSV: 10}).read(); !strings.Contains(fmt.Sprint(err), "small.csv is 0 MB; medmarket anonymizes CSV files up to 0 MB") {
		t.Errorf("a CSV over a given limit: %v", err)
	}
	if ts, err := (records{Path: fhir, MaxCSV: 10}).read(); err != nil || ts[0].NumRows() != 3 {
		t.Errorf("a FHIR file over the CSV limit: %v, %v; want it read", ts, err)
	}
	if ts, err := (records{Path: small}).read(); err != nil || ts[0].NumRows() != 2 {
		t.Errorf("a small CSV: %v, %v", ts, err)
	}
}

// TestRecords_folderProgressCountsAllFiles: reading a folder reports the
// bytes read of all its files together, growing to their total size, and
// the rows taken, growing to the release's rows.
func TestRecords_folderProgressCountsAllFiles(t *testing.T) {
	dir := t.TempDir()
	var size int64
	for i := range 12 {
		data := strings.ReplaceAll(fhirPatients(400), `"id":"p`, fmt.Sprintf(`"id":"f%d-p`, i))
		size += int64(len(data))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.ndjson", i)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var events []AnonymizeProgress
	ts, err := records{Path: dir, Progress: func(p AnonymizeProgress) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, p)
	}}.read()
	if err != nil || ts[0].NumRows() != 12*400 {
		t.Fatalf("%v, %v", ts, err)
	}
	var last AnonymizeProgress
	for _, e := range events {
		if e.Stage != "read" || e.Size != size || e.Bytes < last.Bytes || e.Rows < last.Rows {
			t.Fatalf("event %+v after %+v (size %d)", e, last, size)
		}
		last = e
	}
	if len(events) < 12 || last.Bytes != size || last.Rows != 12*400 {
		t.Errorf("%d events, last %+v; want at least one a file, ending at %d bytes and %d rows", len(events), last, size, 12*400)
	}
}

package plugins_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	"github.com/medmarket/medmarket/plugins"
	"github.com/medmarket/medmarket/plugins/anonymizer"
)

// csvBytes is what a user gets: the table written as CSV.
func csvBytes(t *testing.T, tab *anonymize.Table) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := anonymize.WriteCSV(&buf, tab, anonymize.CSVWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sameBytes checks that the isolated Safe Harbor writes byte for byte what
// the in-process one writes (and has the same metadata), with the host
// planning, not planning (an older host), and planning with small batches.
func sameBytes(t *testing.T, in *anonymize.Table, params anonymize.Params) {
	t.Helper()
	want := applyDirect(t, "safe-harbor", params, anonymize.Env{}, in)
	wantCSV := csvBytes(t, want)
	for _, c := range []struct {
		name   string
		stream anonymizer.StreamOptions
	}{{"planned", anonymizer.StreamOptions{}}, {"planned-small-batches", anonymizer.StreamOptions{BatchRows: 777}}, {"unplanned", anonymizer.StreamOptions{NoPlan: true}}} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := streamHost(t, c.stream).Isolated("safe-harbor").New(context.Background(), params, anonymize.Env{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tr.Apply(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			sameTable(t, got, want)
			if gotCSV := csvBytes(t, got); !bytes.Equal(gotCSV, wantCSV) {
				t.Fatalf("isolated output differs from in process: %d bytes, want %d", len(gotCSV), len(wantCSV))
			}
		})
	}
}

var (
	streamHostsMu sync.Mutex
	streamHosts   = map[string]*plugins.Host{}
)

// streamHost returns a host streaming tables as s says: the shared host
// for the defaults, else one per setting (OnSend is not shared) for the whole test run (closed
// by TestMain), so that each setting's isolated built-ins start once.
func streamHost(t *testing.T, s anonymizer.StreamOptions) *plugins.Host {
	t.Helper()
	if s.BatchRows == 0 && !s.NoPlan {
		return sharedHost(t)
	}
	key := fmt.Sprintf("%d/%v", s.BatchRows, s.NoPlan)
	streamHostsMu.Lock()
	defer streamHostsMu.Unlock()
	if h, ok := streamHosts[key]; ok {
		return h
	}
	h, err := plugins.NewHost(plugins.Options{Stream: s})
	if err != nil {
		t.Fatal(err)
	}
	streamHosts[key] = h
	return h
}

func TestSafeHarborPlanned_sameBytesAsInProcess_patients(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		sameBytes(t, anonymizetest.Patients(10_000, seed), nil)
	}
	sameBytes(t, patients(t, 10_000), nil) // with roles and a hierarchy
	sameBytes(t, patients(t, 10_000), anonymize.Params{"blank": true})
	sameBytes(t, patients(t, 10_000), anonymize.Params{"columns": map[string]any{"GENDER": "zip", "Id": "keep"}})
	sameBytes(t, patients(t, 0), nil)
	// Nothing to transform: only drops and passes, no batch sent.
	p := patients(t, 1000)
	sameBytes(t, p.WithColumns([]*anonymize.Column{p.Columns[0], p.Columns[1], p.Columns[6], p.Columns[7]}), nil)
	sameBytes(t, p.WithColumns([]*anonymize.Column{p.Columns[0], p.Columns[2]}), nil)
}

func TestSafeHarborPlanned_sameBytesAsInProcess_synthea(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "synthea-csv", "patients.csv")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("Synthea data not found at %s: %v", path, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := anonymize.ReadCSV(f, anonymize.CSVOptions{Name: "patients"})
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, in, nil)
}

// The host sends a planning plugin only what it transforms: never a column
// Safe Harbor drops or keeps, and of mapped columns only their distinct
// values.
func TestSafeHarborPlanned_droppedColumnsNeverSent(t *testing.T) {
	in := patients(t, 20_000)
	var mu sync.Mutex
	sentRows := map[string]int{}
	sentBytes := 0
	onSend := func(cols []string, rows, size int) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range cols {
			sentRows[c] += rows
		}
		sentBytes += size
	}
	apply := func(s anonymizer.StreamOptions) *anonymize.Table {
		t.Helper()
		s.OnSend = onSend
		tr, err := newHost(t, plugins.Options{Stream: s}).Isolated("safe-harbor").New(context.Background(), nil, anonymize.Env{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := tr.Apply(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := apply(anonymizer.StreamOptions{})
	for _, name := range []string{"Id", "NAME", "SSN"} {
		if slices.Contains(out.Names(), name) {
			t.Errorf("%s is in the output", name)
		}
	}
	for _, name := range []string{"Id", "NAME", "SSN", "GENDER", "DIAGNOSIS"} {
		if n, ok := sentRows[name]; ok {
			t.Errorf("column %s was sent to the plugin (%d rows)", name, n)
		}
	}
	for _, name := range []string{"BIRTHDATE", "ZIP", "AGE"} {
		distinct := len(in.Columns[in.Index(name)].Compact().Dict)
		if sentRows[name] != len(in.Columns[in.Index(name)].Dict) || sentRows[name] > in.NumRows() {
			t.Errorf("column %s: %d rows sent, want its %d dictionary values (%d distinct, %d rows)", name, sentRows[name], len(in.Columns[in.Index(name)].Dict), distinct, in.NumRows())
		}
	}
	t.Logf("sent %d bytes for %d rows: %v", sentBytes, in.NumRows(), sentRows)

	// Without a plan every column travels in full: the baseline.
	mu.Lock()
	sentRows, sentBytes = map[string]int{}, 0
	mu.Unlock()
	apply(anonymizer.StreamOptions{NoPlan: true})
	if sentRows["SSN"] != in.NumRows() {
		t.Errorf("unplanned: SSN sent for %d rows, want %d", sentRows["SSN"], in.NumRows())
	}
	t.Logf("unplanned: sent %d bytes", sentBytes)
}

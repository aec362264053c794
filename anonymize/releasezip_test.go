package anonymize_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// syntheaReleaseResult runs the shared bundles through Safe Harbor with
// the release secret.
func syntheaReleaseResult(t *testing.T) *anonymize.ReleaseResult {
	t.Helper()
	p := releasePipeline(t, &anonymize.Config{Preset: "safe-harbor"})
	return runRelease(t, p, syntheaRelease(t), &anonymize.ReleaseKey{Secret: releaseSecret})
}

func writeZIP(t *testing.T, rr *anonymize.ReleaseResult, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := anonymize.WriteReleaseZIP(&buf, rr.Release.Tables, rr.Manifest(format)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A release package reads back as the same tables (CSV and Parquet), its
// manifest describes them, and the same release gives the same bytes.
func TestReleaseZIP_roundTripManifestDeterministic(t *testing.T) {
	rr := syntheaReleaseResult(t)
	for _, format := range []string{"csv", "parquet"} {
		data := writeZIP(t, rr, format)
		if again := writeZIP(t, rr, format); !bytes.Equal(data, again) {
			t.Errorf("%s: two writes of one release differ", format)
		}
		m, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(data), int64(len(data)), anonymize.ZIPLimits{})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if m.Format != format || !m.Linked || m.Patients != rr.Patients || m.PatientTable != "Patient" || !strings.Contains(m.Scheme, "keyed pseudonym") {
			t.Errorf("%s manifest: %+v", format, m)
		}
		if len(tables) != len(rr.Release.Tables) || len(m.Tables) != len(tables) {
			t.Fatalf("%s: %d tables read, %d released", format, len(tables), len(rr.Release.Tables))
		}
		if !slices.IsSortedFunc(m.Tables, func(a, b anonymize.ManifestTable) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("%s: manifest tables not sorted", format)
		}
		for i, got := range tables {
			want := rr.Release.Table(got.Name)
			mt := m.Tables[i]
			if want == nil || mt.File != got.Name+"."+format || mt.Rows != want.NumRows() {
				t.Fatalf("%s: table %s: manifest %+v", format, got.Name, mt)
			}
			if !slices.Equal(got.Names(), want.Names()) || got.NumRows() != want.NumRows() {
				t.Fatalf("%s: table %s: columns %v rows %d, want %v %d", format, got.Name, got.Names(), got.NumRows(), want.Names(), want.NumRows())
			}
			for j, c := range want.Columns {
				if mc := mt.Columns[j]; mc.Type != c.Type.String() || mc.Role != c.Role.String() || got.Columns[j].Role != c.Role {
					t.Errorf("%s: %s.%s: manifest %+v, read role %v, want %v %v", format, got.Name, c.Name, mc, got.Columns[j].Role, c.Type, c.Role)
				}
			}
			for row := range want.NumRows() {
				if !slices.Equal(got.Row(row), want.Row(row)) {
					t.Fatalf("%s: %s row %d: %q, want %q", format, got.Name, row+1, got.Row(row), want.Row(row))
				}
			}
		}
		obs := m.Tables[slices.IndexFunc(m.Tables, func(mt anonymize.ManifestTable) bool { return mt.Name == "Observation" })]
		if !slices.Contains(obs.CodeSystems, "LOINC") {
			t.Errorf("%s: Observation code systems %v, want LOINC", format, obs.CodeSystems)
		}
	}
}

// zipOf builds a ZIP of the given entries, in order.
func zipOf(t *testing.T, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, e[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A hostile package is refused with a reason: paths, unlisted entries,
// entries that inflate past the limit, duplicated names.
func TestReadReleaseZIP_refusesMaliciousPackages(t *testing.T) {
	manifest := func(file string) string {
		b, _ := json.Marshal(anonymize.ReleaseManifest{Format: "csv", Tables: []anonymize.ManifestTable{{Name: "t", File: file, Rows: 1,
			Columns: []anonymize.ManifestColumn{{Name: "a", Type: "string", Role: "insensitive"}}}}})
		return string(b)
	}
	bomb := strings.Repeat("0", 2<<20)
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"traversal", "not a plain file name", zipOf(t, [2]string{"manifest.json", manifest("t.csv")}, [2]string{"../t.csv", "a\nx\n"})},
		{"subfolder", "not a plain file name", zipOf(t, [2]string{"manifest.json", manifest("t.csv")}, [2]string{"d/t.csv", "a\nx\n"})},
		{"unlisted", "manifest lists 1", zipOf(t, [2]string{"manifest.json", manifest("t.csv")}, [2]string{"t.csv", "a\nx\n"}, [2]string{"x.csv", "a\n"})},
		{"bomb", "allowed", zipOf(t, [2]string{"manifest.json", manifest("t.csv")}, [2]string{"t.csv", "a\n" + bomb})},
		{"duplicate", "twice", zipOf(t, [2]string{"manifest.json", manifest("t.csv")}, [2]string{"t.csv", "a\nx\n"}, [2]string{"t.csv", "a\nx\n"})},
		{"no manifest", "no entry", zipOf(t, [2]string{"t.csv", "a\nx\n"})},
		{"not a zip", "not a ZIP", []byte("a,b\n1,2\n")},
		{"rows differ", "the manifest says", zipOf(t, [2]string{"manifest.json", manifest("t.csv")}, [2]string{"t.csv", "a\nx\ny\n"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := anonymize.ReadReleaseZIP(bytes.NewReader(c.data), int64(len(c.data)), anonymize.ZIPLimits{MaxEntryBytes: 1 << 20})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want one saying %q", err, c.want)
			}
		})
	}
	// The same package within the limits reads.
	ok := zipOf(t, [2]string{"manifest.json", manifest("t.csv")}, [2]string{"t.csv", "a\nx\n"})
	if _, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(ok), int64(len(ok)), anonymize.ZIPLimits{MaxEntryBytes: 1 << 20}); err != nil || tables[0].Row(0)[0] != "x" {
		t.Errorf("a good package: %v", err)
	}
}

// A table name that is not a plain file name is refused when writing.
func TestWriteReleaseZIP_refusesPathTableNames(t *testing.T) {
	tb, err := anonymize.NewTable("../evil", anonymize.NewColumnBuilder("a", anonymize.TypeString).Build())
	if err != nil {
		t.Fatal(err)
	}
	if err := anonymize.WriteReleaseZIP(io.Discard, []*anonymize.Table{tb}, anonymize.ReleaseManifest{Format: "csv"}); err == nil {
		t.Error("a table named ../evil was written")
	}
}

package anonymizetest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
)

// CheckReleaseZIP checks a downloaded release package as a buyer gets it:
// a ZIP whose manifest.json says the tables are linked by patient and
// names exactly tables (in any order), each entry it names present; no
// entry holds any of names (the source patients'). It returns each
// table's file content by table name.
func CheckReleaseZIP(t testing.TB, zipped []byte, tables, names []string) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatalf("the download is not a ZIP (%d bytes): %v", len(zipped), err)
	}
	entries := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		entries[f.Name] = string(b)
	}
	var m struct {
		Linked bool
		Tables []struct{ Name, File string }
	}
	if err := json.Unmarshal([]byte(entries["manifest.json"]), &m); err != nil {
		t.Fatalf("manifest.json: %v\n%s", err, entries["manifest.json"])
	}
	if !m.Linked {
		t.Error("manifest.json: the tables are not linked by patient")
	}
	byTable := map[string]string{}
	var listed []string
	for _, mt := range m.Tables {
		listed = append(listed, mt.Name)
		body, ok := entries[mt.File]
		if !ok {
			t.Errorf("manifest.json names %s, not in the ZIP", mt.File)
		}
		byTable[mt.Name] = body
	}
	slices.Sort(listed)
	if want := slices.Sorted(slices.Values(tables)); !slices.Equal(listed, want) {
		t.Errorf("the ZIP's tables %v, want %v", listed, want)
	}
	for entry, body := range entries {
		for _, n := range names {
			if strings.Contains(body, n) {
				t.Errorf("%s holds the patient's name %s", entry, n)
			}
		}
	}
	return byTable
}

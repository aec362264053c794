package app

import (
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// A dry run returns its first anonymized rows beside the first rows read,
// as many as asked; a preview without a preset has none.
func TestPreviewAnonymization_firstRowsBeforeAndAfter(t *testing.T) {
	var a *App
	ctx := t.Context()
	p, err := a.PreviewAnonymization(ctx, PreviewRequest{Reader: strings.NewReader(previewCSV), Name: "patients.csv", Rows: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.TableRows, []int{6}) {
		t.Errorf("table rows %v, want [6]", p.TableRows)
	}
	if p.OutputRows != nil || p.OutputColumns != nil {
		t.Errorf("a preview without a preset has anonymized rows: %v %v", p.OutputColumns, p.OutputRows)
	}
	p, err = a.PreviewAnonymization(ctx, PreviewRequest{Reader: strings.NewReader(previewCSV), Name: "patients.csv", Preset: "safe-harbor", Rows: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 3 || len(p.OutputRows) != 3 {
		t.Fatalf("rows: %d read, %d anonymized, want 3 and 3", len(p.Rows), len(p.OutputRows))
	}
	if p.Rows[0][1] != "1970-01-02" {
		t.Errorf("first row read: %v", p.Rows[0])
	}
	b := slices.Index(p.OutputColumns, "birthdate")
	if b < 0 {
		t.Fatalf("anonymized columns: %v", p.OutputColumns)
	}
	if got := p.OutputRows[0][b]; got != "1970" {
		t.Errorf("first anonymized birthdate %q, want the year 1970", got)
	}
	for _, row := range p.OutputRows {
		if len(row) != len(p.OutputColumns) {
			t.Errorf("anonymized row %v does not match the columns %v", row, p.OutputColumns)
		}
	}
}

// A k larger than the records is refused before the search, in plain
// words: what k needs, what the file has, what to change.
func TestPreviewAnonymization_kNeedsRecords(t *testing.T) {
	var a *App
	for _, c := range []struct {
		preset  string
		privacy *PrivacyParams
		want    string
	}{
		{PresetCustom, &PrivacyParams{K: 50, Suppression: 2}, "k = 50 needs at least 50 records; this file has 6: lower k to 6 or less, or publish a larger file."},
		{PresetCustom, &PrivacyParams{K: 6, Suppression: 2}, ""},
	} {
		_, err := a.PreviewAnonymization(t.Context(), PreviewRequest{Reader: strings.NewReader(previewCSV), Name: "patients.csv", Preset: c.preset, Privacy: c.privacy})
		if c.want == "" {
			if err != nil && strings.Contains(err.Error(), "needs at least") {
				t.Errorf("k = %d refused on 6 records: %v", c.privacy.K, err)
			}
			continue
		}
		if marketplace.ErrorCode(err) != marketplace.EINVALID || marketplace.ErrorMessage(err) != c.want {
			t.Errorf("k = %d: %v, want EINVALID %q", c.privacy.K, err, c.want)
		}
	}
	one := "id,birthdate\np1,1970-01-02\n"
	_, err := a.PreviewAnonymization(t.Context(), PreviewRequest{Reader: strings.NewReader(one), Name: "me.csv", Preset: "safe-harbor-k5"})
	if want := "k = 5 needs at least 5 records; this file has 1: publish a larger file: k-anonymity needs at least 2 records."; marketplace.ErrorMessage(err) != want {
		t.Errorf("one record, k = 5: %v, want %q", err, want)
	}
}

package frontend

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// A release package's card shows each table with its rows, schema and
// treatments, and the columns not published; a one-file card shows none.
func TestCardTables_showsEveryTable(t *testing.T) {
	card := &marketplace.DatasetCard{Format: "parquet", Package: marketplace.PackageZIP, Tables: []marketplace.CardTable{
		{Name: "Patient", Rows: 2, Columns: []marketplace.CardColumn{{Name: "id", Type: "string", Role: "insensitive"}},
			Treatments: []marketplace.CardTreatment{{Column: "id", Treatment: "pseudonymized (patient key)"}, {Column: "ssn", Treatment: "dropped", Loss: 1}}},
		{Name: "Observation", Rows: 40, Columns: []marketplace.CardColumn{{Name: "effective", Type: "date", Role: "insensitive"}},
			Treatments: []marketplace.CardTreatment{{Column: "effective", Treatment: "coarsened to year (Safe Harbor)", Loss: 0.25}}},
	}}
	var buf bytes.Buffer
	if err := cardTables(card).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`id="card-tables"`, "a ZIP of 2 parquet files", `id="card-table-Observation"`, "40 rows",
		"pseudonymized (patient key)", "coarsened to year (Safe Harbor) (25.0 % lost)", "Not published:", "<code>ssn</code> (dropped)"} {
		if !strings.Contains(html, want) {
			t.Errorf("card tables lack %q:\n%s", want, html)
		}
	}
	buf.Reset()
	if err := cardTables(&marketplace.DatasetCard{Format: "csv"}).Render(context.Background(), &buf); err != nil || buf.Len() != 0 {
		t.Errorf("a one-file card rendered %q, %v", buf.String(), err)
	}
}

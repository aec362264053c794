package anonymize_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// TestReadInput_csvInBatchesEqualsWhole: a CSV file read in small batches
// (as the CLI reads with progress) is the table read whole: the same
// values, types and dictionaries, each value once.
func TestReadInput_csvInBatchesEqualsWhole(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,zip,visit,weight\n")
	for i := range 500 {
		fmt.Fprintf(&b, "p%d,0%04d,2020-01-%02d,%d.%d\n", i%37, 2100+i%13, 1+i%28, 50+i%40, i%10)
	}
	read := func(batch int) *anonymize.Table {
		t.Helper()
		ts, err := anonymize.ReadInput(strings.NewReader(b.String()), anonymize.InputOptions{Name: "visits.csv", BatchRows: batch})
		if err != nil {
			t.Fatal(err)
		}
		return ts[0]
	}
	whole, batched := read(0), read(7)
	if batched.Name != "visits" || batched.NumRows() != 500 {
		t.Fatalf("batched read: %q, %d rows", batched.Name, batched.NumRows())
	}
	for j, c := range whole.Columns {
		bc := batched.Columns[j]
		if c.Name != bc.Name || c.Type != bc.Type || !slices.Equal(c.Values(), bc.Values()) || !slices.Equal(c.Dict, bc.Dict) {
			t.Errorf("column %s: batched read differs (type %v vs %v, %d vs %d distinct)", c.Name, bc.Type, c.Type, len(bc.Dict), len(c.Dict))
		}
	}
}

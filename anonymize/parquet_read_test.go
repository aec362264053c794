package anonymize

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestReadParquet_roundTripsWriteParquet: every value, empty ones too, reads
// back as written; columns come in the file's order (by name).
func TestReadParquet_roundTripsWriteParquet(t *testing.T) {
	in := "name,age,cost,zip,born\nAnn,34,12.5,021**,1990-01-02\nBob,,3,90+,\n,7,0.25,,2001-12-31\n"
	tab, err := ReadCSV(strings.NewReader(in), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteParquet(&buf, tab); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "patients")
	if err != nil {
		t.Fatal(err)
	}
	if got.NumRows() != tab.NumRows() {
		t.Fatalf("rows = %d, want %d", got.NumRows(), tab.NumRows())
	}
	names := tab.Names()
	slices.Sort(names)
	if !slices.Equal(got.Names(), names) {
		t.Fatalf("columns %v, want %v", got.Names(), names)
	}
	for _, c := range tab.Columns {
		if g := got.Column(c.Name); !slices.Equal(g.Values(), c.Values()) {
			t.Errorf("column %s = %q, want %q", c.Name, g.Values(), c.Values())
		}
	}
	if got.Column("age").Type != TypeInteger || got.Column("name").Type != TypeString {
		t.Errorf("types: age %s, name %s", got.Column("age").Type, got.Column("name").Type)
	}
}

func TestReadParquet_refusesNonParquet(t *testing.T) {
	b := []byte("a,b\n1,2\n")
	if _, err := ReadParquet(bytes.NewReader(b), int64(len(b)), "x.parquet"); err == nil {
		t.Fatal("read CSV bytes as Parquet")
	}
}

// TestWriteParquet_keepsNumbersThatWouldNotPrintBack: "0.0" or "007" stay
// text, so the file carries exactly the anonymized values.
func TestWriteParquet_keepsNumbersThatWouldNotPrintBack(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader("cost,code,n\n0.0,007,1\n1.5,12,2\n"), CSVOptions{Types: map[string]Type{"cost": TypeDecimal, "code": TypeInteger}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteParquet(&buf, tab); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "t")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tab.Columns {
		if !slices.Equal(got.Column(c.Name).Values(), c.Values()) {
			t.Errorf("%s = %q, want %q", c.Name, got.Column(c.Name).Values(), c.Values())
		}
	}
	if got.Column("n").Type != TypeInteger || got.Column("cost").Type != TypeString {
		t.Errorf("types: n %s, cost %s", got.Column("n").Type, got.Column("cost").Type)
	}
}

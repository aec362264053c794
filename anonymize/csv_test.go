package anonymize_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

func TestReadCSV_detectsFormat(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		header []string
		rows   [][]string
	}{
		{"comma with header", "name,age\nAnn,34\nBob,51\n", []string{"name", "age"}, [][]string{{"Ann", "34"}, {"Bob", "51"}}},
		{"semicolon", "sex;age;race\nMale;39;White\nFemale;50;Black\n", []string{"sex", "age", "race"}, [][]string{{"Male", "39", "White"}, {"Female", "50", "Black"}}},
		{"tab", "a\tb\n1\t2\n", []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"pipe", "a|b\nx|1\ny|2\n", []string{"a", "b"}, [][]string{{"x", "1"}, {"y", "2"}}},
		{"no header", "Ann,34\nBob,51\n", []string{"column1", "column2"}, [][]string{{"Ann", "34"}, {"Bob", "51"}}},
		{"quoted delimiter and newline", "id,note\n1,\"a, b\"\n2,\"line1\nline2\"\n", []string{"id", "note"}, [][]string{{"1", "a, b"}, {"2", "line1\nline2"}}},
		{"escaped quote", "id,note\n1,\"say \"\"hi\"\"\"\n", []string{"id", "note"}, [][]string{{"1", `say "hi"`}}},
		{"utf-8 BOM", "\ufeffname,city\nZoë,Zürich\n", []string{"name", "city"}, [][]string{{"Zoë", "Zürich"}}},
		{"CRLF", "a,b\r\nx,1\r\n", []string{"a", "b"}, [][]string{{"x", "1"}}},
		{"duplicate header names", "a,a,\n1,2,3\n", []string{"a", "a_2", "column3"}, [][]string{{"1", "2", "3"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb, err := anonymize.ReadCSV(strings.NewReader(c.in), anonymize.CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tb.Names(), c.header) {
				t.Errorf("header %q, want %q", tb.Names(), c.header)
			}
			if tb.NumRows() != len(c.rows) {
				t.Fatalf("%d rows, want %d", tb.NumRows(), len(c.rows))
			}
			for i, r := range c.rows {
				if !slices.Equal(tb.Row(i), r) {
					t.Errorf("row %d %q, want %q", i, tb.Row(i), r)
				}
			}
		})
	}
}

func TestReadCSV_infersTypes(t *testing.T) {
	in := "id,age,cost,born,seen,zip,flag\n1,34,1.5,1990-01-02,2020-01-01T10:00:00Z,02155,true\n2,,20,1980-12-31,2021-05-06T07:08:09Z,10001,false\n"
	tb, err := anonymize.ReadCSV(strings.NewReader(in), anonymize.CSVOptions{Types: map[string]anonymize.Type{"id": anonymize.TypeString}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]anonymize.Type{"id": anonymize.TypeString, "age": anonymize.TypeInteger, "cost": anonymize.TypeDecimal,
		"born": anonymize.TypeDate, "seen": anonymize.TypeDateTime, "zip": anonymize.TypeString, "flag": anonymize.TypeBoolean}
	for name, typ := range want {
		if got := tb.Column(name).Type; got != typ {
			t.Errorf("%s: type %v, want %v", name, got, typ)
		}
	}
}

func TestReadCSV_errorsNameLineAndColumn(t *testing.T) {
	cases := []struct {
		name      string
		in        string
		line, col int
	}{
		{"bare quote", "a,b\n1,2\n3,x\"y\n", 3, 4},
		{"unterminated quote", "a,b\n1,\"2\n", 2, 0},
		{"too many fields", "a,b\n1,2\n3,4,5\n", 3, 0},
		{"too few fields", "a,b,c\n1,2,3\n4,5\n", 3, 0},
		{"empty", "", 1, 0},
		{"not UTF-8", "a,b\n\x81,1\n", 2, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := anonymize.ReadCSV(strings.NewReader(c.in), anonymize.CSVOptions{Name: "in.csv", Delimiter: ','})
			var pe *anonymize.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *ParseError", err)
			}
			if pe.Line != c.line || (c.col != 0 && pe.Column != c.col) {
				t.Errorf("error %q at line %d column %d, want line %d column %d", err, pe.Line, pe.Column, c.line, c.col)
			}
			if !strings.Contains(err.Error(), "in.csv:line") {
				t.Errorf("error %q does not name the source and line", err)
			}
		})
	}
}

func TestCSVReader_streamsBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := range 1000 {
		b.WriteString(string(rune('a'+i%26)) + "," + strings.Repeat("x", i%7) + "\n")
	}
	whole, err := anonymize.ReadCSV(strings.NewReader(b.String()), anonymize.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := anonymize.NewCSVReader(strings.NewReader(b.String()), anonymize.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []*anonymize.Table
	for {
		tb, err := r.Next(128)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if tb.NumRows() > 128 {
			t.Fatalf("batch of %d rows", tb.NumRows())
		}
		parts = append(parts, tb)
	}
	joined, err := anonymize.Concat(parts...)
	if err != nil {
		t.Fatal(err)
	}
	if joined.NumRows() != whole.NumRows() || r.Rows() != 1000 {
		t.Fatalf("%d rows streamed, %d read whole", joined.NumRows(), whole.NumRows())
	}
	for i := range whole.NumRows() {
		if !slices.Equal(joined.Row(i), whole.Row(i)) {
			t.Fatalf("row %d differs", i)
		}
	}
}

func TestWriteCSV_roundTrips(t *testing.T) {
	in := "name,note\nAnn,\"a, \"\"b\"\"\"\nBob,\n"
	tb, err := anonymize.ReadCSV(strings.NewReader(in), anonymize.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := anonymize.WriteCSV(&buf, tb, anonymize.CSVWriteOptions{Delimiter: ';'}); err != nil {
		t.Fatal(err)
	}
	back, err := anonymize.ReadCSV(&buf, anonymize.CSVOptions{Delimiter: ';', Header: anonymize.HeaderPresent})
	if err != nil {
		t.Fatal(err)
	}
	for i := range tb.NumRows() {
		if !slices.Equal(back.Row(i), tb.Row(i)) {
			t.Errorf("row %d: %q, want %q", i, back.Row(i), tb.Row(i))
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("a,b\n1,2\n")
	f.Add("sex;age\nMale;39\n")
	f.Add("\ufeffx\ty\n\"q\"\"\"\t2\n")
	f.Add("a,b\n1,\"2\n")
	f.Add("a,b\n1,2,3\n")
	f.Fuzz(func(t *testing.T, in string) {
		tb, err := anonymize.ReadCSV(strings.NewReader(in), anonymize.CSVOptions{Name: "fuzz"})
		if err != nil {
			var pe *anonymize.ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v (%T) does not name a line", err, err)
			}
			return
		}
		if err := tb.Validate(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := anonymize.WriteCSV(&buf, tb, anonymize.CSVWriteOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

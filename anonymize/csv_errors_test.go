package anonymize_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/medmarket/medmarket/anonymize"
)

// csvRows returns a CSV body of n rows of three fields after a header.
func csvRows(n int) string {
	var b strings.Builder
	b.WriteString("id,name,city\n")
	for i := range n {
		b.WriteString(strconv.Itoa(i) + ",Ann,Paris\n")
	}
	return b.String()
}

func TestReadCSV_badFilesGetAReasonAndAPlace(t *testing.T) {
	late := csvRows(20_000) + "20000,Ren\xe9e,Paris\n" // line 20,002
	cases := []struct {
		name      string
		in        string
		encoding  string
		line, col int
		want      []string // parts of the message
	}{
		{"ragged row, too few", "a,b,c\n1,2,3\n4,5\n", "", 3, 0,
			[]string{"in.csv:line 3: row 2 has 2 fields, the header has 3"}},
		{"ragged row, too many", "a,b\n1,2\n3,4\n5,6,7,8\n", "", 4, 5,
			[]string{"in.csv:line 4, column 5: row 3 has 4 fields, the header has 2"}},
		{"ragged row after a multi-line field", "a,b\n1,\"x\ny\"\n2\n", "", 4, 0,
			[]string{"line 4: row 2 has 1 fields, the header has 2"}},
		{"ragged row without a header", "1,2,3\n4,5\n", "", 2, 0,
			[]string{"line 2: row 2 has 2 fields, the first row has 3"}},
		{"unterminated quote", "a,b,c\n1,2,3\n4,\"five,6\n7,8,9\n10,11,12\n", "", 3, 3,
			[]string{"in.csv:line 3, column 3: the quoted field of row 2 that starts here is never closed"}},
		{"unterminated quote after escaped quotes", "a,b\n1,\"say \"\"hi\"\"\"\n2,x\n3,\"open \"\"q\"\"\n", "", 4, 3,
			[]string{"line 4, column 3: the quoted field of row 3"}},
		{"unterminated quote in the header", "\"a,b\n1,2\n", "", 1, 1,
			[]string{"line 1, column 1: the quoted field of the first line"}},
		{"quote inside a quoted field is not unterminated", "a,b\n1,\"x\"y\n2,\"z\n", "", 2, 5,
			[]string{"line 2, column 5"}},
		{"declared UTF-8, Latin-1 byte early", "name,city\nRen\xe9e,Paris\n", "utf-8", 2, 0,
			[]string{"in.csv:line 2: not UTF-8 at byte 13 (looks like Latin-1: convert it or choose the encoding)"}},
		{"Latin-1 byte after line 20,000", late, "", 20_002, 0,
			[]string{"in.csv:line 20002: not UTF-8 at byte " + groupDigits(strings.Index(late, "\xe9")) + " (looks like Latin-1: convert it or choose the encoding)"}},
		{"UTF-8 then a stray byte", "name\nZoë\nZo\xebe\n", "", 3, 0,
			[]string{"line 3: not UTF-8 at byte 12 (looks like Latin-1"}},
		{"truncated rune at the end", "name\nZo\xc3", "", 2, 0,
			[]string{"line 2: not UTF-8 at byte 7 ("}},
		{"byte undefined in Windows-1252", "name\nx\x81y\n", "", 2, 0,
			[]string{"not UTF-8 at byte 6 (convert it to UTF-8 or choose the encoding)"}},
		{"UTF-16 without a BOM, declared UTF-8", "n\x00a\x00m\x00e\x00\n\x00\xe9\x00\n\x00", "utf-8", 2, 0,
			[]string{"looks like UTF-16 without a byte-order mark"}},
		{"unknown encoding", "a\n1\n", "ebcdic", 0, 0,
			[]string{`encoding "ebcdic" unknown (want utf-8, latin1 or utf-16)`}},
	}
	for _, c := range cases {
		// whole, and one byte per read so that every quote and rune is
		// split across reads
		for _, split := range []bool{false, true} {
			t.Run(c.name+map[bool]string{true: ", one byte per read"}[split], func(t *testing.T) {
				var in io.Reader = strings.NewReader(c.in)
				if split {
					in = oneByteReader{in}
				}
				_, err := anonymize.ReadCSV(in, anonymize.CSVOptions{Name: "in.csv", Delimiter: ',', Encoding: c.encoding})
				checkParseError(t, err, c.line, c.col, c.want)
			})
		}
	}
}

func checkParseError(t *testing.T, err error, line, col int, want []string) {
	t.Helper()
	var pe *anonymize.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, anonymize.ErrInvalid) {
		t.Fatalf("error %v, want a *ParseError matching ErrInvalid", err)
	}
	if pe.Line != line || pe.Column != col {
		t.Errorf("error %q at line %d column %d, want line %d column %d", err, pe.Line, pe.Column, line, col)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q, want it to say %q", err, w)
		}
	}
}

// groupDigits is the test's own rendering of an offset: 4096 -> 4,096.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestReadCSV_encodingErrorNamesOffsetAndLine(t *testing.T) {
	in := "\ufeff" + csvRows(300) + "x,\xfcber,y\n"
	_, err := anonymize.ReadCSV(strings.NewReader(in), anonymize.CSVOptions{Name: "in.csv"})
	var ee *anonymize.EncodingError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v, want an *EncodingError", err)
	}
	if want := int64(strings.Index(in, "\xfc")); ee.Offset != want || ee.Line != 302 {
		t.Errorf("offset %d line %d, want %d and 302 (the BOM counts in the offset)", ee.Offset, ee.Line, want)
	}
	if !strings.Contains(err.Error(), "in.csv:line 302: not UTF-8 at byte "+groupDigits(int(ee.Offset))+" (looks like Latin-1") || ee.Offset < 1000 {
		t.Errorf("error %q does not group the offset's digits", err)
	}
}

func TestReadCSV_readsLatin1AndUTF16(t *testing.T) {
	want := [][]string{{"name", "city", "note"}, {"Renée", "Zürich", "5 € – “ok”"}, {"Ÿves", "Orléans", "naïve"}}
	var text strings.Builder
	for _, r := range want {
		text.WriteString(strings.Join(r, ",") + "\r\n")
	}
	latin1 := []byte(strings.NewReplacer("é", "\xe9", "ü", "\xfc", "€", "\x80", "–", "\x96", "“", "\x93", "”", "\x94",
		"Ÿ", "\x9f", "ï", "\xef").Replace(text.String()))
	utf16le, utf16be := []byte{0xFF, 0xFE}, []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(text.String() + "𝄞,x,y\n")) {
		utf16le = append(utf16le, byte(u), byte(u>>8))
		utf16be = append(utf16be, byte(u>>8), byte(u))
	}
	withClef := append(slices.Clone(want), []string{"𝄞", "x", "y"})
	cases := []struct {
		name, encoding, read string
		in                   []byte
		want                 [][]string
	}{
		{"Latin-1 declared", "latin1", "latin1", latin1, want},
		{"Windows-1252 declared", "windows-1252", "latin1", latin1, want},
		{"Latin-1 detected", "", "latin1", latin1, want},
		{"UTF-16LE with BOM", "", "utf-16le", utf16le, withClef},
		{"UTF-16BE with BOM", "", "utf-16be", utf16be, withClef},
		{"UTF-16 BOM wins over a declared UTF-8", "utf-8", "utf-16le", utf16le, withClef},
		{"UTF-16 declared without a BOM is little-endian", "utf-16", "utf-16le", utf16le[2:], withClef},
		{"UTF-8 stays UTF-8", "", "utf-8", []byte(text.String()), want},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// a reader that returns one byte at a time splits every rune
			r, err := anonymize.NewCSVReader(io.MultiReader(oneByteReader{bytes.NewReader(c.in)}), anonymize.CSVOptions{Name: "in.csv", Encoding: c.encoding})
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding() != c.read {
				t.Errorf("read as %q, want %q", r.Encoding(), c.read)
			}
			tb, err := r.Next(0)
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			if !slices.Equal(tb.Names(), c.want[0]) {
				t.Errorf("header %q, want %q", tb.Names(), c.want[0])
			}
			if tb.NumRows() != len(c.want)-1 {
				t.Fatalf("%d rows, want %d", tb.NumRows(), len(c.want)-1)
			}
			for i, w := range c.want[1:] {
				if !slices.Equal(tb.Row(i), w) {
					t.Errorf("row %d %q, want %q", i+1, tb.Row(i), w)
				}
			}
		})
	}
}

// oneByteReader returns at most one byte per Read.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1)]) }

// bigCSV generates rows of a CSV file on demand, never holding it.
type bigCSV struct {
	rows, next int
	buf        []byte
}

func (g *bigCSV) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.next > g.rows {
			return 0, io.EOF
		}
		if g.next == 0 {
			g.buf = []byte("id,name,city,note\n")
		} else {
			g.buf = strconv.AppendInt(g.buf, int64(g.next), 10)
			g.buf = append(g.buf, ",Zoë,\"Zürich, CH\",\"said \"\"fine\"\"\"\n"...)
		}
		g.next++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

func TestCSVReader_streamsWithBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 1,000,000 rows")
	}
	const rows = 1_000_000 // about 45 MB of text
	r, err := anonymize.NewCSVReader(&bigCSV{rows: rows}, anonymize.CSVOptions{Name: "big.csv"})
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	peak := uint64(0)
	for {
		tb, err := r.Next(10_000)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if tb.NumRows() != 10_000 {
			t.Fatalf("batch of %d rows", tb.NumRows())
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	if r.Rows() != rows {
		t.Fatalf("%d rows, want %d", r.Rows(), rows)
	}
	if peak > 16<<20 {
		t.Errorf("heap in use reached %d MiB streaming a 45 MB file in batches", peak>>20)
	}
	t.Logf("peak heap in use %.1f MiB", float64(peak)/(1<<20))
}

func TestReadInput_passesTheEncoding(t *testing.T) {
	// "Ã©" is a valid UTF-8 sequence as Latin-1 bytes, so this file is not
	// detected as Latin-1: undeclared it is refused, declared it reads.
	in := "name,note\nRen\xe9e,\xc3\xa9t\xe9\n"
	_, err := anonymize.ReadInput(strings.NewReader(in), anonymize.InputOptions{Name: "notes.csv"})
	if want := "notes.csv is not a readable CSV file: notes.csv:line 2: not UTF-8 at byte 13 (looks like Latin-1: convert it or choose the encoding)"; err == nil || err.Error() != want {
		t.Errorf("undeclared: error %v, want %q", err, want)
	}
	tables, err := anonymize.ReadInput(strings.NewReader(in), anonymize.InputOptions{Name: "notes.csv", Encoding: "latin1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tables[0].Row(0); !slices.Equal(got, []string{"Renée", "Ã©té"}) {
		t.Errorf("declared latin1: row %q", got)
	}
}

func TestReadInput_readsUTF16WithBOM(t *testing.T) {
	in := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune("name,city\nRenée,Zürich\n")) {
		in = append(in, byte(u), byte(u>>8))
	}
	tables, err := anonymize.ReadInput(bytes.NewReader(in), anonymize.InputOptions{Name: "export.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tables[0].Row(0); !slices.Equal(got, []string{"Renée", "Zürich"}) || !slices.Equal(tables[0].Names(), []string{"name", "city"}) {
		t.Errorf("columns %q, row %q", tables[0].Names(), got)
	}
}

package anonymize

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HeaderMode says whether the first CSV record names the columns.
type HeaderMode uint8

const (
	HeaderAuto    HeaderMode = iota // guess from the first records
	HeaderPresent                   // the first record is a header
	HeaderAbsent                    // every record is data; columns are named column1, column2, ...
)

// CSVOptions configures ReadCSV and NewCSVReader. The zero value detects the
// delimiter and the header.
type CSVOptions struct {
	Name      string     // table name and the source named in errors
	Delimiter rune       // 0: detect among , ; tab |
	Header    HeaderMode // HeaderAuto: detect
	// Types overrides the inferred type of the named columns.
	Types map[string]Type
	// Encoding of the file: "" detects it, else "utf-8", "latin1"
	// (Windows-1252) or "utf-16" (see csv_encoding.go; a byte-order mark
	// wins over it).
	Encoding string
}

// sniffSize is how much of the input delimiter and header detection look at.
const sniffSize = 64 << 10

// CSVReader streams a CSV file as tables of at most n rows each (Next), so a
// large file never has to be held as records. The dictionaries of each batch
// are independent.
type CSVReader struct {
	opt       CSVOptions
	src       *textSource
	r         *csv.Reader
	header    []string
	first     []string // a data record read during header detection, not yet returned
	firstLine int      // the line first starts on
	named     bool     // the first record is a header
	types     []Type   // nil until inferred from the first batch
	rows      int
}

// NewCSVReader detects the format and reads the header, if any.
func NewCSVReader(r io.Reader, opt CSVOptions) (*CSVReader, error) {
	src, err := openText(r, opt)
	if err != nil {
		return nil, err
	}
	c := &CSVReader{opt: opt, src: src}
	br := bufio.NewReaderSize(src, sniffSize)
	sample, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, c.wrap(err)
	}
	if opt.Delimiter == 0 {
		opt.Delimiter = sniffDelimiter(sample)
		c.opt.Delimiter = opt.Delimiter
	}
	cr := csv.NewReader(br)
	cr.Comma = opt.Delimiter
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // Next names the row and both counts
	c.r = cr

	first, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ParseError{Source: opt.Name, Line: 1, Err: errors.New("empty input: no header and no rows")}
	}
	if err != nil {
		return nil, c.wrap(err)
	}
	c.firstLine, _ = cr.FieldPos(0)
	first = cloneStrings(first)
	header := opt.Header
	if header == HeaderAuto {
		header = HeaderAbsent
		if looksLikeHeader(first, sampleRecords(sample, opt.Delimiter, 50)) {
			header = HeaderPresent
		}
	}
	if header == HeaderPresent {
		c.named = true
		c.header = uniqueNames(first)
	} else {
		c.header = make([]string, len(first))
		for i := range first {
			c.header[i] = "column" + strconv.Itoa(i+1)
		}
		c.first = first
	}
	return c, nil
}

// Encoding returns the encoding the file is read with: "utf-8", "latin1",
// "utf-16le" or "utf-16be" (declared, or detected as csv_encoding.go says).
func (c *CSVReader) Encoding() string { return c.src.encoding }

// Rows returns the number of data rows read so far.
func (c *CSVReader) Rows() int { return c.rows }

// Next returns the next batch of at most n rows (n <= 0: all remaining rows)
// and io.EOF after the last one. Column types are inferred from the first
// batch and kept for later ones.
func (c *CSVReader) Next(n int) (*Table, error) {
	bs := make([]*ColumnBuilder, len(c.header))
	for j, h := range c.header {
		bs[j] = NewColumnBuilder(h, TypeString)
	}
	count := 0
	add := func(rec []string) error {
		if len(rec) != len(c.header) {
			return c.ragged(rec)
		}
		for j, v := range rec {
			bs[j].Append(v)
		}
		count++
		c.rows++
		return nil
	}
	if c.first != nil {
		if err := add(c.first); err != nil {
			return nil, err
		}
		c.first = nil
	}
	for n <= 0 || count < n {
		rec, err := c.r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, c.wrap(err)
		}
		if err := add(rec); err != nil {
			return nil, err
		}
	}
	if count == 0 && c.rows > 0 {
		return nil, io.EOF
	}
	cols := make([]*Column, len(bs))
	for j, b := range bs {
		cols[j] = b.Build()
	}
	if c.types == nil {
		c.types = make([]Type, len(cols))
		for j, col := range cols {
			c.types[j] = InferType(col.Dict)
			if t, ok := c.opt.Types[col.Name]; ok {
				c.types[j] = t
			}
		}
	}
	for j, col := range cols {
		col.Type = c.types[j]
	}
	t := &Table{Name: c.opt.Name, Columns: cols}
	if count == 0 {
		return t, io.EOF
	}
	return t, nil
}

// ragged reports a record whose number of fields is not the header's,
// naming its data row, its line and, when it has too many, the column the
// first extra field starts at.
func (c *CSVReader) ragged(rec []string) error {
	line, col := c.firstLine, 0
	if c.first == nil {
		line, _ = c.r.FieldPos(0)
		if len(rec) > len(c.header) {
			line, col = c.r.FieldPos(len(c.header))
		}
	}
	than := "the header has"
	if !c.named {
		than = "the first row has"
	}
	return &ParseError{Source: c.opt.Name, Line: line, Column: col,
		Err: fmt.Errorf("row %d has %d fields, %s %d", c.rows+1, len(rec), than, len(c.header))}
}

// wrap turns an error of the CSV parser or of the text under it into a
// *ParseError that names where the fault is.
func (c *CSVReader) wrap(err error) error {
	var ee *EncodingError
	if errors.As(err, &ee) {
		return &ParseError{Source: c.opt.Name, Line: ee.Line, Err: ee}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrQuote) {
			if line, col, ok := c.src.unterminated(pe.StartLine, pe.Line, pe.Column); ok {
				what := fmt.Sprintf("the quoted field of row %d", c.rows+1)
				if c.header == nil && c.opt.Header != HeaderAbsent {
					what = "the quoted field of the first line"
				}
				return &ParseError{Source: c.opt.Name, Line: line, Column: col,
					Err: fmt.Errorf("%s that starts here is never closed (a closing \" is missing)", what)}
			}
		}
		return &ParseError{Source: c.opt.Name, Line: pe.Line, Column: pe.Column, Err: pe.Err}
	}
	return &ParseError{Source: c.opt.Name, Err: err}
}

// ReadCSV reads a whole CSV stream into one table, detecting delimiter,
// header and column types unless opt fixes them. Errors are *ParseError
// values naming the line and column.
func ReadCSV(r io.Reader, opt CSVOptions) (*Table, error) {
	cr, err := NewCSVReader(r, opt)
	if err != nil {
		return nil, err
	}
	t, err := cr.Next(0)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return t, err
}

// sniffDelimiter picks the candidate that splits the sample's lines into the
// same number (> 1) of fields most consistently.
func sniffDelimiter(sample []byte) rune {
	best, bestScore := ',', -1.0
	for _, d := range []rune{',', ';', '\t', '|'} {
		recs := sampleRecords(sample, d, 100)
		if len(recs) == 0 {
			continue
		}
		n := len(recs[0])
		if n < 2 {
			continue
		}
		same := 0
		for _, r := range recs {
			if len(r) == n {
				same++
			}
		}
		score := float64(same)/float64(len(recs)) + float64(n)/1000
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// sampleRecords parses up to max complete records from the sample, ignoring
// errors (the real read reports them with positions).
func sampleRecords(sample []byte, delim rune, max int) [][]string {
	if i := bytes.LastIndexByte(sample, '\n'); i >= 0 && len(sample) == sniffSize {
		sample = sample[:i+1]
	}
	cr := csv.NewReader(bytes.NewReader(sample))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out [][]string
	for len(out) < max {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		out = append(out, rec)
	}
	return out
}

// looksLikeHeader guesses whether first names columns: none of its fields
// is a number or date, and either some column below holds only numbers or
// dates under a label, or none of the labels recurs in its column.
func looksLikeHeader(first []string, recs [][]string) bool {
	labels := 0
	for _, f := range first {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if valueKind(f) != TypeString {
			return false
		}
		labels++
	}
	if labels == 0 {
		return false
	}
	if len(recs) <= 1 {
		return true
	}
	recur := false
	for j, f := range first {
		allTyped, any := true, false
		for _, r := range recs[1:] {
			if j >= len(r) || r[j] == "" {
				continue
			}
			any = true
			if valueKind(r[j]) == TypeString {
				allTyped = false
			}
			if f != "" && r[j] == f {
				recur = true
			}
		}
		if any && allTyped && f != "" {
			return true
		}
	}
	return !recur
}

func uniqueNames(rec []string) []string {
	out := make([]string, len(rec))
	seen := make(map[string]int)
	for i, f := range rec {
		f = strings.TrimSpace(f)
		if f == "" {
			f = "column" + strconv.Itoa(i+1)
		}
		if n := seen[f]; n > 0 {
			seen[f]++
			f = fmt.Sprintf("%s_%d", f, n+1)
		} else {
			seen[f] = 1
		}
		out[i] = f
	}
	return out
}

func cloneStrings(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.Clone(v)
	}
	return out
}

func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

// CSVWriteOptions configures WriteCSV.
type CSVWriteOptions struct {
	Delimiter rune // 0: comma
	NoHeader  bool
}

// WriteCSV writes t as CSV with a header row.
func WriteCSV(w io.Writer, t *Table, opt CSVWriteOptions) error {
	cw := csv.NewWriter(w)
	if opt.Delimiter != 0 {
		cw.Comma = opt.Delimiter
	}
	if !opt.NoHeader {
		if err := cw.Write(t.Names()); err != nil {
			return err
		}
	}
	rec := make([]string, len(t.Columns))
	for i := range t.NumRows() {
		for j, c := range t.Columns {
			rec[j] = c.Dict[c.Codes[i]]
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

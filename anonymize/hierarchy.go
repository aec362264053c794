package anonymize

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Hierarchy is a generalization hierarchy in ARX's shape: one row per
// original value, holding the value (level 0) and its generalizations up to
// the coarsest (usually "*"). Every row has Height values.
type Hierarchy struct {
	rows   [][]string
	index  map[string]int32
	height int
}

// NewHierarchy returns a hierarchy of the given rows, each an original value
// followed by its generalizations, coarsest last.
func NewHierarchy(rows [][]string) (*Hierarchy, error) {
	h := &Hierarchy{index: make(map[string]int32, len(rows))}
	for i, r := range rows {
		if len(r) == 0 {
			continue
		}
		if h.height == 0 {
			h.height = len(r)
		}
		if len(r) != h.height {
			return nil, &ParseError{Line: i + 1, Err: fmt.Errorf("hierarchy row for %q has %d levels, first row has %d", r[0], len(r), h.height)}
		}
		if _, dup := h.index[r[0]]; dup {
			return nil, &ParseError{Line: i + 1, Err: fmt.Errorf("hierarchy lists value %q twice", r[0])}
		}
		h.index[r[0]] = int32(len(h.rows))
		h.rows = append(h.rows, r)
	}
	if len(h.rows) == 0 {
		return nil, invalidf("hierarchy has no rows")
	}
	return h, nil
}

// ReadHierarchy reads an ARX hierarchy CSV as ARX writes it: ';'-separated,
// no header, each row an original value followed by its generalizations,
// coarsest last. (A file without any ';' but with ',' is read with ',').
func ReadHierarchy(r io.Reader) (*Hierarchy, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = ';'
	if !bytes.ContainsRune(data, ';') && bytes.ContainsRune(data, ',') {
		cr.Comma = ','
	}
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ParseError{Line: pe.Line, Column: pe.Column, Err: pe.Err}
			}
			return nil, err
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		rows = append(rows, rec)
	}
	return NewHierarchy(rows)
}

// Height returns the number of levels, counting the original values as level 0.
func (h *Hierarchy) Height() int { return h.height }

// Len returns the number of original values the hierarchy lists.
func (h *Hierarchy) Len() int { return len(h.rows) }

// Rows returns the hierarchy's rows; callers must not modify them.
func (h *Hierarchy) Rows() [][]string { return h.rows }

// Generalize returns v's generalization at the level, and false when v is
// not in the hierarchy or the level is out of range.
func (h *Hierarchy) Generalize(v string, level int) (string, bool) {
	i, ok := h.index[v]
	if !ok || level < 0 || level >= h.height {
		return "", false
	}
	return h.rows[i][level], true
}

// Contains reports whether v is an original value of the hierarchy.
func (h *Hierarchy) Contains(v string) bool {
	_, ok := h.index[v]
	return ok
}

// Restrict returns the hierarchy limited to the given original values (the
// domain of a column), so that counts of leaves under a generalized value
// refer to the data. It fails naming the first value the hierarchy lacks.
func (h *Hierarchy) Restrict(values []string) (*Hierarchy, error) {
	rows := make([][]string, 0, len(values))
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if seen[v] {
			continue
		}
		seen[v] = true
		i, ok := h.index[v]
		if !ok {
			return nil, invalidf("hierarchy has no row for value %q", v)
		}
		rows = append(rows, h.rows[i])
	}
	if len(rows) == 0 {
		return h, nil
	}
	return NewHierarchy(rows)
}

// leafCounts returns, for each level, the number of original values under
// each generalized value.
func (h *Hierarchy) leafCounts() []map[string]int {
	out := make([]map[string]int, h.height)
	for l := range out {
		out[l] = make(map[string]int)
		for _, r := range h.rows {
			out[l][r[l]]++
		}
	}
	return out
}

// Automatic hierarchies. Each is materialized over the distinct values of a
// column (its dictionary), so it behaves exactly like one read from a file.

// IntervalHierarchy generalizes numbers into intervals: level 1 groups
// values into intervals of width, each further level multiplies the width by
// factor (>= 2) until one interval covers all values; the top level is "*".
// Integer intervals are written "20-24" (inclusive, as ARX does); decimal
// ones "[20.5,25.5)". Empty or non-numeric values generalize to themselves
// below the top level.
func IntervalHierarchy(values []string, width float64, factor int) (*Hierarchy, error) {
	if width <= 0 || math.IsNaN(width) || math.IsInf(width, 0) {
		return nil, invalidf("interval width must be positive, got %v", width)
	}
	if factor < 2 {
		factor = 2
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	ints := true
	for _, v := range values {
		f, ok := parseNumber(v)
		if !ok {
			continue
		}
		lo, hi = min(lo, f), max(hi, f)
		if f != math.Trunc(f) {
			ints = false
		}
	}
	if ints && width != math.Trunc(width) {
		ints = false
	}
	var widths []float64
	if !math.IsInf(lo, 1) {
		for w := width; ; w *= float64(factor) {
			widths = append(widths, w)
			if math.Floor(lo/w) == math.Floor(hi/w) || len(widths) > 40 {
				break
			}
		}
	}
	rows := make([][]string, 0, len(values))
	for _, v := range uniqueStrings(values) {
		r := make([]string, 0, len(widths)+2)
		r = append(r, v)
		f, ok := parseNumber(v)
		for _, w := range widths {
			if !ok {
				r = append(r, v)
				continue
			}
			start := math.Floor(f/w) * w
			if ints {
				r = append(r, strconv.FormatFloat(start, 'f', -1, 64)+"-"+strconv.FormatFloat(start+w-1, 'f', -1, 64))
			} else {
				r = append(r, "["+strconv.FormatFloat(start, 'g', -1, 64)+","+strconv.FormatFloat(start+w, 'g', -1, 64)+")")
			}
		}
		r = append(r, "*")
		rows = append(rows, r)
	}
	return NewHierarchy(rows)
}

// DateHierarchy generalizes dates and timestamps to month ("2006-01"), year
// ("2006"), decade ("2000-2009") and "*". Values that are not dates keep
// their value below the top level.
func DateHierarchy(values []string) (*Hierarchy, error) {
	rows := make([][]string, 0, len(values))
	for _, v := range uniqueStrings(values) {
		t, ok := parseDate(v)
		if !ok {
			rows = append(rows, []string{v, v, v, v, "*"})
			continue
		}
		y := t.Year()
		d := y - ((y%10)+10)%10
		rows = append(rows, []string{v, t.Format("2006-01"), strconv.Itoa(y), fmt.Sprintf("%d-%d", d, d+9), "*"})
	}
	return NewHierarchy(rows)
}

// ZIPHierarchy masks the last digits of postal codes one level at a time
// ("02155", "0215*", "021**", ...) up to "*". Codes shorter than the longest
// are padded with their own value.
func ZIPHierarchy(values []string) (*Hierarchy, error) {
	uniq := uniqueStrings(values)
	n := 0
	for _, v := range uniq {
		n = max(n, len(v))
	}
	rows := make([][]string, 0, len(uniq))
	for _, v := range uniq {
		r := []string{v}
		for l := 1; l < n; l++ {
			if l >= len(v) {
				r = append(r, strings.Repeat("*", len(v)))
				continue
			}
			r = append(r, v[:len(v)-l]+strings.Repeat("*", l))
		}
		r = append(r, "*")
		rows = append(rows, r)
	}
	return NewHierarchy(rows)
}

// FlatHierarchy generalizes every value directly to "*".
func FlatHierarchy(values []string) (*Hierarchy, error) {
	uniq := uniqueStrings(values)
	rows := make([][]string, len(uniq))
	for i, v := range uniq {
		rows[i] = []string{v, "*"}
	}
	return NewHierarchy(rows)
}

// AutoHierarchy picks an automatic hierarchy for a column of the given type
// and distinct values: intervals for numbers (width chosen so that level 1
// has about 20 intervals), calendar levels for dates, digit masking for
// ZIP-like codes, and a flat one otherwise.
func AutoHierarchy(name string, typ Type, values []string) (*Hierarchy, error) {
	switch {
	case typ.Numeric():
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range values {
			if f, ok := parseNumber(v); ok {
				lo, hi = min(lo, f), max(hi, f)
			}
		}
		w := niceWidth((hi - lo) / 20)
		return IntervalHierarchy(values, w, 2)
	case typ == TypeDate || typ == TypeDateTime:
		return DateHierarchy(values)
	case looksLikeZIPColumn(name, values):
		return ZIPHierarchy(values)
	}
	return FlatHierarchy(values)
}

// niceWidth rounds w up to 1, 2 or 5 times a power of ten.
func niceWidth(w float64) float64 {
	if !(w > 0) || math.IsInf(w, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(w)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= w {
			return m * p
		}
	}
	return 10 * p
}

func looksLikeZIPColumn(name string, values []string) bool {
	if !nameMatches(name, zipNames) {
		return false
	}
	for _, v := range values {
		if v != "" && !zipRe.MatchString(v) {
			return false
		}
	}
	return true
}

func uniqueStrings(values []string) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// dateYear returns the year of a date value.
func dateYear(v string) (int, bool) {
	t, ok := parseDate(v)
	if !ok {
		return 0, false
	}
	return t.Year(), true
}

package anonymize

import (
	"slices"
	"strings"
)

// Table is a set of equally long columns: one dataset, or one batch of rows
// of a dataset (see Slice and Concat). Tables are treated as immutable:
// transforms return new tables that may share columns with their input.
type Table struct {
	// Name says what the rows are, such as "patients" or "Observation".
	Name    string
	Columns []*Column
	// Suppressed counts rows that transforms removed from this table on the
	// way here (record suppression); the report counts them.
	Suppressed int
}

// NewTable returns a table of the given columns, which must be equally long.
func NewTable(name string, cols ...*Column) (*Table, error) {
	t := &Table{Name: name, Columns: cols}
	return t, t.Validate()
}

// Validate checks that the columns are equally long, uniquely named and that
// every code points into its dictionary.
func (t *Table) Validate() error {
	seen := make(map[string]bool, len(t.Columns))
	for i, c := range t.Columns {
		if c == nil {
			return invalidf("table %q: column %d is nil", t.Name, i)
		}
		if seen[c.Name] {
			return invalidf("table %q: duplicate column %q", t.Name, c.Name)
		}
		seen[c.Name] = true
		if c.Len() != t.Columns[0].Len() {
			return invalidf("table %q: column %q has %d rows, column %q has %d",
				t.Name, c.Name, c.Len(), t.Columns[0].Name, t.Columns[0].Len())
		}
		n := uint32(len(c.Dict))
		for r, code := range c.Codes {
			if code >= n {
				return invalidf("table %q: column %q row %d: code %d outside dictionary of %d", t.Name, c.Name, r, code, n)
			}
		}
	}
	return nil
}

// NumRows returns the number of rows.
func (t *Table) NumRows() int {
	if len(t.Columns) == 0 {
		return 0
	}
	return t.Columns[0].Len()
}

// Index returns the position of the named column, or -1.
func (t *Table) Index(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Column returns the named column (exact name first, then case-insensitive), or nil.
func (t *Table) Column(name string) *Column {
	if i := t.Index(name); i >= 0 {
		return t.Columns[i]
	}
	return nil
}

// Names returns the column names in order.
func (t *Table) Names() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// ByRole returns the columns with the given role, in table order.
func (t *Table) ByRole(r Role) []*Column {
	var out []*Column
	for _, c := range t.Columns {
		if c.Role == r {
			out = append(out, c)
		}
	}
	return out
}

// Row returns row i's values (allocates; meant for tests and writers of small tables).
func (t *Table) Row(i int) []string {
	out := make([]string, len(t.Columns))
	for j, c := range t.Columns {
		out[j] = c.Value(i)
	}
	return out
}

// WithColumns returns a shallow copy of t with other columns.
func (t *Table) WithColumns(cols []*Column) *Table {
	n := *t
	n.Columns = cols
	return &n
}

// Replace returns a copy of t with column i replaced.
func (t *Table) Replace(i int, c *Column) *Table {
	cols := slices.Clone(t.Columns)
	cols[i] = c
	return t.WithColumns(cols)
}

// Drop returns t without the named columns.
func (t *Table) Drop(names ...string) *Table {
	cols := make([]*Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if !slices.Contains(names, c.Name) {
			cols = append(cols, c)
		}
	}
	return t.WithColumns(cols)
}

// Slice returns rows [lo, hi) as a table that shares dictionaries with t;
// call Compact on it before sending it anywhere as a batch.
func (t *Table) Slice(lo, hi int) *Table {
	cols := make([]*Column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c.withData(c.Dict, c.Codes[lo:hi:hi])
	}
	n := t.WithColumns(cols)
	n.Suppressed = 0
	return n
}

// Compact returns t with every column's dictionary reduced to the values
// its rows use.
func (t *Table) Compact() *Table {
	cols := make([]*Column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c.Compact()
	}
	return t.WithColumns(cols)
}

// Batches splits t into consecutive compacted batches of at most size rows,
// the unit a streaming plugin protocol sends; Concat puts them together again.
func (t *Table) Batches(size int) []*Table {
	if size <= 0 {
		size = 1 << 16
	}
	n := t.NumRows()
	var out []*Table
	for lo := 0; lo < n || (n == 0 && lo == 0); lo += size {
		out = append(out, t.Slice(lo, min(lo+size, n)).Compact())
		if n == 0 {
			break
		}
	}
	return out
}

// Filter returns the rows for which keep is true.
func (t *Table) Filter(keep []bool) *Table {
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	cols := make([]*Column, len(t.Columns))
	for j, c := range t.Columns {
		codes := make([]uint32, 0, n)
		for i, code := range c.Codes {
			if keep[i] {
				codes = append(codes, code)
			}
		}
		cols[j] = c.withData(c.Dict, codes)
	}
	return t.WithColumns(cols)
}

// Concat appends tables with the same column names (in the same order) into
// one; dictionaries are merged. Metadata (types, roles, hierarchies) comes
// from the first table, Suppressed is summed.
func Concat(tables ...*Table) (*Table, error) {
	if len(tables) == 0 {
		return &Table{}, nil
	}
	first := tables[0]
	if len(tables) == 1 {
		return first, nil
	}
	total, suppressed := 0, 0
	for _, t := range tables {
		if len(t.Columns) != len(first.Columns) {
			return nil, invalidf("concat: table has %d columns, want %d", len(t.Columns), len(first.Columns))
		}
		for j, c := range t.Columns {
			if c.Name != first.Columns[j].Name {
				return nil, invalidf("concat: column %d is %q, want %q", j, c.Name, first.Columns[j].Name)
			}
		}
		total += t.NumRows()
		suppressed += t.Suppressed
	}
	cols := make([]*Column, len(first.Columns))
	for j, fc := range first.Columns {
		index := make(map[string]uint32)
		var dict []string
		codes := make([]uint32, 0, total)
		for _, t := range tables {
			c := t.Columns[j]
			remap := make([]uint32, len(c.Dict))
			for i, v := range c.Dict {
				code, ok := index[v]
				if !ok {
					code = uint32(len(dict))
					index[v] = code
					dict = append(dict, v)
				}
				remap[i] = code
			}
			for _, code := range c.Codes {
				codes = append(codes, remap[code])
			}
		}
		cols[j] = fc.withData(dict, codes)
	}
	out := first.WithColumns(cols)
	out.Suppressed = suppressed
	return out, nil
}

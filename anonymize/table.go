package anonymize

import (
	"fmt"
	"slices"
	"strings"
)

// Type is the kind of value a column holds. Values are always stored as
// strings; the type says how transforms and metrics read them (a date can be
// shifted, an integer can be put into intervals).
type Type uint8

const (
	TypeString   Type = iota // free text or a code
	TypeInteger              // whole numbers, such as an age
	TypeDecimal              // numbers with a fraction, such as a cost or a latitude
	TypeDate                 // a calendar date, YYYY-MM-DD
	TypeDateTime             // an instant, RFC 3339
	TypeBoolean              // true or false
)

var typeNames = [...]string{"string", "integer", "decimal", "date", "datetime", "boolean"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// MarshalText writes the type's name, so configs and reports read "date".
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a type name.
func (t *Type) UnmarshalText(b []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	for i, n := range typeNames {
		if s == n {
			*t = Type(i)
			return nil
		}
	}
	switch s {
	case "int", "number":
		*t = TypeInteger
	case "float", "double", "numeric":
		*t = TypeDecimal
	case "timestamp", "date-time":
		*t = TypeDateTime
	case "bool":
		*t = TypeBoolean
	case "", "text", "str":
		*t = TypeString
	default:
		return invalidf("unknown column type %q (want one of %s)", s, strings.Join(typeNames[:], ", "))
	}
	return nil
}

// Numeric reports whether values of the type are numbers.
func (t Type) Numeric() bool { return t == TypeInteger || t == TypeDecimal }

// Role is what a column means for re-identification; it decides what the
// engine does with it.
type Role uint8

const (
	// RoleInsensitive columns are published as they are.
	RoleInsensitive Role = iota
	// RoleDirect columns identify a person on their own (name, SSN, e-mail);
	// they must be removed or pseudonymized before publication.
	RoleDirect
	// RoleQuasi columns identify a person in combination (age, ZIP, sex);
	// privacy models group rows by them and generalize them.
	RoleQuasi
	// RoleSensitive columns hold what must not be learnt about a person
	// (a diagnosis); l-diversity and t-closeness protect them.
	RoleSensitive
)

var roleNames = [...]string{"insensitive", "direct-identifier", "quasi-identifier", "sensitive"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", r)
}

// MarshalText writes the role's name ("quasi-identifier").
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a role name; short forms ("qi", "direct", "id") are accepted.
func (r *Role) UnmarshalText(b []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	for i, n := range roleNames {
		if s == n {
			*r = Role(i)
			return nil
		}
	}
	switch s {
	case "", "none", "insensitive-attribute":
		*r = RoleInsensitive
	case "direct", "identifier", "id", "identifying":
		*r = RoleDirect
	case "qi", "quasi", "quasi-identifying":
		*r = RoleQuasi
	case "sensitive-attribute":
		*r = RoleSensitive
	default:
		return invalidf("unknown column role %q (want one of %s)", s, strings.Join(roleNames[:], ", "))
	}
	return nil
}

// Column is one dictionary-encoded column: row i holds Dict[Codes[i]].
// Grouping rows by a column is integer work on Codes. Dict may hold values no
// row uses (after a filter); Compact removes them. Columns are treated as
// immutable once built: transforms return new columns and may share Dict or
// Codes between the old and the new column.
type Column struct {
	Name  string
	Type  Type
	Role  Role
	Dict  []string
	Codes []uint32

	// Hierarchy, when set, says how the column generalizes; privacy search
	// and the utility metrics use it.
	Hierarchy *Hierarchy `json:"-"`
	// Level is the hierarchy level every value of the column sits at after a
	// full-domain generalization; 0 for original values and -1 when rows sit
	// at different levels (local recoding).
	Level int
	// Applied lists the transforms that changed this column, in order.
	Applied []string
}

// Len returns the number of rows.
func (c *Column) Len() int { return len(c.Codes) }

// Value returns row i's value.
func (c *Column) Value(i int) string { return c.Dict[c.Codes[i]] }

// Values returns the column's values row by row (allocates a slice; meant for tests and small tables).
func (c *Column) Values() []string {
	out := make([]string, len(c.Codes))
	for i, code := range c.Codes {
		out[i] = c.Dict[code]
	}
	return out
}

// withData returns a copy of c's metadata with new data.
func (c *Column) withData(dict []string, codes []uint32) *Column {
	n := *c
	n.Dict, n.Codes = dict, codes
	n.Applied = slices.Clip(c.Applied)
	return &n
}

// note returns c with a transform appended to Applied.
func (c *Column) note(transform string) *Column {
	if len(c.Applied) > 0 && c.Applied[len(c.Applied)-1] == transform {
		return c
	}
	c.Applied = append(slices.Clip(c.Applied), transform)
	return c
}

// MapValues returns a column whose row i holds f(c.Value(i)). f is called
// once per distinct value, so a transform over a million rows with a thousand
// distinct values does a thousand calls plus one pass over the codes.
func (c *Column) MapValues(f func(string) string) *Column {
	return c.mapData(mapDict(c.Dict, f))
}

// MapDict returns c with dictionary entry i replaced by values[i], equal
// results merged: exactly what MapValues returns for an f that maps
// c.Dict[i] to values[i]. A plugin host uses it to apply a mapping a plugin
// computed on the dictionary alone. values must be as long as c.Dict.
func (c *Column) MapDict(values []string) *Column {
	return c.mapData(mapDictAt(c.Dict, func(i int, _ string) string { return values[i] }))
}

func (c *Column) mapData(dict []string, remap []uint32) *Column {
	if remap == nil {
		return c.withData(dict, c.Codes)
	}
	codes := make([]uint32, len(c.Codes))
	for i, code := range c.Codes {
		codes[i] = remap[code]
	}
	return c.withData(dict, codes)
}

// mapDict applies f to each dictionary entry and merges equal results. It
// returns the new dictionary and the old-code-to-new-code map, or a nil map
// when the codes keep their meaning (no two entries merged).
func mapDict(dict []string, f func(string) string) ([]string, []uint32) {
	return mapDictAt(dict, func(_ int, v string) string { return f(v) })
}

func mapDictAt(dict []string, f func(int, string) string) ([]string, []uint32) {
	out := make([]string, 0, len(dict))
	idx := make(map[string]uint32, len(dict))
	remap := make([]uint32, len(dict))
	identity := true
	for i, v := range dict {
		nv := f(i, v)
		code, ok := idx[nv]
		if !ok {
			code = uint32(len(out))
			idx[nv] = code
			out = append(out, nv)
		}
		remap[i] = code
		if code != uint32(i) {
			identity = false
		}
	}
	if identity {
		return out, nil
	}
	return out, remap
}

// Compact returns c without dictionary entries that no row uses; the
// remaining entries keep their relative order.
func (c *Column) Compact() *Column {
	used := make([]bool, len(c.Dict))
	n := 0
	for _, code := range c.Codes {
		if !used[code] {
			used[code] = true
			n++
			if n == len(c.Dict) {
				return c
			}
		}
	}
	remap := make([]uint32, len(c.Dict))
	dict := make([]string, 0, n)
	for i, u := range used {
		if u {
			remap[i] = uint32(len(dict))
			dict = append(dict, c.Dict[i])
		}
	}
	codes := make([]uint32, len(c.Codes))
	for i, code := range c.Codes {
		codes[i] = remap[code]
	}
	return c.withData(dict, codes)
}

// ColumnBuilder appends values to a new dictionary-encoded column.
type ColumnBuilder struct {
	col   Column
	index map[string]uint32
}

// NewColumnBuilder starts a column of the given name and type.
func NewColumnBuilder(name string, typ Type) *ColumnBuilder {
	return &ColumnBuilder{col: Column{Name: name, Type: typ}, index: make(map[string]uint32)}
}

// Append adds one row's value.
func (b *ColumnBuilder) Append(v string) {
	code, ok := b.index[v]
	if !ok {
		code = uint32(len(b.col.Dict))
		v = strings.Clone(v) // v may point into a reused buffer
		b.index[v] = code
		b.col.Dict = append(b.col.Dict, v)
	}
	b.col.Codes = append(b.col.Codes, code)
}

// Build returns the column. The builder must not be used afterwards.
func (b *ColumnBuilder) Build() *Column {
	c := b.col
	return &c
}

// NewColumn returns a string column holding values, one per row.
func NewColumn(name string, typ Type, role Role, values []string) *Column {
	b := NewColumnBuilder(name, typ)
	for _, v := range values {
		b.Append(v)
	}
	c := b.Build()
	c.Role = role
	return c
}

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

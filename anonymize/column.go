package anonymize

import (
	"slices"
	"strings"
)

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

package anonymize

import (
	"context"
	"sort"
)

// Generalize replaces the values of columns with their generalization at a
// fixed hierarchy level (full-domain recoding chosen by hand rather than by
// a search). Each column uses its Column.Hierarchy, else an automatic one.
type Generalize struct {
	// Levels maps column names to the hierarchy level to apply (0 keeps the
	// values; a level beyond the top means the top).
	Levels map[string]int `json:"levels" yaml:"levels"`
}

// Describe implements Transform.
func (g *Generalize) Describe() Descriptor {
	return Descriptor{Name: "generalize", Version: Version, Scope: ScopeTable,
		Summary: "generalize columns to a fixed hierarchy level"}
}

// Apply implements Transform. (It is table-scoped only because automatic
// hierarchies are built from the whole column; with a hierarchy from a file
// any batch gives the same result.)
func (g *Generalize) Apply(ctx context.Context, t *Table) (*Table, error) {
	names := make([]string, 0, len(g.Levels))
	for n := range g.Levels {
		names = append(names, n)
	}
	sort.Strings(names)
	out := t
	for _, name := range names {
		i := out.Index(name)
		if i < 0 {
			return nil, invalidf("generalize: no column %q", name)
		}
		c := out.Columns[i].Compact()
		h := c.Hierarchy
		var err error
		if h == nil {
			h, err = AutoHierarchy(c.Name, c.Type, c.Dict)
			if err != nil {
				return nil, err
			}
		}
		level := min(max(g.Levels[name], 0), h.Height()-1)
		for _, v := range c.Dict {
			if !h.Contains(v) {
				return nil, invalidf("generalize: column %q: hierarchy has no row for value %q", name, v)
			}
		}
		n := c.MapValues(func(v string) string { s, _ := h.Generalize(v, level); return s })
		n.Hierarchy, n.Level = h, level
		out = out.Replace(i, n.note("generalize"))
	}
	return out, nil
}

// Suppress removes the rows of small equivalence classes: rows whose values
// on the quasi-identifiers (or on Columns) are shared by fewer than K rows.
// Removed rows are counted in Table.Suppressed.
type Suppress struct {
	K       int      `json:"k" yaml:"k"`
	Columns []string `json:"columns,omitempty" yaml:"columns,omitempty"`
}

// Describe implements Transform.
func (s *Suppress) Describe() Descriptor {
	return Descriptor{Name: "suppress", Version: Version, Scope: ScopeTable,
		Summary: "remove rows whose quasi-identifier combination occurs fewer than k times"}
}

// Apply implements Transform.
func (s *Suppress) Apply(ctx context.Context, t *Table) (*Table, error) {
	if s.K < 1 {
		return nil, invalidf("suppress: k must be at least 1, got %d", s.K)
	}
	cols := t.ByRole(RoleQuasi)
	if len(s.Columns) > 0 {
		cols = cols[:0]
		for _, n := range s.Columns {
			c := t.Column(n)
			if c == nil {
				return nil, invalidf("suppress: no column %q", n)
			}
			cols = append(cols, c)
		}
	}
	classOf, sizes := groupRows(t, cols)
	keep := make([]bool, t.NumRows())
	removed := 0
	for i, c := range classOf {
		keep[i] = sizes[c] >= s.K
		if !keep[i] {
			removed++
		}
	}
	if removed == 0 {
		return t, nil
	}
	out := t.Filter(keep).Compact()
	out.Suppressed = t.Suppressed + removed
	return out, nil
}

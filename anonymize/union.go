package anonymize

import "slices"

// Union appends tables of one kind whose columns may differ, as records
// pooled from many sources do (one patient's Observation table has no
// column another's has): the result has every column any table has, in
// the order first seen, and a row's missing values are empty. Types and
// roles come from the first table having the column. Tables must share
// their name.
func Union(tables ...*Table) (*Table, error) {
	if len(tables) == 0 {
		return &Table{}, nil
	}
	var names []string
	proto := map[string]*Column{}
	for _, t := range tables {
		if t.Name != tables[0].Name {
			return nil, invalidf("union: table %q is not %q", t.Name, tables[0].Name)
		}
		for _, c := range t.Columns {
			if _, ok := proto[c.Name]; !ok {
				proto[c.Name] = c
				names = append(names, c.Name)
			}
		}
	}
	aligned := make([]*Table, len(tables))
	for i, t := range tables {
		cols := make([]*Column, len(names))
		for j, n := range names {
			if c := t.Column(n); c != nil {
				cols[j] = c
				continue
			}
			// An all-empty column: one dictionary entry, every row on it.
			cols[j] = proto[n].withData([]string{""}, make([]uint32, t.NumRows()))
			cols[j].Applied = nil
		}
		aligned[i] = t.WithColumns(cols)
	}
	out, err := Concat(aligned...)
	if err != nil {
		return nil, err
	}
	return out.Compact(), nil
}

// UnionByName groups tables by name and unions each group (Union); the
// result is sorted by table name.
func UnionByName(tables []*Table) ([]*Table, error) {
	groups := map[string][]*Table{}
	for _, t := range tables {
		groups[t.Name] = append(groups[t.Name], t)
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]*Table, 0, len(names))
	for _, n := range names {
		u, err := Union(groups[n]...)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

package anonymizer

import (
	"fmt"

	"github.com/medmarket/medmarket/anonymize"
)

// checkShape checks that t's columns have distinct names and equal lengths
// (Table.Validate without the scan of every code).
func checkShape(t *anonymize.Table) error {
	seen := make(map[string]bool, len(t.Columns))
	for _, c := range t.Columns {
		if seen[c.Name] {
			return invalidErr{msg: fmt.Sprintf("table %q: duplicate column %q", t.Name, c.Name)}
		}
		seen[c.Name] = true
		if c.Len() != t.Columns[0].Len() {
			return invalidErr{msg: fmt.Sprintf("table %q: column %q has %d rows, column %q has %d", t.Name, c.Name, c.Len(), t.Columns[0].Name, t.Columns[0].Len())}
		}
	}
	return nil
}

// assemble joins the answer's batches into one table. A column every batch
// passed through (same_as the same input column) is the input column
// itself, with the answer's metadata: nothing was sent, nothing is copied.
// Other columns are concatenated, their passed-through parts cut from the
// input.
func assemble(t *anonymize.Table, outs []*anonymize.Table, refs [][]int, sizes *sizeQueue) (*anonymize.Table, error) {
	if len(outs) == 0 {
		return &anonymize.Table{Name: t.Name}, nil
	}
	first := outs[0]
	for _, b := range outs[1:] {
		if len(b.Columns) != len(first.Columns) {
			return nil, fmt.Errorf("a batch has %d columns, the first has %d", len(b.Columns), len(first.Columns))
		}
	}
	cols := make([]*anonymize.Column, len(first.Columns))
	var rest []int
	for i, fc := range first.Columns {
		k := refs[0][i]
		whole := k >= 0
		for b := range outs {
			if refs[b][i] != k || outs[b].Columns[i].Name != fc.Name {
				whole = false
			}
		}
		if whole {
			c := *fc
			c.Dict, c.Codes = t.Columns[k].Dict, t.Columns[k].Codes
			cols[i] = &c
			continue
		}
		for b := range outs {
			if k := refs[b][i]; k >= 0 {
				r, _ := sizes.at(b)
				part := t.WithColumns([]*anonymize.Column{t.Columns[k]}).Slice(r.lo, r.hi).Compact().Columns[0]
				c := outs[b].Columns[i]
				c.Dict, c.Codes = part.Dict, part.Codes
			}
		}
		rest = append(rest, i)
	}
	if len(rest) > 0 {
		parts := make([]*anonymize.Table, len(outs))
		for b, o := range outs {
			sub := make([]*anonymize.Column, len(rest))
			for j, i := range rest {
				sub[j] = o.Columns[i]
			}
			parts[b] = o.WithColumns(sub)
		}
		joined, err := anonymize.Concat(parts...)
		if err != nil {
			return nil, err
		}
		for j, i := range rest {
			cols[i] = joined.Columns[j]
		}
	}
	return first.WithColumns(cols), nil
}

// concat joins batches; the first batch's column metadata wins.
func concat(outs []*anonymize.Table, name string) (*anonymize.Table, error) {
	if len(outs) == 0 {
		return &anonymize.Table{Name: name}, nil
	}
	return anonymize.Concat(outs...)
}

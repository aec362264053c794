package anonymize

import (
	"fmt"
	"strings"
)

// ColumnTreatment says what a pipeline did to one column of its input and
// how much of the column's information that cost.
//
// Loss is the share of the column's information lost, in [0, 1], measured
// on what each step actually did and combined over the steps as the share
// kept multiplies (kept = (1-loss1) x (1-loss2) ...):
//   - dropped or blanked: 1;
//   - a step that keeps every row (pseudonymize, date-shift, safe-harbor,
//     generalize, Mondrian) and changes a column without a hierarchy: the
//     normalized certainty penalty against the column's own values before
//     the step, as if the step had generalized through a one-level
//     hierarchy: a row whose new value stands for g distinct old values of
//     a column holding D distinct values costs (g-1)/(D-1), a value blanked
//     costs 1, and the column's loss is the average over its rows. A ZIP
//     code cut to 3 digits costs what the prefixes merge, a date cut to its
//     year what the years merge; a one-to-one replacement (a keyed
//     pseudonym) costs 0: the rows still tell apart and link as before, but
//     the values themselves are no longer published;
//   - a step that generalizes a column through its hierarchy, or removes
//     rows (the privacy step, suppress): the report's normalized certainty
//     penalty (Utility.NCP, ColumnLoss) of the column after the step, plus
//     1 for each row removed, over the rows before the step; a column the
//     step did not change loses only the rows removed.
type ColumnTreatment struct {
	Column string `json:"column"`
	// Treatment says in words what was done: "kept", "dropped",
	// "pseudonymized", "date-shifted", "coarsened to year", "ZIP to 3
	// digits", "generalized to level 2 of 4", "local recoding (Mondrian):
	// intervals per class", "rows suppressed"..., joined by ", then ".
	Treatment string  `json:"treatment"`
	Loss      float64 `json:"loss"`
}

// treatmentTracker follows every input column through a pipeline's steps.
type treatmentTracker struct {
	order []string
	kept  map[string]float64 // share of information kept
	what  map[string][]string
	gone  map[string]bool
}

func newTreatmentTracker(t *Table) *treatmentTracker {
	tr := &treatmentTracker{kept: map[string]float64{}, what: map[string][]string{}, gone: map[string]bool{}}
	for _, c := range t.Columns {
		tr.order = append(tr.order, c.Name)
		tr.kept[c.Name] = 1
		// What a release did before the pipeline (Release.Key) counts too.
		if wasApplied(c, releaseKeyNote) {
			tr.what[c.Name] = append(tr.what[c.Name], "pseudonymized (patient key)")
		} else if wasApplied(c, "pseudonymize") {
			tr.what[c.Name] = append(tr.what[c.Name], "pseudonymized")
		}
		if wasApplied(c, "date-shift") {
			tr.what[c.Name] = append(tr.what[c.Name], "date-shifted (one offset per patient)")
		}
	}
	return tr
}

// step records what step d did to each column still present in in.
func (tr *treatmentTracker) step(d Descriptor, in, out *Table) {
	removed := in.NumRows() - out.NumRows()
	for _, ic := range in.Columns {
		if tr.gone[ic.Name] {
			continue
		}
		if _, ok := tr.kept[ic.Name]; !ok {
			continue // a column a step added: not the input's
		}
		oc := out.Column(ic.Name)
		what, loss := describeStep(d.Name, ic, oc, removed)
		if what == "" {
			continue
		}
		if what == "dropped" || what == "blanked" {
			tr.gone[ic.Name] = true
		}
		tr.what[ic.Name] = append(tr.what[ic.Name], what)
		tr.kept[ic.Name] *= 1 - min(max(loss, 0), 1)
	}
}

// describeStep names what a step did to column ic (oc after it, nil when
// dropped) and the share of ic's information it lost; "" when the step left
// the column alone.
func describeStep(step string, ic, oc *Column, removed int) (string, float64) {
	switch {
	case oc == nil:
		return "dropped", 1
	case hasValues(ic) && !hasValues(oc):
		return "blanked", 1
	case removed == 0 && sameData(ic, oc):
		return "", 0
	case removed > 0 || (oc.Hierarchy != nil && oc.Level != 0):
		return hierarchyStep(step, ic, oc, removed)
	}
	return valueStepName(step, ic, oc), flatLoss(ic, oc)
}

// hierarchyStep measures a step that generalized oc through its hierarchy
// or removed rows.
func hierarchyStep(step string, ic, oc *Column, removed int) (string, float64) {
	in := ic.Len()
	if in == 0 {
		return "", 0
	}
	var what string
	loss := float64(removed)
	switch {
	case ic.Level != 0 && ic.Level == oc.Level && ic.Hierarchy == oc.Hierarchy:
		// generalized by an earlier step: this one only removed rows
	case oc.Level < 0:
		what = localRecoding(oc)
		loss += ColumnLoss(oc)
	case oc.Hierarchy != nil && oc.Level > 0:
		what = fmt.Sprintf("generalized to level %d of %d", oc.Level, oc.Hierarchy.Height())
		loss += ColumnLoss(oc)
	case !sameData(ic, oc) && oc.Len() == in:
		what, loss = valueStepName(step, ic, oc), flatLoss(ic, oc)*float64(in)
	}
	if removed > 0 {
		if what != "" {
			what += ", "
		}
		what += fmt.Sprintf("%d of %d rows suppressed", removed, in)
	}
	return what, loss / float64(in)
}

// localRecoding describes a column Mondrian recoded class by class.
func localRecoding(c *Column) string {
	if c.Type.Numeric() {
		return "local recoding (Mondrian): intervals per class"
	}
	return "local recoding (Mondrian): the lowest common hierarchy value per class"
}

// valueStepName names a step that mapped a column's values row by row.
func valueStepName(step string, ic, oc *Column) string {
	switch step {
	case "pseudonymize":
		return "pseudonymized"
	case "date-shift":
		return "date-shifted"
	case "safe-harbor":
		switch {
		case isFreeText(ic):
			return "free text scrubbed (Safe Harbor)"
		case allValues(oc, func(v string) bool { return len(v) == 3 && isDigits(v) }):
			return "ZIP to 3 digits (Safe Harbor)"
		case ic.Type == TypeDate || ic.Type == TypeDateTime || ic.Type == TypeString:
			if allValues(oc, func(v string) bool { return v == Over89 || (len(v) == 4 && isDigits(v)) }) {
				return "coarsened to year (Safe Harbor)"
			}
		}
		return "ages over 89 to " + Over89 + " (Safe Harbor)"
	}
	return step
}

// isFreeText says whether c's contents are free text (FreeTextSample).
func isFreeText(c *Column) bool {
	ok, _ := FreeTextSample(SampleOf(c))
	return ok
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// allValues says whether every non-empty value a row of c uses passes f.
func allValues(c *Column, f func(string) bool) bool {
	used := make([]bool, len(c.Dict))
	for _, code := range c.Codes {
		used[code] = true
	}
	for i, v := range c.Dict {
		if used[i] && v != "" && !f(v) {
			return false
		}
	}
	return true
}

// sameData says whether two columns hold the same value on every row.
func sameData(a, b *Column) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.Codes {
		if a.Dict[a.Codes[i]] != b.Dict[b.Codes[i]] {
			return false
		}
	}
	return true
}

// flatLoss is the normalized certainty penalty of a row-aligned change
// from ic to oc against ic's own values (see ColumnTreatment): a row whose
// new value stands for g of ic's D distinct non-empty values costs
// (g-1)/(D-1), a non-empty value blanked costs 1; averaged over the rows.
func flatLoss(ic, oc *Column) float64 {
	n := ic.Len()
	if n == 0 || oc.Len() != n {
		return 0
	}
	merged := make(map[uint32]map[uint32]bool) // out code: the in codes it stands for
	distinct := make(map[uint32]bool)
	for i, code := range ic.Codes {
		if ic.Dict[code] == "" {
			continue
		}
		distinct[code] = true
		o := oc.Codes[i]
		if merged[o] == nil {
			merged[o] = map[uint32]bool{}
		}
		merged[o][code] = true
	}
	d := len(distinct)
	sum := 0.0
	for i, code := range ic.Codes {
		if ic.Dict[code] == "" {
			continue
		}
		o := oc.Codes[i]
		switch {
		case oc.Dict[o] == "":
			sum++
		case d > 1:
			sum += float64(len(merged[o])-1) / float64(d-1)
		}
	}
	return sum / float64(n)
}

// report lists every input column's treatment, in input order.
func (tr *treatmentTracker) report() []ColumnTreatment {
	rep := make([]ColumnTreatment, 0, len(tr.order))
	for _, name := range tr.order {
		what := tr.what[name]
		if len(what) == 0 {
			what = []string{"kept"}
		}
		rep = append(rep, ColumnTreatment{Column: name, Treatment: strings.Join(what, ", then "), Loss: 1 - tr.kept[name]})
	}
	return rep
}

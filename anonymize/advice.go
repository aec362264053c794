package anonymize

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// riskAdvice says what would bring the highest prosecutor risk of t (its
// report r) down to the threshold: raise k, and, for the quasi-identifiers
// whose removal leaves the fewest records alone in their class, generalize
// or drop them (ZIP codes and dates: generalize further). Empty when the
// risk is within the threshold.
func riskAdvice(t *Table, qis []*Column, r *Report) []string {
	if r.Rows == 0 || r.Risk.Prosecutor.Highest <= r.Risk.Threshold+1e-12 {
		return nil
	}
	k := int(math.Ceil(1/r.Risk.Threshold - 1e-9))
	out := []string{fmt.Sprintf("raise k: the smallest group of look-alike records has %d, so its records are re-identified with probability %.0f %%; k = %d keeps every record at or below %.0f %% (the safe-harbor-k5 preset, or a privacy step with k = %d)",
		r.MinClassSize, 100*r.Risk.Prosecutor.Highest, k, 100*r.Risk.Threshold, k)}
	if r.Rows < k {
		out = append(out, fmt.Sprintf("publish more records: %d rows cannot form a group of %d", r.Rows, k))
	}
	if len(qis) < 2 {
		return out
	}
	type effect struct {
		col     *Column
		uniques int
		minSize int
	}
	var effects []effect
	for j, c := range qis {
		rest := slices.Delete(slices.Clone(qis), j, j+1)
		_, sizes := groupRows(t, rest)
		e := effect{col: c, minSize: slices.Min(sizes)}
		for _, s := range sizes {
			if s == 1 {
				e.uniques++
			}
		}
		effects = append(effects, e)
	}
	slices.SortStableFunc(effects, func(a, b effect) int {
		if a.uniques != b.uniques {
			return a.uniques - b.uniques
		}
		return b.minSize - a.minSize
	})
	for _, e := range effects[:min(2, len(effects))] {
		if e.uniques >= r.Risk.UniqueRecords && e.minSize <= r.MinClassSize {
			break // removing it would change nothing
		}
		verb := "generalize further or drop column"
		if isZIPName(e.col.Name) {
			verb = "generalize ZIP further (fewer digits), or drop column"
		}
		out = append(out, fmt.Sprintf("%s %q: without it %d records are alone in their group instead of %d",
			verb, e.col.Name, e.uniques, r.Risk.UniqueRecords))
	}
	return out
}

func isZIPName(name string) bool {
	n := normalizeName(name)
	return strings.Contains(n, "zip") || strings.Contains(n, "postal")
}

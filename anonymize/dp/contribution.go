package dp

import (
	"fmt"
	"math"

	"github.com/medmarket/medmarket/anonymize"
)

// Query is a true answer with the sensitivity that bounds how much one
// patient can move it: the input of a mechanism.
type Query struct {
	Value       int64
	Sensitivity int64
}

// Row is one record's contribution: the patient it is about (a pseudonym)
// and its value for a sum.
type Row struct {
	Patient string
	Value   int64
}

// CountRows counts rows, keeping at most maxPerPatient per patient (the
// first ones, in the order given), so adding or removing one patient moves
// the count by at most maxPerPatient: that is its sensitivity.
func CountRows(patients []string, maxPerPatient int64) (Query, error) {
	if maxPerPatient < 1 {
		return Query{}, fmt.Errorf("count: rows per patient %d is below 1: %w", maxPerPatient, anonymize.ErrInvalid)
	}
	seen := make(map[string]int64, len(patients))
	var count int64
	for _, p := range patients {
		if seen[p] < maxPerPatient {
			seen[p]++
			count++
		}
	}
	return Query{Value: count, Sensitivity: maxPerPatient}, nil
}

// SumRows sums values clipped to [lo, hi], keeping at most maxPerPatient
// rows per patient (the first ones), so one patient moves the sum by at
// most maxPerPatient·max(|lo|, |hi|): that is its sensitivity. It refuses
// bounds whose sensitivity or whose sum would leave int64.
func SumRows(rows []Row, maxPerPatient, lo, hi int64) (Query, error) {
	if maxPerPatient < 1 {
		return Query{}, fmt.Errorf("sum: rows per patient %d is below 1: %w", maxPerPatient, anonymize.ErrInvalid)
	}
	if lo > hi {
		return Query{}, fmt.Errorf("sum: lower bound %d is above upper bound %d: %w", lo, hi, anonymize.ErrInvalid)
	}
	if lo == math.MinInt64 {
		return Query{}, fmt.Errorf("sum: lower bound %d has no absolute value in int64: %w", lo, anonymize.ErrInvalid)
	}
	reach := max(abs(lo), abs(hi))
	if reach != 0 && maxPerPatient > math.MaxInt64/reach {
		return Query{}, fmt.Errorf("sum: %d rows per patient of up to %d overflow int64: %w", maxPerPatient, reach, anonymize.ErrInvalid)
	}
	seen := make(map[string]int64, len(rows))
	var sum int64
	for i, r := range rows {
		if seen[r.Patient] >= maxPerPatient {
			continue
		}
		seen[r.Patient]++
		v := min(max(r.Value, lo), hi)
		if (v > 0 && sum > math.MaxInt64-v) || (v < 0 && sum < math.MinInt64-v) {
			return Query{}, fmt.Errorf("sum: row %d takes the sum past int64: %w", i+1, anonymize.ErrInvalid)
		}
		sum += v
	}
	return Query{Value: sum, Sensitivity: max(maxPerPatient*reach, 1)}, nil
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

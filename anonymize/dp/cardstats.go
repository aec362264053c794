package dp

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
)

// Card statistics: what a researcher sees of a dataset before buying it,
// released once, at publishing, with differential privacy.
//
// # Budget and its split
//
// A table's statistics spend one ε ([NewCard] splits a card's ε evenly over
// its tables). They are 2 + C statistics, C being the number of columns
// described (every column but the patient column and direct identifiers,
// which are never described), and each gets ε/(2+C) (basic composition: the
// ε of the statistics add up to the table's). A table without a patient
// column counts each row as its own patient (clip 1): its patient count is
// its row count, so it releases 1 + C statistics, and its privacy is per
// row, not per patient.
//
//   - the row count, sensitivity clip (one patient keeps at most clip rows);
//   - the patient count, sensitivity 1;
//   - per column, one histogram whose cells are the column's values or
//     buckets plus a "missing" cell. Each of a patient's kept rows lands in
//     exactly one cell, so adding or removing a patient changes the
//     histogram by at most clip in L1: discrete Laplace noise of scale
//     clip/ε_stat on every cell makes the whole histogram ε_stat-DP.
//
// The missing-value share is the noisy missing cell over the noisy row
// count, computed after the noise (post-processing costs no privacy), as is
// clamping every shown count at zero.
//
// # Rows kept per patient
//
// Each patient contributes at most clip rows (the first ones in table
// order); the rest are left out of every statistic. Rows whose patient
// value is empty count as one patient, "". The clip is the caller's
// choice: choosing it from the data would leak.
//
// # Cells
//
//   - Numeric columns (integer, decimal): fixed buckets that do not depend
//     on the data: negative, [0,10), [10,100), … [10⁸,10⁹), ≥10⁹, and
//     "not a number". Every bucket is computed; the card drops those whose
//     shown count is 0 (post-processing).
//   - Date and datetime columns: one cell per year 1900…2100, "before 1900",
//     "after 2100" and "not a date": again a fixed domain, zeros dropped.
//   - Other columns (string, boolean): the categories themselves, which
//     are not a fixed domain: which categories exist is taken from the data,
//     and a category held by a single patient would reveal that patient by
//     appearing at all. So a category is shown only when its noisy count
//     reaches a threshold τ = clip + k, where k is the smallest integer with
//     P(noise ≥ k) ≤ δ = 10⁻⁶: a category whose true count is at most clip
//     (all it can be when one patient holds it) is shown with probability at
//     most δ. That is the standard stability-based histogram: each such
//     column is (ε_stat, δ)-DP rather than ε_stat-DP, and the card is
//     (ε, C·δ)-DP. At most [TopCategories] of the passing categories are
//     shown, the largest noisy counts first; the noisy count decides, so the
//     choice is post-processing too. A category no kept row holds is never a
//     candidate.
//
// Every shown figure carries the 95 % bound of its noise ([Laplace.Bound95]).

// TopCategories is the most categories a card shows for one column.
const TopCategories = 10

// CardDelta is the δ of the threshold that hides rare categories.
const CardDelta = 1e-6

// Mechanism names the noise the card's statistics carry.
const Mechanism = "discrete Laplace"

// Stats is a card's statistics, ready to store as JSON.
type Stats struct {
	Epsilon             string  `json:"epsilon"` // the ε these statistics spend, an exact fraction
	Delta               float64 `json:"delta"`
	Mechanism           string  `json:"mechanism"`
	Statistics          int     `json:"statistics"`            // how many statistics share ε
	EpsilonPerStatistic string  `json:"epsilon_per_statistic"` // ε / Statistics, an exact fraction
	MaxRowsPerPatient   int64   `json:"max_rows_per_patient"`
	CategoryThreshold   int64   `json:"category_threshold"` // τ: a category's noisy count must reach it to be shown
	// PatientColumn names the column whose value is a row's patient; ""
	// when the table has none and each row counts as its own patient
	// (MaxRowsPerPatient is then 1 and the privacy is per row, not per
	// patient).
	PatientColumn string        `json:"patient_column,omitempty"`
	Rows          Figure        `json:"rows"`
	Patients      Figure        `json:"patients"`
	Columns       []ColumnStats `json:"columns"`
}

// Figure is a noisy count, clamped at zero, and the 95 % bound of its noise:
// the true count lies within Value ± Bound95 with 95 % probability (before
// clamping).
type Figure struct {
	Value   int64 `json:"value"`
	Bound95 int64 `json:"bound95"`
}

// ColumnStats describes one column.
type ColumnStats struct {
	Name         string  `json:"name"`
	Type         string  `json:"type"`
	Kind         string  `json:"kind"` // "categories", "histogram" or "years"
	Missing      Figure  `json:"missing"`
	MissingShare float64 `json:"missing_share"` // noisy missing / noisy rows, in [0, 1]
	// Counts says what a cell counts: "rows", or "patients" when each
	// category counts the patients holding it
	// ([CardOptions.PatientsPerCategory]).
	Counts string `json:"counts"`
	Cells  []Cell `json:"cells"`
}

// Cell is one category or bucket and its count.
type Cell struct {
	Label string `json:"label"`
	Figure
}

// CardOptions are CardStatsWith's choices beyond the table and ε.
type CardOptions struct {
	// PatientColumn names the column holding each row's patient
	// pseudonym. "" counts every row as its own patient: Clip must then
	// be 1, the patient count is the row count (no statistic of its own)
	// and the privacy is per row, not per patient.
	PatientColumn string
	// Clip is the most rows one patient contributes.
	Clip int64
	// PatientsPerCategory has a category column count, per category, the
	// patients holding it among their kept rows rather than the rows (a
	// code's prevalence, in a table with several rows per patient). A
	// patient's kept rows hold at most Clip distinct categories and empty
	// values together, so the histogram's L1 sensitivity stays Clip and
	// the noise is the same.
	PatientsPerCategory bool
}

// CardStats computes the card's statistics of t under ε. patientColumn
// names the column holding each row's patient pseudonym; clip is the most
// rows one patient contributes. src supplies the noise ([CryptoSource] in
// production).
func CardStats(t *anonymize.Table, patientColumn string, eps *big.Rat, clip int64, src Source) (Stats, error) {
	return CardStatsWith(t, eps, CardOptions{PatientColumn: patientColumn, Clip: clip}, src)
}

// CardStatsWith computes the card's statistics of t under ε with opts.
func CardStatsWith(t *anonymize.Table, eps *big.Rat, opts CardOptions, src Source) (Stats, error) {
	if t == nil {
		return Stats{}, fmt.Errorf("card statistics: table is nil: %w", anonymize.ErrInvalid)
	}
	clip := opts.Clip
	var pc *anonymize.Column
	if opts.PatientColumn != "" {
		if pc = t.Column(opts.PatientColumn); pc == nil {
			return Stats{}, fmt.Errorf("card statistics: table %q has no patient column %q: %w", t.Name, opts.PatientColumn, anonymize.ErrInvalid)
		}
	} else if clip != 1 {
		return Stats{}, fmt.Errorf("card statistics: table %q without a patient column counts each row as a patient: rows per patient must be 1, not %d: %w", t.Name, clip, anonymize.ErrInvalid)
	}
	if clip < 1 {
		return Stats{}, fmt.Errorf("card statistics: rows per patient %d is below 1: %w", clip, anonymize.ErrInvalid)
	}
	if eps == nil || eps.Sign() <= 0 {
		return Stats{}, fmt.Errorf("card statistics: ε %v is not positive: %w", eps, anonymize.ErrInvalid)
	}
	var cols []*anonymize.Column
	for _, c := range t.Columns {
		if c != pc && c.Role != anonymize.RoleDirect {
			cols = append(cols, c)
		}
	}
	n := 1 + len(cols)
	if pc != nil {
		n++ // the patient count is a statistic of its own
	}
	each := new(big.Rat).Quo(eps, big.NewRat(int64(n), 1))
	rowMech, err := NewLaplace(each, clip)
	if err != nil {
		return Stats{}, fmt.Errorf("card statistics: %w", err)
	}
	keep, kept, patients := clipRows(pc, t.NumRows(), clip)
	st := Stats{
		Epsilon: eps.RatString(), Delta: CardDelta, Mechanism: Mechanism, Statistics: n,
		EpsilonPerStatistic: each.RatString(), MaxRowsPerPatient: clip, PatientColumn: opts.PatientColumn,
		CategoryThreshold: clip + tailAbove(rowMech.Scale(), CardDelta),
	}
	if st.Rows, err = noisy(rowMech, src, kept); err != nil {
		return Stats{}, fmt.Errorf("card statistics: row count: %w", err)
	}
	st.Patients = st.Rows
	if pc != nil {
		patientMech, err := NewLaplace(each, 1)
		if err != nil {
			return Stats{}, fmt.Errorf("card statistics: %w", err)
		}
		if st.Patients, err = noisy(patientMech, src, patients); err != nil {
			return Stats{}, fmt.Errorf("card statistics: patient count: %w", err)
		}
	}
	cc := cellCounter{keep: keep, mech: rowMech, threshold: st.CategoryThreshold, rows: st.Rows.Value, src: src}
	if opts.PatientsPerCategory && pc != nil {
		cc.patients = pc.Codes
	}
	for _, c := range cols {
		cs, err := cc.column(c)
		if err != nil {
			return Stats{}, fmt.Errorf("card statistics: column %q: %w", c.Name, err)
		}
		st.Columns = append(st.Columns, cs)
	}
	return st, nil
}

// clipRows marks the first clip rows of each patient and counts the kept
// rows and the patients; with no patient column every one of the rows is
// kept and is a patient.
func clipRows(pc *anonymize.Column, rows int, clip int64) (keep []bool, kept, patients int64) {
	keep = make([]bool, rows)
	if pc == nil {
		for i := range keep {
			keep[i] = true
		}
		return keep, int64(rows), int64(rows)
	}
	seen := make([]int64, len(pc.Dict))
	for i, code := range pc.Codes {
		if seen[code] == 0 {
			patients++
		}
		if seen[code] < clip {
			seen[code]++
			keep[i] = true
			kept++
		}
	}
	return keep, kept, patients
}

func noisy(m *Laplace, src Source, v int64) (Figure, error) {
	x, err := m.Add(src, v)
	if err != nil {
		return Figure{}, err
	}
	return Figure{Value: max(x, 0), Bound95: m.Bound95()}, nil
}

// tailAbove is the smallest k ≥ 1 with P(X ≥ k) ≤ delta for the discrete
// Laplace of the given scale t: P(X ≥ k) = q^k/(1+q), q = e^(-1/t).
func tailAbove(scale *big.Rat, delta float64) int64 {
	t, _ := scale.Float64()
	q := math.Exp(-1 / t)
	k := int64(math.Ceil(math.Log(delta*(1+q)) / math.Log(q)))
	k = max(k, 1)
	for math.Pow(q, float64(k))/(1+q) > delta {
		k++
	}
	return k
}

// missingCell is the label of the cell counting empty values.
const missingCell = "\x00missing"

// cellCounter counts the kept rows of a column into cells, adds noise to
// every cell and keeps what the card shows.
type cellCounter struct {
	keep      []bool
	mech      *Laplace
	threshold int64
	rows      int64 // the noisy row count, for the missing share
	src       Source
	// patients, when set, are the rows' patient codes: category cells then
	// count distinct patients (CardOptions.PatientsPerCategory).
	patients []uint32
}

func (cc cellCounter) column(c *anonymize.Column) (ColumnStats, error) {
	kind, labelOf, domain := cellsFor(c.Type)
	cellOfCode := make([]int, len(c.Dict))
	index := map[string]int{}
	labels := append([]string{missingCell}, domain...)
	for i, l := range labels {
		index[l] = i
	}
	for code, v := range c.Dict {
		l := missingCell
		if strings.TrimSpace(v) != "" {
			l = labelOf(v)
		}
		j, ok := index[l]
		if !ok {
			j = len(labels)
			index[l] = j
			labels = append(labels, l)
		}
		cellOfCode[code] = j
	}
	cs := ColumnStats{Name: c.Name, Type: c.Type.String(), Kind: kind, Counts: "rows"}
	var counts []int64
	if domain == nil && cc.patients != nil {
		counts, cs.Counts = cc.patientsPerCell(c, cellOfCode, len(labels)), "patients"
	} else {
		counts = make([]int64, len(labels))
		for i, code := range c.Codes {
			if cc.keep[i] {
				counts[cellOfCode[code]]++
			}
		}
	}
	var err error
	if cs.Missing, err = noisy(cc.mech, cc.src, counts[0]); err != nil {
		return ColumnStats{}, err
	}
	if cc.rows > 0 {
		cs.MissingShare = min(float64(cs.Missing.Value)/float64(cc.rows), 1)
	}
	for j := 1; j < len(labels); j++ {
		if domain == nil && counts[j] == 0 {
			continue // a category no kept row holds is never a candidate
		}
		f, err := noisy(cc.mech, cc.src, counts[j])
		if err != nil {
			return ColumnStats{}, err
		}
		if f.Value == 0 || (domain == nil && f.Value < cc.threshold) {
			continue
		}
		cs.Cells = append(cs.Cells, Cell{Label: labels[j], Figure: f})
	}
	if domain == nil {
		sort.SliceStable(cs.Cells, func(a, b int) bool { return cs.Cells[a].Value > cs.Cells[b].Value })
		cs.Cells = cs.Cells[:min(len(cs.Cells), TopCategories)]
	}
	return cs, nil
}

// patientsPerCell counts, per cell, the distinct patients holding it among
// their kept rows; the missing cell (0) still counts rows.
func (cc cellCounter) patientsPerCell(c *anonymize.Column, cellOfCode []int, cells int) []int64 {
	counts := make([]int64, cells)
	seen := map[uint64]struct{}{}
	for i, code := range c.Codes {
		if !cc.keep[i] {
			continue
		}
		j := cellOfCode[code]
		if j == 0 {
			counts[0]++
			continue
		}
		k := uint64(j)<<32 | uint64(cc.patients[i])
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			counts[j]++
		}
	}
	return counts
}

// cellsFor returns a column type's kind of cells, the cell of a non-empty
// value, and the fixed domain of cells (nil for categories, whose cells are
// the values seen).
func cellsFor(t anonymize.Type) (string, func(string) string, []string) {
	switch {
	case t.Numeric():
		return "histogram", numericBucket, numericBuckets()
	case t == anonymize.TypeDate || t == anonymize.TypeDateTime:
		return "years", yearBucket, yearBuckets()
	default:
		return "categories", func(v string) string { return v }, nil
	}
}

const maxDecade = 9 // buckets up to [10^8, 10^9), then ≥ 10^9

func numericBuckets() []string {
	out := []string{"negative", "[0,10)"}
	for d := 2; d <= maxDecade; d++ {
		out = append(out, fmt.Sprintf("[1e%d,1e%d)", d-1, d))
	}
	return append(out, fmt.Sprintf("≥1e%d", maxDecade), "not a number")
}

func numericBucket(v string) string {
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	switch {
	case err != nil || math.IsNaN(x):
		return "not a number"
	case x < 0:
		return "negative"
	case x < 10:
		return "[0,10)"
	}
	p := 10.0
	for d := 2; d <= maxDecade; d++ {
		p *= 10
		if x < p {
			return fmt.Sprintf("[1e%d,1e%d)", d-1, d)
		}
	}
	return fmt.Sprintf("≥1e%d", maxDecade)
}

const firstYear, lastYear = 1900, 2100

func yearBuckets() []string {
	out := []string{"before 1900"}
	for y := firstYear; y <= lastYear; y++ {
		out = append(out, strconv.Itoa(y))
	}
	return append(out, "after 2100", "not a date")
}

func yearBucket(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 5 || v[4] != '-' {
		return "not a date"
	}
	y, err := strconv.Atoi(v[:4])
	switch {
	case err != nil:
		return "not a date"
	case y < firstYear:
		return "before 1900"
	case y > lastYear:
		return "after 2100"
	}
	return strconv.Itoa(y)
}

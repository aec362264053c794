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
// The card's statistics carry discrete Gaussian noise ([Gaussian]) and are
// accounted in zero-concentrated DP (zCDP, Bun and Steinke 2016), which
// composes by adding ρ and grows the noise with the square root of the
// number of statistics rather than linearly, as ε under basic composition
// does. The publisher still chooses an ε, and the card is (ε, [CardDelta])-DP
// as a whole:
//
//   - δ = [CardDelta] is split in two halves: one for converting ρ-zCDP to
//     (ε, δ)-DP, the other shared evenly by the thresholds of every described
//     category column of every table (below).
//   - ρ is the largest with ρ + 2√(ρ ln(1/δ_conv)) ≤ ε (Bun and Steinke,
//     Proposition 1.3), δ_conv = CardDelta/2, as an exact fraction rounded
//     down ([CardRho]).
//
// [NewCard] splits ρ evenly over the tables, and a table's ρ evenly over its
// 2 + C statistics, C being the number of columns described (every column
// but the patient column and direct identifiers, which are never
// described). A table without a patient column counts each row as its own
// patient (clip 1): its patient count is its row count, so it releases
// 1 + C statistics, and its privacy is per row, not per patient. Each
// statistic gets ρ_stat and noise σ² = Δ₂²/(2ρ_stat), Δ₂ its L2
// sensitivity (what adding or removing one patient can change):
//
//   - the row count: Δ₂ = clip (one patient keeps at most clip rows);
//   - the patient count: Δ₂ = 1;
//   - per column, one histogram whose cells are the column's values or
//     buckets plus a "missing" cell. Counting rows, each of a patient's
//     kept rows lands in exactly one cell: the cells change by at most clip
//     in total, so Δ₂ ≤ clip, the row count's noise.
//   - a category histogram counting patients
//     ([CardOptions.PatientsPerCategory]): a patient's kept rows hold at
//     most clip categories, each cell moving by at most 1, so Δ₂² = clip:
//     σ² = clip/(2ρ_stat). Its missing cell still counts rows and carries
//     the row count's noise, σ² = clip²/(2ρ_stat): a patient with m missing
//     rows and clip − m categories costs m²/(2σ²_missing) + (clip − m)/(2σ²)
//     = (m²/clip + clip − m)·ρ_stat/clip ≤ ρ_stat, as m ≤ clip.
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
//     on the data: negative, 0–9, 10–99, … 100,000,000–999,999,999,
//     ≥ 1,000,000,000 and "not a number" (decimals fall in the bucket of
//     their integer part). Every bucket is computed; the card drops those whose
//     shown count is 0 (post-processing).
//   - Date and datetime columns: one cell per year 1900…2100, "before 1900",
//     "after 2100" and "not a date": again a fixed domain, zeros dropped.
//   - Other columns (string, boolean): the categories themselves, which
//     are not a fixed domain: which categories exist is taken from the data,
//     and a category held by a single patient would reveal that patient by
//     appearing at all. So a category is shown only when its noisy count
//     reaches a threshold τ = b + k: b is the most a category one patient
//     alone holds can count (clip counting rows, 1 counting patients), and
//     k the smallest integer with P(noise ≥ k) ≤ δ_col/clip, δ_col being the
//     column's share of the thresholds' half of [CardDelta]. One patient
//     makes at most clip new categories candidates, each shown with
//     probability at most δ_col/clip: the column fails its privacy with
//     probability at most δ_col (the standard stability-based histogram),
//     and all columns together with at most CardDelta/2. At most
//     [TopCategories] of the passing categories are shown, the largest noisy
//     counts first; the noisy count decides, so the choice is
//     post-processing too. A category no kept row holds is never a
//     candidate.
//
// Every shown figure carries the 95 % bound of its noise ([Gaussian.Bound95]).

// TopCategories is the most categories a card shows for one column.
const TopCategories = 10

// CardDelta is the δ of the whole card: half for converting its ρ-zCDP to
// (ε, δ)-DP ([CardRho]), half shared by the thresholds that hide rare
// categories.
const CardDelta = 1e-6

// Mechanism names the noise of the questions before buying (their ε
// budgets, [Laplace]).
const Mechanism = "discrete Laplace"

// CardMechanism names the noise the card's statistics carry.
const CardMechanism = "discrete Gaussian (zCDP)"

// Stats is a card's statistics, ready to store as JSON.
type Stats struct {
	Epsilon string  `json:"epsilon"` // the card's ε, an exact fraction
	Delta   float64 `json:"delta"`   // the card's total δ, CardDelta
	// Rho is the ρ these statistics spend (zCDP), an exact fraction: the
	// card's when they are its only table, else the table's share.
	Rho               string `json:"rho"`
	Mechanism         string `json:"mechanism"`
	Statistics        int    `json:"statistics"`        // how many statistics share ρ
	RhoPerStatistic   string `json:"rho_per_statistic"` // ρ / Statistics, an exact fraction
	MaxRowsPerPatient int64  `json:"max_rows_per_patient"`
	CategoryThreshold int64  `json:"category_threshold"` // τ: a category's noisy count must reach it to be shown
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
	// patient's kept rows hold at most Clip distinct categories, each
	// counting 1: the histogram's L2 sensitivity is √Clip, and a category
	// one patient alone holds counts 1, so both noise and threshold are
	// smaller than counting rows.
	PatientsPerCategory bool
}

// CardStats computes the card's statistics of t under ε. patientColumn
// names the column holding each row's patient pseudonym; clip is the most
// rows one patient contributes. src supplies the noise ([CryptoSource] in
// production).
func CardStats(t *anonymize.Table, patientColumn string, eps *big.Rat, clip int64, src Source) (Stats, error) {
	return CardStatsWith(t, eps, CardOptions{PatientColumn: patientColumn, Clip: clip}, src)
}

// CardStatsWith computes the statistics of t alone on a card of ε with
// opts: ε becomes ρ ([CardRho]) and t's category columns share the
// thresholds' δ.
func CardStatsWith(t *anonymize.Table, eps *big.Rat, opts CardOptions, src Source) (Stats, error) {
	rho, err := CardRho(eps)
	if err != nil {
		return Stats{}, err
	}
	p, err := planTable(t, opts)
	if err != nil {
		return Stats{}, err
	}
	st, err := p.stats(rho, CardDelta/2/float64(max(p.categoryColumns(), 1)), newNoiseCache(), cardSource(src))
	if err != nil {
		return Stats{}, err
	}
	st.Epsilon = eps.RatString()
	return st, nil
}

// CardRho is the ρ of a card of ε: the largest ρ with
// ρ + 2√(ρ ln(1/δ)) ≤ ε, δ = CardDelta/2 (Bun and Steinke 2016,
// Proposition 1.3: ρ-zCDP implies that (ε, δ)-DP), rounded down to an
// exact fraction D/M, D a power of ten and M an integer of at least 6
// digits (so at most 10⁻⁵ of ρ is left unspent), checked against the
// inequality. The small numerator keeps the noise's σ² a fraction of small
// integers, which the exact sampler draws from fast.
func CardRho(eps *big.Rat) (*big.Rat, error) {
	if eps == nil || eps.Sign() <= 0 {
		return nil, fmt.Errorf("card statistics: ε %v is not positive: %w", eps, anonymize.ErrInvalid)
	}
	e, _ := eps.Float64()
	l := math.Log(2 / CardDelta)
	// √ρ = √(l+ε) − √l, written without the cancellation.
	r := e / (math.Sqrt(l+e) + math.Sqrt(l))
	rf := r * r
	if rf < 1e-300 || math.IsInf(rf, 0) || math.IsNaN(rf) {
		return nil, fmt.Errorf("card statistics: ε %s gives no usable ρ: %w", eps.RatString(), anonymize.ErrInvalid)
	}
	// D = 10^j with D/rf in [10⁵, 10⁶) when j ≥ 0, else D = 1 and
	// M = ⌈1/rf⌉ > 10⁵.
	j := max(int(math.Ceil(math.Log10(rf*1e5))), 0)
	d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(j)), nil)
	df, _ := new(big.Float).SetInt(d).Float64()
	m, _ := new(big.Float).SetFloat64(math.Ceil(df / rf)).Int(nil)
	rho := new(big.Rat)
	for range 1000 { // float64's rounding moves M by one or two at most
		rho.SetFrac(d, m)
		if zcdpEpsilon(rho, CardDelta/2) <= e {
			return rho, nil
		}
		m.Add(m, big.NewInt(1))
	}
	return nil, fmt.Errorf("card statistics: ε %s gives no usable ρ: %w", eps.RatString(), anonymize.ErrInvalid)
}

// zcdpEpsilon is the ε of the (ε, δ)-DP that ρ-zCDP implies.
func zcdpEpsilon(rho *big.Rat, delta float64) float64 {
	r, _ := rho.Float64()
	return r + 2*math.Sqrt(r*math.Log(1/delta))
}

// tablePlan is a table checked and its described columns chosen.
type tablePlan struct {
	t    *anonymize.Table
	opts CardOptions
	pc   *anonymize.Column
	cols []*anonymize.Column
}

func planTable(t *anonymize.Table, opts CardOptions) (tablePlan, error) {
	if t == nil {
		return tablePlan{}, fmt.Errorf("card statistics: table is nil: %w", anonymize.ErrInvalid)
	}
	p := tablePlan{t: t, opts: opts}
	if opts.PatientColumn != "" {
		if p.pc = t.Column(opts.PatientColumn); p.pc == nil {
			return tablePlan{}, fmt.Errorf("card statistics: table %q has no patient column %q: %w", t.Name, opts.PatientColumn, anonymize.ErrInvalid)
		}
	} else if opts.Clip != 1 {
		return tablePlan{}, fmt.Errorf("card statistics: table %q without a patient column counts each row as a patient: rows per patient must be 1, not %d: %w", t.Name, opts.Clip, anonymize.ErrInvalid)
	}
	if opts.Clip < 1 {
		return tablePlan{}, fmt.Errorf("card statistics: rows per patient %d is below 1: %w", opts.Clip, anonymize.ErrInvalid)
	}
	for _, c := range t.Columns {
		if c != p.pc && c.Role != anonymize.RoleDirect {
			p.cols = append(p.cols, c)
		}
	}
	return p, nil
}

// categoryColumns counts the described columns whose cells are categories
// taken from the data (each needs a share of the thresholds' δ).
func (p tablePlan) categoryColumns() int {
	n := 0
	for _, c := range p.cols {
		if _, _, domain := cellsFor(c.Type); domain == nil {
			n++
		}
	}
	return n
}

// stats computes the table's statistics under ρ, each category column's
// threshold failing with probability at most colDelta.
func (p tablePlan) stats(rho *big.Rat, colDelta float64, cache *noiseCache, src Source) (Stats, error) {
	clip := p.opts.Clip
	n := 1 + len(p.cols)
	if p.pc != nil {
		n++ // the patient count is a statistic of its own
	}
	each := new(big.Rat).Quo(rho, big.NewRat(int64(n), 1))
	rowMech, err := NewGaussian(each, clip)
	if err != nil {
		return Stats{}, fmt.Errorf("card statistics: %w", err)
	}
	// A category one patient alone holds counts at most clip rows.
	catMech, alone := rowMech, clip
	perPatient := p.opts.PatientsPerCategory && p.pc != nil
	if perPatient {
		// Δ₂² = clip: σ² = clip/(2ρ_stat), exactly NewGaussian(ρ_stat/clip, 1).
		if catMech, err = NewGaussian(new(big.Rat).Quo(each, big.NewRat(clip, 1)), 1); err != nil {
			return Stats{}, fmt.Errorf("card statistics: %w", err)
		}
		alone = 1 // ... and counts 1 patient
	}
	keep, kept, patients := clipRows(p.pc, p.t.NumRows(), clip)
	st := Stats{
		Delta: CardDelta, Rho: rho.RatString(), Mechanism: CardMechanism, Statistics: n,
		RhoPerStatistic: each.RatString(), MaxRowsPerPatient: clip, PatientColumn: p.opts.PatientColumn,
		CategoryThreshold: alone + cache.threshold(catMech, colDelta/float64(clip)),
	}
	if st.Rows, err = cache.noisy(rowMech, src, kept); err != nil {
		return Stats{}, fmt.Errorf("card statistics: row count: %w", err)
	}
	st.Patients = st.Rows
	if p.pc != nil {
		patientMech, err := NewGaussian(each, 1)
		if err != nil {
			return Stats{}, fmt.Errorf("card statistics: %w", err)
		}
		if st.Patients, err = cache.noisy(patientMech, src, patients); err != nil {
			return Stats{}, fmt.Errorf("card statistics: patient count: %w", err)
		}
	}
	cc := cellCounter{keep: keep, rowMech: rowMech, catMech: catMech, threshold: st.CategoryThreshold, rows: st.Rows.Value, src: src, cache: cache}
	if perPatient {
		cc.patients = p.pc.Codes
	}
	for _, c := range p.cols {
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

// missingCell is the label of the cell counting empty values.
const missingCell = "\x00missing"

// cellCounter counts the kept rows of a column into cells, adds noise to
// every cell and keeps what the card shows.
type cellCounter struct {
	keep []bool
	// rowMech is the noise of cells counting rows, catMech of category
	// cells (the same unless they count patients).
	rowMech, catMech *Gaussian
	threshold        int64
	rows             int64 // the noisy row count, for the missing share
	src              Source
	cache            *noiseCache
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
	mech := cc.rowMech
	if domain == nil && cc.patients != nil {
		counts, cs.Counts = cc.patientsPerCell(c, cellOfCode, len(labels)), "patients"
		mech = cc.catMech
	} else {
		counts = make([]int64, len(labels))
		for i, code := range c.Codes {
			if cc.keep[i] {
				counts[cellOfCode[code]]++
			}
		}
	}
	var err error
	if cs.Missing, err = cc.cache.noisy(cc.rowMech, cc.src, counts[0]); err != nil {
		return ColumnStats{}, err
	}
	if cc.rows > 0 {
		cs.MissingShare = min(float64(cs.Missing.Value)/float64(cc.rows), 1)
	}
	for j := 1; j < len(labels); j++ {
		if domain == nil && counts[j] == 0 {
			continue // a category no kept row holds is never a candidate
		}
		f, err := cc.cache.noisy(mech, cc.src, counts[j])
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

const maxDecade = 9 // buckets up to 100,000,000–999,999,999, then ≥ 1,000,000,000

// decadeLabel names the bucket [10^(d-1), 10^d) as a reader writes it:
// "0–9", "10–99", "1,000–9,999".
func decadeLabel(d int) string {
	lo := int64(1)
	for range d - 1 {
		lo *= 10
	}
	if d == 1 {
		lo = 0
	}
	hi := int64(1)
	for range d {
		hi *= 10
	}
	return thousands(lo) + "–" + thousands(hi-1)
}

// thousands writes n with a comma every three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func numericBuckets() []string {
	out := []string{"negative"}
	for d := 1; d <= maxDecade; d++ {
		out = append(out, decadeLabel(d))
	}
	return append(out, "≥ "+thousands(1_000_000_000), "not a number")
}

func numericBucket(v string) string {
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	switch {
	case err != nil || math.IsNaN(x):
		return "not a number"
	case x < 0:
		return "negative"
	}
	p := 1.0
	for d := 1; d <= maxDecade; d++ {
		p *= 10
		if x < p {
			return decadeLabel(d)
		}
	}
	return "≥ " + thousands(1_000_000_000)
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

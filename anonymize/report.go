package anonymize

import (
	"fmt"
	"math"
	"slices"
)

// DefaultRiskThreshold is the re-identification probability above which a
// record counts as at risk when ReportOptions says nothing.
const DefaultRiskThreshold = 0.2

// ReportOptions tunes Assess.
type ReportOptions struct {
	// RiskThreshold: records whose re-identification risk exceeds it are at
	// risk. 0 means DefaultRiskThreshold.
	RiskThreshold float64 `json:"risk_threshold,omitempty" yaml:"risk_threshold,omitempty"`
	// PopulationFraction is the share of the population the table samples
	// (0 < f <= 1; 0 means 1, the table is the whole population). The
	// journalist model estimates each class's population size as its size
	// divided by f; unstated, journalist risk equals prosecutor risk. The
	// population uniqueness estimate (Risk.Population) uses f too, or
	// DefaultSamplingFraction when it is not stated.
	PopulationFraction float64 `json:"population_fraction,omitempty" yaml:"population_fraction,omitempty"`
	// SkipFindings skips the content scan for identifiers left in the data.
	SkipFindings bool `json:"-" yaml:"-"`
}

// Report is what an anonymization achieved: the re-identification risk
// left, the utility lost and the identifiers still present. It is computed
// from the published table alone (Assess), so anyone holding the output can
// recompute it. All shares are fractions in [0, 1].
type Report struct {
	Table string `json:"table,omitempty"`
	// Rows is the number of published rows; Suppressed the rows removed by
	// record suppression; InputRows their sum.
	Rows       int `json:"rows"`
	Suppressed int `json:"suppressed"`
	InputRows  int `json:"input_rows"`

	QuasiIdentifiers []string `json:"quasi_identifiers"`
	Sensitive        []string `json:"sensitive,omitempty"`
	// DirectIdentifiers lists columns with the direct-identifier role that
	// are still published with values.
	DirectIdentifiers []string `json:"direct_identifiers,omitempty"`
	// Findings are identifier-like contents found in published columns.
	Findings []Suggestion `json:"findings,omitempty"`
	// FreeText says what became of each free-text column (by content:
	// FreeTextSample) of a pipeline's input or output; the gate refuses one
	// kept without a scrubber. Set by Pipeline.Run, not by Assess.
	FreeText []FreeTextReport `json:"free_text,omitempty"`
	// AsOf is the reference date Safe Harbor counted ages at (ages and
	// birth years over 89 are "90+" as of that day). Set by Pipeline.Run.
	AsOf string `json:"as_of,omitempty"`

	// Equivalence classes: rows equal on all quasi-identifiers.
	Classes          int               `json:"classes"`
	MinClassSize     int               `json:"min_class_size"` // the k the table satisfies
	MaxClassSize     int               `json:"max_class_size"`
	AverageClassSize float64           `json:"average_class_size"`
	ClassSizes       []HistogramBucket `json:"class_sizes"`

	Risk    Risk              `json:"risk"`
	Utility Utility           `json:"utility"`
	Privacy []SensitiveReport `json:"privacy,omitempty"`
	Search  *SearchResult     `json:"search,omitempty"`
	Columns []ColumnReport    `json:"columns"`
	// Treatments lists every column of the input, dropped ones included,
	// with what was done to it and the share of its information lost
	// (ColumnTreatment defines the measure). Set by Pipeline.Run, not by
	// Assess.
	Treatments []ColumnTreatment `json:"treatments,omitempty"`
	// Advice says what to change when the highest re-identification risk
	// is above the threshold ("raise k", "generalize ZIP further", "drop
	// column X"), most effective first.
	Advice   []string `json:"advice,omitempty"`
	Verdict  *Verdict `json:"verdict,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// HistogramBucket counts the classes whose size lies in [Min, Max] (Max 0: no upper bound).
type HistogramBucket struct {
	Min     int `json:"min"`
	Max     int `json:"max,omitempty"`
	Classes int `json:"classes"`
	Records int `json:"records"`
}

// RiskModel is one attacker model's re-identification risk (ARX's definitions).
type RiskModel struct {
	// Highest is the largest probability that a record is re-identified.
	Highest float64 `json:"highest"`
	// Average is the expected share of records re-identified (success rate).
	Average float64 `json:"average"`
	// RecordsAtRisk is the share of records whose risk exceeds the threshold.
	RecordsAtRisk float64 `json:"records_at_risk"`
}

// Risk gathers the attacker models. The prosecutor knows the person is in
// the table; the journalist only that the person is in the population the
// table samples (with no sampling fraction stated the sample is taken as
// the population and journalist equals prosecutor); the marketer
// re-identifies as many records as possible and counts only the average
// success: classes / records (ARX's sample-based definition).
type Risk struct {
	Threshold float64 `json:"threshold"`
	// SamplingFraction is the f the journalist model used: 1 (the sample
	// is the population) when ReportOptions.PopulationFraction is unstated.
	SamplingFraction float64   `json:"sampling_fraction"`
	Prosecutor       RiskModel `json:"prosecutor"`
	Journalist       RiskModel `json:"journalist"`
	Marketer         float64   `json:"marketer"`
	SampleUniques    float64   `json:"sample_uniques"` // share of records alone in their class
	// UniqueRecords is the number of records alone in their class.
	UniqueRecords int `json:"unique_records"`
	// Population estimates the population uniques (risk.go).
	Population *PopulationRisk `json:"population,omitempty"`
}

// Utility measures what the generalization and suppression cost.
type Utility struct {
	// NCP is the normalized certainty penalty over all quasi-identifier
	// cells of input rows: 0 for original values, 1 for fully generalized or
	// suppressed ones; a generalized value costs (leaves - 1)/(domain - 1)
	// and an interval (hi - lo)/(max - min).
	NCP float64 `json:"ncp"`
	// Discernibility sums the squared class sizes, plus the number of input
	// rows for each suppressed row.
	Discernibility float64 `json:"discernibility"`
	// AverageClassSize is the number of published rows per class.
	AverageClassSize float64 `json:"average_class_size"`
	// Suppressed is the share of input rows suppressed.
	Suppressed float64 `json:"suppressed"`
}

// ColumnReport is one published column.
type ColumnReport struct {
	Name string `json:"name"`
	Type Type   `json:"type"`
	Role Role   `json:"role"`
	// Applied lists the transforms that changed the column.
	Applied []string `json:"applied,omitempty"`
	// Level and Height: the hierarchy level of a quasi-identifier after a
	// full-domain generalization and the hierarchy's height. A column
	// recoded locally (Mondrian: rows sit at different levels) has Level 0
	// and says so in Generalization.
	Level  int `json:"level,omitempty"`
	Height int `json:"height,omitempty"`
	// Generalization says how a quasi-identifier with a hierarchy was
	// generalized: "level 2 of 4", or "local recoding (Mondrian):
	// intervals per class".
	Generalization string `json:"generalization,omitempty"`
	// NCP is the column's normalized certainty penalty (quasi-identifiers)
	// against the hierarchy it carries in the published table.
	NCP float64 `json:"ncp,omitempty"`
	// Treatment and Loss: what the pipeline did to the column and the
	// share of its information lost over all steps (ColumnTreatment); set
	// by Pipeline.Run.
	Treatment string  `json:"treatment,omitempty"`
	Loss      float64 `json:"loss,omitempty"`
}

// SensitiveReport says how well one sensitive column is protected: the
// smallest number of distinct values and entropy-l in any class, and the
// largest distance of a class's distribution from the table's (t).
type SensitiveReport struct {
	Column      string  `json:"column"`
	MinDistinct int     `json:"min_distinct_l"`
	MinEntropyL float64 `json:"min_entropy_l"`
	MaxT        float64 `json:"max_t"`
}

var histogramBounds = [][2]int{{1, 1}, {2, 2}, {3, 4}, {5, 9}, {10, 19}, {20, 49}, {50, 99}, {100, 999}, {1000, 0}}

// Assess computes the report of a published table: classes over the
// columns with RoleQuasi, risks, utility (with the hierarchies the columns
// carry and t.Suppressed) and the identifiers left.
func Assess(t *Table, opt ReportOptions) *Report {
	if opt.RiskThreshold <= 0 {
		opt.RiskThreshold = DefaultRiskThreshold
	}
	f := opt.PopulationFraction
	if f <= 0 || f > 1 {
		f = 1
	}
	n := t.NumRows()
	r := &Report{Table: t.Name, Rows: n, Suppressed: t.Suppressed, InputRows: n + t.Suppressed}
	qis := t.ByRole(RoleQuasi)
	r.listRoles(t, qis)

	classOf, sizes := groupRows(t, qis)
	r.Classes = len(sizes)
	if len(sizes) > 0 {
		r.MinClassSize = slices.Min(sizes)
		r.MaxClassSize = slices.Max(sizes)
		r.AverageClassSize = float64(n) / float64(len(sizes))
	}
	r.ClassSizes = classHistogram(sizes)
	r.Risk = assessRisk(sizes, n, r.MinClassSize, opt.RiskThreshold, f)
	r.Risk.Population = populationRisk(sizes, n, opt.PopulationFraction)
	r.assessUtility(t, sizes, len(qis))
	for _, c := range t.ByRole(RoleSensitive) {
		r.Privacy = append(r.Privacy, sensitiveReport(c, classOf, len(sizes)))
	}
	if !opt.SkipFindings {
		r.Findings = findIdentifiers(t)
	}
	r.Advice = riskAdvice(t, qis, r)
	if len(qis) == 0 {
		r.Warnings = append(r.Warnings, "no quasi-identifiers declared: the whole table counts as one class, so the risk figures say little")
	}
	return r
}

// listRoles lists the quasi-identifiers, the sensitive columns and the
// direct identifiers that still hold values.
func (r *Report) listRoles(t *Table, qis []*Column) {
	for _, c := range qis {
		r.QuasiIdentifiers = append(r.QuasiIdentifiers, c.Name)
	}
	for _, c := range t.ByRole(RoleSensitive) {
		r.Sensitive = append(r.Sensitive, c.Name)
	}
	for _, c := range t.ByRole(RoleDirect) {
		if hasValues(c) {
			r.DirectIdentifiers = append(r.DirectIdentifiers, c.Name)
		}
	}
}

// classHistogram counts the classes and their records per histogramBounds
// bucket.
func classHistogram(sizes []int) []HistogramBucket {
	var buckets []HistogramBucket
	for _, b := range histogramBounds {
		buckets = append(buckets, HistogramBucket{Min: b[0], Max: b[1]})
	}
	for _, s := range sizes {
		for i := range buckets {
			b := &buckets[i]
			if s >= b.Min && (b.Max == 0 || s <= b.Max) {
				b.Classes++
				b.Records += s
				break
			}
		}
	}
	return buckets
}

// assessRisk computes the prosecutor, journalist and marketer risks of
// classes of the given sizes (n rows in all, the smallest minClass), with
// f the sample's share of the population.
func assessRisk(sizes []int, n, minClass int, threshold, f float64) Risk {
	risk := Risk{Threshold: threshold, SamplingFraction: f}
	for _, s := range sizes {
		p := 1 / float64(s)
		if p > threshold {
			risk.Prosecutor.RecordsAtRisk += float64(s)
		}
		pop := math.Max(float64(s)/f, float64(s))
		j := 1 / pop
		if j > threshold {
			risk.Journalist.RecordsAtRisk += float64(s)
		}
		risk.Journalist.Average += float64(s) * j
		if s == 1 {
			risk.UniqueRecords++
		}
	}
	if n > 0 {
		risk.Prosecutor.Highest = 1 / float64(minClass)
		risk.Prosecutor.Average = float64(len(sizes)) / float64(n)
		risk.Prosecutor.RecordsAtRisk /= float64(n)
		risk.Journalist.Highest = 1 / math.Max(float64(minClass)/f, float64(minClass))
		risk.Journalist.Average /= float64(n)
		risk.Journalist.RecordsAtRisk /= float64(n)
		risk.Marketer = float64(len(sizes)) / float64(n)
		risk.SampleUniques = float64(risk.UniqueRecords) / float64(n)
	}
	return risk
}

// assessUtility computes the utility figures (suppressed rows counted as
// fully generalized, in a class of all input rows) and the column reports,
// with each quasi-identifier's normalized certainty penalty; nq is the
// number of quasi-identifiers.
func (r *Report) assessUtility(t *Table, sizes []int, nq int) {
	disc := 0.0
	for _, s := range sizes {
		disc += float64(s) * float64(s)
	}
	in := r.InputRows
	disc += float64(t.Suppressed) * float64(in)
	r.Utility = Utility{Discernibility: disc, AverageClassSize: r.AverageClassSize}
	if in > 0 {
		r.Utility.Suppressed = float64(t.Suppressed) / float64(in)
	}
	total := 0.0
	for _, c := range t.Columns {
		cr := ColumnReport{Name: c.Name, Type: c.Type, Role: c.Role, Applied: c.Applied}
		if c.Role == RoleQuasi {
			cr.Level = max(c.Level, 0)
			if c.Hierarchy != nil {
				cr.Height = c.Hierarchy.Height()
				cr.Generalization = fmt.Sprintf("level %d of %d", cr.Level, cr.Height)
			}
			if c.Level < 0 {
				cr.Generalization = localRecoding(c)
			}
			sum := ColumnLoss(c) + float64(t.Suppressed)
			if in > 0 {
				cr.NCP = sum / float64(in)
			}
			total += sum
		}
		r.Columns = append(r.Columns, cr)
	}
	if in > 0 && nq > 0 {
		r.Utility.NCP = total / float64(in*nq)
	}
}

// setTreatments records every input column's treatment and copies each
// published column's into its ColumnReport.
func (r *Report) setTreatments(ts []ColumnTreatment) {
	r.Treatments = ts
	for i := range r.Columns {
		for _, t := range ts {
			if t.Column == r.Columns[i].Name {
				r.Columns[i].Treatment, r.Columns[i].Loss = t.Treatment, t.Loss
			}
		}
	}
}

func hasValues(c *Column) bool {
	used := make([]bool, len(c.Dict))
	for _, code := range c.Codes {
		if !used[code] {
			used[code] = true
			if c.Dict[code] != "" {
				return true
			}
		}
	}
	return false
}

// groupRows returns each row's class id and the class sizes, grouping by
// the values of cols (one class when cols is empty).
func groupRows(t *Table, cols []*Column) ([]uint32, []int) {
	n := t.NumRows()
	classOf := make([]uint32, n)
	if len(cols) == 0 {
		if n == 0 {
			return classOf, nil
		}
		return classOf, []int{n}
	}
	m := len(cols)
	radix := make([]uint64, m)
	exact := true
	prod := uint64(1)
	for j, c := range cols {
		radix[j] = uint64(max(len(c.Dict), 1))
		if prod > math.MaxUint64/radix[j] {
			exact = false
		}
		prod *= radix[j]
	}
	var g grouper
	g.init(1024, m, exact)
	vec := make([]uint32, m)
	var sizes []int
	for i := range n {
		for j, c := range cols {
			vec[j] = c.Codes[i]
		}
		id, added := g.insert(g.key(vec, radix), vec)
		if added {
			sizes = append(sizes, 0)
		}
		sizes[id]++
		classOf[i] = uint32(id)
	}
	return classOf, sizes
}

// ColumnLoss returns the sum over the column's rows of each value's
// normalized certainty penalty, judged against the column's hierarchy: an
// original value costs 0, a hierarchy value (leaves-1)/(domain-1) at the
// lowest level it appears, an interval "[lo, hi]" (hi-lo)/(max-min) of the
// hierarchy's numeric values, anything else 1. Without a hierarchy every
// value counts as original.
func ColumnLoss(c *Column) float64 {
	if c.Hierarchy == nil {
		return 0
	}
	cost := valueLosses(c.Hierarchy, c.Dict)
	s := 0.0
	for _, code := range c.Codes {
		s += cost[code]
	}
	return s
}

func valueLosses(h *Hierarchy, values []string) []float64 {
	domain := h.Len()
	counts := h.leafCounts()
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range h.rows {
		if f, ok := parseNumber(r[0]); ok {
			lo, hi = min(lo, f), max(hi, f)
		}
	}
	out := make([]float64, len(values))
	for i, v := range values {
		out[i] = 1
		if h.Contains(v) {
			out[i] = 0
			continue
		}
		found := false
		for l := 1; l < len(counts); l++ {
			if n, ok := counts[l][v]; ok {
				out[i] = leafLoss(n, domain)
				found = true
				break
			}
		}
		if found {
			continue
		}
		if a, b, ok := parseInterval(v); ok && hi > lo {
			out[i] = (b - a) / (hi - lo)
		}
	}
	return out
}

func sensitiveReport(c *Column, classOf []uint32, classes int) SensitiveReport {
	sr := SensitiveReport{Column: c.Name, MinDistinct: math.MaxInt, MinEntropyL: math.Inf(1)}
	if classes == 0 {
		return SensitiveReport{Column: c.Name}
	}
	s := newSensCol(c)
	hist := make(map[uint64]float64)
	rows := make([]float64, classes)
	for i, code := range c.Codes {
		hist[uint64(classOf[i])<<32|uint64(code)]++
		rows[classOf[i]]++
	}
	perClass := make([][]uint32, classes)
	for k := range hist {
		perClass[k>>32] = append(perClass[k>>32], uint32(k))
	}
	scratch := make([]float64, len(c.Dict))
	for cl, codes := range perClass {
		slices.Sort(codes) // the map's order would change the float sums' last bits from run to run
		e := 0.0
		for _, code := range codes {
			v := hist[uint64(cl)<<32|uint64(code)]
			scratch[code] = v
			p := v / rows[cl]
			e -= p * math.Log(p)
		}
		sr.MinDistinct = min(sr.MinDistinct, len(codes))
		sr.MinEntropyL = min(sr.MinEntropyL, math.Exp(e))
		sr.MaxT = max(sr.MaxT, emd(s, scratch, codes, rows[cl]))
		for _, code := range codes {
			scratch[code] = 0
		}
	}
	return sr
}

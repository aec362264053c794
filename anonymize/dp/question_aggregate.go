package dp

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
)

// The aggregates of a question, computed on the rows [evaluation.scan]
// kept: SUM, MEAN, QUANTILE, HISTOGRAM and GROUP BY. The package
// documentation in question.go says what each releases and why it is
// differentially private.

// Default numbers of bins.
const (
	DefaultHistogramBins = 10
	DefaultQuantileBins  = 64
)

// aggregate answers SUM, MEAN, QUANTILE and HISTOGRAM questions.
func (e *evaluation) aggregate() error {
	switch e.q.Statistic {
	case StatSum:
		return e.sum()
	case StatMean:
		return e.mean()
	case StatQuantile:
		return e.quantile()
	}
	return e.histogram()
}

// bounds returns BOUNDS as int64 (Check made sure they fit) and the most
// one value moves a sum.
func (e *evaluation) bounds() (lo, hi, reach int64) {
	lo, hi = e.q.Low.Int64(), e.q.High.Int64()
	return lo, hi, max(abs(lo), abs(hi))
}

// sumSensitivity is clip·max(|lo|, |hi|), at least 1.
func (e *evaluation) sumSensitivity() int64 {
	_, _, reach := e.bounds()
	return max(e.qt.clip*reach, 1)
}

// valueNotes says how SUM and MEAN read the aggregated column.
func (e *evaluation) valueNotes() {
	lo, hi, _ := e.bounds()
	e.note(fmt.Sprintf("Values are clamped to [%d, %d] (BOUNDS); cells that are not numbers (missing, suppressed, generalized or text) are left out.", lo, hi))
	if e.qt.cols[e.q.Column].c.Type == anonymize.TypeDecimal {
		e.note("Decimal values are rounded toward zero before they are added.")
	}
}

// sumOf adds the kept rows' values of the aggregated column, clamped to
// the bounds, and counts them.
func (e *evaluation) sumOf() (sum, n int64) {
	c := e.qt.cols[e.q.Column]
	cells, codes := c.info(), c.c.Codes
	lo, hi, _ := e.bounds()
	for _, i := range e.kept {
		ci := &cells[codes[i]]
		if ci.whole {
			sum += min(max(ci.whole64, lo), hi) // Check bounded rows·reach to int64
			n++
		}
	}
	return sum, n
}

func (e *evaluation) sum() error {
	m, err := NewLaplace(e.eps, e.sumSensitivity())
	if err != nil {
		return err
	}
	s, _ := e.sumOf()
	row, err := sumFigure(m, e.src, s)
	if err != nil {
		return err
	}
	e.ans.Rows = []AnswerRow{row}
	e.valueNotes()
	return nil
}

func sumFigure(m *Laplace, src Source, v int64) (AnswerRow, error) {
	x, err := m.Add(src, v)
	if err != nil {
		return AnswerRow{}, err
	}
	b := m.Bound95()
	return AnswerRow{Value: float64(x), Low: float64(x - b), High: float64(x + b)}, nil
}

// meanMechanisms spend ε/2 on the sum and ε/2 on the count.
func (e *evaluation) meanMechanisms() (sumM, countM *Laplace, err error) {
	half := new(big.Rat).Quo(e.eps, big.NewRat(2, 1))
	if sumM, err = NewLaplace(half, e.sumSensitivity()); err != nil {
		return nil, nil, err
	}
	countM, err = NewLaplace(half, e.qt.clip)
	return sumM, countM, err
}

func (e *evaluation) mean() error {
	sumM, countM, err := e.meanMechanisms()
	if err != nil {
		return err
	}
	s, n := e.sumOf()
	ns, err := sumM.Add(e.src, s)
	if err != nil {
		return err
	}
	nc, err := countM.Add(e.src, n)
	if err != nil {
		return err
	}
	lo, hi, _ := e.bounds()
	e.ans.Rows = []AnswerRow{meanRow(ns, nc, laplaceBound(sumM, 0.025), laplaceBound(countM, 0.025), lo, hi)}
	e.valueNotes()
	return nil
}

// meanRow is the noisy sum over the noisy count, clamped to [lo, hi], with
// the interval that holds whenever the true sum and count lie within
// their bounds bs and bc (each missed with probability ≤ 2.5 %).
func meanRow(s, c, bs, bc, lo, hi int64) AnswerRow {
	flo, fhi := float64(lo), float64(hi)
	clamp := func(x float64) float64 { return min(max(x, flo), fhi) }
	row := AnswerRow{Value: clamp(float64(s) / float64(max(c, 1))), Low: flo, High: fhi}
	if c-bc < 1 {
		return row // the count may be 0: the mean could be anything in the bounds
	}
	var q []float64
	for _, num := range []int64{s - bs, s + bs} {
		for _, den := range []int64{c - bc, c + bc} {
			q = append(q, float64(num)/float64(den))
		}
	}
	row.Low, row.High = clamp(min(q[0], q[1], q[2], q[3])), clamp(max(q[0], q[1], q[2], q[3]))
	row.Low, row.High = min(row.Low, row.Value), max(row.High, row.Value)
	return row
}

// laplaceBound is the smallest b with P(|noise| > b) ≤ alpha ([Laplace.Bound95]
// at another level), in float64: reported, never sampled.
func laplaceBound(m *Laplace, alpha float64) int64 {
	t, _ := m.scale.Float64()
	q := math.Exp(-1 / t)
	k := max(int64(math.Ceil(math.Log(alpha/2*(1+q))/math.Log(q))), 1)
	for k > 1 && laplaceTail(q, k-1) <= alpha {
		k--
	}
	for laplaceTail(q, k) > alpha {
		k++
	}
	return k - 1
}

// laplaceVariance is the discrete Laplace's variance 2q/(1−q)², q = e^(−1/t).
func laplaceVariance(m *Laplace) float64 {
	t, _ := m.scale.Float64()
	q := math.Exp(-1 / t)
	return 2 * q / ((1 - q) * (1 - q))
}

// binOf returns the bin of x among bins equal-width bins of [lo, hi]
// (x inside them).
func binOf(x, lo, hi float64, bins int) int {
	return min(int((x-lo)/(hi-lo)*float64(bins)), bins-1)
}

// edgeLabel writes the k-th of bins edges of [lo, hi] exactly when it is a
// short decimal, else to three places.
func edgeLabel(lo, hi *big.Int, k, bins int) string {
	r := new(big.Rat).SetFrac(new(big.Int).Sub(hi, lo), big.NewInt(int64(bins)))
	r.Mul(r, big.NewRat(int64(k), 1))
	r.Add(r, new(big.Rat).SetInt(lo))
	if s := ratText(r); !strings.Contains(s, "/") && len(s) <= 12 {
		return s
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(3), "0"), ".")
}

func (e *evaluation) quantile() error {
	bins := e.q.Bins
	if bins == 0 {
		bins = DefaultQuantileBins
	}
	m, err := NewLaplace(e.eps, e.qt.clip)
	if err != nil {
		return err
	}
	lo, hi := float64(e.q.Low.Int64()), float64(e.q.High.Int64())
	c := e.qt.cols[e.q.Column]
	cells, codes := c.info(), c.c.Codes
	counts := make([]int64, bins)
	for _, i := range e.kept {
		if ci := &cells[codes[i]]; ci.number {
			counts[binOf(min(max(ci.num, lo), hi), lo, hi, bins)]++
		}
	}
	raw := make([]int64, bins)
	for k, n := range counts {
		if raw[k], err = m.Add(e.src, n); err != nil {
			return err
		}
	}
	qf, _ := e.q.Quantile.Float64()
	e.ans.Rows = []AnswerRow{quantileRow(raw, qf, lo, hi, laplaceVariance(m))}
	e.note(fmt.Sprintf("The quantile is read from a noisy histogram of %d bins of [%d, %d] (BOUNDS, BINS): values outside are counted in the end bins, cells that are not numbers are left out, and the answer is interpolated inside its bin.", bins, e.q.Low.Int64(), e.q.High.Int64()))
	e.note("The interval is conservative: it spans whole bins.")
	return nil
}

// quantileRow reads the q-quantile from noisy bin counts: the point where
// the cumulative of the counts (clamped at 0) reaches q·total, linearly
// inside its bin. The interval spans the bin edges where the unclamped
// cumulative minus q·total, ± 1.96 standard deviations of its noise,
// certainly has not (low) and certainly has (high) crossed zero.
func quantileRow(raw []int64, q, lo, hi, variance float64) AnswerRow {
	bins := len(raw)
	width := (hi - lo) / float64(bins)
	edge := func(j int) float64 { return lo + float64(j)*width }
	cum := make([]float64, bins+1) // clamped
	rawCum := make([]float64, bins+1)
	for k, x := range raw {
		cum[k+1] = cum[k] + float64(max(x, 0))
		rawCum[k+1] = rawCum[k] + float64(x)
	}
	row := AnswerRow{Value: lo + q*(hi-lo), Low: lo, High: hi}
	if total := cum[bins]; total > 0 {
		target := q * total
		for k := range bins {
			if cum[k+1] >= target {
				row.Value = edge(k) + (target-cum[k])/(cum[k+1]-cum[k])*width
				break
			}
		}
	}
	rawTotal := rawCum[bins]
	for j := 0; j <= bins; j++ {
		d := rawCum[j] - q*rawTotal
		b := 1.96 * math.Sqrt(((1-q)*(1-q)*float64(j)+q*q*float64(bins-j))*variance)
		if d+b < 0 {
			row.Low = edge(j)
		}
		if d-b >= 0 && row.High == hi {
			row.High = edge(j)
		}
	}
	row.Low, row.High = min(row.Low, row.Value), max(row.High, row.Value)
	return row
}

func (e *evaluation) histogram() error {
	m, err := NewLaplace(e.eps, e.qt.clip)
	if err != nil {
		return err
	}
	c := e.qt.cols[e.q.Column]
	switch t := c.c.Type; {
	case t.Numeric():
		return e.numericHistogram(c, m)
	case t == anonymize.TypeDate || t == anonymize.TypeDateTime:
		return e.yearHistogram(c, m)
	}
	return e.categoryHistogram(c, m)
}

// numericHistogram: BINS fixed bins of [lo, hi], then below, above, not a
// number and missing; every cell shown.
func (e *evaluation) numericHistogram(c *qcol, m *Laplace) error {
	bins := e.q.Bins
	if bins == 0 {
		bins = DefaultHistogramBins
	}
	lo, hi := float64(e.q.Low.Int64()), float64(e.q.High.Int64())
	below, above, nan, missing := bins, bins+1, bins+2, bins+3
	counts := make([]int64, bins+4)
	cells, codes := c.info(), c.c.Codes
	for _, i := range e.kept {
		ci := &cells[codes[i]]
		switch {
		case ci.kind == cellMissing:
			counts[missing]++
		case !ci.number:
			counts[nan]++
		case ci.num < lo:
			counts[below]++
		case ci.num > hi:
			counts[above]++
		default:
			counts[binOf(ci.num, lo, hi, bins)]++
		}
	}
	labels := make([]string, bins+4)
	for k := range bins {
		closing := ")"
		if k == bins-1 {
			closing = "]"
		}
		labels[k] = "[" + edgeLabel(e.q.Low, e.q.High, k, bins) + ", " + edgeLabel(e.q.Low, e.q.High, k+1, bins) + closing
	}
	labels[below], labels[above] = "< "+e.q.Low.String(), "> "+e.q.High.String()
	labels[nan], labels[missing] = "not a number", "missing"
	for k, n := range counts {
		row, err := countFigure(m, e.src, n)
		if err != nil {
			return err
		}
		row.Group = []string{labels[k]}
		e.ans.Rows = append(e.ans.Rows, row)
	}
	return nil
}

// yearHistogram: the card's year cells and missing, a fixed domain; cells
// whose noisy count is 0 are dropped.
func (e *evaluation) yearHistogram(c *qcol, m *Laplace) error {
	labels := append(yearBuckets(), "missing")
	index := make(map[string]int, len(labels))
	for i, l := range labels {
		index[l] = i
	}
	cellOf := make([]int, len(c.c.Dict))
	for code, v := range c.c.Dict {
		l := "missing"
		if strings.TrimSpace(v) != "" {
			l = yearBucket(v)
		}
		cellOf[code] = index[l]
	}
	counts := make([]int64, len(labels))
	for _, i := range e.kept {
		counts[cellOf[c.c.Codes[i]]]++
	}
	for k, n := range counts {
		row, err := countFigure(m, e.src, n)
		if err != nil {
			return err
		}
		if row.Value > 0 {
			row.Group = []string{labels[k]}
			e.ans.Rows = append(e.ans.Rows, row)
		}
	}
	e.note("Years whose noisy count is 0 are not shown.")
	return nil
}

// threshold is τ = most + k: a key one patient alone holds has a true
// count of at most `most`, and passes with probability at most CardDelta.
func threshold(m *Laplace, most int64) int64 {
	return most + tailAbove(m.Scale(), CardDelta)
}

// categoryHistogram: the categories kept rows hold, shown when their noisy
// count reaches τ, the TopCategories largest.
func (e *evaluation) categoryHistogram(c *qcol, m *Laplace) error {
	counts := make([]int64, len(c.c.Dict))
	for _, i := range e.kept {
		counts[c.c.Codes[i]]++
	}
	tau := threshold(m, e.qt.clip)
	for code, n := range counts {
		if n == 0 {
			continue // a category no kept row holds is never a candidate
		}
		row, err := countFigure(m, e.src, n)
		if err != nil {
			return err
		}
		if row.Value >= float64(tau) {
			row.Group = []string{c.c.Dict[code]}
			e.ans.Rows = append(e.ans.Rows, row)
		}
	}
	sort.SliceStable(e.ans.Rows, func(a, b int) bool { return e.ans.Rows[a].Value > e.ans.Rows[b].Value })
	e.ans.Rows = e.ans.Rows[:min(len(e.ans.Rows), TopCategories)]
	e.ans.Delta = float64(e.qt.clip) * CardDelta
	e.note(fmt.Sprintf("Categories whose noisy count is below %d are not shown (one patient's rows could otherwise reveal them); at most the %d largest are.", tau, TopCategories))
	return nil
}

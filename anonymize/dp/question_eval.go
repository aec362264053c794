package dp

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/medmarket/medmarket/anonymize"
)

// DefaultClip is the most rows one patient contributes to an answer when
// [Data.Clip] does not name the table (1 suits a table with one row per
// patient: callers set Clip[patientTable] = 1).
const DefaultClip = 10

// maxClip keeps per-patient row counters in 32 bits.
const maxClip = 1 << 30

// Data is what questions are asked of: the tables of one release.
type Data struct {
	Tables   []*anonymize.Table
	Default  string            // table used when FROM is absent (the patient table of a release, or the one table)
	Patients map[string]string // table -> its patient column; a table absent here: each row is its own patient
	Clip     map[string]int64  // table -> most rows one patient contributes; absent: DefaultClip
}

// Prepared is [Data] indexed for questions. It is read-only once built and
// safe for concurrent [Prepared.Answer] calls.
type Prepared struct {
	tables map[string]*qtable
	order  []string // table names in Data order
	def    string
}

type qtable struct {
	t             *anonymize.Table
	patient       []uint32 // the patient ordinal of each row; nil: each row is its own patient
	patientColumn string
	npat          int
	clip          int64
	cols          map[string]*qcol
}

// qcol is a column with what conditions need to know of each dictionary
// entry, computed once, on first use.
type qcol struct {
	c     *anonymize.Column
	once  sync.Once
	cells []cellInfo
	// generalized and suppressed say whether the column holds such cells.
	generalized, suppressed bool
}

// cellKind classifies a released cell.
type cellKind uint8

const (
	cellValue cellKind = iota
	cellMissing
	cellSuppressed
)

// cellInfo is what a condition or an aggregate reads of one dictionary
// entry.
type cellInfo struct {
	kind cellKind
	// number: the cell is exactly one number (num; whole, its value
	// rounded toward zero, fits int64).
	number, whole bool
	num           float64
	whole64       int64
	// interval: the cell stands for numbers in [lo, hi] (hi excluded when
	// hiOpen); a plain number is the interval [num, num].
	interval bool
	hiOpen   bool
	lo, hi   float64
	// dated: the cell stands for the days [dlo, dhi], written yyyymmdd.
	dated    bool
	dlo, dhi int32
}

// Prepare indexes d once for many questions.
func Prepare(d Data) (*Prepared, error) {
	p := &Prepared{tables: make(map[string]*qtable, len(d.Tables)), def: d.Default}
	for i, t := range d.Tables {
		if t == nil {
			return nil, fmt.Errorf("questions: table %d is nil: %w", i+1, anonymize.ErrInvalid)
		}
		if _, dup := p.tables[t.Name]; dup {
			return nil, fmt.Errorf("questions: two tables named %q: %w", t.Name, anonymize.ErrInvalid)
		}
		qt, err := prepareTable(t, d.Patients[t.Name], d.Clip)
		if err != nil {
			return nil, err
		}
		p.tables[t.Name] = qt
		p.order = append(p.order, t.Name)
	}
	if p.def == "" && len(d.Tables) == 1 {
		p.def = d.Tables[0].Name
	}
	if _, ok := p.tables[p.def]; p.def != "" && !ok {
		return nil, fmt.Errorf("questions: default table %q is not among the tables: %w", p.def, anonymize.ErrInvalid)
	}
	return p, nil
}

func prepareTable(t *anonymize.Table, patientColumn string, clips map[string]int64) (*qtable, error) {
	qt := &qtable{t: t, cols: make(map[string]*qcol, len(t.Columns)), clip: DefaultClip, npat: t.NumRows()}
	if c, ok := clips[t.Name]; ok {
		qt.clip = c
	}
	if qt.clip < 1 || qt.clip > maxClip {
		return nil, fmt.Errorf("questions: table %q: rows per patient %d is not from 1 to %d: %w", t.Name, qt.clip, maxClip, anonymize.ErrInvalid)
	}
	for _, c := range t.Columns {
		qt.cols[c.Name] = &qcol{c: c}
	}
	if patientColumn == "" {
		qt.clip = 1 // every row is its own patient
		return qt, nil
	}
	pc := t.Column(patientColumn)
	if pc == nil {
		return nil, fmt.Errorf("questions: table %q has no patient column %q: %w", t.Name, patientColumn, anonymize.ErrInvalid)
	}
	qt.patient, qt.npat = pc.Codes, len(pc.Dict) // the dictionary code is the patient's ordinal
	qt.patientColumn = patientColumn
	return qt, nil
}

// info returns the column's per-entry cell information, computing it on
// first use.
func (c *qcol) info() []cellInfo {
	c.once.Do(func() {
		c.cells = make([]cellInfo, len(c.c.Dict))
		for i, v := range c.c.Dict {
			ci := readCell(v)
			c.cells[i] = ci
			switch {
			case ci.kind == cellSuppressed:
				c.suppressed = true
			case ci.kind == cellValue && (strings.Contains(v, "*") || generalizedSpan(v, ci)):
				c.generalized = true
			}
		}
		if c.c.Level != 0 {
			c.generalized = true
		}
	})
	return c.cells
}

// generalizedSpan: the cell is an interval of numbers or days, not one
// number or one day.
func generalizedSpan(v string, ci cellInfo) bool {
	if ci.number {
		return false
	}
	return ci.interval || (ci.dated && len(strings.TrimSpace(v)) != 10 && !isDateTime(v))
}

func isDateTime(v string) bool {
	v = strings.TrimSpace(v)
	return len(v) > 10 && v[10] == 'T'
}

// readCell classifies one released value.
func readCell(v string) cellInfo {
	v = strings.TrimSpace(v)
	if v == "" {
		return cellInfo{kind: cellMissing}
	}
	if strings.Trim(v, "*") == "" {
		return cellInfo{kind: cellSuppressed}
	}
	var ci cellInfo
	if x, ok := parseFloat(v); ok {
		ci.number, ci.num = true, x
		ci.interval, ci.lo, ci.hi = true, x, x
		if w, err := strconv.ParseInt(v, 10, 64); err == nil {
			ci.whole, ci.whole64 = true, w
		} else if t := math.Trunc(x); t >= -9e18 && t <= 9e18 {
			ci.whole, ci.whole64 = true, int64(t)
		}
	} else if lo, hi, open, ok := parseNumericInterval(v); ok {
		ci.interval, ci.lo, ci.hi, ci.hiOpen = true, lo, hi, open
	}
	ci.dlo, ci.dhi, ci.dated = parseDateSpan(v)
	return ci
}

// parseFloat reads a plain finite number.
func parseFloat(s string) (float64, bool) {
	if s == "" || !(isDigit(s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.') {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, false
	}
	return x, true
}

// parseNumericInterval reads the intervals anonymize writes: "20-24"
// (inclusive, interval hierarchies and decades), "[20.5,25.5)"
// (half-open, decimal interval hierarchies) and "[20, 25]" (closed,
// Mondrian).
func parseNumericInterval(v string) (lo, hi float64, hiOpen, ok bool) {
	if len(v) >= 5 && v[0] == '[' && (v[len(v)-1] == ')' || v[len(v)-1] == ']') {
		a, b, found := strings.Cut(v[1:len(v)-1], ",")
		if !found {
			return 0, 0, false, false
		}
		x, ok1 := parseFloat(strings.TrimSpace(a))
		y, ok2 := parseFloat(strings.TrimSpace(b))
		return x, y, v[len(v)-1] == ')', ok1 && ok2 && x <= y
	}
	for i := 1; i < len(v)-1; i++ { // the separating '-' follows a digit
		if v[i] != '-' || !isDigit(v[i-1]) {
			continue
		}
		x, ok1 := parseFloat(v[:i])
		y, ok2 := parseFloat(v[i+1:])
		if ok1 && ok2 && x <= y {
			return x, y, false, true
		}
	}
	return 0, 0, false, false
}

// parseDateSpan reads a date or timestamp (its day), a month "2006-01", a
// year "2006" or a decade "2000-2009" as the span of days it stands for.
func parseDateSpan(v string) (lo, hi int32, ok bool) {
	switch {
	case len(v) >= 10 && v[4] == '-' && v[7] == '-' && (len(v) == 10 || v[10] == 'T' || v[10] == ' '):
		y, ok1 := digits(v[:4])
		m, ok2 := digits(v[5:7])
		d, ok3 := digits(v[8:10])
		day := y*10000 + m*100 + d
		return day, day, ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 && d <= 31
	case len(v) == 7 && v[4] == '-':
		y, ok1 := digits(v[:4])
		m, ok2 := digits(v[5:7])
		return y*10000 + m*100 + 1, y*10000 + m*100 + 31, ok1 && ok2 && m >= 1 && m <= 12
	case len(v) == 4:
		y, ok := digits(v)
		return y*10000 + 101, y*10000 + 1231, ok
	case len(v) == 9 && v[4] == '-':
		a, ok1 := digits(v[:4])
		b, ok2 := digits(v[5:])
		return a*10000 + 101, b*10000 + 1231, ok1 && ok2 && a <= b
	}
	return 0, 0, false
}

// digits reads a short run of decimal digits.
func digits(s string) (int32, bool) {
	if s == "" || len(s) > 8 {
		return 0, false
	}
	n := int32(0)
	for i := range len(s) {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int32(s[i]-'0')
	}
	return n, true
}

// table returns the question's table.
func (p *Prepared) table(q *Question) (*qtable, error) {
	name := q.Table
	if name == "" {
		name = p.def
		if name == "" {
			return nil, fmt.Errorf("question: no FROM and no default table among %s: %w", strings.Join(p.tableNames(), ", "), anonymize.ErrInvalid)
		}
	}
	qt, ok := p.tables[name]
	if !ok {
		return nil, fmt.Errorf("question: no table %q (tables: %s): %w", name, strings.Join(p.tableNames(), ", "), anonymize.ErrInvalid)
	}
	return qt, nil
}

func (p *Prepared) tableNames() []string {
	names := make([]string, 0, len(p.tables))
	for n := range p.tables {
		names = append(names, strconv.Quote(n))
	}
	sort.Strings(names)
	return names
}

func (qt *qtable) column(name, role string) (*qcol, error) {
	c, ok := qt.cols[name]
	if !ok {
		return nil, fmt.Errorf("question: table %q has no column %q (%s): %w", qt.t.Name, name, role, anonymize.ErrInvalid)
	}
	return c, nil
}

// Check says whether q can be answered on p: its table and columns exist,
// the aggregated column suits the statistic and BOUNDS are there when
// needed. Its errors name the table or column and the reason and wrap
// anonymize.ErrInvalid.
func (p *Prepared) Check(q *Question) error {
	if q == nil {
		return fmt.Errorf("question: nil: %w", anonymize.ErrInvalid)
	}
	if err := q.validate(); err != nil {
		return err
	}
	qt, err := p.table(q)
	if err != nil {
		return err
	}
	for _, f := range q.Filters {
		if _, err := qt.column(f.Column, "in WHERE"); err != nil {
			return err
		}
		if err := checkOrdering(qt.t.Name, f); err != nil {
			return err
		}
	}
	for _, g := range q.GroupBy {
		c, err := qt.column(g, "in GROUP BY")
		if err != nil {
			return err
		}
		if err := qt.checkDescribable(c.c, "GROUP BY"); err != nil {
			return err
		}
	}
	if q.Column != "" {
		c, err := qt.column(q.Column, "in "+strings.ToUpper(q.Statistic))
		if err != nil {
			return err
		}
		if err := checkAggregated(qt, c.c, q); err != nil {
			return err
		}
		if err := qt.checkDescribable(c.c, strings.ToUpper(q.Statistic)); err != nil {
			return err
		}
	}
	if err := checkBounds(qt, q); err != nil {
		return err
	}
	return checkScale(qt, q)
}

// MaxNoiseScale is the largest noise scale (sensitivity/ε) a question may
// ask for: beyond it the noise drowns any answer, and the float64 read of
// its 95 % bound loses its precision.
const MaxNoiseScale = 1_000_000_000_000

// checkScale refuses a question whose noise would exceed MaxNoiseScale.
func checkScale(qt *qtable, q *Question) error {
	sens := qt.clip
	if q.Statistic == StatSum || q.Statistic == StatMean {
		_, _, reach := (&evaluation{q: q}).bounds()
		sens = max(qt.clip*reach, 1)
	}
	eps := q.EpsilonOrDefault()
	if q.Statistic == StatMean || (len(q.GroupBy) > 0 && q.Statistic == StatSum) {
		eps.Quo(eps, big.NewRat(2, 1))
	}
	scale := new(big.Rat).Quo(new(big.Rat).SetInt64(sens), eps)
	if scale.Cmp(new(big.Rat).SetInt64(MaxNoiseScale)) > 0 {
		f, _ := scale.Float64()
		return fmt.Errorf("question: the noise would have scale %.3g (sensitivity %d over ε %s), above %d: narrow BOUNDS or raise EPSILON: %w",
			f, sens, eps.RatString(), int64(MaxNoiseScale), anonymize.ErrInvalid)
	}
	return nil
}

// checkDescribable refuses to list the values of the patient column or of
// a direct identifier (as the card never describes them): their values
// are one patient each, so nothing of them would pass a threshold anyway.
func (qt *qtable) checkDescribable(c *anonymize.Column, clause string) error {
	if c.Role == anonymize.RoleDirect || (qt.patient != nil && c.Name == qt.patientColumn) {
		return fmt.Errorf("question: table %q column %q: %s may not list a patient column's or a direct identifier's values: %w",
			qt.t.Name, c.Name, clause, anonymize.ErrInvalid)
	}
	return nil
}

// checkOrdering: <, <=, >, >= need a number or a date.
func checkOrdering(table string, f Filter) error {
	switch f.Op {
	case "<", "<=", ">", ">=":
	default:
		return nil
	}
	if _, ok := parseFloat(f.Values[0]); ok {
		return nil
	}
	if lo, hi, ok := parseDateSpan(f.Values[0]); ok && lo == hi && len(f.Values[0]) == 10 {
		return nil
	}
	return fmt.Errorf("question: table %q column %q: %s needs a number or a date YYYY-MM-DD, not %q: %w",
		table, f.Column, f.Op, f.Values[0], anonymize.ErrInvalid)
}

func checkAggregated(qt *qtable, c *anonymize.Column, q *Question) error {
	numeric := c.Type.Numeric()
	bad := func(reason string) error {
		return fmt.Errorf("question: table %q column %q (%s): %s: %w", qt.t.Name, c.Name, c.Type, reason, anonymize.ErrInvalid)
	}
	switch {
	case q.Statistic != StatHistogram && !numeric:
		return bad(strings.ToUpper(q.Statistic) + " needs a numeric column")
	case q.Statistic == StatHistogram && numeric && q.Low == nil:
		return bad("HISTOGRAM of a numeric column needs BOUNDS lo TO hi: the range its fixed bins cover")
	case q.Statistic == StatHistogram && !numeric && (q.Low != nil || q.Bins != 0):
		return bad("BOUNDS and BINS apply to numeric columns only")
	}
	return nil
}

// checkBounds: the bounds fit int64 and so does the sensitivity they give.
func checkBounds(qt *qtable, q *Question) error {
	if q.Low == nil {
		return nil
	}
	if !q.Low.IsInt64() || !q.High.IsInt64() || q.Low.Int64() == math.MinInt64 {
		return fmt.Errorf("question: BOUNDS %s TO %s leave int64: %w", q.Low, q.High, anonymize.ErrInvalid)
	}
	reach := max(abs(q.Low.Int64()), abs(q.High.Int64()))
	if reach != 0 && qt.clip > math.MaxInt64/reach/max(int64(qt.t.NumRows()), 1) {
		return fmt.Errorf("question: table %q: BOUNDS %s TO %s over %d rows may overflow a sum: %w", qt.t.Name, q.Low, q.High, qt.t.NumRows(), anonymize.ErrInvalid)
	}
	return nil
}

// Answer is a question's differentially private answer.
type Answer struct {
	Question          string      `json:"question"` // canonical
	Statistic         string      `json:"statistic"`
	Epsilon           string      `json:"epsilon"`         // exact fraction spent (RatString)
	Delta             float64     `json:"delta,omitempty"` // >0 when group/category keys were thresholded
	Mechanism         string      `json:"mechanism"`       // "discrete Laplace"
	MaxRowsPerPatient int64       `json:"max_rows_per_patient"`
	Rows              []AnswerRow `json:"rows"`            // one row without GROUP BY/HISTOGRAM; one per shown group or bin otherwise
	Notes             []string    `json:"notes,omitempty"` // plain-language caveats
}

// AnswerRow is one figure of an answer and the 95 % interval of the true
// value.
type AnswerRow struct {
	Group []string `json:"group,omitempty"` // group-by values, or the bin label for a histogram
	Value float64  `json:"value"`           // the noisy answer (an integer for counts and sums)
	Low   float64  `json:"low"`             // 95 % interval of the true value
	High  float64  `json:"high"`
}

// evaluation is one question being answered.
type evaluation struct {
	q    *Question
	qt   *qtable
	eps  *big.Rat
	src  Source
	kept []int32 // the rows kept after the WHERE clause and the clip, in table order
	// patients counts the distinct patients of kept rows.
	patients int64
	ans      Answer
}

// Answer answers q on p with noise drawn from src ([CryptoSource] when
// nil), spending q's ε ([Question.EpsilonOrDefault]): the caller has
// checked and charged the budget. Answers to one question differ (fresh
// noise); a cache keyed by Answer.Question returns the first.
func (p *Prepared) Answer(q *Question, src Source) (Answer, error) {
	if err := p.Check(q); err != nil {
		return Answer{}, err
	}
	if src == nil {
		src = CryptoSource{}
	}
	qt, _ := p.table(q)
	e := &evaluation{q: q, qt: qt, eps: q.EpsilonOrDefault(), src: src}
	e.ans = Answer{Question: q.String(), Statistic: q.Statistic, Epsilon: e.eps.RatString(), Mechanism: Mechanism, MaxRowsPerPatient: qt.clip}
	e.scan()
	e.filterNotes()
	var err error
	switch {
	case len(q.GroupBy) > 0:
		err = e.grouped()
	case q.Statistic == StatCount || q.Statistic == StatPatients:
		err = e.count()
	default:
		err = e.aggregate()
	}
	if err != nil {
		return Answer{}, fmt.Errorf("question %s: %w", e.ans.Question, err)
	}
	if qt.clip > 1 && q.Statistic != StatPatients {
		e.note(fmt.Sprintf("Each patient contributes at most %d matching rows (the first in table order); further rows are left out.", qt.clip))
	}
	return e.ans, nil
}

func (e *evaluation) note(s string) { e.ans.Notes = append(e.ans.Notes, s) }

// scan applies the WHERE clause and the clip: it keeps, of each patient's
// matching rows, the first clip.
func (e *evaluation) scan() {
	type cond struct {
		match []bool
		codes []uint32
	}
	conds := make([]cond, len(e.q.Filters))
	for i, f := range e.q.Filters {
		c := e.qt.cols[f.Column]
		conds[i] = cond{match: filterMask(c, f), codes: c.c.Codes}
	}
	n := e.qt.t.NumRows()
	clip := int32(e.qt.clip)
	var seen []int32
	if e.qt.patient != nil {
		seen = make([]int32, e.qt.npat)
	}
	kept := make([]int32, 0, 1024)
rows:
	for i := range n {
		for _, c := range conds {
			if !c.match[c.codes[i]] {
				continue rows
			}
		}
		if seen != nil {
			pt := e.qt.patient[i]
			if seen[pt] >= clip {
				continue
			}
			if seen[pt] == 0 {
				e.patients++
			}
			seen[pt]++
		} else {
			e.patients++
		}
		kept = append(kept, int32(i))
	}
	e.kept = kept
}

// filterMask says, per dictionary entry of c, whether f holds.
func filterMask(c *qcol, f Filter) []bool {
	cells := c.info()
	match := make([]bool, len(cells))
	var num float64
	var day int32
	isNum, isDay := false, false
	switch f.Op {
	case "<", "<=", ">", ">=":
		num, isNum = parseFloat(f.Values[0])
		if !isNum {
			day, _, isDay = parseDateSpan(f.Values[0])
		}
	}
	set := map[string]bool{}
	for _, v := range f.Values {
		set[v] = true
	}
	for i, ci := range cells {
		v := c.c.Dict[i]
		switch f.Op {
		case "missing":
			match[i] = ci.kind == cellMissing
		case "not missing":
			match[i] = ci.kind != cellMissing
		case "suppressed":
			match[i] = ci.kind == cellSuppressed
		case "=", "in":
			match[i] = ci.kind == cellValue && set[strings.TrimSpace(v)]
		case "!=":
			match[i] = ci.kind == cellValue && !set[strings.TrimSpace(v)]
		default:
			match[i] = ci.kind == cellValue && ordered(ci, f.Op, num, isNum, day, isDay)
		}
	}
	return match
}

// ordered says whether every value the cell stands for satisfies "x op
// literal".
func ordered(ci cellInfo, op string, num float64, isNum bool, day int32, isDay bool) bool {
	switch {
	case isNum && ci.interval:
		return holdsForAll(op, ci.lo, ci.hi, ci.hiOpen, num)
	case isDay && ci.dated:
		return holdsForAll(op, float64(ci.dlo), float64(ci.dhi), false, float64(day))
	}
	return false
}

func holdsForAll(op string, lo, hi float64, hiOpen bool, x float64) bool {
	switch op {
	case "<":
		return hi < x || (hiOpen && hi <= x)
	case "<=":
		return hi <= x
	case ">":
		return lo > x
	default: // ">="
		return lo >= x
	}
}

// filterNotes tells the researcher how conditions treated generalized and
// suppressed cells of the columns they touch.
func (e *evaluation) filterNotes() {
	done := map[string]bool{}
	for _, f := range e.q.Filters {
		if done[f.Column] {
			continue
		}
		done[f.Column] = true
		c := e.qt.cols[f.Column]
		c.info()
		if c.generalized {
			e.note(fmt.Sprintf("Column %q holds generalized values (such as intervals '40-49'): = and IN match them only literally; <, <=, >, >= match an interval only when every value it stands for satisfies the comparison.", f.Column))
		}
		if c.suppressed {
			e.note(fmt.Sprintf("Column %q holds suppressed cells ('*'): they match no comparison and no IN; IS SUPPRESSED selects them.", f.Column))
		}
	}
}

// countFigure is a noisy count clamped at zero with its interval.
func countFigure(m *Laplace, src Source, v int64) (AnswerRow, error) {
	x, err := m.Add(src, v)
	if err != nil {
		return AnswerRow{}, err
	}
	b := m.Bound95()
	return AnswerRow{Value: float64(max(x, 0)), Low: float64(max(x-b, 0)), High: float64(max(x+b, 0))}, nil
}

func (e *evaluation) count() error {
	v, sens := int64(len(e.kept)), e.qt.clip
	if e.q.Statistic == StatPatients {
		v, sens = e.patients, 1
	}
	m, err := NewLaplace(e.eps, sens)
	if err != nil {
		return err
	}
	row, err := countFigure(m, e.src, v)
	if err != nil {
		return err
	}
	e.ans.Rows = []AnswerRow{row}
	return nil
}

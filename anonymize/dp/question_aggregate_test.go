package dp

import (
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// visitTruth computes, independently of the evaluator, the true figures
// of the visits table for rows that pass keep (no patient there has more
// rows than the clip of 3 the tests use).
type visitTruth struct {
	rows     int64
	patients map[string]bool
	ages     []int64
	costSum  int64 // costs rounded toward zero
	byLabel  map[string]int64
}

func truthOf(rows []visit, keep func(visit) bool, label func(visit) string) visitTruth {
	tr := visitTruth{patients: map[string]bool{}, byLabel: map[string]int64{}}
	for _, v := range rows {
		if !keep(v) {
			continue
		}
		tr.rows++
		tr.patients[v.patient] = true
		tr.ages = append(tr.ages, v.age)
		tr.costSum += int64(v.cost)
		if label != nil {
			tr.byLabel[label(v)]++
		}
	}
	return tr
}

func (tr visitTruth) ageSum() (s int64) {
	for _, a := range tr.ages {
		s += a
	}
	return s
}

// quantile is the smallest age with at least q·n ages at or below it.
func (tr visitTruth) quantile(q float64) float64 {
	a := slices.Clone(tr.ages)
	slices.Sort(a)
	k := int(math.Ceil(q*float64(len(a)))) - 1
	return float64(a[max(k, 0)])
}

func female(v visit) bool { return v.sex == "F" }

func rowByGroup(a Answer, group ...string) (AnswerRow, bool) {
	for _, r := range a.Rows {
		if slices.Equal(r.Group, group) {
			return r, true
		}
	}
	return AnswerRow{}, false
}

// TestAnswer_sumMeanQuantileCoverage: SUM holds the truth within its 95 %
// interval in 90–99 % of 400 answers; MEAN and QUANTILE, whose intervals
// are conservative, in at least 95 % and with an interval that is not
// vacuous.
func TestAnswer_sumMeanQuantileCoverage(t *testing.T) {
	rows := visitRows()
	p := prepareVisits(t, rows, 3)
	tr := truthOf(rows, female, nil)
	meanAge := float64(tr.ageSum()) / float64(tr.rows)
	meanCost := float64(tr.costSum) / float64(tr.rows)
	median := tr.quantile(0.5)
	src := seeded(31)
	exactCov, consCov := newCoverage(), newCoverage()
	var width = map[string]float64{}
	n := 400
	for range n {
		a := answer(t, p, `SELECT SUM(age) WHERE sex = 'F' BOUNDS 0 TO 100 EPSILON 1`, src)
		exactCov.add("sum(age)", a.Rows[0], float64(tr.ageSum()))
		a = answer(t, p, `SELECT SUM(cost) WHERE sex = 'F' BOUNDS 0 TO 60 EPSILON 1`, src)
		exactCov.add("sum(cost)", a.Rows[0], float64(tr.costSum))
		for label, question := range map[string]string{
			"mean(age)":    `SELECT MEAN(age) WHERE sex = 'F' BOUNDS 0 TO 100 EPSILON 1`,
			"mean(cost)":   `SELECT MEAN(cost) WHERE sex = 'F' BOUNDS 0 TO 60 EPSILON 1`,
			"median(age)":  `SELECT QUANTILE(age, 0.5) WHERE sex = 'F' BOUNDS 0 TO 100 BINS 20 EPSILON 1`,
			"quantile 0.1": `SELECT QUANTILE(age, 0.1) WHERE sex = 'F' BOUNDS 0 TO 100 EPSILON 1`,
		} {
			a := answer(t, p, question, src)
			truth := map[string]float64{"mean(age)": meanAge, "mean(cost)": meanCost, "median(age)": median, "quantile 0.1": tr.quantile(0.1)}[label]
			r := a.Rows[0]
			if !(r.Low <= r.Value && r.Value <= r.High) {
				t.Fatalf("%s: value %v outside its interval [%v, %v]", label, r.Value, r.Low, r.High)
			}
			consCov.add(label, r, truth)
			width[label] += (r.High - r.Low) / float64(n)
		}
	}
	exactCov.check(t, 0.90, 0.99)
	consCov.check(t, 0.95, 1)
	// Vacuous intervals would pass any coverage test: the mean of ~400
	// clamped values in [0, 100] must be pinned far tighter than the bounds.
	for label, most := range map[string]float64{"mean(age)": 20, "mean(cost)": 12, "median(age)": 20, "quantile 0.1": 20} {
		if width[label] > most {
			t.Errorf("%s: mean interval width %.2f, want at most %v", label, width[label], most)
		}
		t.Logf("%s: mean interval width %.2f", label, width[label])
	}
}

// TestAnswer_histogramCoverage: numeric bins, years and categories hold
// their true counts within the 95 % interval in 90–99 % of 400 answers.
func TestAnswer_histogramCoverage(t *testing.T) {
	rows := visitRows()
	p := prepareVisits(t, rows, 3)
	all := func(visit) bool { return true }
	ageBins := truthOf(rows, all, func(v visit) string {
		lo := v.age / 10 * 10
		return "[" + strconv.FormatInt(lo, 10) + ", " + strconv.FormatInt(lo+10, 10) + ")"
	}).byLabel
	codes := truthOf(rows, all, func(v visit) string { return v.code }).byLabel
	years := truthOf(rows, all, func(v visit) string { return v.day[:4] }).byLabel
	src := seeded(32)
	cov := newCoverage()
	for range 400 {
		a := answer(t, p, `SELECT HISTOGRAM(age) BOUNDS 0 TO 100 EPSILON 1`, src)
		if len(a.Rows) != 14 || a.Rows[0].Group[0] != "[0, 10)" || a.Rows[9].Group[0] != "[90, 100]" ||
			a.Rows[10].Group[0] != "< 0" || a.Rows[11].Group[0] != "> 100" || a.Rows[13].Group[0] != "missing" {
			t.Fatalf("numeric histogram rows %+v", a.Rows)
		}
		for label, truth := range ageBins {
			r, _ := rowByGroup(a, label)
			cov.add("age "+label, r, float64(truth))
		}
		a = answer(t, p, `SELECT HISTOGRAM(code) EPSILON 1`, src)
		if a.Delta != 3*CardDelta || len(a.Rows) != 3 {
			t.Fatalf("categories %+v", a)
		}
		for label, truth := range codes {
			r, ok := rowByGroup(a, label)
			if !ok {
				t.Fatalf("category %s of %d rows not shown: %+v", label, truth, a.Rows)
			}
			cov.add("code "+label, r, float64(truth))
		}
		a = answer(t, p, `SELECT HISTOGRAM(day) EPSILON 1`, src)
		for _, y := range []string{"1950", "1975", "1999"} {
			r, _ := rowByGroup(a, y) // a year not shown counts as missed
			cov.add("year "+y, r, float64(years[y]))
		}
	}
	cov.check(t, 0.90, 0.99)
}

// TestAnswer_groupByCoverage: grouped counts, sums and means hold the truth
// as their ungrouped forms do; a group one patient alone holds is never
// shown.
func TestAnswer_groupByCoverage(t *testing.T) {
	rows := visitRows()
	rows = append(rows, visit{patient: "solo", sex: "X", code: "RARE", age: 30, cost: 1, day: "1990-01-01"})
	p := prepareVisits(t, rows, 3)
	all := func(visit) bool { return true }
	bySex := map[string]visitTruth{"F": truthOf(rows, female, nil), "M": truthOf(rows, func(v visit) bool { return v.sex == "M" }, nil)}
	bySexCode := truthOf(rows, all, func(v visit) string { return v.sex + "/" + v.code }).byLabel
	src := seeded(33)
	exactCov, consCov := newCoverage(), newCoverage()
	for range 400 {
		count := answer(t, p, `SELECT COUNT(*) GROUP BY sex EPSILON 1`, src)
		pats := answer(t, p, `SELECT COUNT(PATIENTS) GROUP BY sex EPSILON 1`, src)
		sum := answer(t, p, `SELECT SUM(age) GROUP BY sex BOUNDS 0 TO 100 EPSILON 1`, src)
		mean := answer(t, p, `SELECT MEAN(age) GROUP BY sex BOUNDS 0 TO 100 EPSILON 1`, src)
		for _, a := range []Answer{count, pats, sum, mean} {
			if len(a.Rows) != 2 || a.Rows[0].Group[0] != "F" || a.Rows[1].Group[0] != "M" || a.Delta != 3*CardDelta {
				t.Fatalf("%s: rows %+v delta %v, want F and M (never the lone patient's X)", a.Question, a.Rows, a.Delta)
			}
		}
		for i, sex := range []string{"F", "M"} {
			tr := bySex[sex]
			exactCov.add("count "+sex, count.Rows[i], float64(tr.rows))
			exactCov.add("patients "+sex, pats.Rows[i], float64(len(tr.patients)))
			exactCov.add("sum "+sex, sum.Rows[i], float64(tr.ageSum()))
			consCov.add("mean "+sex, mean.Rows[i], float64(tr.ageSum())/float64(tr.rows))
		}
		two := answer(t, p, `SELECT COUNT(*) GROUP BY sex, code EPSILON 1`, src)
		for label, truth := range bySexCode {
			sex, code, _ := strings.Cut(label, "/")
			r, ok := rowByGroup(two, sex, code)
			if sex == "X" {
				if ok {
					t.Fatalf("the lone patient's group is shown: %+v", two.Rows)
				}
				continue
			}
			exactCov.add("count "+label, r, float64(truth))
		}
	}
	exactCov.check(t, 0.90, 0.99)
	consCov.check(t, 0.95, 1)
}

// TestAnswer_groupedPatientsCountOnce: a patient with several rows in one
// group counts once there, and once in each group it has rows in.
func TestAnswer_groupedPatientsCountOnce(t *testing.T) {
	rows := visitRows()
	p := prepareVisits(t, rows, 3)
	q := mustParse(t, `SELECT COUNT(PATIENTS) GROUP BY code`)
	if err := p.Check(q); err != nil {
		t.Fatal(err)
	}
	qt, _ := p.table(q)
	e := &evaluation{q: q, qt: qt}
	e.scan()
	want := map[string]map[string]bool{}
	for _, v := range rows {
		if want[v.code] == nil {
			want[v.code] = map[string]bool{}
		}
		want[v.code][v.patient] = true
	}
	gs := e.groups()
	if len(gs) != len(want) {
		t.Fatalf("%d groups, want %d", len(gs), len(want))
	}
	for _, g := range gs {
		code := e.labels(g)[0]
		if g.patients != int64(len(want[code])) {
			t.Errorf("group %s: %d patients, want %d", code, g.patients, len(want[code]))
		}
	}
}

func TestQuantileRow(t *testing.T) {
	// 10 bins of [0, 100], 10 values each, no noise: the median is the
	// edge between bins 4 and 5.
	raw := make([]int64, 10)
	for i := range raw {
		raw[i] = 10
	}
	r := quantileRow(raw, 0.5, 0, 100, 0)
	if r.Value != 50 || r.Low > 50 || r.High < 50 {
		t.Errorf("median row %+v, want 50", r)
	}
	r = quantileRow(raw, 0.25, 0, 100, 0)
	if r.Value != 25 {
		t.Errorf("quartile %+v, want 25 (halfway through bin 2)", r)
	}
	if r := quantileRow(make([]int64, 10), 0.5, 0, 100, 4); r.Low != 0 || r.High != 100 {
		t.Errorf("no data: %+v, want the whole bounds", r)
	}
	m, err := NewLaplace(big.NewRat(1, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	if b, b95 := laplaceBound(m, 0.05), m.Bound95(); b != b95 {
		t.Errorf("laplaceBound at 5%% = %d, Bound95 = %d", b, b95)
	}
	if b := laplaceBound(m, 0.025); b <= m.Bound95() {
		t.Errorf("97.5%% bound %d not above the 95%% bound %d", b, m.Bound95())
	}
}

// TestGroups_sparseKeys: keys of two columns with more combinations than
// denseGroups are looked up in a map, with the same groups.
func TestGroups_sparseKeys(t *testing.T) {
	var a, b []string
	want := map[string]int64{}
	for i := range 900 {
		x, y := "a"+strconv.Itoa(i%300), "b"+strconv.Itoa((i*7)%300)
		a, b = append(a, x), append(b, y)
		want[x+"/"+y]++
	}
	tab, err := anonymize.NewTable("t",
		anonymize.NewColumn("a", anonymize.TypeString, anonymize.RoleQuasi, a),
		anonymize.NewColumn("b", anonymize.TypeString, anonymize.RoleQuasi, b))
	if err != nil {
		t.Fatal(err)
	}
	if 300*300 <= denseGroups {
		t.Fatal("the keys fit the dense index; the test would not reach the map")
	}
	p, err := Prepare(Data{Tables: []*anonymize.Table{tab}})
	if err != nil {
		t.Fatal(err)
	}
	q := mustParse(t, `SELECT COUNT(*) GROUP BY a, b`)
	qt, _ := p.table(q)
	e := &evaluation{q: q, qt: qt}
	e.scan()
	got := map[string]int64{}
	for _, g := range e.groups() {
		l := e.labels(g)
		got[l[0]+"/"+l[1]] = g.rows
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups, want %d", len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("group %s: %d rows, want %d", k, got[k], n)
		}
	}
}

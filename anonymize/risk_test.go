package anonymize_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// riskTable is one quasi-identifier column whose values form classes of
// the given sizes.
func riskTable(t *testing.T, sizes ...int) *anonymize.Table {
	t.Helper()
	var vals []string
	for i, s := range sizes {
		for range s {
			vals = append(vals, "v"+itoa(i))
		}
	}
	tb, err := anonymize.NewTable("risk", anonymize.NewColumn("zip", anonymize.TypeString, anonymize.RoleQuasi, vals))
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// Classes of sizes 1, 2, 2, 5 (10 records), figures computed by hand.
func TestRisk_handComputedClasses(t *testing.T) {
	tb := riskTable(t, 1, 2, 2, 5)
	r := anonymize.Assess(tb, anonymize.ReportOptions{SkipFindings: true})
	// Records at risk above 20 %: the classes of 1, 2 and 2 (5 of 10).
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"prosecutor highest", r.Risk.Prosecutor.Highest, 1},
		{"prosecutor average", r.Risk.Prosecutor.Average, 4.0 / 10},
		{"prosecutor at risk", r.Risk.Prosecutor.RecordsAtRisk, 5.0 / 10},
		{"journalist highest (sample = population)", r.Risk.Journalist.Highest, 1},
		{"journalist average", r.Risk.Journalist.Average, 4.0 / 10},
		{"marketer", r.Risk.Marketer, 4.0 / 10},
		{"sample uniques", r.Risk.SampleUniques, 1.0 / 10},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	p := r.Risk.Population
	if p == nil || p.Model != "zayatz" || p.SamplingFraction != anonymize.DefaultSamplingFraction || !near(p.PopulationSize, 1000) || p.UpperBound {
		t.Fatalf("population estimate %+v", p)
	}

	// With f = 1 the population is the sample: P(1|s) is 1 for s = 1 and
	// 0 otherwise, so the one sample unique is the one population unique.
	r = anonymize.Assess(tb, anonymize.ReportOptions{SkipFindings: true, PopulationFraction: 1})
	if p := r.Risk.Population; !near(p.Uniques, 1) || !near(p.UniqueShare, 0.1) {
		t.Errorf("f = 1: %+v, want 1 unique, share 0.1", p)
	}

	// With f = 0.5, N = 20, n = 10: P(1|s) = s·C(20-s, 9)/C(20, 10), so
	// P(1|1) ∝ C(19,9) = 92378, P(1|2) ∝ 2·C(18,9) = 97240, P(1|5) ∝
	// 5·C(15,9) = 25025. Conditional uniqueness = 92378 / (92378 + 2·97240
	// + 25025); uniques = 1 · that / 0.5; share = uniques / 20.
	r = anonymize.Assess(tb, anonymize.ReportOptions{SkipFindings: true, PopulationFraction: 0.5})
	cond := 92378.0 / (92378 + 2*97240 + 25025)
	if p := r.Risk.Population; !near(p.Uniques, cond/0.5) || !near(p.UniqueShare, cond/0.5/20) || !near(p.PopulationSize, 20) {
		t.Errorf("f = 0.5: %+v, want uniques %v, share %v", p, cond/0.5, cond/0.5/20)
	}
	if j := r.Risk.Journalist; !near(j.Highest, 0.5) || !near(j.Average, 0.5*4/10) {
		t.Errorf("f = 0.5: journalist %+v, want highest 0.5, average 0.2", j)
	}
}

// One patient's record: prosecutor risk is 100 %, and the population
// estimate says it is only an upper bound and what the journalist figure is.
func TestRisk_singleRecordIsAnUpperBound(t *testing.T) {
	r := anonymize.Assess(riskTable(t, 1), anonymize.ReportOptions{SkipFindings: true})
	p := r.Risk.Population
	if r.Risk.Prosecutor.Highest != 1 || !p.UpperBound || !near(p.PopulationSize, 100) || !strings.Contains(p.Note, "upper bound") || !strings.Contains(p.Note, "about 1 %") {
		t.Errorf("single record: prosecutor %v, population %+v", r.Risk.Prosecutor.Highest, p)
	}
	// No uniques at all: nothing estimated unique.
	r = anonymize.Assess(riskTable(t, 3, 4), anonymize.ReportOptions{SkipFindings: true})
	if p := r.Risk.Population; p.Uniques != 0 || p.UniqueShare != 0 || p.UpperBound {
		t.Errorf("no sample uniques: %+v", p)
	}
}

// On Adult, every figure lies in [0, 1] and none rises when k does.
func TestRisk_adultFiguresShrinkWithK(t *testing.T) {
	adult := loadAdult(t)
	prev := map[string]float64{}
	for _, k := range []int{1, 2, 5, 10} {
		tb := adult
		if k > 1 {
			out, _, err := (&anonymize.Privacy{K: k, Method: anonymize.MethodOptimal}).Anonymize(context.Background(), adult)
			if err != nil {
				t.Fatal(err)
			}
			tb = out
		}
		r := anonymize.Assess(tb, anonymize.ReportOptions{SkipFindings: true})
		figs := map[string]float64{
			"prosecutor highest": r.Risk.Prosecutor.Highest,
			"prosecutor average": r.Risk.Prosecutor.Average,
			"prosecutor at risk": r.Risk.Prosecutor.RecordsAtRisk,
			"marketer":           r.Risk.Marketer,
			"population uniques": r.Risk.Population.UniqueShare,
		}
		for name, v := range figs {
			if math.IsNaN(v) || v < 0 || v > 1 {
				t.Errorf("k=%d: %s = %v, outside [0, 1]", k, name, v)
			}
			if p, ok := prev[name]; ok && v > p+1e-12 {
				t.Errorf("k=%d: %s rose from %v to %v", k, name, p, v)
			}
		}
		if k > 1 && r.Risk.Population.Uniques != 0 {
			t.Errorf("k=%d: %v population uniques in a table without sample uniques", k, r.Risk.Population.Uniques)
		}
		t.Logf("k=%d: %v, population %+v", k, figs, *r.Risk.Population)
		prev = figs
	}
}

package anonymize_test

import (
	"context"
	"math"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestPrivacy_adultIsKAnonymousAndReportMatches runs both searches on ARX's
// Adult data for k in {2, 5, 10} and checks the output with code that does
// not share the algorithm: rows grouped by their quasi-identifier strings in
// a map, and every report figure recomputed from the output.
func TestPrivacy_adultIsKAnonymousAndReportMatches(t *testing.T) {
	adult := loadAdult(t)
	n := adult.NumRows()
	for _, method := range []anonymize.Method{anonymize.MethodOptimal, anonymize.MethodMondrian} {
		for _, k := range []int{2, 5, 10} {
			t.Run(string(method)+"/k="+itoa(k), func(t *testing.T) {
				p := &anonymize.Privacy{K: k, Method: method}
				out, res, err := p.Anonymize(context.Background(), adult)
				if err != nil {
					t.Fatal(err)
				}
				sizes := classSizes(out, adultQIs)
				minSize, disc, uniques := sizeStats(sizes)
				if minSize < k {
					t.Fatalf("output is not %d-anonymous: a class of %d rows", k, minSize)
				}
				suppressed := n - out.NumRows()
				if suppressed != out.Suppressed || suppressed != res.Suppressed {
					t.Errorf("suppressed: %d rows missing, table says %d, search says %d", suppressed, out.Suppressed, res.Suppressed)
				}
				if float64(suppressed) > 0.02*float64(n) {
					t.Errorf("suppressed %d rows, more than 2%% of %d", suppressed, n)
				}
				if method == anonymize.MethodMondrian && suppressed != 0 {
					t.Errorf("mondrian suppressed %d rows", suppressed)
				}
				for _, name := range []string{"occupation"} {
					if out.Column(name).Len() != out.NumRows() {
						t.Errorf("column %s lost rows", name)
					}
				}

				r := anonymize.Assess(out, anonymize.ReportOptions{})
				ncp, perCol := independentNCP(t, adult, out, adultQIs)
				rows := float64(out.NumRows())
				disc += float64(suppressed) * float64(n)
				checks := []struct {
					name      string
					got, want float64
				}{
					{"rows", float64(r.Rows), rows},
					{"suppressed", float64(r.Suppressed), float64(suppressed)},
					{"classes", float64(r.Classes), float64(len(sizes))},
					{"min class size", float64(r.MinClassSize), float64(minSize)},
					{"average class size", r.AverageClassSize, rows / float64(len(sizes))},
					{"discernibility", r.Utility.Discernibility, disc},
					{"prosecutor highest", r.Risk.Prosecutor.Highest, 1 / float64(minSize)},
					{"prosecutor average", r.Risk.Prosecutor.Average, float64(len(sizes)) / rows},
					{"marketer", r.Risk.Marketer, float64(len(sizes)) / rows},
					{"sample uniques", r.Risk.SampleUniques, float64(uniques) / rows},
					{"ncp", r.Utility.NCP, ncp},
					{"search loss", res.Loss, ncp},
				}
				for _, c := range checks {
					if !near(c.got, c.want) {
						t.Errorf("%s: report %v, recomputed %v", c.name, c.got, c.want)
					}
				}
				for _, c := range r.Columns {
					if want, ok := perCol[c.Name]; ok && !near(c.NCP, want) {
						t.Errorf("column %s ncp: report %v, recomputed %v", c.Name, c.NCP, want)
					}
				}
				assertRecordsAtRiskAndHistogram(t, r, sizes, out.NumRows())
				if v := (anonymize.Policy{MinK: k, MaxRisk: 1 / float64(k)}).Check(r); !v.Pass {
					t.Errorf("policy min_k=%d fails: %v", k, v)
				}
				t.Logf("%s k=%d: ncp %.4f, %d classes, %d suppressed, levels %v, %d evaluated", method, k, r.Utility.NCP, r.Classes, suppressed, res.Levels, res.Evaluated)
			})
		}
	}
}

// sizeStats returns the smallest class size, the discernibility of the
// classes and the number of classes of one row.
func sizeStats(sizes map[string]int) (minSize int, disc float64, uniques int) {
	minSize = math.MaxInt
	for _, s := range sizes {
		minSize = min(minSize, s)
		disc += float64(s * s)
		if s == 1 {
			uniques++
		}
	}
	return minSize, disc, uniques
}

// assertRecordsAtRiskAndHistogram recomputes the share of records above
// the risk threshold from the class sizes, and checks that the class size
// histogram counts every published row (published of them).
func assertRecordsAtRiskAndHistogram(t *testing.T, r *anonymize.Report, sizes map[string]int, published int) {
	t.Helper()
	rows := float64(published)
	atRisk := 0
	for _, s := range sizes {
		if 1/float64(s) > r.Risk.Threshold {
			atRisk += s
		}
	}
	if !near(r.Risk.Prosecutor.RecordsAtRisk, float64(atRisk)/rows) {
		t.Errorf("records at risk: report %v, recomputed %v", r.Risk.Prosecutor.RecordsAtRisk, float64(atRisk)/rows)
	}
	hist := 0
	for _, b := range r.ClassSizes {
		hist += b.Records
	}
	if hist != published {
		t.Errorf("class size histogram counts %d records, want %d", hist, published)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// BenchmarkKAnonymityAdult is the published ARX comparison: 5-anonymity on
// Adult with the 8 quasi-identifiers. "optimal" uses the default 2%
// suppression limit, "optimal-nosuppression" ARX's benchmark setting.
func BenchmarkKAnonymityAdult(b *testing.B) {
	adult := loadAdult(b)
	zero := 0.0
	for _, bc := range []struct {
		name string
		p    anonymize.Privacy
	}{
		{"optimal", anonymize.Privacy{K: 5, Method: anonymize.MethodOptimal}},
		{"optimal-nosuppression", anonymize.Privacy{K: 5, Method: anonymize.MethodOptimal, SuppressionLimit: &zero}},
		{"mondrian", anonymize.Privacy{K: 5, Method: anonymize.MethodMondrian}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var res *anonymize.SearchResult
			for b.Loop() {
				var err error
				_, res, err = bc.p.Anonymize(context.Background(), adult)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(res.Loss, "ncp")
			b.ReportMetric(float64(res.Suppressed), "suppressed")
			b.ReportMetric(float64(res.Evaluated), "evaluated")
		})
	}
}

package dp

import (
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
)

// benchRelease is 1,000,000 rows of 200,000 patients (5 rows each): sex,
// an age group, one of 5,000 codes, an age.
func benchRelease(b *testing.B) *anonymize.Table {
	const n = 1_000_000
	pat, sex, group, code, age := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	groups := []string{"0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "*"}
	for i := range n {
		p := i / 5
		pat[i] = "p" + strconv.Itoa(p)
		sex[i] = []string{"F", "M", ""}[p%3]
		group[i] = groups[p%len(groups)]
		code[i] = "C" + strconv.Itoa(i%5000)
		age[i] = strconv.Itoa(p % 100)
	}
	tab, err := anonymize.NewTable("Condition",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pat),
		anonymize.NewColumn("sex", anonymize.TypeString, anonymize.RoleQuasi, sex),
		anonymize.NewColumn("age_group", anonymize.TypeString, anonymize.RoleQuasi, group),
		anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleSensitive, code),
		anonymize.NewColumn("age", anonymize.TypeInteger, anonymize.RoleQuasi, age))
	if err != nil {
		b.Fatal(err)
	}
	return tab
}

// go test -count=1 -run '^$' -bench QuestionCount -benchtime 50x ./anonymize/dp/
//
// The figure: a count with two filters on a 1,000,000-row release
// answers in under 50 ms (p95, warm). Prepare runs once per dataset,
// outside the timer, and is reported as prepare-ms and prepare-MB (heap
// allocated); first-ms is the first answer, which reads the filtered
// columns' dictionaries once.
func BenchmarkQuestionCount(b *testing.B) {
	tab := benchRelease(b)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	p, err := Prepare(Data{Tables: []*anonymize.Table{tab}, Patients: map[string]string{"Condition": "patient"}})
	if err != nil {
		b.Fatal(err)
	}
	prepareMS := float64(time.Since(start).Microseconds()) / 1000
	runtime.ReadMemStats(&after)
	prepareMB := float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
	for _, c := range []struct{ name, question string }{
		{"count", `SELECT COUNT(*) FROM Condition WHERE age_group = '40-49' AND code IN ('C17', 'C42', 'C4999')`},
		{"patients", `SELECT COUNT(PATIENTS) FROM Condition WHERE age_group = '40-49' AND sex = 'F'`},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchAnswers(b, p, c.question)
			b.ReportMetric(prepareMS, "prepare-ms")
			b.ReportMetric(prepareMB, "prepare-MB")
		})
	}
}

// go test -count=1 -run '^$' -bench QuestionOther -benchtime 20x ./anonymize/dp/
//
// The other statistics on the same release, for scale.
func BenchmarkQuestionOther(b *testing.B) {
	p, err := Prepare(Data{Tables: []*anonymize.Table{benchRelease(b)}, Patients: map[string]string{"Condition": "patient"}})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, question string }{
		{"group-by", `SELECT COUNT(*) WHERE sex = 'F' GROUP BY age_group`},
		{"group-by-2", `SELECT COUNT(PATIENTS) WHERE age >= 40 GROUP BY sex, age_group`},
		{"mean", `SELECT MEAN(age) WHERE sex = 'M' AND age_group != '*' BOUNDS 0 TO 120`},
		{"quantile", `SELECT QUANTILE(age, 0.5) BOUNDS 0 TO 120`},
		{"histogram-5000-codes", `SELECT HISTOGRAM(code) WHERE sex = 'F'`},
	} {
		b.Run(c.name, func(b *testing.B) { benchAnswers(b, p, c.question) })
	}
}

// benchAnswers answers question once cold (first-ms, first-MB: the
// columns' dictionaries read once), then b.N times warm, and reports the
// warm p50 and p95.
func benchAnswers(b *testing.B, p *Prepared, question string) {
	q := mustParse(b, question)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	if _, err := p.Answer(q, CryptoSource{}); err != nil {
		b.Fatal(err)
	}
	firstMS := float64(time.Since(start).Microseconds()) / 1000
	runtime.ReadMemStats(&after)
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if _, err := p.Answer(q, CryptoSource{}); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(times)
	pct := func(f float64) float64 {
		return float64(times[min(int(f*float64(len(times))), len(times)-1)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(firstMS, "first-ms")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "first-MB")
}

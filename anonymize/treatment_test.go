package anonymize_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// treatmentCSV: BIRTHDATE to year merges 1980-01-01 and 1980-06-01 (two of
// four distinct dates: (2-1)/(4-1) on two of four rows, loss 1/6); ZIP to 3
// digits merges three of four codes ((3-1)/(4-1) on three rows, loss 1/2).
const treatmentCSV = `id,name,birthdate,zip,age,diagnosis
p1,Alice Smith,1980-01-01,02139,30,flu
p2,Bob Jones,1980-06-01,02140,35,cold
p3,Carol White,1981-01-01,02141,40,flu
p4,Dan Brown,1982-01-01,10001,45,asthma
`

func runTreatment(t *testing.T, yaml string, csv string) *anonymize.Result {
	t.Helper()
	cfg, err := anonymize.LoadConfig(strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cfg.Build(anonymize.Env{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := anonymize.ReadCSV(strings.NewReader(csv), anonymize.CSVOptions{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func treatmentOf(r *anonymize.Report, col string) (anonymize.ColumnTreatment, bool) {
	for _, tr := range r.Treatments {
		if tr.Column == col {
			return tr, true
		}
	}
	return anonymize.ColumnTreatment{}, false
}

// Every column's treatment is listed, dropped ones included, and its loss
// is measured on what each step did.
func TestReport_treatmentAndLossPerColumn(t *testing.T) {
	type want struct {
		col, treatment string
		loss           float64 // -1: only > 0
	}
	for _, tc := range []struct {
		name, yaml string
		want       []want
	}{
		{"safe harbor", `
suggest_roles: false
columns:
  id: {role: identifier}
  name: {role: identifier}
  birthdate: {role: quasi-identifier}
  zip: {role: quasi-identifier}
  age: {role: quasi-identifier}
  diagnosis: {role: sensitive}
transforms:
  - name: pseudonymize
    columns: [id]
  - name: safe-harbor
    columns: {name: name, zip: zip, birthdate: date}
`, []want{
			{"id", "pseudonymized", 0},
			{"name", "dropped", 1},
			{"birthdate", "coarsened to year (Safe Harbor)", 1.0 / 6},
			{"zip", "ZIP to 3 digits (Safe Harbor)", 0.5},
			{"age", "kept", 0},
			{"diagnosis", "kept", 0},
		}},
		{"drop and generalize", `
suggest_roles: false
columns:
  age: {role: quasi-identifier, hierarchy: {auto: interval}}
  diagnosis: {role: sensitive}
transforms:
  - name: drop
    columns: [id, name, birthdate, zip]
  - name: generalize
    levels: {age: 4}
`, []want{
			{"id", "dropped", 1},
			{"zip", "dropped", 1},
			{"age", "generalized to level 4 of", -1},
			{"diagnosis", "kept", 0},
		}},
		{"mondrian", `
suggest_roles: false
columns:
  age: {role: quasi-identifier}
  diagnosis: {role: sensitive}
transforms:
  - name: drop
    columns: [id, name, birthdate, zip]
  - name: privacy
    k: 2
    method: mondrian
`, []want{
			{"age", "local recoding (Mondrian): intervals per class", -1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runTreatment(t, tc.yaml, treatmentCSV)
			r := res.Report
			if len(r.Treatments) != 6 {
				t.Errorf("%d treatments, want one per input column (6): %+v", len(r.Treatments), r.Treatments)
			}
			for _, w := range tc.want {
				got, ok := treatmentOf(r, w.col)
				if !ok {
					t.Errorf("%s: no treatment", w.col)
					continue
				}
				if !strings.HasPrefix(got.Treatment, w.treatment) {
					t.Errorf("%s: treatment %q, want %q", w.col, got.Treatment, w.treatment)
				}
				if w.loss < 0 && got.Loss <= 0 || w.loss >= 0 && math.Abs(got.Loss-w.loss) > 1e-9 {
					t.Errorf("%s: loss %v, want %v", w.col, got.Loss, w.loss)
				}
			}
			for _, c := range r.Columns {
				if c.Treatment == "" || strings.Contains(c.Generalization, "-1") {
					t.Errorf("column report %+v: no treatment, or a level -1", c)
				}
			}
		})
	}
}

// Mondrian's report says local recoding, never "level -1".
func TestReport_mondrianSaysLocalRecoding(t *testing.T) {
	res := runTreatment(t, `
suggest_roles: false
columns:
  age: {role: quasi-identifier}
  zip: {role: quasi-identifier, hierarchy: {auto: zip}}
transforms:
  - name: drop
    columns: [id, name, birthdate]
  - name: privacy
    k: 2
    method: mondrian
`, treatmentCSV)
	js, err := json.Marshal(res.Report)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), `"level":-1`) {
		t.Errorf("report has level -1: %s", js)
	}
	local := 0
	for _, c := range res.Report.Columns {
		if c.Level < 0 {
			t.Errorf("%s: level %d", c.Name, c.Level)
		}
		if strings.HasPrefix(c.Generalization, "local recoding (Mondrian)") {
			local++
			if c.Loss <= 0 {
				t.Errorf("%s: locally recoded with loss %v", c.Name, c.Loss)
			}
		}
	}
	if local == 0 {
		t.Errorf("no column says local recoding: %+v", res.Report.Columns)
	}
}

// The gate refuses an empty release, whatever the policy: a table without
// rows, and one whose every row a transform suppressed.
func TestPolicy_refusesEmptyRelease(t *testing.T) {
	for _, tc := range []struct {
		name, csv, yaml, reason string
	}{
		{"suppressed", treatmentCSV, "suggest_roles: false\ncolumns:\n  age: {role: quasi-identifier}\ntransforms:\n  - name: suppress\n    k: 5\n    columns: [age]\n", "all 4 rows were suppressed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runTreatment(t, tc.yaml, tc.csv)
			if res.Verdict.Pass || !slices.ContainsFunc(res.Verdict.Reasons, func(s string) bool { return strings.Contains(s, tc.reason) }) {
				t.Errorf("verdict %v, want a refusal saying %q", res.Verdict, tc.reason)
			}
		})
	}
	tb, err := anonymize.NewTable("empty", anonymize.NewColumnBuilder("age", anonymize.TypeInteger).Build())
	if err != nil {
		t.Fatal(err)
	}
	r := anonymize.Assess(tb, anonymize.ReportOptions{})
	if v := (anonymize.Policy{AllowDirectIdentifiers: true}).Check(r); v.Pass || !strings.Contains(v.String(), "empty release: the table has no rows") {
		t.Errorf("empty table: verdict %v", v)
	}
}

// Above the risk threshold the report says what to change.
func TestReport_adviceAboveThreshold(t *testing.T) {
	res := runTreatment(t, `
suggest_roles: false
columns:
  zip: {role: quasi-identifier}
  age: {role: quasi-identifier}
  diagnosis: {role: sensitive}
transforms:
  - name: drop
    columns: [id, name, birthdate]
`, treatmentCSV)
	r := res.Report
	if r.Risk.Prosecutor.Highest != 1 || len(r.Advice) == 0 || !strings.HasPrefix(r.Advice[0], "raise k") {
		t.Fatalf("highest %v, advice %q", r.Risk.Prosecutor.Highest, r.Advice)
	}
	if !slices.ContainsFunc(r.Advice, func(s string) bool { return strings.Contains(s, "publish more records") }) {
		t.Errorf("4 rows and k = 5 needed: advice %q", r.Advice)
	}
}

// Safe Harbor on Synthea's patients: coarsened BIRTHDATE and ZIP lose
// information, dropped columns all of it, and every column is listed.
func TestReport_syntheaSafeHarborLoss(t *testing.T) {
	res := runSafeHarborPreset(t, testSecret)
	r := res.Report
	in := readSynthea(t, "patients.csv")
	if len(r.Treatments) != len(in.Columns) {
		t.Errorf("%d treatments for %d input columns", len(r.Treatments), len(in.Columns))
	}
	for _, tc := range []struct {
		col, treatment string
		min, max       float64
	}{
		{"BIRTHDATE", "coarsened to year", 1e-9, 1},
		{"ZIP", "ZIP to 3 digits", 1e-9, 1},
		{"FIRST", "dropped", 1, 1},
		{"SSN", "dropped", 1, 1},
		{"Id", "pseudonymized", 0, 0},
	} {
		got, ok := treatmentOf(r, tc.col)
		if !ok || !strings.HasPrefix(got.Treatment, tc.treatment) || got.Loss < tc.min || got.Loss > tc.max {
			t.Errorf("%s: %+v, want %q with loss in [%v, %v]", tc.col, got, tc.treatment, tc.min, tc.max)
		}
		t.Logf("%s: %s, %.1f %% lost", tc.col, got.Treatment, 100*got.Loss)
	}
}

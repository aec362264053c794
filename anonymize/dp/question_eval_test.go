package dp

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// visit is one row of the hand-made visits table.
type visit struct {
	patient, sex, code, day string
	age                     int64
	cost                    float64
}

// visitRows: 400 patients; patient i has 1 + i%3 rows, sex F for even i,
// age 20 + i%60, code E11 when i%4 == 0 else I10 (the second row of a
// patient always J45), cost (i%50)+0.7, a visit day in 1950 + i%50.
func visitRows() []visit {
	var out []visit
	for i := range 400 {
		for r := range 1 + i%3 {
			v := visit{patient: "p" + strconv.Itoa(i), sex: "M", code: "I10", age: int64(20 + i%60),
				cost: float64(i%50) + 0.7, day: fmt.Sprintf("%d-06-15", 1950+i%50)}
			if i%2 == 0 {
				v.sex = "F"
			}
			if i%4 == 0 {
				v.code = "E11"
			}
			if r == 1 {
				v.code = "J45"
			}
			out = append(out, v)
		}
	}
	return out
}

func visitTable(t testing.TB, rows []visit) *anonymize.Table {
	t.Helper()
	var pat, sex, code, day, age, cost []string
	for _, v := range rows {
		pat = append(pat, v.patient)
		sex = append(sex, v.sex)
		code = append(code, v.code)
		day = append(day, v.day)
		age = append(age, strconv.FormatInt(v.age, 10))
		cost = append(cost, strconv.FormatFloat(v.cost, 'f', -1, 64))
	}
	tab, err := anonymize.NewTable("visits",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pat),
		anonymize.NewColumn("sex", anonymize.TypeString, anonymize.RoleQuasi, sex),
		anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleSensitive, code),
		anonymize.NewColumn("day", anonymize.TypeDate, anonymize.RoleQuasi, day),
		anonymize.NewColumn("age", anonymize.TypeInteger, anonymize.RoleQuasi, age),
		anonymize.NewColumn("cost", anonymize.TypeDecimal, anonymize.RoleSensitive, cost))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func prepareVisits(t testing.TB, rows []visit, clip int64) *Prepared {
	t.Helper()
	p, err := Prepare(Data{Tables: []*anonymize.Table{visitTable(t, rows)}, Patients: map[string]string{"visits": "patient"},
		Clip: map[string]int64{"visits": clip}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func answer(t testing.TB, p *Prepared, question string, src Source) Answer {
	t.Helper()
	a, err := p.Answer(mustParse(t, question), src)
	if err != nil {
		t.Fatalf("%s: %v", question, err)
	}
	return a
}

// exact runs a question's WHERE clause and clip without noise: the kept
// rows and their patients.
func exact(t testing.TB, p *Prepared, question string) (rows, patients int64) {
	t.Helper()
	q := mustParse(t, question)
	if err := p.Check(q); err != nil {
		t.Fatal(err)
	}
	qt, _ := p.table(q)
	e := &evaluation{q: q, qt: qt}
	e.scan()
	return int64(len(e.kept)), e.patients
}

// coverage counts how often the truth lies in the answer's interval, per
// row label, over runs answers.
type coverage struct {
	within, runs map[string]int
}

func newCoverage() *coverage { return &coverage{within: map[string]int{}, runs: map[string]int{}} }

func (c *coverage) add(label string, r AnswerRow, truth float64) {
	c.runs[label]++
	if r.Low <= truth && truth <= r.High {
		c.within[label]++
	}
}

func (c *coverage) check(t *testing.T, lo, hi float64) {
	t.Helper()
	if len(c.runs) == 0 {
		t.Fatal("no figures checked")
	}
	for label, n := range c.runs {
		if share := float64(c.within[label]) / float64(n); share < lo || share > hi {
			t.Errorf("%s: truth within the 95%% interval in %.3f of %d answers, want %.2f–%.2f", label, share, n, lo, hi)
		} else {
			t.Logf("%s: truth within the interval in %.3f of %d answers", label, share, n)
		}
	}
}

// TestAnswer_countCoverage: COUNT(*) and COUNT(PATIENTS) with filters hold
// the true count within their 95 % interval in 90–99 % of 400 answers.
func TestAnswer_countCoverage(t *testing.T) {
	rows := visitRows()
	p := prepareVisits(t, rows, 3)
	var trueRows int64
	patients := map[string]bool{}
	for _, v := range rows {
		if v.sex == "F" && v.code != "I10" {
			trueRows++
			patients[v.patient] = true
		}
	}
	src := seeded(30)
	cov := newCoverage()
	for range 400 {
		a := answer(t, p, `SELECT COUNT(*) WHERE sex = 'F' AND code != 'I10' EPSILON 0.5`, src)
		if len(a.Rows) != 1 || a.MaxRowsPerPatient != 3 || a.Epsilon != "1/2" || a.Mechanism != "discrete Laplace" {
			t.Fatalf("answer %+v", a)
		}
		cov.add("rows", a.Rows[0], float64(trueRows))
		a = answer(t, p, `SELECT COUNT(PATIENTS) WHERE sex = 'F' AND code != 'I10' EPSILON 0.5`, src)
		cov.add("patients", a.Rows[0], float64(len(patients)))
	}
	cov.check(t, 0.90, 0.99)
}

// heavyPatient is one patient with n rows that match the test questions.
func heavyPatient(n int) []visit {
	out := make([]visit, n)
	for i := range out {
		out[i] = visit{patient: "heavy", sex: "F", code: "E11", age: 50, cost: 1e6, day: "1980-01-01"}
	}
	return out
}

// TestAnswer_clip: a patient with 500 matching rows moves COUNT(*) by the
// clip exactly (same seed, same noise), COUNT(PATIENTS) by 1 and SUM by
// clip rows of its value clamped to the bounds.
func TestAnswer_clip(t *testing.T) {
	const clip = 4
	base := visitRows()
	a := prepareVisits(t, base, clip)
	b := prepareVisits(t, append(slices.Clone(base), heavyPatient(500)...), clip)
	for question, want := range map[string]float64{
		`SELECT COUNT(*) WHERE sex = 'F' AND code = 'E11' EPSILON 1`:        clip,
		`SELECT COUNT(PATIENTS) WHERE sex = 'F' AND code = 'E11' EPSILON 1`: 1,
		`SELECT SUM(age) WHERE sex = 'F' AND code = 'E11' BOUNDS 0 TO 100`:  clip * 50, // the heavy patient is 50
		`SELECT SUM(cost) WHERE sex = 'F' AND code = 'E11' BOUNDS -5 TO 20`: clip * 20, // 10⁶ clamped to 20
	} {
		for seed := range byte(20) {
			va := answer(t, a, question, seeded(seed)).Rows[0].Value
			vb := answer(t, b, question, seeded(seed)).Rows[0].Value
			if d := vb - va; d != want {
				t.Errorf("%s: the heavy patient moved the answer by %v, want %v", question, d, want)
			}
		}
	}
	var e11 int64
	for _, v := range base {
		if v.code == "E11" {
			e11++
		}
	}
	if r, pts := exact(t, b, `SELECT COUNT(*) WHERE code = 'E11'`); r != e11+clip || pts != 100+1 {
		t.Errorf("kept %d E11 rows of %d patients, want %d of 101", r, pts, e11+clip)
	}
}

// releasedTable is an anonymized release: each row its own patient, with
// generalized, suppressed and missing cells.
func releasedTable(t testing.TB) *anonymize.Table {
	age := []string{"45", "40-49", "50-59", "*", "", "[40, 44]", "[40.5,45.5)", "38", "100", "*"}
	day := []string{"2006-03-04", "2006", "2000-2009", "2006-03", "*", "", "2005-12-31", "2007-01-01T10:00:00Z", "1999", "2006-02"}
	zip := []string{"0215*", "02155", "02155", "021**", "*****", "02139", "", "02155", "02139", "0215*"}
	clean := []string{"a", "a", "b", "b", "a", "a", "b", "b", "a", "a"}
	tab, err := anonymize.NewTable("released",
		anonymize.NewColumn("age", anonymize.TypeInteger, anonymize.RoleQuasi, age),
		anonymize.NewColumn("day", anonymize.TypeDate, anonymize.RoleQuasi, day),
		anonymize.NewColumn("zip", anonymize.TypeString, anonymize.RoleQuasi, zip),
		anonymize.NewColumn("clean", anonymize.TypeString, anonymize.RoleInsensitive, clean))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestAnswer_releasedValues: conditions on generalized and suppressed cells
// behave as the package documentation says.
func TestAnswer_releasedValues(t *testing.T) {
	p, err := Prepare(Data{Tables: []*anonymize.Table{releasedTable(t)}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		where string
		want  int64
	}{
		{`age >= 40`, 6}, {`age >= 45`, 3}, {`age > 44`, 3}, {`age < 45`, 2}, {`age < 45.5`, 4},
		{`age <= 49`, 5}, {`age = '40-49'`, 1}, {`age = 45`, 1}, {`age = 40`, 0},
		{`age IN ('45', '40-49', '*')`, 2}, {`age = '*'`, 0}, {`age != '45'`, 6},
		{`age IS SUPPRESSED`, 2}, {`age IS MISSING`, 1}, {`age IS NOT MISSING`, 9},
		// days: 2006-03-04, 2006, 2006-03, the 2007 timestamp, 2006-02 (not the decade 2000-2009)
		{`day >= '2006-01-01'`, 5}, {`day < '2006-01-01'`, 2}, {`day <= '2009-12-31'`, 8},
		{`day >= '2006-03-01'`, 3}, {`day IS SUPPRESSED`, 1},
		{`zip = '0215*'`, 2}, {`zip IS SUPPRESSED`, 1}, {`zip IN ('02155', '02139')`, 5},
		{`clean = 'a' AND age >= 40`, 4}, // rows 1, 2, 6, 9: 45, 40-49, [40, 44], 100
	}
	for _, c := range cases {
		if got, _ := exact(t, p, `SELECT COUNT(*) WHERE `+c.where); got != c.want {
			t.Errorf("WHERE %s kept %d rows, want %d", c.where, got, c.want)
		}
	}
	a := answer(t, p, `SELECT COUNT(*) WHERE age >= 40 AND clean = 'a' AND zip IS NOT MISSING`, seeded(1))
	notes := strings.Join(a.Notes, "\n")
	for _, want := range []string{`Column "age" holds generalized values`, `Column "age" holds suppressed cells`,
		`Column "zip" holds generalized values`, `Column "zip" holds suppressed cells`} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if strings.Contains(notes, `"clean"`) {
		t.Errorf("notes %q mention the clean column", notes)
	}
	if a.MaxRowsPerPatient != 1 || strings.Contains(notes, "at most") {
		t.Errorf("a table without a patient column keeps one row per patient: %+v", a)
	}
	if a = answer(t, p, `SELECT COUNT(*) WHERE clean = 'a'`, seeded(1)); len(a.Notes) != 0 {
		t.Errorf("notes %q on a clean column", a.Notes)
	}
}

// TestCheck_namesTableAndColumn: questions that cannot be answered are
// refused with the table or column named and the reason.
func TestCheck_namesTableAndColumn(t *testing.T) {
	p := prepareVisits(t, visitRows(), 3)
	for question, want := range map[string]string{
		`SELECT COUNT(*) FROM nope`:                       `no table "nope" (tables: "visits")`,
		`SELECT COUNT(*) WHERE colour = 'red'`:            `table "visits" has no column "colour" (in WHERE)`,
		`SELECT COUNT(*) GROUP BY colour`:                 `table "visits" has no column "colour" (in GROUP BY)`,
		`SELECT SUM(weight) BOUNDS 0 TO 1`:                `table "visits" has no column "weight" (in SUM)`,
		`SELECT SUM(sex) BOUNDS 0 TO 1`:                   `table "visits" column "sex" (string): SUM needs a numeric column`,
		`SELECT MEAN(code) BOUNDS 0 TO 1`:                 `column "code" (string): MEAN needs a numeric column`,
		`SELECT HISTOGRAM(age)`:                           `column "age" (integer): HISTOGRAM of a numeric column needs BOUNDS`,
		`SELECT HISTOGRAM(sex) BOUNDS 0 TO 5`:             `column "sex" (string): BOUNDS and BINS apply to numeric columns only`,
		`SELECT COUNT(*) WHERE age > 'old'`:               `table "visits" column "age": > needs a number or a date YYYY-MM-DD, not "old"`,
		`SELECT SUM(age) BOUNDS 0 TO 9223372036854775807`: `over 799 rows may overflow a sum`,
	} {
		q := mustParse(t, question)
		err := p.Check(q)
		if err == nil || !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%s) = %v, want an ErrInvalid saying %q", question, err, want)
		}
		if _, aerr := p.Answer(q, seeded(1)); aerr == nil {
			t.Errorf("Answer(%s) answered", question)
		}
	}
	if err := p.Check(mustParse(t, `SELECT COUNT(*) FROM visits WHERE day >= '2000-01-01' AND age < 30.5`)); err != nil {
		t.Errorf("a valid question: %v", err)
	}
}

func TestPrepare_refuses(t *testing.T) {
	tab := visitTable(t, visitRows())
	for name, d := range map[string]Data{
		"no patient column": {Tables: []*anonymize.Table{tab}, Patients: map[string]string{"visits": "who"}},
		"clip 0":            {Tables: []*anonymize.Table{tab}, Clip: map[string]int64{"visits": 0}},
		"unknown default":   {Tables: []*anonymize.Table{tab}, Default: "patients"},
		"duplicate table":   {Tables: []*anonymize.Table{tab, tab}},
		"nil table":         {Tables: []*anonymize.Table{nil}},
	} {
		if _, err := Prepare(d); !errors.Is(err, anonymize.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	two, err := Prepare(Data{Tables: []*anonymize.Table{tab, releasedTable(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := two.Answer(mustParse(t, `SELECT COUNT(*)`), seeded(1)); err == nil || !strings.Contains(err.Error(), "no FROM and no default table") {
		t.Errorf("a question without FROM on two tables: %v", err)
	}
	if _, err := two.Answer(mustParse(t, `SELECT COUNT(*) FROM released`), seeded(1)); err != nil {
		t.Errorf("FROM released: %v", err)
	}
}

// questionFrequencies answers question n times on p and counts each value
// of the first row.
func questionFrequencies(t *testing.T, p *Prepared, question string, seed byte, n int) map[int64]int {
	t.Helper()
	q := mustParse(t, question)
	src := seeded(seed)
	counts := map[int64]int{}
	for range n {
		a, err := p.Answer(q, src)
		if err != nil {
			t.Fatal(err)
		}
		counts[int64(a.Rows[0].Value)]++
	}
	return counts
}

// TestAnswer_differencingAttack: the differencing attack of
// TestLaplace_differencingAttackBoundedByEpsilon at question level. Two
// releases differ by one patient who has many matching rows; the same
// question asked many times on each gives output frequencies whose ratio
// stays within e^ε (plus the statistical slack). A release whose patient
// column was not declared (each row taken for a patient, so the clip does
// not hold the heavy patient to one row) must fail the same check.
func TestAnswer_differencingAttack(t *testing.T) {
	n := draws(40_000)
	base := visitRows()
	with := append(slices.Clone(base), heavyPatient(500)...)
	a, b := prepareVisits(t, base, 3), prepareVisits(t, with, 3)
	for i, question := range []string{
		`SELECT COUNT(*) WHERE sex = 'F' AND code = 'E11' EPSILON 1`,
		`SELECT COUNT(PATIENTS) WHERE sex = 'F' AND code = 'E11' EPSILON 1`,
		`SELECT COUNT(PATIENTS) WHERE age >= 40 EPSILON 0.5`,
	} {
		eps, _ := mustParse(t, question).EpsilonOrDefault().Float64()
		f1 := questionFrequencies(t, a, question, byte(40+2*i), n)
		f2 := questionFrequencies(t, b, question, byte(41+2*i), n)
		excess, maxLog := frequencyRatioExcess(t, f1, f2, eps, n/200)
		if excess > 0 {
			t.Errorf("%s: output frequencies differ by e^%.3f, beyond e^ε (ε = %v) plus slack by %.3f", question, maxLog, eps, excess)
		}
		if maxLog < 0.8*eps { // the heavy patient moves the answer by its full sensitivity
			t.Errorf("%s: largest log-ratio %.3f, want near ε = %v", question, maxLog, eps)
		}
		t.Logf("%s: largest log-ratio %.3f for ε = %v", question, maxLog, eps)
	}

	undeclared := func(rows []visit) *Prepared {
		p, err := Prepare(Data{Tables: []*anonymize.Table{visitTable(t, rows)}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	leakA, leakB := undeclared(base), undeclared(append(slices.Clone(base), heavyPatient(3)...))
	question := `SELECT COUNT(*) WHERE sex = 'F' AND code = 'E11' EPSILON 1`
	f1 := questionFrequencies(t, leakA, question, 50, n)
	f2 := questionFrequencies(t, leakB, question, 51, n)
	if excess, maxLog := frequencyRatioExcess(t, f1, f2, 1, n/200); excess <= 0 {
		t.Errorf("a patient with 3 rows counted as 3 patients passed as ε = 1 (largest log-ratio %.3f)", maxLog)
	}
}

// TestAnswer_concurrent: one Prepared answers from many goroutines (run
// with -race); the lazily read column information is built once.
func TestAnswer_concurrent(t *testing.T) {
	p := prepareVisits(t, visitRows(), 3)
	questions := []string{
		`SELECT COUNT(*) WHERE sex = 'F' AND age >= 40`,
		`SELECT MEAN(cost) WHERE code IN ('E11', 'J45') GROUP BY sex BOUNDS 0 TO 50`,
		`SELECT HISTOGRAM(day) WHERE age < 60`,
		`SELECT QUANTILE(age, 0.5) WHERE day >= '1960-01-01' BOUNDS 0 TO 100`,
	}
	errs := make(chan error, 8*len(questions))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := seeded(byte(60 + g))
			for _, s := range questions {
				q, err := ParseQuestion(s)
				if err == nil {
					_, err = p.Answer(q, src)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCheck_refusesListingPatientsAndIdentifiers(t *testing.T) {
	p := prepareVisits(t, visitRows(), 3)
	for _, question := range []string{`SELECT COUNT(*) GROUP BY patient`, `SELECT HISTOGRAM(patient)`} {
		if err := p.Check(mustParse(t, question)); err == nil || !strings.Contains(err.Error(), `column "patient": `) {
			t.Errorf("Check(%s) = %v, want a refusal naming the patient column", question, err)
		}
	}
	if err := p.Check(mustParse(t, `SELECT COUNT(*) WHERE patient = 'p1'`)); err != nil {
		t.Errorf("a condition on the patient column: %v", err)
	}
}

// FuzzAnswer: whatever question parses is either answered on the visits
// and released tables or refused with ErrInvalid; nothing panics, and an
// answer's intervals hold its values.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{
		`SELECT COUNT(*) WHERE sex = 'F' AND age >= 40`,
		`SELECT SUM(cost) FROM visits WHERE day < '1970-01-01' BOUNDS -9223372036854775807 TO 5`,
		`SELECT MEAN(age) GROUP BY sex, code BOUNDS 0 TO 0`,
		`SELECT QUANTILE(age, 0.999) BOUNDS -1 TO 1 BINS 100 EPSILON 0.001`,
		`SELECT HISTOGRAM(age) FROM released WHERE day IS SUPPRESSED BOUNDS 40 TO 41 BINS 100`,
		`SELECT HISTOGRAM(day) FROM released WHERE zip IN ('0215*', '*****')`,
		`SELECT COUNT(PATIENTS) FROM released GROUP BY clean, zip`,
	} {
		f.Add(s)
	}
	p, err := Prepare(Data{Tables: []*anonymize.Table{visitTable(f, visitRows()), releasedTable(f)}, Default: "visits",
		Patients: map[string]string{"visits": "patient"}, Clip: map[string]int64{"visits": 3}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuestion(s)
		if err != nil {
			return
		}
		a, err := p.Answer(q, seeded(1))
		if err != nil {
			if !errors.Is(err, anonymize.ErrInvalid) {
				t.Fatalf("%s: error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		for _, r := range a.Rows {
			if !(r.Low <= r.Value && r.Value <= r.High) {
				t.Fatalf("%s: row %+v outside its interval", s, r)
			}
		}
	})
}

// TestCheck_refusesNoiseBeyondScale: a tiny ε or huge bounds would give
// noise that drowns the answer (and a 95 % bound float64 cannot compute):
// refused, naming the scale.
func TestCheck_refusesNoiseBeyondScale(t *testing.T) {
	p := prepareVisits(t, visitRows(), 3)
	for _, question := range []string{
		`SELECT COUNT(*) EPSILON 0.000000000001`,
		`SELECT SUM(age) BOUNDS 0 TO 1000000000000 EPSILON 1`,
		`SELECT MEAN(age) BOUNDS 0 TO 200000000000 EPSILON 1`,
		`SELECT HISTOGRAM(code) EPSILON 0.000000000002`,
	} {
		q := mustParse(t, question)
		if err := p.Check(q); err == nil || !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), "narrow BOUNDS or raise EPSILON") {
			t.Errorf("Check(%s) = %v, want a refusal of the noise scale", question, err)
		}
	}
	for _, question := range []string{`SELECT COUNT(*) EPSILON 0.00000001`, `SELECT SUM(age) BOUNDS 0 TO 100000000000 EPSILON 1`} {
		if _, err := p.Answer(mustParse(t, question), seeded(1)); err != nil {
			t.Errorf("%s: %v", question, err)
		}
	}
}

func TestPrepared_schema(t *testing.T) {
	visits := visitTable(t, visitRows())
	visits.Columns = append(visits.Columns, anonymize.NewColumn("name", anonymize.TypeString, anonymize.RoleDirect, make([]string, visits.NumRows())))
	p, err := Prepare(Data{Tables: []*anonymize.Table{visits, releasedTable(t)}, Default: "visits",
		Patients: map[string]string{"visits": "patient"}})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Schema()
	if len(s) != 2 || s[0].Name != "visits" || !s[0].Default || s[0].PatientColumn != "patient" || s[0].MaxRowsPerPatient != DefaultClip ||
		s[1].Name != "released" || s[1].Default || s[1].MaxRowsPerPatient != 1 {
		t.Fatalf("schema %+v", s)
	}
	cols := map[string]ColumnSchema{}
	for _, c := range s[0].Columns {
		cols[c.Name] = c
	}
	if c := cols["age"]; c.Type != "integer" || !c.Numeric || !c.Listable {
		t.Errorf("age %+v", c)
	}
	if c := cols["sex"]; c.Type != "string" || c.Numeric || !c.Listable {
		t.Errorf("sex %+v", c)
	}
	if cols["patient"].Listable || cols["name"].Listable || len(cols) != 7 {
		t.Errorf("the patient column and a direct identifier are listable: %+v", cols)
	}
}

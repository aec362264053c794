package dp

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

func mustParse(t testing.TB, s string) *Question {
	t.Helper()
	q, err := ParseQuestion(s)
	if err != nil {
		t.Fatalf("ParseQuestion(%q): %v", s, err)
	}
	return q
}

func TestParseQuestion_fields(t *testing.T) {
	q := mustParse(t, `SELECT COUNT(PATIENTS) FROM Condition WHERE age_group = '40-49' AND code = '44054006' AND "the age" >= 40.50 AND sex IN ('F', 'M') AND x IS NOT MISSING AND y is suppressed GROUP BY sex, "from" EPSILON 0.25`)
	if q.Statistic != StatPatients || q.Table != "Condition" || q.Column != "" {
		t.Errorf("statistic %q table %q column %q", q.Statistic, q.Table, q.Column)
	}
	want := []Filter{
		{"age_group", "=", []string{"40-49"}}, {"code", "=", []string{"44054006"}}, {"the age", ">=", []string{"40.5"}},
		{"sex", "in", []string{"F", "M"}}, {"x", "not missing", nil}, {"y", "suppressed", nil},
	}
	if len(q.Filters) != len(want) {
		t.Fatalf("filters %+v", q.Filters)
	}
	for i, f := range want {
		g := q.Filters[i]
		if g.Column != f.Column || g.Op != f.Op || strings.Join(g.Values, "|") != strings.Join(f.Values, "|") {
			t.Errorf("filter %d = %+v, want %+v", i, g, f)
		}
	}
	if strings.Join(q.GroupBy, "|") != "sex|from" || q.Epsilon.Cmp(big.NewRat(1, 4)) != 0 {
		t.Errorf("group by %q epsilon %v", q.GroupBy, q.Epsilon)
	}
	q = mustParse(t, `select quantile(age, 0.9) bounds -5 to 120 bins 30`)
	if q.Statistic != StatQuantile || q.Column != "age" || q.Quantile.Cmp(big.NewRat(9, 10)) != 0 ||
		q.Low.Int64() != -5 || q.High.Int64() != 120 || q.Bins != 30 || q.Epsilon != nil {
		t.Errorf("quantile question %+v", q)
	}
	if got := q.String(); got != "SELECT QUANTILE(age, 0.9) BOUNDS -5 TO 120 BINS 30 EPSILON 0.1" {
		t.Errorf("canonical %q", got)
	}
}

// TestQuestion_canonical: questions that mean the same read the same;
// different ones differ; the canonical text parses back to itself.
func TestQuestion_canonical(t *testing.T) {
	same := [][]string{
		{`select count(*) where a='x' and b = 'y'`, "SELECT   COUNT( * )\n WHERE b='y' AND a = 'x' epsilon 0.10", `SELECT COUNT(*) WHERE "a" = 'x' AND "b" = 'y' EPSILON .1`},
		{`SELECT SUM(v) WHERE n = 40 BOUNDS 0 TO 10`, `SELECT SUM(v) WHERE n = '40' BOUNDS 0 TO 10`, `SELECT SUM(v) WHERE n = 40.000 BOUNDS 00 TO 10.0`},
		{`SELECT COUNT(*) WHERE c IN ('b', 'a', 'b')`, `SELECT COUNT(*) WHERE c IN ('a','b')`},
		{`SELECT COUNT(*) WHERE c <> 'it''s'`, `SELECT COUNT(*) WHERE c != 'it''s'`},
	}
	for _, group := range same {
		want := mustParse(t, group[0]).String()
		for _, s := range group[1:] {
			if got := mustParse(t, s).String(); got != want {
				t.Errorf("%q reads %q, want %q", s, got, want)
			}
		}
		if back := mustParse(t, want).String(); back != want {
			t.Errorf("canonical %q reads back as %q", want, back)
		}
	}
	if got := mustParse(t, same[0][0]).String(); got != `SELECT COUNT(*) WHERE a = 'x' AND b = 'y' EPSILON 0.1` {
		t.Errorf("canonical %q", got)
	}
	differ := []string{
		`SELECT COUNT(*) WHERE a = 'x' AND b = 'y'`,
		`SELECT COUNT(*) WHERE a = 'x' AND b = 'z'`,
		`SELECT COUNT(*) WHERE a = 'x'`,
		`SELECT COUNT(PATIENTS) WHERE a = 'x' AND b = 'y'`,
		`SELECT COUNT(*) WHERE a = 'x' AND b = 'y' EPSILON 0.2`,
		`SELECT COUNT(*) FROM t WHERE a = 'x' AND b = 'y'`,
		`SELECT COUNT(*) WHERE a = '40.0'`,
		`SELECT COUNT(*) WHERE a = 40`,
		`SELECT COUNT(*) WHERE a >= 40`,
		`SELECT COUNT(*) WHERE "A" = 40`,
	}
	seen := map[string]string{}
	for _, s := range differ {
		c := mustParse(t, s).String()
		if prev, dup := seen[c]; dup {
			t.Errorf("%q and %q read the same: %q", prev, s, c)
		}
		seen[c] = s
	}
}

func TestQuestion_stringQuotesWhenNeeded(t *testing.T) {
	q := &Question{Statistic: StatHistogram, Column: `we"ird col`, Table: "select", GroupBy: nil,
		Filters: []Filter{{Column: "ok_name.x", Op: "=", Values: []string{"a'b"}}}, Epsilon: big.NewRat(1, 3)}
	s := q.String()
	if s != `SELECT HISTOGRAM("we""ird col") FROM "select" WHERE ok_name.x = 'a''b' EPSILON 1/3` {
		t.Errorf("canonical %q", s)
	}
	back := mustParse(t, s)
	if back.Column != q.Column || back.Table != "select" || back.Filters[0].Values[0] != "a'b" || back.Epsilon.Cmp(q.Epsilon) != 0 {
		t.Errorf("read back %+v", back)
	}
}

// TestParseQuestion_errorsNamePosition: every error wraps ErrInvalid and
// names the character where the question goes wrong and what was expected.
func TestParseQuestion_errorsNamePosition(t *testing.T) {
	for s, want := range map[string]string{
		`COUNT(*)`:                                  "at character 1: expected SELECT",
		`SELECT COUNT(x)`:                           "at character 14: expected * or PATIENTS",
		`SELECT COUNT(*) WHERE a = `:                "at character 27: expected a 'quoted value' or a number, found the end",
		`SELECT COUNT(*) WHERE a == 'x'`:            "at character 26: expected a 'quoted value'",
		`SELECT COUNT(*) WHERE a = 'x`:              "at character 27: expected a closing '",
		`SELECT COUNT(*) WHERE from = 'x'`:          `at character 23: expected a column, found the keyword FROM`,
		`SELECT COUNT(*) EPSILON 2`:                 "at character 25: expected an ε above 0 and at most 1",
		`SELECT COUNT(*) EPSILON 0`:                 "at character 25: expected an ε above 0",
		`SELECT QUANTILE(a, 1) BOUNDS 0 TO 1`:       "at character 20: expected a quantile strictly between 0 and 1",
		`SELECT COUNT(*) BINS 101`:                  "at character 22: expected a number of bins from 1 to 100",
		`SELECT SUM(a) BOUNDS 5 TO 1`:               "at character 27: expected an upper bound at least the lower bound",
		`SELECT SUM(a) BOUNDS 0.5 TO 1`:             "at character 22: expected the lower bound (an integer)",
		`SELECT COUNT(*) GROUP BY a, b, c`:          "at character 32: at most 2 GROUP BY columns",
		`SELECT COUNT(*) EPSILON 0.1 WHERE a = 'x'`: "at character 29: expected FROM, WHERE, GROUP BY, BOUNDS, BINS or EPSILON (in that order) or the end",
		`SELECT COUNT(*) WHERE a = 1e5`:             "at character 27: expected a decimal number",
		`SELECT COUNT(*) WHERE a ~ 'x'`:             "at character 25: unexpected character '~'",
		`SELECT COUNT(*) WHERE é = 'x'`:             "at character 23: unexpected character 'é'",
		`SELECT SUM(a)`:                             "SUM needs BOUNDS",
		`SELECT COUNT(*) BINS 5`:                    "BINS go with QUANTILE and HISTOGRAM only",
		`SELECT HISTOGRAM(a) GROUP BY b`:            "GROUP BY goes with COUNT, SUM and MEAN only",
	} {
		_, err := ParseQuestion(s)
		if err == nil || !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseQuestion(%q) = %v, want an ErrInvalid saying %q", s, err, want)
		}
	}
}

func TestParseQuestion_limits(t *testing.T) {
	long := "SELECT COUNT(*) WHERE a = '" + strings.Repeat("x", MaxQuestionBytes) + "'"
	if _, err := ParseQuestion(long); err == nil || !strings.Contains(err.Error(), "at most 2000") {
		t.Errorf("a %d-byte question: %v", len(long), err)
	}
	conds := make([]string, MaxFilters+1)
	for i := range conds {
		conds[i] = "a = 'x'"
	}
	if _, err := ParseQuestion("SELECT COUNT(*) WHERE " + strings.Join(conds[:MaxFilters], " AND ")); err != nil {
		t.Errorf("%d conditions: %v", MaxFilters, err)
	}
	if _, err := ParseQuestion("SELECT COUNT(*) WHERE " + strings.Join(conds, " AND ")); err == nil || !strings.Contains(err.Error(), "at most 10 conditions") {
		t.Errorf("%d conditions: %v", len(conds), err)
	}
	vals := make([]string, MaxInValues+1)
	for i := range vals {
		vals[i] = "'v'"
	}
	if _, err := ParseQuestion("SELECT COUNT(*) WHERE a IN (" + strings.Join(vals[:MaxInValues], ", ") + ")"); err != nil {
		t.Errorf("%d IN values: %v", MaxInValues, err)
	}
	if _, err := ParseQuestion("SELECT COUNT(*) WHERE a IN (" + strings.Join(vals, ", ") + ")"); err == nil || !strings.Contains(err.Error(), "at most 50 values in IN") {
		t.Errorf("%d IN values: %v", len(vals), err)
	}
}

// FuzzParseQuestion: no input panics, and whatever parses has a canonical
// text that parses back to the same canonical text.
func FuzzParseQuestion(f *testing.F) {
	for _, s := range []string{
		`SELECT COUNT(PATIENTS) FROM Condition WHERE age_group = '40-49' AND code = '44054006'`,
		`select mean(x) where "a b" in ('1', 2.50, 'it''s') group by c bounds -1 to 9 epsilon 0.5`,
		`SELECT HISTOGRAM(age) WHERE d IS NOT MISSING AND e IS SUPPRESSED BOUNDS 0 TO 100 BINS 7`,
		`SELECT QUANTILE(v, 1/3) BOUNDS 0 TO 10 EPSILON 1/7`,
		`SELECT COUNT(*) WHERE a <> -.5`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuestion(s)
		if err != nil {
			if !errors.Is(err, anonymize.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		c := q.String()
		back, err := ParseQuestion(c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, s, err)
		}
		if c2 := back.String(); c2 != c {
			t.Fatalf("canonical %q reads back as %q", c, c2)
		}
	})
}

func ExampleParseQuestion() {
	q, err := ParseQuestion(`select count(patients) from Condition where code = '44054006' and age_group = '40-49'`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	_, err = ParseQuestion(`SELECT COUNT(*) WHERE age_group = 40-49`)
	fmt.Println(err)
	// Output:
	// SELECT COUNT(PATIENTS) FROM Condition WHERE age_group = '40-49' AND code = 44054006 EPSILON 0.1
	// question: at character 35: expected a decimal number, found "40-49" (quote a text value: '40-49'): invalid input
}

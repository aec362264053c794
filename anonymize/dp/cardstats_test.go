package dp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// cardTable has 1000 patients with 2 rows each: sex F on 1200 rows, M on
// 700, empty on 100; age 5 on 600 rows, 50 on 1400; a date in 1980 on 2000
// rows; a name column (direct identifier) that the card never describes.
func cardTable(t testing.TB) *anonymize.Table {
	var pat, sex, age, day, name []string
	for i := range 2000 {
		pat = append(pat, "p"+strconv.Itoa(i/2))
		switch {
		case i < 1200:
			sex = append(sex, "F")
		case i < 1900:
			sex = append(sex, "M")
		default:
			sex = append(sex, "")
		}
		if i < 600 {
			age = append(age, "5")
		} else {
			age = append(age, "50")
		}
		day = append(day, "1980-03-04")
		name = append(name, "Name"+strconv.Itoa(i))
	}
	tab, err := anonymize.NewTable("patients",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pat),
		anonymize.NewColumn("sex", anonymize.TypeString, anonymize.RoleQuasi, sex),
		anonymize.NewColumn("age", anonymize.TypeInteger, anonymize.RoleQuasi, age),
		anonymize.NewColumn("birth", anonymize.TypeDate, anonymize.RoleQuasi, day),
		anonymize.NewColumn("name", anonymize.TypeString, anonymize.RoleDirect, name))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func column(t *testing.T, st Stats, name string) ColumnStats {
	t.Helper()
	for _, c := range st.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no statistics for column %q in %+v", name, st.Columns)
	return ColumnStats{}
}

func cell(c ColumnStats, label string) (Figure, bool) {
	for _, x := range c.Cells {
		if x.Label == label {
			return x.Figure, true
		}
	}
	return Figure{}, false
}

// TestCardStatsWithinBounds: over many seeded runs each figure lies within
// its 95 % bound of the true count about 95 % of the time.
func TestCardStatsWithinBounds(t *testing.T) {
	tab := cardTable(t)
	truth := map[string]int64{"rows": 2000, "patients": 1000, "sex/F": 1200, "sex/M": 700, "sex/missing": 100,
		"age/0–9": 600, "age/10–99": 1400, "birth/1980": 2000}
	within := map[string]int{}
	// Always 400: with fewer, a 95 % coverage lands outside the window by
	// chance (the discrete Gaussian's bound covers at least 95 % by
	// construction, a little more as the noise is discrete).
	runs := 400
	src := seeded(7)
	for range runs {
		st, err := CardStats(tab, "patient", big.NewRat(1, 1), 2, src)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Figure{"rows": st.Rows, "patients": st.Patients, "sex/missing": column(t, st, "sex").Missing}
		for _, k := range []string{"sex/F", "sex/M", "age/0–9", "age/10–99", "birth/1980"} {
			col, label, _ := strings.Cut(k, "/")
			f, ok := cell(column(t, st, col), label)
			if !ok {
				t.Fatalf("%s not shown in %+v", k, column(t, st, col))
			}
			got[k] = f
		}
		for k, f := range got {
			if d := f.Value - truth[k]; d >= -f.Bound95 && d <= f.Bound95 {
				within[k]++
			}
		}
	}
	for k := range truth {
		if share := float64(within[k]) / float64(runs); share < 0.91 || share > 0.99 {
			t.Errorf("%s within its 95%% bound in %.3f of %d runs", k, share, runs)
		}
	}
}

// TestCardStatsBudgetSplit: the per-statistic ρ times the number of
// statistics is the table's ρ, which is the card's ρ for ε, and the direct
// identifier is not described.
func TestCardStatsBudgetSplit(t *testing.T) {
	eps := big.NewRat(7, 10)
	st, err := CardStats(cardTable(t), "patient", eps, 2, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	each, ok := new(big.Rat).SetString(st.RhoPerStatistic)
	if !ok {
		t.Fatalf("per-statistic ρ %q does not parse", st.RhoPerStatistic)
	}
	rho, err := CardRho(eps)
	if err != nil {
		t.Fatal(err)
	}
	sum := new(big.Rat).Mul(each, big.NewRat(int64(st.Statistics), 1))
	if sum.Cmp(rho) != 0 || st.Rho != rho.RatString() || st.Epsilon != "7/10" || st.Delta != CardDelta {
		t.Errorf("%d statistics × ρ %s = %s, table ρ %s, ε %s; want ρ %s, ε 7/10", st.Statistics, st.RhoPerStatistic, sum.RatString(), st.Rho, st.Epsilon, rho.RatString())
	}
	if st.Statistics != 2+3 || len(st.Columns) != 3 {
		t.Errorf("statistics %d over columns %+v, want 5 over sex, age, birth", st.Statistics, st.Columns)
	}
	if st.Mechanism != "discrete Gaussian (zCDP)" {
		t.Errorf("mechanism %q", st.Mechanism)
	}
}

// TestCardStatsClip: a patient with many rows moves every count by at most
// the clip (ε so large the noise is 0).
func TestCardStatsClip(t *testing.T) {
	base := cardTable(t)
	extra := make([]*anonymize.Column, len(base.Columns))
	for i, c := range base.Columns {
		vals := make([]string, 500)
		for r := range vals {
			vals[r] = map[string]string{"patient": "heavy", "sex": "M", "age": "50", "birth": "1980-01-01", "name": "X"}[c.Name]
		}
		extra[i] = anonymize.NewColumn(c.Name, c.Type, c.Role, vals)
	}
	more, err := anonymize.Concat(base, base.WithColumns(extra))
	if err != nil {
		t.Fatal(err)
	}
	const clip = 3
	huge := big.NewRat(1_000_000, 1)
	a, err := CardStats(base, "patient", huge, clip, seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	b, err := CardStats(more, "patient", huge, clip, seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	if d := b.Rows.Value - a.Rows.Value; d != clip {
		t.Errorf("rows moved by %d, want the clip %d", d, clip)
	}
	if d := b.Patients.Value - a.Patients.Value; d != 1 {
		t.Errorf("patients moved by %d, want 1", d)
	}
	fa, _ := cell(column(t, a, "sex"), "M")
	fb, _ := cell(column(t, b, "sex"), "M")
	if d := fb.Value - fa.Value; d != clip {
		t.Errorf("sex M moved by %d, want the clip %d", d, clip)
	}
}

// TestCardStatsTopCategories: at most TopCategories are shown, never one no
// row holds, and a category held by one patient stays hidden.
func TestCardStatsTopCategories(t *testing.T) {
	var pat, code, solo []string
	for i := range 3000 {
		pat = append(pat, "p"+strconv.Itoa(i))
		code = append(code, "C"+strconv.Itoa(i%20)) // 20 categories of 150 rows
		solo = append(solo, "")
	}
	pat = append(pat, "lonely", "gone")
	code = append(code, "RARE", "UNUSED")
	solo = append(solo, "ONLY", "")
	tab, err := anonymize.NewTable("t",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pat),
		anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleSensitive, code),
		anonymize.NewColumn("solo", anonymize.TypeString, anonymize.RoleSensitive, solo))
	if err != nil {
		t.Fatal(err)
	}
	keep := make([]bool, tab.NumRows())
	for i := range keep {
		keep[i] = i != len(keep)-1 // drops the only UNUSED row; its dictionary entry stays
	}
	tab = tab.Filter(keep)
	src := seeded(3)
	for range draws(200) {
		st, err := CardStats(tab, "patient", big.NewRat(1, 1), 1, src)
		if err != nil {
			t.Fatal(err)
		}
		c := column(t, st, "code")
		if len(c.Cells) != TopCategories {
			t.Fatalf("%d categories shown, want %d: %+v", len(c.Cells), TopCategories, c.Cells)
		}
		for _, x := range c.Cells {
			if x.Label == "UNUSED" || x.Label == "RARE" {
				t.Fatalf("category %q shown: %+v", x.Label, c.Cells)
			}
			if x.Value < st.CategoryThreshold {
				t.Fatalf("category %q shown at %d below the threshold %d", x.Label, x.Value, st.CategoryThreshold)
			}
		}
		if s := column(t, st, "solo"); len(s.Cells) != 0 {
			t.Fatalf("a category one patient holds is shown: %+v", s.Cells)
		}
	}
}

func TestCardStatsJSONRoundTrip(t *testing.T) {
	st, err := CardStats(cardTable(t), "patient", big.NewRat(1, 2), 2, seeded(4))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back Stats
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st, back) {
		t.Errorf("round trip changed the statistics:\n%+v\n%+v", st, back)
	}
}

func TestCardStatsRefuses(t *testing.T) {
	tab := cardTable(t)
	for name, call := range map[string]func() error{
		"no patient column": func() error { _, err := CardStats(tab, "nope", big.NewRat(1, 1), 1, seeded(5)); return err },
		"zero ε":            func() error { _, err := CardStats(tab, "patient", new(big.Rat), 1, seeded(5)); return err },
		"clip 0":            func() error { _, err := CardStats(tab, "patient", big.NewRat(1, 1), 0, seeded(5)); return err },
	} {
		if err := call(); !errors.Is(err, anonymize.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

func TestCardBuckets(t *testing.T) {
	for v, want := range map[string]string{"-3": "negative", "0": "0–9", "9.9": "0–9", "10": "10–99",
		"1000": "1,000–9,999", "123456": "100,000–999,999", "5e9": "≥ 1,000,000,000", "abc": "not a number"} {
		if got := numericBucket(v); got != want {
			t.Errorf("numericBucket(%q) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[string]string{"1980-03-04": "1980", "2024-01-01T10:00:00Z": "2024", "1850-01-01": "before 1900",
		"2200-01-01": "after 2100", "soon": "not a date"} {
		if got := yearBucket(v); got != want {
			t.Errorf("yearBucket(%q) = %q, want %q", v, got, want)
		}
	}
}

// go test -run '^$' -bench CardStats ./anonymize/dp/
//
// The second case adds a column with a distinct value on every row (the
// worst case: one noise draw per row).
func BenchmarkCardStats(b *testing.B) {
	b.Run("rows=1e6", func(b *testing.B) { benchCardStats(b, false) })
	b.Run("rows=1e6/unique-column", func(b *testing.B) { benchCardStats(b, true) })
}

func benchCardStats(b *testing.B, unique bool) {
	const n = 1_000_000
	var pat, sex, age, day, code []string
	for i := range n {
		pat = append(pat, "p"+strconv.Itoa(i/5))
		sex = append(sex, []string{"F", "M", ""}[i%3])
		age = append(age, strconv.Itoa(i%100))
		day = append(day, fmt.Sprintf("%d-06-01", 1950+i%70))
		code = append(code, "C"+strconv.Itoa(i%5000))
	}
	tab, err := anonymize.NewTable("bench",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pat),
		anonymize.NewColumn("sex", anonymize.TypeString, anonymize.RoleQuasi, sex),
		anonymize.NewColumn("age", anonymize.TypeInteger, anonymize.RoleQuasi, age),
		anonymize.NewColumn("visit", anonymize.TypeDate, anonymize.RoleQuasi, day),
		anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleSensitive, code))
	if err != nil {
		b.Fatal(err)
	}
	if unique {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = "id" + strconv.Itoa(i)
		}
		tab = tab.WithColumns(append(tab.Columns, anonymize.NewColumn("id", anonymize.TypeString, anonymize.RoleInsensitive, ids)))
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := CardStats(tab, "patient", big.NewRat(1, 1), 5, CryptoSource{}); err != nil {
			b.Fatal(err)
		}
	}
}

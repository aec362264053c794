package anonymize_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
)

func table(t *testing.T, header string, rows ...string) *anonymize.Table {
	t.Helper()
	var b strings.Builder
	b.WriteString(header + "\n")
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	tb, err := anonymize.ReadCSV(strings.NewReader(b.String()), anonymize.CSVOptions{Header: anonymize.HeaderPresent, Delimiter: ','})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestSafeHarbor_treatsEachCategory(t *testing.T) {
	cases := []struct {
		column, in, want string // want "<dropped>" when the column must go
	}{
		{"zip", "02155", "021"},
		{"zip", "03601", "000"}, // 036 is restricted
		{"zip", "89301-1234", "000"},
		{"zip", "10001-0001", "100"},
		{"zip", "", ""},
		{"birthdate", "1950-07-04", "1950"},
		{"admitted", "2020-03-01T10:00:00Z", "2020"},
		{"age", "89", "89"},
		{"age", "90", "90+"},
		{"age", "104", "90+"},
		{"first_name", "Ann", "<dropped>"},
		{"ssn", "999-17-5017", "<dropped>"},
		{"phone", "555-657-6746", "<dropped>"},
		{"email", "ann@example.org", "<dropped>"},
		{"website", "https://ann.example.org", "<dropped>"},
		{"ip", "192.168.1.20", "<dropped>"},
		{"device_id", "A1B2", "<dropped>"},
		{"mrn", "MRN-1", "<dropped>"},
		{"account_number", "12345", "<dropped>"},
		{"lat", "42.36", "<dropped>"},
		{"address", "784 Stamm Lock Unit 46", "<dropped>"},
		{"city", "Somerville", "<dropped>"},
		{"county", "Middlesex County", "<dropped>"},
		{"notes", "call 555-657-6746", "call [PHONE]"}, // named notes: free text, scrubbed
		{"contact", "ann@example.org", "<dropped>"},    // detected by content
		{"state", "Massachusetts", "Massachusetts"},
		{"diagnosis", "E11.9", "E11.9"},
	}
	for _, c := range cases {
		t.Run(c.column+"="+c.in, func(t *testing.T) {
			tb := table(t, "keep,"+c.column, "x,\""+c.in+"\"")
			out, err := (&anonymize.SafeHarbor{}).Apply(context.Background(), tb)
			if err != nil {
				t.Fatal(err)
			}
			col := out.Column(c.column)
			if c.want == "<dropped>" {
				if col != nil {
					t.Fatalf("column kept with %q", col.Value(0))
				}
				return
			}
			if col == nil {
				t.Fatal("column dropped")
			}
			if got := col.Value(0); got != c.want {
				t.Errorf("%q -> %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestSafeHarbor_overridesAndBlank(t *testing.T) {
	tb := table(t, "code,name", "A1,Ann")
	sh := &anonymize.SafeHarbor{Columns: map[string]anonymize.Category{"code": anonymize.CatMRN, "name": anonymize.CatKeep}, Blank: true}
	out, err := sh.Apply(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	if out.Column("code").Value(0) != "" || out.Column("name").Value(0) != "Ann" {
		t.Errorf("row %q", out.Row(0))
	}
}

func TestPseudonymize_isKeyedAndDeterministic(t *testing.T) {
	tb := table(t, "id,other", "p1,x", "p2,y", "p1,z", ",w")
	p := &anonymize.Pseudonymize{Columns: []string{"id"}, Secret: testSecret, Length: 16, Prefix: "P-"}
	out, err := p.Apply(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	ids := out.Column("id").Values()
	if ids[0] != ids[2] || ids[0] == ids[1] || ids[3] != "" {
		t.Errorf("pseudonyms %q", ids)
	}
	if !strings.HasPrefix(ids[0], "P-") || len(ids[0]) != 18 {
		t.Errorf("pseudonym %q: want P- and 16 hex digits", ids[0])
	}
	if out.Column("id").Role == anonymize.RoleDirect {
		t.Error("a pseudonymized column keeps the direct-identifier role")
	}
	if _, err := (&anonymize.Pseudonymize{Secret: []byte("short")}).Apply(context.Background(), tb); err == nil {
		t.Error("a short secret is accepted")
	}
}

// TestDateShift_keepsIntervalsPerPatient checks that all dates of a patient
// move by the same non-zero number of days, whatever their format, and that
// two runs (two tables) agree.
func TestDateShift_keepsIntervalsPerPatient(t *testing.T) {
	tb := table(t, "patient,start,stop",
		"p1,2020-01-01,2020-01-31",
		"p1,2020-02-28,2020-03-01",
		"p2,2019-12-31,2020-01-01",
		"p2,2021-06-01T08:30:00Z,2021-06-01T17:45:00Z",
		"p3,,2000-02-29",
	)
	ds := &anonymize.DateShift{PatientColumn: "patient", Columns: []string{"start", "stop"}, Secret: testSecret, MaxDays: 100}
	out, err := ds.Apply(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(s string) time.Time {
		for _, l := range []string{"2006-01-02", time.RFC3339} {
			if v, err := time.Parse(l, s); err == nil {
				return v
			}
		}
		t.Fatalf("cannot parse %q", s)
		return time.Time{}
	}
	shift := map[string]time.Duration{}
	for i := range tb.NumRows() {
		p := tb.Column("patient").Value(i)
		for _, c := range []string{"start", "stop"} {
			in, got := tb.Column(c).Value(i), out.Column(c).Value(i)
			if in == "" {
				if got != "" {
					t.Errorf("empty date became %q", got)
				}
				continue
			}
			if len(got) != len(in) {
				t.Errorf("%q -> %q changed format", in, got)
			}
			d := parse(got).Sub(parse(in))
			if d == 0 || d.Abs() > 100*24*time.Hour || d%(24*time.Hour) != 0 {
				t.Errorf("%s: %q -> %q is a shift of %v", p, in, got, d)
			}
			if s, ok := shift[p]; ok && s != d {
				t.Errorf("%s: shifts %v and %v differ", p, s, d)
			}
			shift[p] = d
		}
		// the interval between start and stop is unchanged
		if a, b := tb.Column("start").Value(i), tb.Column("stop").Value(i); a != "" && b != "" {
			if parse(b).Sub(parse(a)) != parse(out.Column("stop").Value(i)).Sub(parse(out.Column("start").Value(i))) {
				t.Errorf("row %d: interval changed", i)
			}
		}
	}
	again, _ := ds.Apply(context.Background(), tb.Slice(2, 4))
	if !slices.Equal(again.Column("start").Values(), out.Column("start").Values()[2:4]) {
		t.Error("the shift depends on the batch")
	}
}

func TestGeneralize_fixedLevels(t *testing.T) {
	tb := table(t, "age,zip,born", "34,02155,1990-05-17", "37,02139,1991-12-01")
	age, _ := anonymize.IntervalHierarchy(tb.Column("age").Dict, 5, 2)
	tb.Column("age").Hierarchy = age
	g := &anonymize.Generalize{Levels: map[string]int{"age": 1, "zip": 2, "born": 2}}
	out, err := g.Apply(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"30-34", "021**", "1990"}, {"35-39", "021**", "1991"}}
	for i, w := range want {
		if !slices.Equal(out.Row(i), w) {
			t.Errorf("row %d %q, want %q", i, out.Row(i), w)
		}
	}
}

func TestSuppress_removesSmallClasses(t *testing.T) {
	tb := table(t, "sex,zip", "M,021", "M,021", "F,021", "M,100", "M,021")
	tb.Column("sex").Role, tb.Column("zip").Role = anonymize.RoleQuasi, anonymize.RoleQuasi
	out, err := (&anonymize.Suppress{K: 2}).Apply(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	if out.NumRows() != 3 || out.Suppressed != 2 {
		t.Errorf("%d rows, %d suppressed; want 3 and 2", out.NumRows(), out.Suppressed)
	}
	r := anonymize.Assess(out, anonymize.ReportOptions{})
	if r.Suppressed != 2 || r.MinClassSize != 3 || r.InputRows != 5 {
		t.Errorf("report: %+v", r)
	}
}

func TestDrop_removesOrBlanks(t *testing.T) {
	tb := table(t, "a,b", "1,2")
	out, _ := (&anonymize.Drop{Columns: []string{"a"}}).Apply(context.Background(), tb)
	if !slices.Equal(out.Names(), []string{"b"}) {
		t.Errorf("columns %q", out.Names())
	}
	out, _ = (&anonymize.Drop{Columns: []string{"a"}, Blank: true}).Apply(context.Background(), tb)
	if out.Column("a").Value(0) != "" {
		t.Error("not blanked")
	}
	if _, err := (&anonymize.Drop{Columns: []string{"zz"}}).Apply(context.Background(), tb); err == nil {
		t.Error("unknown column accepted")
	}
}

// TestRowTransforms_batchesEqualWhole applies the row-scoped transforms to
// batches and to the whole table: the results agree, as a plugin host that
// streams batches needs.
func TestRowTransforms_batchesEqualWhole(t *testing.T) {
	tb := readSynthea(t, "patients.csv")
	for _, tr := range []anonymize.Transform{
		&anonymize.SafeHarbor{Columns: map[string]anonymize.Category{"Id": anonymize.CatKeep}},
		&anonymize.Pseudonymize{Columns: []string{"Id"}, Secret: testSecret},
		&anonymize.DateShift{PatientColumn: "Id", Secret: testSecret},
	} {
		if tr.Describe().Scope != anonymize.ScopeRow {
			t.Fatalf("%s is not row-scoped", tr.Describe().Name)
		}
		whole, err := tr.Apply(context.Background(), tb)
		if err != nil {
			t.Fatal(err)
		}
		var parts []*anonymize.Table
		for _, b := range tb.Batches(7) {
			o, err := tr.Apply(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, o)
		}
		joined, err := anonymize.Concat(parts...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range whole.NumRows() {
			if !slices.Equal(whole.Row(i), joined.Row(i)) {
				t.Fatalf("%s row %d: whole %q, batched %q", tr.Describe().Name, i, whole.Row(i), joined.Row(i))
			}
		}
	}
}

func TestTransforms_buildsBuiltinsFromParams(t *testing.T) {
	reg := anonymize.NewTransforms()
	for _, name := range []string{"safe-harbor", "pseudonymize", "date-shift", "generalize", "suppress", "drop", "privacy"} {
		if !slices.Contains(reg.Names(), name) {
			t.Errorf("%s not among the built-ins", name)
		}
	}
	tr, err := reg.New("privacy", anonymize.Params{"k": 3, "l": 2, "method": "mondrian"}, anonymize.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if p := tr.(*anonymize.Privacy); p.K != 3 || p.L != 2 || p.Method != anonymize.MethodMondrian {
		t.Errorf("decoded %+v", p)
	}
	if _, err := reg.New("privacy", anonymize.Params{"kk": 3}, anonymize.Env{}); err == nil {
		t.Error("unknown parameter accepted")
	}
	if _, err := reg.New("pseudonymize", nil, anonymize.Env{}); err == nil {
		t.Error("pseudonymize without a secret accepted")
	}
	if _, err := reg.New("nope", nil, anonymize.Env{}); !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), "safe-harbor") {
		t.Errorf("unknown transform: err = %v, want ErrInvalid listing the known ones", err)
	}
	var none *anonymize.Transforms
	if !slices.Equal(none.Names(), reg.Names()) {
		t.Errorf("nil set holds %v, want the built-ins %v", none.Names(), reg.Names())
	}
}

// What one owner registers, another does not see: two plugin hosts in one
// process keep their plugins apart, and the built-ins stay as they are.
func TestTransforms_registrationsStayWithTheirOwner(t *testing.T) {
	a, b := anonymize.NewTransforms(), anonymize.NewTransforms()
	a.Register("mine", func(p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
		return &anonymize.Drop{}, nil
	})
	if !slices.Contains(a.Names(), "mine") {
		t.Fatalf("a: %v, want mine registered", a.Names())
	}
	for _, other := range []*anonymize.Transforms{b, anonymize.NewTransforms(), nil} {
		if slices.Contains(other.Names(), "mine") {
			t.Errorf("another set sees mine: %v", other.Names())
		}
		if _, err := other.New("mine", nil, anonymize.Env{}); !errors.Is(err, anonymize.ErrInvalid) {
			t.Errorf("another set builds mine: err = %v", err)
		}
	}

	cfg := &anonymize.Config{Transforms: []anonymize.TransformConfig{{Name: "mine"}}}
	if _, err := cfg.Build(anonymize.Env{Transforms: a}); err != nil {
		t.Errorf("build with a: %v", err)
	}
	for _, env := range []anonymize.Env{{Transforms: b}, {}} {
		if _, err := cfg.Build(env); !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), `"mine"`) {
			t.Errorf("build without mine: err = %v, want ErrInvalid naming it", err)
		}
	}
}

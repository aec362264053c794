package anonymize_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/parquet-go/parquet-go"
)

func TestPolicy_checkGivesExactReasons(t *testing.T) {
	base := func() *anonymize.Report {
		return &anonymize.Report{Rows: 100, InputRows: 100, QuasiIdentifiers: []string{"age"}, MinClassSize: 5,
			Risk:    anonymize.Risk{Threshold: 0.2, Prosecutor: anonymize.RiskModel{Highest: 0.2, Average: 0.1, RecordsAtRisk: 0}},
			Utility: anonymize.Utility{Suppressed: 0.01},
			Privacy: []anonymize.SensitiveReport{{Column: "dx", MinDistinct: 2, MaxT: 0.3}}, Sensitive: []string{"dx"}}
	}
	atRisk := 0.0
	cases := []struct {
		name    string
		policy  anonymize.Policy
		mutate  func(*anonymize.Report)
		reasons []string // substrings, one per expected reason
	}{
		{"passes", anonymize.Policy{MinK: 5, MaxRisk: 0.2, MinL: 2, MaxT: 0.3, MaxSuppressed: 0.02}, nil, nil},
		{"k too small", anonymize.Policy{MinK: 10}, nil, []string{"smallest equivalence class has 5 rows, policy requires at least 10"}},
		{"risk", anonymize.Policy{MaxRisk: 0.1}, nil, []string{"highest prosecutor risk is 0.2, policy allows at most 0.1"}},
		{"average risk", anonymize.Policy{MaxAverageRisk: 0.05}, nil, []string{"average prosecutor risk is 0.1"}},
		{"records at risk", anonymize.Policy{MaxRecordsAtRisk: &atRisk}, func(r *anonymize.Report) { r.Risk.Prosecutor.RecordsAtRisk = 0.5 }, []string{"0.5 of records are above the risk threshold 0.2"}},
		{"l", anonymize.Policy{MinL: 3}, nil, []string{`2 distinct values of "dx", policy requires at least 3`}},
		{"t", anonymize.Policy{MaxT: 0.1}, nil, []string{`distribution of "dx" is 0.3 from the table's`}},
		{"suppression", anonymize.Policy{MaxSuppressed: 0.001}, nil, []string{"0.01 of rows suppressed"}},
		{"direct identifier", anonymize.Policy{}, func(r *anonymize.Report) { r.DirectIdentifiers = []string{"SSN"} }, []string{`direct identifier left: column "SSN"`}},
		{"allowed direct identifier", anonymize.Policy{AllowDirectIdentifiers: true}, func(r *anonymize.Report) { r.DirectIdentifiers = []string{"SSN"} }, nil},
		{"finding", anonymize.Policy{}, func(r *anonymize.Report) {
			r.Findings = []anonymize.Suggestion{{Column: "notes", Category: anonymize.CatEmail, Reason: "published values look like email"}}
		}, []string{`identifier found in column "notes"`}},
		{"no quasi-identifiers", anonymize.Policy{RequireQuasiIdentifiers: true}, func(r *anonymize.Report) { r.QuasiIdentifiers = nil }, []string{"no quasi-identifiers declared"}},
		{"several", anonymize.Policy{MinK: 10, MaxRisk: 0.1}, nil, []string{"smallest equivalence class", "highest prosecutor risk"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := base()
			if c.mutate != nil {
				c.mutate(r)
			}
			v := c.policy.Check(r)
			if v.Pass != (len(c.reasons) == 0) || len(v.Reasons) != len(c.reasons) {
				t.Fatalf("verdict %v, want reasons %q", v, c.reasons)
			}
			for i, want := range c.reasons {
				if !strings.Contains(v.Reasons[i], want) {
					t.Errorf("reason %q does not say %q", v.Reasons[i], want)
				}
			}
			if err := v.Err(); (err != nil) != !v.Pass || (err != nil && !errors.Is(err, anonymize.ErrPolicy)) {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

func TestHierarchy_readsARXAndBuildsAutomaticOnes(t *testing.T) {
	h, err := anonymize.ReadHierarchy(strings.NewReader("\ufeff1;0-4;*\n2;0-4;*\n7;5-9;*\n"))
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := h.Generalize("7", 1); g != "5-9" || h.Height() != 3 {
		t.Errorf("generalize 7 -> %q, height %d", g, h.Height())
	}
	if _, err := anonymize.ReadHierarchy(strings.NewReader("a;*\nb;x;*\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ragged hierarchy: %v", err)
	}
	if _, err := h.Restrict([]string{"1", "3"}); err == nil || !strings.Contains(err.Error(), `"3"`) {
		t.Errorf("missing value: %v", err)
	}
	cases := []struct {
		name  string
		build func() (*anonymize.Hierarchy, error)
		value string
		want  []string
	}{
		{"interval", func() (*anonymize.Hierarchy, error) {
			return anonymize.IntervalHierarchy([]string{"3", "17", "64", "90"}, 5, 2)
		}, "17", []string{"17", "15-19", "10-19", "0-19", "0-39", "0-79", "0-159", "*"}},
		{"decimal interval", func() (*anonymize.Hierarchy, error) {
			return anonymize.IntervalHierarchy([]string{"0.5", "1.25", "2.75"}, 0.5, 2)
		}, "1.25", []string{"1.25", "[1,1.5)", "[1,2)", "[0,2)", "[0,4)", "*"}},
		{"date", func() (*anonymize.Hierarchy, error) {
			return anonymize.DateHierarchy([]string{"1987-06-05", "2014-10-06T10:00:00Z"})
		}, "1987-06-05", []string{"1987-06-05", "1987-06", "1987", "1980-1989", "*"}},
		{"zip", func() (*anonymize.Hierarchy, error) { return anonymize.ZIPHierarchy([]string{"02155", "10001"}) },
			"02155", []string{"02155", "0215*", "021**", "02***", "0****", "*"}},
		{"flat", func() (*anonymize.Hierarchy, error) { return anonymize.FlatHierarchy([]string{"a", "b"}) }, "a", []string{"a", "*"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for l := range h.Height() {
				g, _ := h.Generalize(c.value, l)
				got = append(got, g)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("levels %q, want %q", got, c.want)
			}
			// ARX's format: one row per original value, levels separated by ';'.
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			w.Comma = ';'
			if err := w.WriteAll(h.Rows()); err != nil {
				t.Fatal(err)
			}
			back, err := anonymize.ReadHierarchy(&buf)
			if err != nil || back.Len() != h.Len() {
				t.Errorf("round trip: %v", err)
			}
		})
	}
}

func TestSuggest_rolesByNameAndContent(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		cat    anonymize.Category
		role   anonymize.Role
		tr     string
	}{
		{"SSN", []string{"999-17-5017"}, anonymize.CatSSN, anonymize.RoleDirect, "drop"},
		{"PatientFirstName", []string{"Ann"}, anonymize.CatName, anonymize.RoleDirect, "drop"},
		{"contact", []string{"ann@example.org", "bob@example.com"}, anonymize.CatEmail, anonymize.RoleDirect, "drop"},
		{"col7", []string{"555-657-6746", "(617) 555-0100"}, anonymize.CatPhone, anonymize.RoleDirect, "drop"},
		{"host", []string{"10.0.0.1", "2001:db8::1"}, anonymize.CatIP, anonymize.RoleDirect, "drop"},
		{"homepage", []string{"https://x.example"}, anonymize.CatURL, anonymize.RoleDirect, "drop"},
		{"MRN", []string{"A123"}, anonymize.CatMRN, anonymize.RoleDirect, "pseudonymize"},
		{"patient_id", []string{"3edac2e3-d223-6fae-d515-daf96ef6bc76"}, anonymize.CatID, anonymize.RoleDirect, "pseudonymize"},
		{"serial_number", []string{"SN1"}, anonymize.CatDevice, anonymize.RoleDirect, "drop"},
		{"mac", []string{"00:1b:44:11:3a:b7"}, anonymize.CatDevice, anonymize.RoleDirect, "drop"},
		{"LAT", []string{"42.3687744"}, anonymize.CatCoordinates, anonymize.RoleDirect, "drop"},
		{"street", []string{"784 Stamm Lock Unit 46"}, anonymize.CatAddress, anonymize.RoleDirect, "drop"},
		{"ZIP", []string{"02155"}, anonymize.CatZIP, anonymize.RoleQuasi, "zip3"},
		{"BIRTHDATE", []string{"2014-10-06"}, anonymize.CatDate, anonymize.RoleQuasi, "year"},
		{"visit", []string{"2014-10-06"}, anonymize.CatDate, anonymize.RoleInsensitive, "year"},
		{"age", []string{"34"}, anonymize.CatAge, anonymize.RoleQuasi, "top-code"},
		{"GENDER", []string{"M"}, anonymize.CatDemographic, anonymize.RoleQuasi, "generalize"},
		{"diagnosis", []string{"E11.9"}, anonymize.CatSensitive, anonymize.RoleSensitive, "keep"},
		{"cost", []string{"12.5"}, anonymize.CatNone, anonymize.RoleInsensitive, "keep"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			col := anonymize.NewColumn(c.name, anonymize.InferType(c.values), anonymize.RoleInsensitive, c.values)
			s := anonymize.SuggestColumn(col)
			if s.Category != c.cat || s.Role != c.role || s.Transform != c.tr {
				t.Errorf("suggestion %+v, want %s/%s/%s", s, c.cat, c.role, c.tr)
			}
		})
	}
}

func TestLoadConfig_buildsAndRunsPipeline(t *testing.T) {
	adult := sharedData(t, "arx-adult")
	hier, err := os.ReadFile(filepath.Join(adult, "adult_hierarchy_age.csv"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"h/age.csv": {Data: hier}}
	cfg, err := anonymize.LoadConfig(strings.NewReader(`
suggest_roles: false
columns:
  age: {role: quasi-identifier, hierarchy: h/age.csv}
  sex: {role: qi, hierarchy: {auto: flat}}
  race: {role: quasi-identifier}
  occupation: {role: sensitive}
transforms:
  - name: privacy
    k: 10
    l: 2
    method: optimal
policy: {min_k: 10, max_risk: 0.1, min_l: 2}
report: {risk_threshold: 0.05}
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cfg.Build(anonymize.Env{Open: func(name string) (io.ReadCloser, error) { return fsys.Open(name) }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), loadAdultPlain(t))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verdict.Pass {
		t.Fatalf("verdict %v", res.Verdict)
	}
	r := res.Report
	if !slices.Equal(r.QuasiIdentifiers, []string{"sex", "age", "race"}) || r.MinClassSize < 10 || r.Risk.Threshold != 0.05 || r.Search == nil {
		t.Errorf("report %+v", r)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("report is not JSON-serialisable: %v", err)
	}
	for _, bad := range []string{"colums: {}", "transforms: [{name: privacy, kk: 1}]", "preset: nope", "columns: {x: {role: boss}}"} {
		c, err := anonymize.LoadConfig(strings.NewReader(bad))
		if err == nil {
			_, err = c.Build(anonymize.Env{})
		}
		if err == nil || !errors.Is(err, anonymize.ErrInvalid) {
			t.Errorf("config %q: error %v, want ErrInvalid", bad, err)
		}
	}
}

// loadAdultPlain reads Adult without roles or hierarchies.
func loadAdultPlain(t *testing.T) *anonymize.Table {
	f, err := os.Open(filepath.Join(sharedData(t, "arx-adult"), "adult.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := anonymize.ReadCSV(f, anonymize.CSVOptions{Name: "adult"})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestSuggestConfig_roundTripsThroughYAML(t *testing.T) {
	cfg := anonymize.SuggestConfig(readSynthea(t, "patients.csv"))
	b, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := anonymize.LoadConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if r := back.Columns["SSN"].Role; r == nil || *r != anonymize.RoleDirect {
		t.Errorf("SSN role after round trip: %v\n%s", r, b)
	}
	runOnSyntheaPatients(t, back, testSecret) // the suggested config passes its own policy
}

func TestWriteParquet_roundTrips(t *testing.T) {
	tb := table(t, "name,age,cost,zip", "Ann,34,1.5,021", "Bob,,2.25,", "Cid,90+,3,100")
	tb.Column("age").Type = anonymize.TypeInteger // "90+" forces strings
	var buf bytes.Buffer
	if err := anonymize.WriteParquet(&buf, tb); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if f.NumRows() != 3 {
		t.Fatalf("%d rows", f.NumRows())
	}
	r := parquet.NewReader(f)
	rows := make([]parquet.Row, 3)
	n, _ := r.ReadRows(rows)
	if n != 3 {
		t.Fatalf("read %d rows", n)
	}
	cols := f.Schema().Columns()
	got := map[string][]string{}
	for _, row := range rows[:n] {
		for _, v := range row {
			name := cols[v.Column()][0]
			s := ""
			if !v.IsNull() {
				s = v.String()
			}
			got[name] = append(got[name], s)
		}
	}
	for _, name := range tb.Names() {
		if !slices.Equal(got[name], tb.Column(name).Values()) {
			t.Errorf("%s: %q, want %q", name, got[name], tb.Column(name).Values())
		}
	}
}

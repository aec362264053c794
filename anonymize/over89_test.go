package anonymize_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

var asOf = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// Ages over 89, and birth years that imply them at the reference date, are
// one category: "90+" (§164.514(b)(2)(i)(C)). The year 90 years back may
// mean 89 or 90, so it counts as over 89.
func TestSafeHarbor_agesAndBirthYearsOver89(t *testing.T) {
	in, err := anonymizetest.Table("p", []string{"BIRTHDATE", "birth_year", "AGE", "AgeAtDiagnosis", "admission_date"}, [][]string{
		{"1919-03-01", "1919", "106", "93", "1919-03-01"},
		{"1925-11-30", "1925", "99", "90", "2020-01-01"},
		{"1935-12-31", "1935", "89", "89", "2020-01-01"},
		{"1936-01-01", "1936", "89", "70", "2020-01-01"},
		{"1980-07-04", "1980", "44", "40", "2020-01-01"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := anonymize.Preset("safe-harbor")
	res := runConfig(t, cfg, anonymize.Env{AsOf: asOf}, in)
	want := map[string][]string{
		"BIRTHDATE":      {"90+", "90+", "90+", "1936", "1980"},
		"birth_year":     {"90+", "90+", "90+", "1936", "1980"},
		"AGE":            {"90+", "90+", "89", "89", "44"},
		"AgeAtDiagnosis": {"90+", "90+", "89", "70", "40"},         // any age, not only a column called age
		"admission_date": {"1919", "2020", "2020", "2020", "2020"}, // not a birth date: the year says nothing of the age
	}
	if res.Report.AsOf != "2025-06-30" {
		t.Errorf("the report's reference date is %q, want 2025-06-30", res.Report.AsOf)
	}
	for col, w := range want {
		c := res.Table.Column(col)
		if c == nil {
			t.Fatalf("column %s dropped: %v", col, res.Table.Names())
		}
		if got := c.Values(); !slices.Equal(got, w) {
			t.Errorf("%s: %v, want %v", col, got, w)
		}
	}
	// Without a reference date the report says birth years were not checked.
	res = runConfig(t, cfg, anonymize.Env{}, in)
	if !slices.ContainsFunc(res.Report.Warnings, func(w string) bool { return strings.Contains(w, "no reference date") }) {
		t.Errorf("no warning about the missing reference date: %v", res.Report.Warnings)
	}
	if _, err := (&anonymize.Config{Transforms: []anonymize.TransformConfig{{Name: "safe-harbor", Params: anonymize.Params{"as_of": "last week"}}}}).Build(anonymize.Env{}); err == nil || !strings.Contains(err.Error(), "as_of") {
		t.Errorf("a bad as_of: %v, want an error naming it", err)
	}
}

// FHIR input: Patient.birthDate of living patients born in 1919 and 1925
// (real Synthea bundles with the birth date changed) keeps no year.
func TestSafeHarbor_fhirBirthDatesOver89(t *testing.T) {
	dir := sharedData(t, "synthea-fhir")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 2 {
		t.Fatalf("fewer than 2 bundles in %s: the shared data changed", dir)
	}
	im := anonymize.NewFHIRImporter()
	birth := regexp.MustCompile(`"birthDate": *"[0-9-]+"`)
	for i, f := range files[:2] {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		year := []string{"1919-04-12", "1925-09-03"}[i]
		data = birth.ReplaceAll(data, []byte(`"birthDate": "`+year+`"`))
		if err := im.Add(strings.NewReader(string(data)), filepath.Base(f)); err != nil {
			t.Fatal(err)
		}
	}
	checkFHIROver89(t, im.Tables(), 2)
}

func checkFHIROver89(t *testing.T, tables []*anonymize.Table, wantOver int) {
	t.Helper()
	cfg, _ := anonymize.Preset("safe-harbor")
	pl, err := cfg.Build(anonymize.Env{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	res, err := pl.RunAll(context.Background(), tables)
	if err != nil {
		t.Fatal(err)
	}
	over := 0
	for _, r := range res {
		if r.Table.Name != "Patient" {
			continue
		}
		c := r.Table.Column("birth_date")
		if c == nil {
			t.Fatalf("Patient has no birth_date: %v", r.Table.Names())
		}
		for _, v := range c.Values() {
			switch {
			case v == anonymize.Over89:
				over++
			case v != "" && v <= "1935":
				t.Errorf("birth year %s published: over 89 on %s", v, asOf.Format("2006-01-02"))
			}
		}
	}
	if wantOver > 0 && over != wantOver {
		t.Errorf("%d birth dates in the 90+ category, want %d", over, wantOver)
	}
}

// The 90+ category works with k-anonymity over ARX's age hierarchy, which
// has no row for it: Safe Harbor adds one.
func TestSafeHarbor_over89WithHierarchyAndK(t *testing.T) {
	in := loadAdult(t)
	cfg := &anonymize.Config{Transforms: []anonymize.TransformConfig{{Name: "safe-harbor"}, {Name: "privacy", Params: anonymize.Params{"k": 5}}},
		Policy: &anonymize.Policy{MinK: 5}}
	res := runConfig(t, cfg, anonymize.Env{AsOf: asOf}, in)
	if !res.Verdict.Pass || res.Report.MinClassSize < 5 {
		t.Fatalf("verdict %v, k = %d", res.Verdict, res.Report.MinClassSize)
	}
	age := res.Table.Column("age")
	if age.Hierarchy == nil || !age.Hierarchy.Contains(anonymize.Over89) {
		t.Fatalf("the age hierarchy does not accept %q", anonymize.Over89)
	}
	for _, v := range age.Values() {
		if v == "90" || strings.HasPrefix(v, "9") && len(v) == 2 {
			t.Fatalf("age %q published", v)
		}
	}
	// Generalized from the 90+ row: at its own level it stays itself.
	if g, ok := age.Hierarchy.Generalize(anonymize.Over89, 1); !ok || g != anonymize.Over89 {
		t.Errorf("90+ at level 1: %q, %v", g, ok)
	}
	if g, _ := age.Hierarchy.Generalize(anonymize.Over89, 3); g != "80-99" {
		t.Errorf("90+ at level 3: %q, want 80-99 (what every age over 89 shares)", g)
	}
}

// A config's own as_of wins over the environment's, YAML date or string.
func TestSafeHarbor_configAsOf(t *testing.T) {
	for _, y := range []string{"as_of: 2000-01-01", `as_of: "2000-01-01"`} {
		cfg, err := anonymize.LoadConfig(strings.NewReader("transforms:\n  - name: safe-harbor\n    " + y + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		in, _ := anonymizetest.Table("p", []string{"dob"}, [][]string{{"1909-05-01"}, {"1911-05-01"}})
		res := runConfig(t, cfg, anonymize.Env{AsOf: asOf}, in)
		if got := res.Table.Column("dob").Values(); !slices.Equal(got, []string{"90+", "1911"}) || res.Report.AsOf != "2000-01-01" {
			t.Errorf("%s: %v, report as of %q; want [90+ 1911] as of 2000-01-01", y, got, res.Report.AsOf)
		}
	}
}

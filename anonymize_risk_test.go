package main

import (
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// The CLI report prints the three attacker models and the population
// estimate, and says when journalist risk equals prosecutor risk.
func TestPrintRisk_modelsAndPopulation(t *testing.T) {
	col := anonymize.NewColumn("zip", anonymize.TypeString, anonymize.RoleQuasi, []string{"a", "b", "b", "c", "c", "d", "d", "d", "d", "d"})
	tb, err := anonymize.NewTable("t", col)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    float64
		want []string
	}{
		{0, []string{"prosecutor highest 100 %, average 40 %, 50 % of records above 20 %",
			"journalist highest 100 %, average 40 %, 50 % of records above the threshold (sample taken as the population, so equal to prosecutor); marketer 40 %",
			"estimated unique in a population of 1000 (Zayatz's model with a sampling fraction of 1 %; Dankar et al.'s rule"}},
		{0.5, []string{"journalist highest 50 %, average 20 %, 50 % of records above the threshold (sampling fraction 50 %)",
			"estimated unique in a population of 20 (Zayatz's model with a sampling fraction of 50 %; Dankar et al.'s rule"}},
	} {
		var b strings.Builder
		printRisk(&b, anonymize.Assess(tb, anonymize.ReportOptions{SkipFindings: true, PopulationFraction: c.f}).Risk)
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("f=%v: output lacks %q:\n%s", c.f, w, b.String())
			}
		}
	}
}

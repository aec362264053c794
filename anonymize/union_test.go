package anonymize_test

import (
	"slices"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

func TestUnion_alignsColumnsAndLeavesMissingValuesEmpty(t *testing.T) {
	a, err := anonymize.NewTable("Observation",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, []string{"p1", "p1"}),
		anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleInsensitive, []string{"8302-2", "29463-7"}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := anonymize.NewTable("Observation",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, []string{"p2"}),
		anonymize.NewColumn("unit", anonymize.TypeString, anonymize.RoleInsensitive, []string{"kg"}))
	if err != nil {
		t.Fatal(err)
	}
	u, err := anonymize.Union(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Names(); !slices.Equal(got, []string{"patient", "code", "unit"}) {
		t.Fatalf("columns %v", got)
	}
	want := [][]string{{"p1", "8302-2", ""}, {"p1", "29463-7", ""}, {"p2", "", "kg"}}
	for i, w := range want {
		if got := u.Row(i); !slices.Equal(got, w) {
			t.Errorf("row %d = %v, want %v", i, got, w)
		}
	}
	if err := u.Validate(); err != nil {
		t.Error(err)
	}
}

func TestUnion_refusesTablesOfDifferentNames(t *testing.T) {
	a, _ := anonymize.NewTable("Observation")
	b, _ := anonymize.NewTable("Condition")
	if _, err := anonymize.Union(a, b); err == nil {
		t.Fatal("a union of an Observation and a Condition table was accepted")
	}
	got, err := anonymize.UnionByName([]*anonymize.Table{b, a, a})
	if err != nil || len(got) != 2 || got[0].Name != "Condition" || got[1].Name != "Observation" {
		t.Fatalf("UnionByName = %v, %v", got, err)
	}
}

package dp

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// codesTable has 100 patients with 3 rows each, every row of a patient
// holding the same code: c1 for patients 0..59, c2 for 60..99.
func codesTable(t *testing.T) *anonymize.Table {
	var pat, code []string
	for i := range 300 {
		p := i / 3
		pat = append(pat, "p"+string(rune('A'+p/26))+string(rune('a'+p%26)))
		if p < 60 {
			code = append(code, "c1")
		} else {
			code = append(code, "c2")
		}
	}
	tab, err := anonymize.NewTable("Condition",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pat),
		anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleSensitive, code))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// With PatientsPerCategory a category counts the patients holding it,
// not their rows (a code's prevalence); without, the rows.
func TestCardStatsWith_patientsPerCategory(t *testing.T) {
	huge := big.NewRat(10000, 1) // noise ≈ 0: the counts themselves
	for _, perPatient := range []bool{false, true} {
		st, err := CardStatsWith(codesTable(t), huge, CardOptions{PatientColumn: "patient", Clip: 20, PatientsPerCategory: perPatient}, seeded(11))
		if err != nil {
			t.Fatal(err)
		}
		c := column(t, st, "code")
		want, counts := int64(180), "rows"
		if perPatient {
			want, counts = 60, "patients"
		}
		if f, ok := cell(c, "c1"); !ok || f.Value < want-1 || f.Value > want+1 || c.Counts != counts {
			t.Errorf("per patient %v: c1 %+v (%v) counting %q; want about %d %s", perPatient, f, ok, c.Counts, want, counts)
		}
		if st.Patients.Value < 99 || st.Patients.Value > 101 || st.Rows.Value < 299 || st.Rows.Value > 301 {
			t.Errorf("patients %+v rows %+v", st.Patients, st.Rows)
		}
	}
}

// Without a patient column each row is its own patient: the clip must be
// 1, the patient count is the row count and spends nothing more.
func TestCardStatsWith_rowsAsPatients(t *testing.T) {
	tab := codesTable(t).WithColumns(codesTable(t).Columns[1:])
	st, err := CardStatsWith(tab, big.NewRat(1, 1), CardOptions{Clip: 1}, seeded(12))
	if err != nil {
		t.Fatal(err)
	}
	each, _ := new(big.Rat).SetString(st.RhoPerStatistic)
	if st.Statistics != 2 || st.Patients != st.Rows || st.PatientColumn != "" || st.MaxRowsPerPatient != 1 || new(big.Rat).Mul(each, big.NewRat(2, 1)).RatString() != st.Rho {
		t.Errorf("row-level stats %+v", st)
	}
	if _, err := CardStatsWith(tab, big.NewRat(1, 1), CardOptions{Clip: 2}, seeded(12)); !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), "must be 1") {
		t.Errorf("clip 2 with no patient column: %v", err)
	}
}

// NewCard splits the card's ρ evenly over its tables, says so, states the
// card's ε and δ on every table, and encodes in snake_case.
func TestNewCard_splitsRhoOverTables(t *testing.T) {
	c, err := NewCard(big.NewRat(1, 1), []CardTable{
		{Table: cardTable(t), Options: CardOptions{PatientColumn: "patient", Clip: 1}},
		{Table: codesTable(t), Options: CardOptions{PatientColumn: "patient", Clip: 20, PatientsPerCategory: true}},
	}, seeded(13))
	if err != nil {
		t.Fatal(err)
	}
	if c.Epsilon != "1" || len(c.Tables) != 2 || c.Tables[0].Epsilon != "1" || c.Tables[1].Epsilon != "1" || c.Tables[1].Table != "Condition" {
		t.Fatalf("card %+v", c)
	}
	rho, _ := new(big.Rat).SetString(c.Rho)
	half := new(big.Rat).Quo(rho, big.NewRat(2, 1)).RatString()
	if c.Tables[0].Rho != half || c.Tables[1].Rho != half || c.Tables[1].Delta != CardDelta {
		t.Errorf("card ρ %s, tables' %s and %s, want %s each", c.Rho, c.Tables[0].Rho, c.Tables[1].Rho, half)
	}
	want := "ρ-zCDP, ρ = 0.01666 split evenly over 2 table(s) and their statistics; (ε, δ) = (1, 10⁻⁶) for the whole card"
	if c.Composition != want || c.Delta != CardDelta || c.Mechanism != "discrete Gaussian (zCDP)" {
		t.Errorf("composition %q, δ %g, mechanism %q", c.Composition, c.Delta, c.Mechanism)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"tables":[{"table":"patients","epsilon":"1"`, `"rho":"`, `"rho_per_statistic":"`, `"max_rows_per_patient":20`, `"missing_share":`, `"bound95":`, `"patient_column":"patient"`, `"counts":"patients"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
	if _, err := NewCard(big.NewRat(1, 1), nil, seeded(13)); !errors.Is(err, anonymize.ErrInvalid) {
		t.Errorf("no table: %v", err)
	}
}

func TestCard_truncateLabels(t *testing.T) {
	c := Card{Tables: []TableStats{{Stats: Stats{Columns: []ColumnStats{{Cells: []Cell{{Label: "ééééééé"}, {Label: "ab"}}}}}}}}
	c.TruncateLabels(4)
	if got := c.Tables[0].Columns[0].Cells; got[0].Label != "ééé…" || got[1].Label != "ab" {
		t.Errorf("labels %+v", got)
	}
}

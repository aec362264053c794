package app

import (
	"fmt"
	"math/big"
	"strconv"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/dp"
)

// go test -run '^$' -bench CardStatistics -benchtime 3x ./app/
//
// What card statistics add to publishing 1,000,000 rows, through the app's
// path (the tables described as publishing describes them, the noise from
// crypto/rand, the JSON encoded within the card's bound): one table keyed
// by a patient pseudonym (5 rows per patient, clip 1), and a release of a
// Patient table (200,000 rows) and a 1,000,000-row Condition table
// (clip 20, codes counted in patients).
//
// Measured on this 2-core machine (2026-12-07, -benchtime 3x): one table
// 10 ms; with a free-text column holding a distinct value on every row
// (one noise draw per value a kept row holds: 200,000 here) 0.77 s; the
// release 0.12 to 0.27 s per card. anonymize/dp's BenchmarkCardStats has
// the worst case, a distinct value on each of 1,000,000 kept rows, at
// 1.2 s. All under the 2 s the issue allows.
func BenchmarkCardStatistics(b *testing.B) {
	const n = 1_000_000
	var pat, sex, age, day, code []string
	for i := range n {
		pat = append(pat, "p"+strconv.Itoa(i/5))
		sex = append(sex, []string{"F", "M", ""}[i%3])
		age = append(age, strconv.Itoa(i%100))
		day = append(day, fmt.Sprintf("%d-06-01", 1950+i%70))
		code = append(code, "C"+strconv.Itoa(i%5000))
	}
	patient := anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pat)
	patient.Applied = []string{"pseudonymize"}
	one, err := anonymize.NewTable("bench", patient,
		anonymize.NewColumn("sex", anonymize.TypeString, anonymize.RoleQuasi, sex),
		anonymize.NewColumn("age", anonymize.TypeInteger, anonymize.RoleQuasi, age),
		anonymize.NewColumn("visit", anonymize.TypeDate, anonymize.RoleQuasi, day),
		anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleSensitive, code))
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n/5)
	for i := range ids {
		ids[i] = "p" + strconv.Itoa(i)
	}
	patients, err := anonymize.NewTable("Patient",
		anonymize.NewColumn("id", anonymize.TypeString, anonymize.RoleInsensitive, ids),
		anonymize.NewColumn("gender", anonymize.TypeString, anonymize.RoleQuasi, sex[:n/5]),
		anonymize.NewColumn("birthdate", anonymize.TypeDate, anonymize.RoleQuasi, day[:n/5]))
	if err != nil {
		b.Fatal(err)
	}
	conditions := one.WithColumns([]*anonymize.Column{one.Columns[0], one.Columns[3], one.Columns[4]})
	conditions.Name = "Condition"
	uniq := make([]string, n)
	for i := range uniq {
		uniq[i] = "note " + strconv.Itoa(i)
	}
	withUnique := one.WithColumns(append(append([]*anonymize.Column{}, one.Columns...), anonymize.NewColumn("note", anonymize.TypeString, anonymize.RoleInsensitive, uniq)))
	rel := &anonymize.Release{Tables: []*anonymize.Table{patients, conditions}, PatientTable: "Patient", IDColumn: "id", LinkColumn: "patient"}
	for _, c := range []struct {
		name   string
		tables []dp.CardTable
	}{
		{"one-table/rows=1e6", singleCardTable(one)},
		{"one-table/rows=1e6/unique-column", singleCardTable(withUnique)},
		{"release/rows=1.2e6", releaseCardTables(rel)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				st, err := dp.NewCard(big.NewRat(1, 1), c.tables, dp.CryptoSource{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := encodeCardStatistics(st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

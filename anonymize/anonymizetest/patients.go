// Package anonymizetest generates tables for tests and benchmarks of the
// anonymization engine and of the plugins built on it, as httptest does for
// net/http: synthetic patients (Patients, Resample) and nursing notes
// (Notes), deterministic for a given seed, and small tables spelt out row
// by row (Table). It imports only anonymize of medmarket's packages, and
// only tests import it.
package anonymizetest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/medmarket/medmarket/anonymize"
)

var (
	firstNames = []string{"Maynard", "Curt", "Lorenza", "Blaine", "Nicolas", "Kelsie", "Maris", "Jane", "Ahmed", "Mei", "Olga", "Pedro", "Aiyana", "Tomasz", "Fatima", "Kwame"}
	lastNames  = []string{"Mosciski", "Schmidt", "Hickle", "Vandervort", "Strosin", "Ziemann", "Bergstrom", "Doe", "Nguyen", "Okafor", "Kowalski", "Garcia", "Haddad", "Ivanova", "Tanaka", "Smith"}
	genders    = []string{"M", "F"}
	diagnoses  = []string{"E11.9", "I10", "J45.909", "F32.9", "M54.5", "K21.9", "N39.0", "J06.9", "E78.5", "G43.909", "R51", "Z00.00"}
)

// Patients returns n rows of 8 patient columns with realistic
// cardinalities: Id (unique), NAME (a few thousand), SSN (unique),
// BIRTHDATE (dates over 90 years), ZIP (a few thousand 5-digit codes, some
// in restricted 3-digit areas), AGE, GENDER and DIAGNOSIS. Roles are left
// for the caller (or role suggestion) to set.
func Patients(n int, seed uint64) *anonymize.Table {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cols := []*anonymize.ColumnBuilder{
		anonymize.NewColumnBuilder("Id", anonymize.TypeString),
		anonymize.NewColumnBuilder("NAME", anonymize.TypeString),
		anonymize.NewColumnBuilder("SSN", anonymize.TypeString),
		anonymize.NewColumnBuilder("BIRTHDATE", anonymize.TypeDate),
		anonymize.NewColumnBuilder("ZIP", anonymize.TypeString),
		anonymize.NewColumnBuilder("AGE", anonymize.TypeInteger),
		anonymize.NewColumnBuilder("GENDER", anonymize.TypeString),
		anonymize.NewColumnBuilder("DIAGNOSIS", anonymize.TypeString),
	}
	base := time.Date(1935, 1, 1, 0, 0, 0, 0, time.UTC)
	ref := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	zips := make([]string, 3000)
	restricted := []string{"036", "059", "102", "203", "556", "692", "790", "893"}
	for i := range zips {
		if i%50 == 0 {
			zips[i] = fmt.Sprintf("%s%02d", restricted[(i/50)%len(restricted)], rng.IntN(100))
		} else {
			zips[i] = fmt.Sprintf("%05d", 1000+rng.IntN(98000))
		}
	}
	for range n {
		birth := base.AddDate(0, 0, rng.IntN(90*365))
		age := int(ref.Sub(birth).Hours() / 24 / 365.25)
		cols[0].Append(fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff))
		cols[1].Append(firstNames[rng.IntN(len(firstNames))] + fmt.Sprint(rng.IntN(100)) + " " + lastNames[rng.IntN(len(lastNames))] + fmt.Sprint(rng.IntN(10)))
		cols[2].Append(fmt.Sprintf("999-%02d-%04d", rng.IntN(100), rng.IntN(10000)))
		cols[3].Append(birth.Format("2006-01-02"))
		cols[4].Append(zips[rng.IntN(len(zips))])
		cols[5].Append(fmt.Sprint(age))
		cols[6].Append(genders[rng.IntN(2)])
		cols[7].Append(diagnoses[rng.IntN(len(diagnoses))])
	}
	return mustBuild("patients", cols)
}

// Resample returns a table of n rows drawn with replacement from t's rows
// (sharing its dictionaries), for scaling a real dataset up.
func Resample(t *anonymize.Table, n int, seed uint64) *anonymize.Table {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	rows := make([]int, n)
	for i := range rows {
		rows[i] = rng.IntN(t.NumRows())
	}
	cols := make([]*anonymize.Column, len(t.Columns))
	for j, c := range t.Columns {
		codes := make([]uint32, n)
		for i, r := range rows {
			codes[i] = c.Codes[r]
		}
		nc := *c
		nc.Codes = codes
		cols[j] = &nc
	}
	return t.WithColumns(cols)
}

// Table builds a table of string columns from a header and rows, for tests
// that spell their input out.
func Table(name string, header []string, rows [][]string) (*anonymize.Table, error) {
	bs := make([]*anonymize.ColumnBuilder, len(header))
	for j, h := range header {
		bs[j] = anonymize.NewColumnBuilder(h, anonymize.TypeString)
	}
	for i, r := range rows {
		if len(r) != len(header) {
			return nil, fmt.Errorf("row %d has %d fields, header has %d", i+1, len(r), len(header))
		}
		for j, v := range r {
			bs[j].Append(v)
		}
	}
	return build(name, bs)
}

// build builds each column and the table name of them.
func build(name string, bs []*anonymize.ColumnBuilder) (*anonymize.Table, error) {
	cols := make([]*anonymize.Column, len(bs))
	for j, b := range bs {
		cols[j] = b.Build()
	}
	return anonymize.NewTable(name, cols...)
}

// mustBuild is build for the generated tables, valid by construction: an
// error is a bug in this package.
func mustBuild(name string, bs []*anonymize.ColumnBuilder) *anonymize.Table {
	t, err := build(name, bs)
	if err != nil {
		panic(err)
	}
	return t
}

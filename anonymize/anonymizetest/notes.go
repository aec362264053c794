package anonymizetest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/medmarket/medmarket/anonymize"
)

var (
	hospitals = []string{"St. Mary's Hospital", "Boston Medical Center", "Mercy General", "Lakeside Community Hospital", "Cape Cod Hospital", "Riverside Clinic"}
	nurses    = []string{"RN Kowalski", "Nurse Haddad", "RN O'Brien", "Nurse Tanaka", "RN Okafor"}
	templates = []string{
		"Pt %s seen at %s on %s, c/o chest pain since morning. Daughter called from %s, asked for update. Vitals stable, BP 132/84.",
		"%s admitted to %s %s after a fall at home. Alert and oriented x3. Son can be reached at %s. Pain 4/10, ambulating with walker.",
		"Patient %s transferred from %s on %s. Dressing changed, wound clean and dry. Spouse phone %s, will visit tomorrow.",
		"Mr./Ms. %s discharged from %s %s with home oxygen. Follow-up arranged, pharmacy to call %s about refills. Education given.",
	}
)

// Notes returns n rows of a nursing-notes extract: id, AGE, BIRTHDATE,
// DIAGNOSIS and a "note" column of synthetic free-text notes, every one
// distinct and each holding identifiers (a patient's name, a hospital, a
// date, a phone number, a nurse's name). The "note" column's name says
// nothing a name rule could catch on its own ("note" is a common word);
// its contents are what make it free text.
func Notes(n int, seed uint64) *anonymize.Table {
	rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	cols := []*anonymize.ColumnBuilder{
		anonymize.NewColumnBuilder("id", anonymize.TypeInteger),
		anonymize.NewColumnBuilder("AGE", anonymize.TypeInteger),
		anonymize.NewColumnBuilder("BIRTHDATE", anonymize.TypeDate),
		anonymize.NewColumnBuilder("DIAGNOSIS", anonymize.TypeString),
		anonymize.NewColumnBuilder("note", anonymize.TypeString),
	}
	ref := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	for i := range n {
		birth := ref.AddDate(-20-rng.IntN(78), 0, -rng.IntN(365))
		age := int(ref.Sub(birth).Hours() / 24 / 365.25)
		seen := ref.AddDate(0, 0, -rng.IntN(900))
		name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
		phone := fmt.Sprintf("(617) %03d-%04d", 200+rng.IntN(800), rng.IntN(10000))
		note := fmt.Sprintf(templates[rng.IntN(len(templates))], name, hospitals[rng.IntN(len(hospitals))], seen.Format("01/02/2006"), phone)
		note += fmt.Sprintf(" -- %s, shift %d.", nurses[rng.IntN(len(nurses))], i)
		cols[0].Append(fmt.Sprint(i + 1))
		cols[1].Append(fmt.Sprint(age))
		cols[2].Append(birth.Format("2006-01-02"))
		cols[3].Append(diagnoses[rng.IntN(len(diagnoses))])
		cols[4].Append(note)
	}
	return mustBuild("notes", cols)
}

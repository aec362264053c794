package anonymize_test

import (
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// checkPrefilters fails when the scrubber's patterns, skipped where their
// prefilters say they cannot match, find other spans than every pattern
// run on the whole text.
func checkPrefilters(t *testing.T, corpus string, texts []string) {
	t.Helper()
	bad := 0
	for _, s := range texts {
		got, want := anonymize.FindPatternsForTest(s), anonymize.FindPatternsUnfilteredForTest(s)
		if !reflect.DeepEqual(got, want) {
			bad++
			if bad <= 5 {
				t.Errorf("%s: %q: with prefilters %v, without %v", corpus, s, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d texts differ", corpus, bad, len(texts))
	}
}

// scrubWordRE is what the scrubber's tokenizer finds: a word, digits glued
// to its end.
var scrubWordRE = regexp.MustCompile(`\p{L}[\p{L}'’-]*\d*`)

// checkWords fails when the tokenizer finds other words than scrubWordRE.
func checkWords(t *testing.T, corpus string, texts []string) {
	t.Helper()
	bad := 0
	for _, s := range texts {
		var want [][2]int
		for _, m := range scrubWordRE.FindAllStringIndex(s, -1) {
			want = append(want, [2]int{m[0], m[1]})
		}
		if got := anonymize.ScrubWordsForTest(s); !reflect.DeepEqual(got, want) {
			bad++
			if bad <= 5 {
				t.Errorf("%s: %q: words %v, want %v", corpus, s, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d texts differ", corpus, bad, len(texts))
	}
}

// TestScrubPrefilters_loseNothing: on the annotated benchmark notes, the
// nursing notes and the random texts below made of every pattern's
// keywords, digit shapes and separators (Kelvin sign and long s
// included, which case-insensitive patterns fold to k and s), the
// prefiltered patterns find exactly what the unfiltered ones find.
func TestScrubPrefilters_loseNothing(t *testing.T) {
	var texts []string
	for _, n := range append(anonymizetest.AnnotatedNotes(2000, 12), anonymizetest.AnnotatedNotesHeldOut(2000, 13)...) {
		texts = append(texts, n.Text)
	}
	nursing := anonymizetest.Notes(500, 3).Column("note").Values()
	random := randomScrubTexts(40000, 7)
	checkPrefilters(t, "annotated notes", texts)
	checkPrefilters(t, "nursing notes", nursing)
	checkPrefilters(t, "random texts", random)
	checkWords(t, "annotated notes", texts)
	checkWords(t, "nursing notes", nursing)
	checkWords(t, "random texts", random)
}

// TestScrubPrefilters_loseNothingOnSynthea: the same on the notes of the
// shared Synthea FHIR Bundles.
func TestScrubPrefilters_loseNothingOnSynthea(t *testing.T) {
	dir := sharedData(t, "synthea-fhir")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Bundles in %s: %v", dir, err)
	}
	tables, err := anonymize.ReadInputs(fileInputs(files), anonymize.InputOptions{Name: "synthea-fhir"})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, tb := range tables {
		if c := tb.Column("note"); c != nil {
			texts = append(texts, c.Values()...)
		}
	}
	if len(texts) == 0 {
		t.Fatal("the Synthea Bundles have no notes")
	}
	checkPrefilters(t, "Synthea notes", texts)
	checkWords(t, "Synthea notes", texts)
}

// randomScrubTexts returns n texts of 1 to 12 pieces drawn from what the
// patterns look for, in random case.
func randomScrubTexts(n int, seed uint64) []string {
	pieces := []string{
		"MRN", "mrn:", "Record No.", "acct #", "ID", "id", "Plan", "visit", "case", "Kase", "caſe", "SSN", "ſsn", "social security no.",
		"phone", "Tel.", "fax:", "cell", "ph", "pager", "zip code", "Postal code:", "age", "aged", "y/o", "yo", "years old", "yrs", "M", "F", "yom",
		"Patient:", "pt name:", "Name:", "Signed:", "NOK:", "next of kin:", "Dr.", "St", "Street", "Ave", "Road", "Rd", "Apt", "Suite", "Fl", "Floor", "#",
		"P.O. Box", "PO Box", "Box", "lives in", "moved to", "born in", "Springfield, IL", "Boston, MA", "MA", "IL", "General Hospital", "Memorial", "Clinic",
		"Jan", "January", "Sept.", "May", "on", "since", "dob:", "DOS", "Christmas", "new year's eve", "Labor Day", "www.", "http://", "https://x.org/a",
		"example.com", "mail@example.com", "@", ".", ",", "-", "/", ":", " ", "  ", "\n", "(", ")", "+1",
		"1", "9", "12", "95", "104", "150", "123", "555", "1234", "12345", "123456", "1234567", "1234567890", "2019", "07", "31", "0",
		"Unit", "Room", "Bldg", "#", "Medical Center", "Healthcare", "Health System", "Rehab", "Drive", "Court", "Boulevard", ", MA", ", IL ", ", PA",
		"d.o.b.", "dated", "number", "no.", "num", "Sept", "of", "postal", "member id", "license", "cert", "telephone", "mobile", "_", "x", "ext.",
		"2019-07-31", "y/of", "y/oM", "#1234", "# 567", "2019-7-3T12:30:59", "07/04/21", "pt:", "Jane", "DOE, JANE", "a", "The", "no", "\u212a", "\u017f", "°", "é", "O'Brien", "D’Arcy", "Jean-Luc", "’", "'", "--", "Ωmega", "ª", "µg", "\xff", "\xe2\x80", "日本", "Ⅻ", "_a1",
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			p := pieces[rng.IntN(len(pieces))]
			switch rng.IntN(4) {
			case 0:
				p = strings.ToUpper(p)
			case 1:
				p = strings.ToLower(p)
			}
			b.WriteString(p)
			if rng.IntN(3) == 0 {
				b.WriteString([]string{" ", "-", ".", "/", ", "}[rng.IntN(5)])
			}
		}
		out[i] = b.String()
	}
	return out
}

package app

import (
	"slices"
	"strings"
	"unicode"

	"github.com/medmarket/medmarket/marketplace"
)

// A DS (disease specific research) listing names its disease in its card;
// the buyer states the disease it researches. The contract cannot police
// use, so a statement that does not match is not refused: the buyer is
// warned before the transaction and the seller sees the mismatch beside the
// statement, whose signed record is what protects the seller.
//
// The match is deliberately simple and documented: the statement matches
// when it shares, case-insensitively, one distinctive word or code of the
// listing's disease (words and codes of 3 characters or more, generic words
// such as "disease", "type", "chronic" or "cancer" left out), or when, the
// disease having no distinctive word, it contains the disease's whole
// text. "type 2 diabetes" matches "diabetes" and "Diabetes mellitus";
// "44054006" matches "SNOMED 44054006"; "lung cancer" matches neither
// "type 2 diabetes" nor "breast cancer".

// genericDiseaseWord reports whether w names a kind of disease rather than
// one, so that it matches nothing on its own.
func genericDiseaseWord(w string) bool {
	switch w {
	case "and", "the", "for", "with", "disease", "diseases", "disorder", "disorders", "syndrome",
		"type", "chronic", "acute", "cancer", "cancers", "carcinoma", "tumour", "tumor", "neoplasm", "infection", "condition":
		return true
	}
	return false
}

// diseaseWords are the lower-case words and codes of s.
func diseaseWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// DiseaseMatches reports whether stated names disease, by the rule above.
// An empty disease or statement matches (there is nothing to compare).
func DiseaseMatches(disease, stated string) bool {
	disease, stated = strings.TrimSpace(disease), strings.TrimSpace(stated)
	if disease == "" || stated == "" {
		return true
	}
	said := diseaseWords(stated)
	distinctive := false
	for _, w := range diseaseWords(disease) {
		if len([]rune(w)) < 3 || genericDiseaseWord(w) {
			continue
		}
		distinctive = true
		if slices.Contains(said, w) {
			return true
		}
	}
	return !distinctive && strings.Contains(strings.Join(said, " "), strings.Join(diseaseWords(disease), " "))
}

// DSDisease is the disease a DS listing's card names, or "" for a listing
// without DS terms or whose card names none.
func DSDisease(l *marketplace.Listing) string {
	if l == nil || l.Terms.Use&marketplace.DS == 0 || l.Card == nil {
		return ""
	}
	return strings.TrimSpace(l.Card.TermsDetail["DS"])
}

// DiseaseMismatch returns the disease of DS listing l and whether stated
// does not name it (DiseaseMatches); false for a listing without DS terms.
func DiseaseMismatch(l *marketplace.Listing, stated string) (disease string, mismatch bool) {
	disease = DSDisease(l)
	return disease, !DiseaseMatches(disease, stated)
}

// DiseaseMismatch reports whether the buyer's statement st does not name
// the disease of the dataset's DS terms, for the seller's view.
func (d MyDataset) DiseaseMismatch(st BuyerStatement) bool {
	_, m := DiseaseMismatch(d.Listing, st.Disease)
	return m
}

package app

import (
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// TestDiseaseMatches: the documented rule, on the example and its
// edges.
func TestDiseaseMatches(t *testing.T) {
	for _, tc := range []struct {
		disease, stated string
		want            bool
	}{
		{"type 2 diabetes", "Type 2 Diabetes", true},
		{"type 2 diabetes", "diabetes", true},
		{"diabetes mellitus", "Diabetes", true},
		{"type 2 diabetes", "lung cancer", false},
		{"type 2 diabetes", "type 1 something else", false},
		{"lung cancer", "breast cancer", false},
		{"lung cancer", "non-small-cell LUNG carcinoma", true},
		{"44054006", "SNOMED 44054006 (T2D)", true},
		{"44054006", "diabetes", false},
		{"Alzheimer's disease", "alzheimer dementia", true},
		{"chronic disease", "chronic disease of the liver", true},
		{"chronic disease", "asthma", false},
		{"", "anything", true},
		{"asthma", "  ", true},
		{"type 2 diabetes", "diabetic", false}, // no stemming: documented as words
	} {
		if got := DiseaseMatches(tc.disease, tc.stated); got != tc.want {
			t.Errorf("DiseaseMatches(%q, %q) = %v, want %v", tc.disease, tc.stated, got, tc.want)
		}
	}
}

// TestDiseaseMismatch: only DS listings with a named disease are compared.
func TestDiseaseMismatch(t *testing.T) {
	ds := &marketplace.Listing{Terms: marketplace.Terms{Use: marketplace.DS}, Card: &marketplace.DatasetCard{TermsDetail: map[string]string{"DS": "type 2 diabetes"}}}
	if d, m := DiseaseMismatch(ds, "lung cancer"); d != "type 2 diabetes" || !m {
		t.Errorf("DS lung cancer: %q %v", d, m)
	}
	if _, m := DiseaseMismatch(ds, "type 2 diabetes"); m {
		t.Error("a matching statement is a mismatch")
	}
	hmb := &marketplace.Listing{Terms: marketplace.Terms{Use: marketplace.HMB}, Card: &marketplace.DatasetCard{TermsDetail: map[string]string{"DS": "type 2 diabetes"}}}
	if _, m := DiseaseMismatch(hmb, "lung cancer"); m {
		t.Error("a listing without DS terms compared the disease")
	}
	if _, m := DiseaseMismatch(&marketplace.Listing{Terms: marketplace.Terms{Use: marketplace.DS}}, "lung cancer"); m {
		t.Error("a DS listing without a card compared the disease")
	}
	d := MyDataset{Listing: ds}
	if !d.DiseaseMismatch(BuyerStatement{Statements: marketplace.Statements{Disease: "lung cancer"}}) {
		t.Error("seller's view: no mismatch")
	}
}

package marketplace

import (
	"strings"
	"testing"
)

// A card's risk acceptance is validated, survives the canonical encoding
// (the metadata hash covers it) and reads in plain words.
func TestCard_riskAcceptance(t *testing.T) {
	c := validCard()
	c.RiskAccepted = &CardRiskAcceptance{By: "0x00000000000000000000000000000000000000aa", At: "2026-12-07T10:11:12Z", Risk: 1, Threshold: 0.2, Words: "my own record"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.RiskAccepted.String(); got != "The publisher accepted a highest re-identification risk of 100 % (threshold 20 %) on 2026-12-07." {
		t.Errorf("String() = %q", got)
	}
	enc, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	h1, err := c.Hash()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeCard(enc, h1)
	if err != nil || back.RiskAccepted == nil || *back.RiskAccepted != *c.RiskAccepted {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	c.RiskAccepted.Risk = 0.5
	if h2, _ := c.Hash(); h1 == h2 {
		t.Error("the card's hash does not cover the acceptance")
	}
	for _, bad := range []struct {
		name string
		a    CardRiskAcceptance
		want string
	}{
		{"no one", CardRiskAcceptance{At: "2026-12-07T10:11:12Z", Risk: 1, Threshold: 0.2}, "by required"},
		{"no date", CardRiskAcceptance{By: "0xaa", At: "yesterday", Risk: 1, Threshold: 0.2}, "not an RFC 3339 time"},
		{"within the threshold", CardRiskAcceptance{By: "0xaa", At: "2026-12-07T10:11:12Z", Risk: 0.1, Threshold: 0.2}, "must be above the threshold"},
		{"long words", CardRiskAcceptance{By: "0xaa", At: "2026-12-07T10:11:12Z", Risk: 1, Threshold: 0.2, Words: strings.Repeat("x", 3000)}, "risk_accepted.words"},
	} {
		c := validCard()
		c.RiskAccepted = &bad.a
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want %q", bad.name, err, bad.want)
		}
	}
}

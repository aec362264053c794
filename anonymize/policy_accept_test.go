package anonymize_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
)

// The default bound is 20 %: a highest risk above it refuses, the verdict
// says by how much, and only a recorded acceptance of at least the figure
// lets it pass; it never covers another reason.
func TestPolicy_defaultRiskBoundAndAcceptance(t *testing.T) {
	report := func(k int) *anonymize.Report {
		return &anonymize.Report{Rows: 10, InputRows: 10, QuasiIdentifiers: []string{"zip"}, MinClassSize: k,
			Risk: anonymize.Risk{Threshold: 0.2, Prosecutor: anonymize.RiskModel{Highest: 1 / float64(k)}}}
	}
	if v := (anonymize.Policy{}).Check(report(5)); !v.Pass || v.Risk != nil {
		t.Fatalf("k = 5 (20 %%): %v", v)
	}
	v := anonymize.Policy{}.Check(report(2))
	if v.Pass || v.Risk == nil || !v.Risk.Alone || v.Risk.Highest != 0.5 || v.Risk.Threshold != anonymize.DefaultMaxRisk ||
		len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], "highest prosecutor risk is 0.5, policy allows at most 0.2") {
		t.Fatalf("k = 2 (50 %%): %+v", v)
	}
	if v := (anonymize.Policy{MaxRisk: 1}).Check(report(1)); !v.Pass {
		t.Errorf("MaxRisk 1 allows any risk: %v", v)
	}
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ok := anonymize.RiskAcceptance{By: "0xabc", At: at, Risk: 0.6, Words: " I publish my own record. "}
	got, err := v.Accept(ok)
	if err != nil || !got.Pass || got.Accepted == nil || got.Accepted.Highest != 0.5 || got.Accepted.Threshold != 0.2 || got.Accepted.Words != "I publish my own record." {
		t.Fatalf("accept 60 %% of 50 %%: %+v, %v", got, err)
	}
	if s := got.String(); !strings.Contains(s, "the publisher 0xabc accepted a highest re-identification risk of 50 % (threshold 20 %) on 2026-12-07: I publish my own record.") {
		t.Errorf("String() = %q", s)
	}
	// A passing verdict needs no acceptance, and records none.
	pass := anonymize.Policy{}.Check(report(5))
	if got, err := pass.Accept(ok); err != nil || !got.Pass || got.Accepted != nil {
		t.Errorf("accepting a pass: %+v, %v", got, err)
	}
}

// An acceptance below the figure, without its account or date, or of a
// verdict that refuses for more than the risk (or not for the risk) is
// refused.
func TestPolicy_acceptanceRefusals(t *testing.T) {
	report := func(k int) *anonymize.Report {
		return &anonymize.Report{Rows: 10, InputRows: 10, QuasiIdentifiers: []string{"zip"}, MinClassSize: k,
			Risk: anonymize.Risk{Threshold: 0.2, Prosecutor: anonymize.RiskModel{Highest: 1 / float64(k)}}}
	}
	v := anonymize.Policy{}.Check(report(2))
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ok := anonymize.RiskAcceptance{By: "0xabc", At: at, Risk: 0.6}
	for _, c := range []struct {
		name string
		v    anonymize.Verdict
		a    anonymize.RiskAcceptance
		want string
	}{
		{"below the figure", v, anonymize.RiskAcceptance{By: "0xabc", At: at, Risk: 0.3}, "accepted a highest risk of 30 %, but the release's highest risk is 50 %"},
		{"no account", v, anonymize.RiskAcceptance{At: at, Risk: 1}, "publisher's account"},
		{"no date", v, anonymize.RiskAcceptance{By: "0xabc", Risk: 1}, "its date"},
		{"another reason too", anonymize.Policy{MinK: 5}.Check(report(2)), ok, "also refuses because k-anonymity"},
		{"no risk to accept", anonymize.Policy{MinK: 10}.Check(report(5)), ok, "nothing to accept"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.v.Accept(c.a)
			if err == nil || !errors.Is(err, anonymize.ErrPolicy) || !strings.Contains(err.Error(), c.want) || got.Pass || got.Accepted != nil {
				t.Errorf("Accept = %+v, %v; want a refusal saying %q", got, err, c.want)
			}
		})
	}
}

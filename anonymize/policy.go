package anonymize

import (
	"fmt"
	"strings"
)

// Policy is what a publisher requires of an anonymized table before it may
// leave the machine. Zero fields impose nothing, except
// AllowDirectIdentifiers: by default a remaining direct identifier, or a
// free-text column kept without a scrubber, fails.
type Policy struct {
	// MinK: every equivalence class holds at least MinK rows.
	MinK int `json:"min_k,omitempty" yaml:"min_k,omitempty"`
	// MaxRisk bounds the highest prosecutor re-identification risk (1/k).
	MaxRisk float64 `json:"max_risk,omitempty" yaml:"max_risk,omitempty"`
	// MaxAverageRisk bounds the prosecutor average risk (success rate).
	MaxAverageRisk float64 `json:"max_average_risk,omitempty" yaml:"max_average_risk,omitempty"`
	// MaxRecordsAtRisk bounds the share of records above the risk threshold.
	MaxRecordsAtRisk *float64 `json:"max_records_at_risk,omitempty" yaml:"max_records_at_risk,omitempty"`
	// MinL: every class holds at least MinL distinct values of each sensitive column.
	MinL int `json:"min_l,omitempty" yaml:"min_l,omitempty"`
	// MaxT bounds each sensitive column's t-closeness distance.
	MaxT float64 `json:"max_t,omitempty" yaml:"max_t,omitempty"`
	// MaxSuppressed bounds the share of rows suppressed.
	MaxSuppressed float64 `json:"max_suppressed,omitempty" yaml:"max_suppressed,omitempty"`
	// AllowDirectIdentifiers lets columns with the direct-identifier role,
	// identifier-like contents, and free text no scrubber processed
	// (Report.FreeText), through.
	AllowDirectIdentifiers bool `json:"allow_direct_identifiers,omitempty" yaml:"allow_direct_identifiers,omitempty"`
	// RequireQuasiIdentifiers fails tables without declared quasi-identifiers
	// (their risk figures are meaningless).
	RequireQuasiIdentifiers bool `json:"require_quasi_identifiers,omitempty" yaml:"require_quasi_identifiers,omitempty"`
}

// Verdict is the gate's answer: Pass, or the exact reasons for failing.
type Verdict struct {
	Pass    bool     `json:"pass"`
	Reasons []string `json:"reasons,omitempty"`
}

func (v Verdict) String() string {
	if v.Pass {
		return "pass"
	}
	return "fail: " + strings.Join(v.Reasons, "; ")
}

// Err returns nil for a pass and an error wrapping ErrPolicy with the reasons otherwise.
func (v Verdict) Err() error {
	if v.Pass {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrPolicy, strings.Join(v.Reasons, "; "))
}

// Check judges a report against the policy.
func (p Policy) Check(r *Report) Verdict {
	var reasons []string
	fail := func(format string, args ...any) { reasons = append(reasons, fmt.Sprintf(format, args...)) }
	if r == nil {
		return Verdict{Reasons: []string{"no report"}}
	}
	if p.RequireQuasiIdentifiers && len(r.QuasiIdentifiers) == 0 {
		fail("no quasi-identifiers declared")
	}
	if p.MinK > 0 && r.Rows > 0 && r.MinClassSize < p.MinK {
		fail("k-anonymity: the smallest equivalence class has %d rows, policy requires at least %d", r.MinClassSize, p.MinK)
	}
	if p.MaxRisk > 0 && r.Risk.Prosecutor.Highest > p.MaxRisk+1e-12 {
		fail("re-identification risk: highest prosecutor risk is %.4g, policy allows at most %.4g", r.Risk.Prosecutor.Highest, p.MaxRisk)
	}
	if p.MaxAverageRisk > 0 && r.Risk.Prosecutor.Average > p.MaxAverageRisk+1e-12 {
		fail("re-identification risk: average prosecutor risk is %.4g, policy allows at most %.4g", r.Risk.Prosecutor.Average, p.MaxAverageRisk)
	}
	if p.MaxRecordsAtRisk != nil && r.Risk.Prosecutor.RecordsAtRisk > *p.MaxRecordsAtRisk+1e-12 {
		fail("re-identification risk: %.4g of records are above the risk threshold %.4g, policy allows at most %.4g",
			r.Risk.Prosecutor.RecordsAtRisk, r.Risk.Threshold, *p.MaxRecordsAtRisk)
	}
	for _, s := range r.Privacy {
		if p.MinL > 0 && s.MinDistinct < p.MinL {
			fail("l-diversity: a class holds %d distinct values of %q, policy requires at least %d", s.MinDistinct, s.Column, p.MinL)
		}
		if p.MaxT > 0 && s.MaxT > p.MaxT+1e-12 {
			fail("t-closeness: a class's distribution of %q is %.4g from the table's, policy allows at most %.4g", s.Column, s.MaxT, p.MaxT)
		}
	}
	if (p.MinL > 0 || p.MaxT > 0) && len(r.Sensitive) == 0 {
		fail("l-diversity/t-closeness required but no sensitive column declared")
	}
	if p.MaxSuppressed > 0 && r.Utility.Suppressed > p.MaxSuppressed+1e-12 {
		fail("suppression: %.4g of rows suppressed, policy allows at most %.4g", r.Utility.Suppressed, p.MaxSuppressed)
	}
	if !p.AllowDirectIdentifiers {
		for _, c := range r.DirectIdentifiers {
			fail("direct identifier left: column %q", c)
		}
		for _, f := range r.Findings {
			fail("identifier found in column %q: %s", f.Column, f.Reason)
		}
		for _, f := range r.FreeText {
			if f.Outcome == "kept" {
				fail("free text left: column %q is free text (%s) and no scrubber processed it: drop the column or add a scrubber step", f.Column, f.Reason)
			}
		}
	}
	return Verdict{Pass: len(reasons) == 0, Reasons: reasons}
}

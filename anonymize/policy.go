package anonymize

import (
	"fmt"
	"strings"
)

// Policy is what a publisher requires of an anonymized table before it may
// leave the machine. Zero fields impose nothing, except
// AllowDirectIdentifiers (by default a remaining direct identifier, or a
// free-text column kept without a scrubber, fails) and MaxRisk (by default
// a highest prosecutor risk above DefaultMaxRisk fails, unless the
// publisher accepts it: Verdict.Accept).
type Policy struct {
	// MinK: every equivalence class holds at least MinK rows.
	MinK int `json:"min_k,omitempty" yaml:"min_k,omitempty"`
	// MaxRisk bounds the highest prosecutor re-identification risk (1/k);
	// 0 means DefaultMaxRisk, 1 allows any risk. Exceeding it is the one
	// failure a publisher may accept (Verdict.Accept).
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

// DefaultMaxRisk is the highest prosecutor re-identification risk a
// policy allows when it states none: 20 %, ARX's usual threshold (a
// record must share its quasi-identifiers with at least 4 others, k = 5).
const DefaultMaxRisk = 0.2

// maxRisk is the policy's bound on the highest risk.
func (p Policy) maxRisk() float64 {
	if p.MaxRisk > 0 {
		return p.MaxRisk
	}
	return DefaultMaxRisk
}

// Verdict is the gate's answer: Pass, or the exact reasons for failing.
// When the highest risk is above the policy's bound, Risk holds the two
// figures; when that is the only reason, the publisher may accept it
// (Accept) and Accepted records who did.
type Verdict struct {
	Pass    bool     `json:"pass"`
	Reasons []string `json:"reasons,omitempty"`
	// Risk is set when the highest prosecutor risk is above the policy's
	// bound (the reason the publisher may accept).
	Risk *RiskExcess `json:"risk,omitempty"`
	// Accepted records the publisher's acceptance of Risk: the verdict
	// passes, its Reasons say what was accepted.
	Accepted *RiskAcceptance `json:"accepted,omitempty"`
}

// RiskExcess is a highest re-identification risk above the policy's bound.
type RiskExcess struct {
	Highest   float64 `json:"highest"`
	Threshold float64 `json:"threshold"`
	// Alone is true when the risk is the only reason the gate refuses:
	// then, and only then, the publisher may accept it.
	Alone bool `json:"alone"`
	// Default is true when the bound is DefaultMaxRisk (the policy states
	// no max_risk), not the publisher's own.
	Default bool `json:"default,omitempty"`
}

func (v Verdict) String() string {
	if v.Pass && v.Accepted != nil {
		return "pass: " + v.Accepted.String()
	}
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

// Check judges a report against the policy. An empty release (no rows)
// always fails, whatever the policy.
func (p Policy) Check(r *Report) Verdict {
	if r == nil {
		return Verdict{Reasons: []string{"no report"}}
	}
	var reasons failures
	if r.Rows == 0 {
		if r.Suppressed > 0 {
			reasons.add("empty release: all %d rows were suppressed, nothing is left to publish: lower k or allow more generalization", r.Suppressed)
		} else {
			reasons.add("empty release: the table has no rows, nothing to publish")
		}
	}
	p.checkClasses(r, &reasons)
	p.checkSensitive(r, &reasons)
	if p.MaxSuppressed > 0 && r.Utility.Suppressed > p.MaxSuppressed+1e-12 {
		reasons.add("suppression: %.4g of rows suppressed, policy allows at most %.4g", r.Utility.Suppressed, p.MaxSuppressed)
	}
	if !p.AllowDirectIdentifiers {
		checkIdentifiers(r, &reasons)
	}
	v := Verdict{Pass: len(reasons) == 0, Reasons: reasons}
	if max := p.maxRisk(); r.Rows > 0 && r.Risk.Prosecutor.Highest > max+1e-12 {
		v.Risk = &RiskExcess{Highest: r.Risk.Prosecutor.Highest, Threshold: max, Alone: len(reasons) == 1, Default: p.MaxRisk <= 0}
	}
	return v
}

// failures collects the reasons a report fails a policy, in order.
type failures []string

func (f *failures) add(format string, args ...any) { *f = append(*f, fmt.Sprintf(format, args...)) }

// checkClasses judges the quasi-identifiers, k and the re-identification risks.
func (p Policy) checkClasses(r *Report, fail *failures) {
	if p.RequireQuasiIdentifiers && len(r.QuasiIdentifiers) == 0 {
		fail.add("no quasi-identifiers declared")
	}
	if p.MinK > 0 && r.Rows > 0 && r.MinClassSize < p.MinK {
		fail.add("k-anonymity: the smallest equivalence class has %d rows, policy requires at least %d", r.MinClassSize, p.MinK)
	}
	if max := p.maxRisk(); r.Rows > 0 && r.Risk.Prosecutor.Highest > max+1e-12 {
		fail.add("re-identification risk: highest prosecutor risk is %.4g, policy allows at most %.4g", r.Risk.Prosecutor.Highest, max)
	}
	if p.MaxAverageRisk > 0 && r.Risk.Prosecutor.Average > p.MaxAverageRisk+1e-12 {
		fail.add("re-identification risk: average prosecutor risk is %.4g, policy allows at most %.4g", r.Risk.Prosecutor.Average, p.MaxAverageRisk)
	}
	if p.MaxRecordsAtRisk != nil && r.Risk.Prosecutor.RecordsAtRisk > *p.MaxRecordsAtRisk+1e-12 {
		fail.add("re-identification risk: %.4g of records are above the risk threshold %.4g, policy allows at most %.4g",
			r.Risk.Prosecutor.RecordsAtRisk, r.Risk.Threshold, *p.MaxRecordsAtRisk)
	}
}

// checkSensitive judges l-diversity and t-closeness.
func (p Policy) checkSensitive(r *Report, fail *failures) {
	for _, s := range r.Privacy {
		if p.MinL > 0 && s.MinDistinct < p.MinL {
			fail.add("l-diversity: a class holds %d distinct values of %q, policy requires at least %d", s.MinDistinct, s.Column, p.MinL)
		}
		if p.MaxT > 0 && s.MaxT > p.MaxT+1e-12 {
			fail.add("t-closeness: a class's distribution of %q is %.4g from the table's, policy allows at most %.4g", s.Column, s.MaxT, p.MaxT)
		}
	}
	if (p.MinL > 0 || p.MaxT > 0) && len(r.Sensitive) == 0 {
		fail.add("l-diversity/t-closeness required but no sensitive column declared")
	}
}

// checkIdentifiers fails every identifier left: direct-identifier columns
// with values, identifiers found in other columns, and free text no
// scrubber processed.
func checkIdentifiers(r *Report, fail *failures) {
	for _, c := range r.DirectIdentifiers {
		fail.add("direct identifier left: column %q", c)
	}
	for _, f := range r.Findings {
		fail.add("identifier found in column %q: %s", f.Column, f.Reason)
	}
	for _, f := range r.FreeText {
		if f.Outcome == "kept" {
			fail.add("free text left: column %q is free text (%s) and no scrubber processed it: drop the column or add a scrubber step", f.Column, f.Reason)
		}
	}
}

package anonymize

import (
	"fmt"
	"strings"
	"time"
)

// RiskAcceptance is a publisher's recorded acceptance of a highest
// re-identification risk above the policy's bound: who accepted, when,
// the figure they accepted and the threshold it exceeds, in their words.
// It is a separate step from publishing (the wizard's confirm form, the
// CLI's --accept-risk flag), and it covers only a risk at or below the
// figure accepted.
type RiskAcceptance struct {
	// By is the publisher's account (an address).
	By string `json:"by"`
	// At is when the publisher accepted, by the app's clock.
	At time.Time `json:"at"`
	// Risk is the highest risk the publisher accepted (a share, 1 = 100 %):
	// it must be at least the report's figure.
	Risk float64 `json:"risk"`
	// Highest is the report's highest prosecutor risk the acceptance was
	// checked against, and Threshold the policy's bound it exceeds (both
	// set by Verdict.Accept).
	Highest   float64 `json:"highest"`
	Threshold float64 `json:"threshold"`
	// Words are the publisher's own words (why the risk is acceptable).
	Words string `json:"words,omitempty"`
}

// String says what was accepted, by whom and when, in plain words.
func (a RiskAcceptance) String() string {
	s := fmt.Sprintf("the publisher %s accepted a highest re-identification risk of %s (threshold %s) on %s",
		a.By, percent(a.Highest), percent(a.Threshold), a.At.UTC().Format("2006-01-02"))
	if a.Words != "" {
		s += ": " + a.Words
	}
	return s
}

// Accept applies a publisher's acceptance to a verdict. A passing verdict
// needs none and is returned as it is (nothing is recorded). A refusing one
// passes only when the highest risk above the policy's bound is the only
// reason and the acceptance covers it (its Risk at least the report's
// figure); the result records the acceptance, with the figure and the
// threshold it was checked against. Any other case is an error that says
// why, wrapping ErrPolicy.
func (v Verdict) Accept(a RiskAcceptance) (Verdict, error) {
	if v.Pass {
		return v, nil
	}
	switch {
	case v.Risk == nil:
		return v, fmt.Errorf("%w: the risk is within the threshold, there is nothing to accept; the gate refuses because %s", ErrPolicy, strings.Join(v.Reasons, "; "))
	case !v.Risk.Alone:
		var other []string
		for _, r := range v.Reasons {
			if !strings.HasPrefix(r, "re-identification risk: highest") {
				other = append(other, r)
			}
		}
		return v, fmt.Errorf("%w: accepting the risk is not enough, the gate also refuses because %s", ErrPolicy, strings.Join(other, "; "))
	case strings.TrimSpace(a.By) == "":
		return v, fmt.Errorf("%w: a risk acceptance needs the publisher's account", ErrPolicy)
	case a.At.IsZero():
		return v, fmt.Errorf("%w: a risk acceptance needs its date", ErrPolicy)
	case a.Risk+1e-9 < v.Risk.Highest:
		return v, fmt.Errorf("%w: the publisher accepted a highest risk of %s, but the release's highest risk is %s (threshold %s): accept at least %s or lower the risk",
			ErrPolicy, percent(a.Risk), percent(v.Risk.Highest), percent(v.Risk.Threshold), percent(v.Risk.Highest))
	}
	a.Highest, a.Threshold = v.Risk.Highest, v.Risk.Threshold
	a.Words = strings.TrimSpace(a.Words)
	v.Pass, v.Accepted = true, &a
	return v, nil
}

package app

import (
	"strings"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// RiskAcceptance is the publisher's separate, explicit acceptance of a
// highest re-identification risk above the policy's threshold
// (PublishRequest.AcceptRisk): the wizard's confirm step, the CLI's
// --accept-risk. The app adds who (the publishing account) and when (its
// clock); the gate checks it against the report's actual figure, and the
// dataset card records it.
type RiskAcceptance struct {
	// Risk is the highest risk accepted, a share (1 = 100 %): it covers the
	// release only when at least the report's highest risk.
	Risk float64
	// Words are the publisher's own words (why the risk is acceptable).
	Words string
}

// gate is the policy gate's last word before publishing res: its verdict
// as it is, or, when it refuses for the risk alone and the publisher
// accepted it (acc), the verdict with the acceptance recorded (by who, at
// the app's clock), in res.Verdict and in a copy of res.Report. Refusals
// are EINVALID with the reasons, and say when accepting the risk would let
// the release through.
func (a *App) gate(res *anonymize.Result, who string, acc *RiskAcceptance) error {
	v := res.Verdict
	if v.Pass {
		return nil
	}
	if acc == nil {
		msg := "Publishing refused by the anonymization policy: " + strings.Join(v.Reasons, "; ") + "."
		if v.Risk != nil && v.Risk.Alone {
			msg += " The risk is the only reason: to publish anyway, accept it explicitly (the report's confirm step, or --accept-risk)."
		}
		return marketplace.Errorf(marketplace.EINVALID, "%s", msg)
	}
	got, err := v.Accept(anonymize.RiskAcceptance{By: who, At: a.asOf().UTC(), Risk: acc.Risk, Words: acc.Words})
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), anonymize.ErrPolicy.Error()+": ")
		return marketplace.Wrap(marketplace.EINVALID, err, "Publishing refused by the anonymization policy: %s.", msg)
	}
	res.Verdict = got
	if res.Report != nil {
		rep := *res.Report
		rep.Verdict = &got
		res.Report = &rep
	}
	return nil
}

// cardAcceptance is the card's record of an accepted risk, or nil.
func cardAcceptance(v anonymize.Verdict) *marketplace.CardRiskAcceptance {
	if v.Accepted == nil {
		return nil
	}
	a := v.Accepted
	return &marketplace.CardRiskAcceptance{By: a.By, At: a.At.UTC().Format("2006-01-02T15:04:05Z"), Risk: a.Highest, Threshold: a.Threshold, Words: a.Words}
}

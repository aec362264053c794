package frontend

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// The wizard's risk confirm step (report_risk.templ): when the policy gate
// refuses a run's output for a highest re-identification risk above the
// threshold alone, the publisher may accept that risk in a separate form
// (a checkbox and their own words). The acceptance rides in the publish
// form (accept-risk, accept-words) to app.PublishRequest.AcceptRisk, where
// the app checks it against the report's figure and records it on the card.

// handleAcceptRisk handles POST /mydata/publish/run/{id}/accept-risk: the
// report step again, with the acceptance in the publish form, or with the
// problem (no checkbox, no words) in the confirm form.
func handleAcceptRisk(logger *slog.Logger, wz *wizardStore) http.Handler {
	return withRun(logger, wz, func(w http.ResponseWriter, r *http.Request, run *wizardRun) {
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		run.mu.Lock()
		p, err := run.result, run.err
		run.mu.Unlock()
		if !run.finished() || err != nil || p.Report == nil {
			wizardFail(w, r, logger, marketplace.Errorf(marketplace.EINVALID, "This anonymization has no report to accept: run it again."))
			return
		}
		v := reportStep(run, p)
		rv := p.Report.Verdict
		if rv == nil || rv.Pass || rv.Risk == nil || !rv.Risk.Alone {
			wizardFail(w, r, logger, marketplace.Errorf(marketplace.EINVALID, "There is no risk to accept in this report: the policy gate passes it, or refuses it for other reasons."))
			return
		}
		words := strings.TrimSpace(r.PostForm.Get("words"))
		risk, perr := strconv.ParseFloat(r.PostForm.Get("risk"), 64)
		switch {
		case r.PostForm.Get("accept") != "yes":
			v.RiskProblem = "Tick the box to accept the risk, or lower it."
		case words == "":
			v.RiskProblem = "Say in your words why this risk is acceptable: buyers will read it on the dataset card."
		case len(words) > 2000:
			v.RiskProblem = "Your words: at most 2,000 characters."
		case perr != nil || risk+1e-9 < rv.Risk.Highest:
			v.RiskProblem = "The risk changed since the report was shown: read the report again and accept its figure."
		}
		if v.RiskProblem != "" {
			renderWizard(w, r, logger, http.StatusUnprocessableEntity, wizardReportStep(v))
			return
		}
		v.Form.AcceptRisk, v.Form.AcceptWords = strconv.FormatFloat(risk, 'g', -1, 64), words
		renderWizard(w, r, logger, http.StatusOK, wizardReportStep(v))
	})
}

// populationModelName names a population uniqueness model in words.
func populationModelName(m string) string {
	switch m {
	case "pitman":
		return "Pitman's model"
	case "zayatz":
		return "Zayatz's model"
	case "snb":
		return "Slide negative binomial model (Chen and Keller-McNulty)"
	case "none":
		return "None needed"
	}
	return m
}

// acceptedSentence says an acceptance in plain words: "The publisher
// accepted a highest re-identification risk of 100 % (threshold 20 %) on
// 2026-12-07."
func acceptedSentence(a *anonymize.RiskAcceptance) string {
	c := marketplace.CardRiskAcceptance{At: a.At.UTC().Format("2006-01-02T15:04:05Z"), Risk: a.Highest, Threshold: a.Threshold}
	return c.String()
}

package frontend

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Safe Harbor leaves each of the six small patients alone in their group
// (highest risk 100 %, threshold 20 %): the report step shows the refusal
// banner with what to change, the population estimate, publishing
// disabled, and the separate confirm step; the confirm form refuses
// without the box ticked or without words; accepted, the publish form is
// enabled and carries the acceptance; the card shows it plainly.
func TestPublishWizard_riskConfirmStepAndBanner(t *testing.T) {
	f := newMarketFixture(t)
	alice, bob := f.signIn(t, "alice"), f.signIn(t, "bob")
	upload := alice.uploadCSV(t, smallPatients, "upload", `id="wizard-rows"`)
	res, body := alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor"}})
	wantBody(t, "report", res, body, 200, `id="risk-banner"`, "The policy gate refuses this data.", "highest prosecutor risk is 1, policy allows at most 0.2",
		"The risk is the only reason", `id="risk-advice"`, "raise k", `id="report-population"`, `id="report-population-model"`, "Pitman",
		`id="risk-confirm-form"`, `id="publish-button" disabled`)
	m := regexp.MustCompile(`action="(/mydata/publish/run/[0-9a-f]{32}/accept-risk)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no confirm form action in\n%s", body)
	}
	confirm := m[1]
	res, body = alice.post(confirm, url.Values{"risk": {"1"}, "words": {"my own record"}}, true)
	wantBody(t, "no box", res, body, 422, `id="risk-confirm-problem"`, "Tick the box", `id="publish-button" disabled`)
	res, body = alice.post(confirm, url.Values{"risk": {"1"}, "accept": {"yes"}, "words": {"  "}}, true)
	wantBody(t, "no words", res, body, 422, "Say in your words")
	res, body = alice.post(confirm, url.Values{"risk": {"0.3"}, "accept": {"yes"}, "words": {"fine"}}, true)
	wantBody(t, "a lower figure", res, body, 422, "accept its figure")
	res, body = bob.post(confirm, url.Values{"risk": {"1"}, "accept": {"yes"}, "words": {"not mine"}}, true)
	wantBody(t, "another account", res, body, 404)
	res, body = alice.post(confirm, url.Values{"risk": {"1"}, "accept": {"yes"}, "words": {"Synthetic patients; I accept."}}, true)
	wantBody(t, "accepted", res, body, 200, `id="risk-accepted-pending"`, "Synthetic patients; I accept.",
		`name="accept-risk" value="1"`, `name="accept-words" value="Synthetic patients; I accept."`)
	if strings.Contains(body, `id="publish-button" disabled`) {
		t.Error("publish still disabled after the risk was accepted")
	}

	form := url.Values{"upload": {upload}, "preset": {"safe-harbor"}, "title": {"Accepted risk"}, "price": {"0"}, "permission": {"GRU"}, "format": {"csv"}}
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "publish without the acceptance", res, body, 422, `id="publish-problem"`, "accept it explicitly")
	form.Set("accept-risk", "1")
	form.Set("accept-words", "Synthetic patients; I accept.")
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`)
	id := regexp.MustCompile(`href="/catalog/(\d+)/" id="published-link"`).FindStringSubmatch(body)[1]
	res, body = bob.get("/catalog/"+id+"/", false)
	today := time.Now().UTC().Format("2006-01-02")
	wantBody(t, "card", res, body, 200, `id="risk-banner"`, "Risk accepted.",
		"The publisher accepted a highest re-identification risk of 100 % (threshold 20 %) on "+today+".", "Synthetic patients; I accept.",
		"passed: the publisher accepted the risk")
}

// acceptRisk accepts, as u, the risk a wizard's report step (body) refuses
// alone, the way a publisher does: the separate confirm step, box ticked
// and their words. It returns the fields the publish form then carries
// (accept-risk, accept-words), to add to a publish post.
func (u *browserUser) acceptRisk(t *testing.T, body, words string) url.Values {
	t.Helper()
	action := regexp.MustCompile(`action="(/mydata/publish/run/[0-9a-f]{32}/accept-risk)"`).FindStringSubmatch(body)
	risk := regexp.MustCompile(`id="risk-confirm-form"><input type="hidden" name="risk" value="([^"]+)"`).FindStringSubmatch(body)
	if action == nil || risk == nil {
		t.Fatalf("the report has no risk confirm step:\n%s", body)
	}
	res, body := u.post(action[1], url.Values{"risk": {risk[1]}, "accept": {"yes"}, "words": {words}}, true)
	wantBody(t, "risk accepted", res, body, 200, `id="risk-accepted-pending"`)
	fields := url.Values{}
	for _, k := range []string{"accept-risk", "accept-words"} {
		m := regexp.MustCompile(`name="` + k + `" value="([^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the publish form lacks %s after the risk was accepted:\n%s", k, body)
		}
		fields.Set(k, html.UnescapeString(m[1]))
	}
	return fields
}

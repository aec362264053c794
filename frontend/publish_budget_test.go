package frontend

import (
	"net/url"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/medmarket/medmarket/app"
)

// The publish form's "Privacy budget" fieldset shows the defaults and a
// sentence on ε; a bad ε is refused and shown on its field, named; the
// budgets given reach the card.
func TestPublishWizard_privacyBudget(t *testing.T) {
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	csv, err := os.ReadFile(patientsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	upload := alice.uploadCSV(t, string(csv), "step 2", `id="wizard-rows"`)
	res, body := alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}})
	wantBody(t, "step 3", res, body, 200, `id="publish-budget"`, "<legend>Privacy budget</legend>", "a smaller ε means more noise and more privacy",
		`name="card-epsilon" id="card-epsilon" value="1"`, `name="questions-epsilon" id="questions-epsilon" value="3"`,
		`name="questions-per-requester" id="questions-per-requester" value="1"`)
	form := url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}, "title": {"Budgeted"}, "price": {"0.01"}, "permission": {"HMB"},
		"duration": {"30"}, "format": {"csv"}}
	with := func(kv ...string) url.Values {
		c := url.Values{}
		for k, v := range form {
			c[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			c.Set(kv[i], kv[i+1])
		}
		return c
	}
	res, body = alice.post("/mydata/publish/", with("card-epsilon", "lots"), true)
	wantBody(t, "bad card ε", res, body, 422, `id="publish-problem"`, `Card statistics ε &#34;lots&#34;: write ε as a plain decimal`,
		`value="lots" aria-invalid="true" aria-describedby="card-epsilon-error"`, `id="card-epsilon-error"`)
	res, body = alice.post("/mydata/publish/", with("questions-epsilon", "2", "questions-per-requester", "2.5"), true)
	wantBody(t, "per requester above the total", res, body, 422, `id="questions-per-requester-error"`,
		"Questions ε per researcher 2.5: one researcher cannot spend more than the total, 2.")
	res, body = alice.post("/mydata/publish/", with("card-epsilon", "0.5", "questions-epsilon", "0", "no-questions", "1"), true)
	wantBody(t, "questions off: their fields are not checked", res, body, 200, `id="published-link"`)
	m := regexp.MustCompile(`href="/catalog/(\d+)/" id="published-link"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no listing link in\n%s", body)
	}
	id, _ := strconv.ParseUint(m[1], 10, 64)
	l, err := f.a.Listing(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.DecodeCardStatistics(l.Card)
	if err != nil || st == nil || st.Epsilon != "1/2" || l.Card.Questions != nil {
		t.Errorf("card statistics %+v (%v), questions %+v; want ε 1/2 and no questions", st, err, l.Card.Questions)
	}
}

package frontend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// Issue 14's "done when", in the browser: a researcher reads the card's
// charts, asks three questions (one through the builder, two typed) and
// sees the budget fall after each, is refused the fourth with what is left
// named, and buys; the publisher sees the three questions in My data.
func TestBrowser_questionsBeforeBuying(t *testing.T) {
	ctx, problems := newBrowser(t)
	srv, a := newTestServer(t)
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(t.Context(), n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(t.Context(), n, mustEther(t, "10")); err != nil {
			t.Fatal(err)
		}
	}
	// Published through the app to save time: a cohort large enough for
	// the card's charts and the answers to stand above their noise at the
	// default card ε.
	p, err := a.Publish(t.Context(), app.ByAccount("alice", "alice-pass"), app.PublishRequest{Input: cohortFile(t), Preset: "safe-harbor-k5",
		Title: "Askable cohort", Publisher: "Alice's clinic", Price: mustEther(t, "0.02"), Terms: marketplace.Terms{Use: marketplace.GRU},
		QuestionsEpsilon: "2", QuestionsPerRequester: "0.5"})
	if err != nil {
		t.Fatal(err)
	}
	card := srv.URL + listingURL(p.ListingID)

	// The card: its charts, and the offer of questions beside Buy.
	browserSignIn(t, ctx, srv.URL, "bob", listingURL(p.ListingID))
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`#card-title`),
		chromedp.WaitVisible(`#card-statistics svg rect`),
		chromedp.WaitVisible(`#card-questions-link`),
	); err != nil {
		t.Fatalf("card: %v", err)
	}
	if offer := must(chromedp.Run(ctx, chromedp.Text(`#card-questions`)))(t); !strings.Contains(offer, "ε 0.5 of the listing's 2") {
		t.Errorf("card offer %q", offer)
	}
	bars := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#card-statistics svg rect").length`)))(t)
	t.Logf("card charts: %d bars", bars)

	// The query page: budget, builder, text box.
	budget := func(want string) chromedp.Action[chromedp.Void] {
		return waitJS(`document.getElementById("budget-mine").textContent === "`+want+`"`, "my budget to read "+want)
	}
	if err := chromedp.Do(ctx,
		jsClick(`#card-questions-link`),
		chromedp.WaitVisible(`#question-builder`),
		budget("0.5"),
		waitHTMX(`#question-builder`),
	); err != nil {
		t.Fatalf("query page: %v", err)
	}
	// The builder opens its bounds for a statistic that needs them.
	selectStat := func(stat string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("builder-stat"); s.value = "` + stat +
			`"; s.dispatchEvent(new Event("change", {bubbles: true})) })()`)
	}
	if err := chromedp.Do(ctx, selectStat("mean"), waitJS(`document.getElementById("builder-bounds").open`, "the bounds to open for MEAN"),
		selectStat("patients"), waitJS(`!document.getElementById("builder-bounds").open`, "the bounds to close for COUNT(PATIENTS)")); err != nil {
		t.Fatalf("bounds: %v", err)
	}
	// One through the builder.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(`#builder-fcol1`, "GENDER"),
		chromedp.SetValue(`#builder-fop1`, "="),
		chromedp.SetValue(`#builder-fval1`, "F"),
		chromedp.SetValue(`#builder-epsilon`, "0.15"),
		jsClick(`#builder-ask`),
		budget("0.35"),
		chromedp.WaitVisible(`#answer-rows .answer-value`),
	); err != nil {
		t.Fatalf("builder question: %v", err)
	}
	if q := must(chromedp.Run(ctx, chromedp.Text(`#answer-question`)))(t); q != "SELECT COUNT(PATIENTS) WHERE GENDER = 'F' EPSILON 0.15" {
		t.Errorf("the builder asked %q", q)
	}
	if q := must(chromedp.Run(ctx, chromedp.Value(`#question-input`)))(t); !strings.HasPrefix(q, "SELECT COUNT(PATIENTS) WHERE GENDER") {
		t.Errorf("the text box does not show the builder's question: %q", q)
	}
	// An example fills the text box.
	example := must(chromedp.Run(ctx, chromedp.Text(`#question-examples li:nth-child(2) code`)))(t)
	if err := chromedp.Do(ctx, waitHTMX(`#question-text`), jsClick(`#question-examples li:nth-child(2) button`),
		waitJS(`document.getElementById("question-input").value === `+strconv.Quote(example), "the example in the text box")); err != nil {
		t.Fatalf("example %q: %v", example, err)
	}
	// Two typed, then a fourth refused.
	for _, step := range []struct{ q, left string }{
		{"SELECT COUNT(*) EPSILON 0.15", "0.2"},
		{"SELECT COUNT(PATIENTS) WHERE RACE = 'white' AND CONDITION = '44054006' EPSILON 0.15", "0.05"},
	} {
		if err := chromedp.Do(ctx,
			waitHTMX(`#question-text`),
			chromedp.SetValue(`#question-input`, step.q),
			jsClick(`#question-ask`),
			budget(step.left),
		); err != nil {
			t.Fatalf("typed %q: %v", step.q, err)
		}
		if spent := must(chromedp.Run(ctx, chromedp.Text(`#answer-spent`)))(t); !strings.Contains(spent, "ε spent: 0.15") {
			t.Errorf("after %q: %q", step.q, spent)
		}
	}
	if err := chromedp.Do(ctx,
		waitHTMX(`#question-text`),
		chromedp.SetValue(`#question-input`, "SELECT COUNT(*) WHERE GENDER = 'M' EPSILON 0.15"),
		jsClick(`#question-ask`),
		chromedp.WaitVisible(`#question-problem`),
	); err != nil {
		t.Fatalf("fourth question: %v", err)
	}
	if msg := must(chromedp.Run(ctx, chromedp.Text(`#question-problem`)))(t); !strings.Contains(msg, "0.05") {
		t.Errorf("the refusal does not name the 0.05 left: %q", msg)
	}
	if n := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#question-history-list li").length`)))(t); n != 3 {
		t.Errorf("history has %d questions, want 3", n)
	}
	if q := must(chromedp.Run(ctx, chromedp.Text(`#answer-question`)))(t); !strings.Contains(q, "RACE") {
		t.Errorf("a refusal replaced the last answer: %q", q)
	}
	if left := must(chromedp.Run(ctx, chromedp.Text(`#budget-mine`)))(t); left != "0.05" {
		t.Errorf("a refusal changed the budget shown to %q", left)
	}
	saveScreenshot(t, ctx, "questions-page.png")

	// Back to the card, and buy.
	if err := chromedp.Do(ctx,
		jsClick(`#questions-card-link`),
		chromedp.WaitVisible(`#buy-form`),
		waitHTMX(`#buy-form`),
		jsClick(`#buy-accept`),
		jsClick(`#buy-button`),
		chromedp.WaitVisible(`#buy-done`),
	); err != nil {
		t.Fatalf("buy from %s: %v", card, err)
	}

	// The publisher sees the three questions.
	publisherSeesQuestions(t, ctx, srv.URL, a, p.ListingID)
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// publisherSeesQuestions signs alice in and checks My data lists the three
// questions bob asked about listing id, then saves its screenshot.
func publisherSeesQuestions(t *testing.T, ctx context.Context, base string, a *app.App, id uint64) {
	t.Helper()
	browserSignIn(t, ctx, base, "alice", "/mydata/")
	sel := `#my-questions-` + itoa(id)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(sel),
		jsClick(sel+` summary`),
		chromedp.WaitVisible(sel+` .my-questions-table`),
	); err != nil {
		t.Fatalf("my data: %v", err)
	}
	text := must(chromedp.Run(ctx, chromedp.Text(sel)))(t)
	for _, want := range []string{"Questions answered: 3", "ε spent 0.45 of 2", "GENDER = 'F'", "SELECT COUNT(*) EPSILON 0.15", "RACE = 'white'",
		shortAddress(addrOf(t, a, "bob"))} {
		if !strings.Contains(text, want) {
			t.Errorf("My data's questions lack %q:\n%s", want, text)
		}
	}
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(sel)); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, ctx, "mydatasets-questions.png")
}

// cohortFile writes a generated cohort of 4,000 patients (birth date,
// gender, race, a SNOMED CT condition code, expenses) and returns its path.
func cohortFile(t *testing.T) string {
	t.Helper()
	races := []string{"white", "black", "asian", "white", "hispanic", "white"}
	conditions := []string{"44054006", "38341003", "15777000", "195662009", "40055000"} // type 2 diabetes, hypertension, prediabetes, pharyngitis, sinusitis
	var b strings.Builder
	b.WriteString("Id,BIRTHDATE,GENDER,RACE,CONDITION,HEALTHCARE_EXPENSES\n")
	for i := range 4000 {
		fmt.Fprintf(&b, "P%05d,%d-03-%02d,%s,%s,%s,%d\n", i, 1945+i%50, 1+i%28, []string{"F", "M"}[i%2], races[(i/2)%len(races)],
			conditions[(i*7)%len(conditions)], (i*7919)%250000)
	}
	p := filepath.Join(t.TempDir(), "cohort.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

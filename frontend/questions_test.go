package frontend

import (
	"context"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// questionsFixture is the UI on an App where alice published Synthea
// patients answering questions (0.5 ε per researcher of 1 in all) and a
// second listing answering none; bob and carol are researchers.
type questionsFixture struct {
	*marketFixture
	asks, none uint64
}

func newQuestionsFixture(t *testing.T) *questionsFixture {
	t.Helper()
	srv, a := newTestServer(t)
	ctx := t.Context()
	for _, n := range []string{"alice", "bob", "carol"} {
		if _, err := a.CreateAccount(ctx, n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(ctx, n, mustEther(t, "10")); err != nil {
			t.Fatal(err)
		}
	}
	f := &questionsFixture{marketFixture: &marketFixture{srv: srv, a: a}}
	publish := func(title string, req app.PublishRequest) uint64 {
		req.Input, req.Preset, req.Title, req.Publisher = syntheaPatientsFile(t), "safe-harbor-k5", title, "Alice's clinic"
		req.Price, req.Terms = mustEther(t, "0.01"), marketplace.Terms{Use: marketplace.GRU}
		p, err := a.Publish(ctx, app.ByAccount("alice", "alice-pass"), req)
		if err != nil {
			t.Fatalf("publish %s: %v", title, err)
		}
		return p.ListingID
	}
	f.asks = publish("Askable patients", app.PublishRequest{QuestionsEpsilon: "1", QuestionsPerRequester: "0.5"})
	f.none = publish("Silent patients", app.PublishRequest{QuestionsOff: true})
	return f
}

// The builder composes valid question text server-side, every value
// quoted as the language wants, and names the field that keeps it from
// being a question.
func TestQuestions_builderComposes(t *testing.T) {
	tests := []struct {
		name      string
		form      url.Values
		want      string // canonical text (app.CheckQuestion)
		wantField string
	}{
		{"plain count", url.Values{"stat": {"count"}}, "SELECT COUNT(*) EPSILON 0.1", ""},
		{"patients with filters", url.Values{"stat": {"patients"}, "fcol1": {"GENDER"}, "fop1": {"="}, "fval1": {"F"},
			"fcol2": {"age"}, "fop2": {">="}, "fval2": {"40"}, "fcol3": {"ZIP"}, "fop3": {"missing"}, "epsilon": {"0.15"}},
			`SELECT COUNT(PATIENTS) WHERE GENDER = 'F' AND ZIP IS MISSING AND age >= 40 EPSILON 0.15`, ""},
		{"a quote in a value and a keyword as column", url.Values{"stat": {"count"}, "fcol1": {"group"}, "fop1": {"!="}, "fval1": {"O'Brien"}},
			`SELECT COUNT(*) WHERE "group" != 'O''Brien' EPSILON 0.1`, ""},
		{"a date compared", url.Values{"stat": {"count"}, "fcol1": {"BIRTHDATE"}, "fop1": {"<"}, "fval1": {"1980-01-01"}},
			`SELECT COUNT(*) WHERE BIRTHDATE < '1980-01-01' EPSILON 0.1`, ""},
		{"mean grouped with bounds", url.Values{"stat": {"mean"}, "column": {"HEALTHCARE_EXPENSES"}, "group": {"GENDER"}, "low": {"0"}, "high": {"100000"}},
			"SELECT MEAN(HEALTHCARE_EXPENSES) GROUP BY GENDER BOUNDS 0 TO 100000 EPSILON 0.1", ""},
		{"quantile with bins from a table", url.Values{"stat": {"quantile"}, "column": {"value"}, "quantile": {"0.9"}, "table": {"observations"},
			"low": {"0"}, "high": {"300"}, "bins": {"30"}}, "SELECT QUANTILE(value, 0.9) FROM observations BOUNDS 0 TO 300 BINS 30 EPSILON 0.1", ""},
		{"histogram needs a column", url.Values{"stat": {"histogram"}}, "", "column"},
		{"bad lower bound", url.Values{"stat": {"sum"}, "column": {"x"}, "low": {"zero"}, "high": {"9"}}, "", "low"},
		{"bad bins", url.Values{"stat": {"histogram"}, "column": {"x"}, "bins": {"-2"}}, "", "bins"},
		{"bad epsilon", url.Values{"stat": {"count"}, "epsilon": {"lots"}}, "", "epsilon"},
		{"comparison without value", url.Values{"stat": {"count"}, "fcol2": {"age"}, "fop2": {"<"}}, "", "fval2"},
		{"unknown statistic", url.Values{"stat": {"median"}}, "", "stat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := readBuilder(tt.form).compose()
			if tt.wantField != "" {
				var fe *fieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantField {
					t.Fatalf("compose = %q, %v; want a refusal of field %s", q, err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			canon, err := app.CheckQuestion(q)
			if err != nil {
				t.Fatalf("composed %q does not parse: %v", q, err)
			}
			if canon != tt.want {
				t.Errorf("composed %q reads %q, want %q", q, canon, tt.want)
			}
		})
	}
}

// The question page and its posts: sign-in and same-origin required, the
// builder and the text box answered with the budget falling, a cached
// repeat spending nothing, refusals on the field (naming the position of
// a parse error, what is left for an overspend), the card's offer, and
// the publisher's list in My data.
func TestQuestions_pages(t *testing.T) {
	f := newQuestionsFixture(t)
	page := questionsURL(f.asks)
	anon := &browserUser{t: t, srv: f.srv}

	t.Run("not signed in goes to sign in", func(t *testing.T) {
		res, _ := anon.get(page, false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin/?next="+url.QueryEscape(page) {
			t.Fatalf("GET: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = anon.post(page, url.Values{"form": {"text"}, "question": {"SELECT COUNT(*)"}}, true)
		if res.Header.Get("HX-Redirect") != "/signin/?next="+url.QueryEscape(page) {
			t.Fatalf("POST: HX-Redirect %q", res.Header.Get("HX-Redirect"))
		}
	})

	bob := f.signIn(t, "bob")
	t.Run("page", func(t *testing.T) {
		res, body := bob.get(page, false)
		wantBody(t, "page", res, body, 200, `id="questions-title"`, `href="/catalog/`+itoa(f.asks)+`/" id="questions-card-link">Askable patients<`,
			`id="budget-mine">0.5<`, "left of 0.5 per researcher", `id="budget-listing">1<`, `<meter id="budget-mine-meter" min="0" max="1" value="1.000"`,
			`id="question-builder"`, `id="builder-group"><option value="">— no grouping —</option> <option value="BIRTHDATE">`, `<option value="GENDER">GENDER</option>`, `<option value="HEALTHCARE_EXPENSES">HEALTHCARE_EXPENSES (number)</option>`, `name="fcol3"`, `max="0.5" value="0.1"`, `id="question-input"`)
		for _, bad := range []string{"<script>", "style=", "<style", "onclick=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("the page contains %q, which the CSP blocks", bad)
			}
		}
		if n := strings.Count(regexp.MustCompile(`(?s)<ul id="question-examples">.*?</ul>`).FindString(body), "<li>"); n != 3 {
			t.Errorf("%d examples, want 3", n)
		}
		// Every example is a question the language reads.
		for _, m := range regexp.MustCompile(`<li><code>(SELECT[^<]*)</code>`).FindAllStringSubmatch(body, -1) {
			if _, err := app.CheckQuestion(html.UnescapeString(m[1])); err != nil {
				t.Errorf("example %q: %v", m[1], err)
			}
		}
	})

	t.Run("unknown listing", func(t *testing.T) {
		res, body := bob.get("/catalog/999/questions/", false)
		wantBody(t, "GET", res, body, 404)
		res, body = bob.post("/catalog/999/questions/", url.Values{"form": {"text"}, "question": {"SELECT COUNT(*)"}}, true)
		wantBody(t, "POST", res, body, 404)
	})

	t.Run("forged cross-site question", func(t *testing.T) {
		req, _ := http.NewRequest("POST", f.srv.URL+page, strings.NewReader("form=text&question=SELECT+COUNT(*)"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, body := bob.do(req, false)
		wantBody(t, "forged", res, body, 403, "came from another site")
		b, err := f.a.QuestionBudget(t.Context(), app.ByAccount("bob", "bob-pass"), f.asks)
		if err != nil || b.MyRemaining != "0.5" {
			t.Fatalf("after a forged post: %+v, %v", b, err)
		}
	})

	builder := url.Values{"form": {"builder"}, "stat": {"patients"}, "fcol1": {"GENDER"}, "fop1": {"="}, "fval1": {"F"}, "epsilon": {"0.15"}}
	t.Run("builder", func(t *testing.T) {
		res, body := bob.post(page, builder, true)
		wantBody(t, "builder", res, body, 200, `id="question-work"`, `id="answer-question">SELECT COUNT(PATIENTS) WHERE GENDER = &#39;F&#39; EPSILON 0.15<`,
			`<article id="question-answer" aria-live="polite" hx-swap-oob="true">`, `id="answer-rows"`, "ε spent: <strong>0.15</strong>", `id="answer-my-left">0.35<`, `id="answer-listing-left">0.85<`,
			`<article id="question-budget" hx-swap-oob="true">`, `id="budget-mine">0.35<`, `hx-swap-oob="afterbegin:#question-history-list"`,
			`class="question-history-item"`, `max="0.35"`, `<textarea name="question" id="question-input"`, `SELECT COUNT(PATIENTS) WHERE GENDER = &#39;F&#39; EPSILON 0.15</textarea>`)
		if !regexp.MustCompile(`class="answer-value">-?\d+( ± \d+| \(-?\d+–\d+\))<`).MatchString(body) {
			t.Errorf("no value with its interval in %s", body)
		}
		if strings.Contains(body, "<h1") {
			t.Error("the htmx answer carries the whole page")
		}
	})

	t.Run("the same question again is cached", func(t *testing.T) {
		res, body := bob.post(page, url.Values{"form": {"text"}, "question": {"select count(patients) where GENDER = 'F' epsilon 0.15"}}, true)
		wantBody(t, "cached", res, body, 200, "cached: same answer, nothing spent", `id="answer-my-left">0.35<`)
	})

	t.Run("typed question, plain post", func(t *testing.T) {
		res, body := bob.post(page, url.Values{"form": {"text"}, "question": {"SELECT COUNT(*) EPSILON 0.15"}}, false)
		wantBody(t, "plain", res, body, 200, `<h1 id="questions-title">`, `id="budget-mine">0.2<`, "ε spent: <strong>0.15</strong>", `class="question-history-item"`)
	})

	t.Run("invalid question names the position", func(t *testing.T) {
		res, body := bob.post(page, url.Values{"form": {"text"}, "question": {"SELECT COUNT(*) WHRE x = 1"}}, true)
		wantBody(t, "parse error", res, body, 422, `id="question-problem"`, "at character 17", `id="question-input" rows="4" spellcheck="false" aria-invalid`,
			"SELECT COUNT(*) WHRE x = 1</textarea>")
		res, body = bob.post(page, url.Values{"form": {"builder"}, "stat": {"sum"}, "column": {"HEALTHCARE_EXPENSES"}, "low": {"0"}, "high": {"a lot"}}, true)
		wantBody(t, "builder field", res, body, 422, "Bounds: the upper bound", `id="builder-high" value="a lot" aria-invalid`)
		res, body = bob.post(page, url.Values{"form": {"text"}, "question": {"SELECT COUNT(*) WHERE nosuch = 'x'"}}, true)
		wantBody(t, "unknown column", res, body, 422, `id="question-problem"`, "nosuch")
	})

	t.Run("overspend refused naming what is left", func(t *testing.T) {
		res, body := bob.post(page, url.Values{"form": {"text"}, "question": {"SELECT COUNT(*) WHERE GENDER = 'M' EPSILON 0.3"}}, true)
		wantBody(t, "refused", res, body, 422, `id="question-problem"`)
		if p := regexp.MustCompile(`id="question-problem">([^<]*)<`).FindStringSubmatch(body); p == nil || !strings.Contains(p[1], "0.2") {
			t.Errorf("the refusal does not name the 0.2 left: %q", p)
		} else {
			t.Log(p[1])
		}
		if strings.Contains(body, "hx-swap-oob") {
			t.Error("a refusal changed the budget or the history")
		}
		b, err := f.a.QuestionBudget(t.Context(), app.ByAccount("bob", "bob-pass"), f.asks)
		if err != nil || b.MyRemaining != "0.2" {
			t.Fatalf("after a refusal: %+v, %v", b, err)
		}
	})

	t.Run("the form offers what is left, then says it is spent", func(t *testing.T) {
		res, body := bob.post(page, url.Values{"form": {"text"}, "question": {"SELECT COUNT(*) WHERE GENDER = 'M' EPSILON 0.15"}}, true)
		wantBody(t, "ask", res, body, 200, `id="answer-my-left">0.05<`)
		res, body = bob.get(page, false)
		wantBody(t, "page", res, body, 200, `id="budget-mine">0.05<`, `max="0.05" value="0.05"`)
		if strings.Contains(body, `id="question-spent"`) {
			t.Error("0.05 left is said to be spent")
		}
		res, body = bob.post(page, url.Values{"form": {"builder"}, "stat": {"count"}, "epsilon": {"0.05"}}, false)
		wantBody(t, "last ε", res, body, 200, `id="budget-mine">0<`, `id="question-spent"`, "No ε is left for you on this listing")
	})

	t.Run("a listing answering no questions", func(t *testing.T) {
		res, body := bob.get(questionsURL(f.none), false)
		wantBody(t, "page", res, body, 200, `id="questions-none"`)
		res, body = bob.post(questionsURL(f.none), url.Values{"form": {"text"}, "question": {"SELECT COUNT(*)"}}, true)
		wantBody(t, "post", res, body, 422, "answers no questions before buying")
	})

	t.Run("histogram and groups, one row each", func(t *testing.T) {
		carol := f.signIn(t, "carol")
		res, body := carol.post(page, url.Values{"form": {"builder"}, "stat": {"histogram"}, "column": {"HEALTHCARE_EXPENSES"},
			"low": {"0"}, "high": {"2000000"}, "bins": {"4"}, "epsilon": {"0.1"}}, true)
		wantBody(t, "histogram", res, body, 200, "(discrete Laplace).", "<td>[0, 500000)</td>", "<td>[1500000, 2000000]</td>", "<td>missing</td>")
		if n := strings.Count(body, `class="answer-value"`); n < 5 {
			t.Errorf("histogram of 4 bins in %d rows", n)
		}
		// 22 patients: no race is frequent enough to stand above the noise.
		res, body = carol.post(page, url.Values{"form": {"text"}, "question": {"SELECT COUNT(*) GROUP BY RACE EPSILON 0.1"}}, true)
		wantBody(t, "groups", res, body, 200, `id="answer-no-rows"`, ", δ = ", "above a noisy threshold")
	})

	t.Run("card", func(t *testing.T) {
		res, body := bob.get(listingURL(f.asks), false)
		wantBody(t, "card", res, body, 200, `id="card-questions-link"`, `href="`+page+`"`, "may spend ε 0.5 of the listing's 1")
		res, body = bob.get(listingURL(f.none), false)
		wantBody(t, "silent card", res, body, 200, `id="card-no-questions"`, "answers no questions before buying")
	})

	t.Run("the publisher sees every question", func(t *testing.T) {
		alice := f.signIn(t, "alice")
		res, body := alice.get("/mydata/", false)
		bobShort := shortAddress(addrOf(t, f.a, "bob"))
		wantBody(t, "my data", res, body, 200, `id="my-questions-`+itoa(f.asks)+`"`, "Questions answered: 6", "(ε spent 0.7 of 1)",
			bobShort, "SELECT COUNT(PATIENTS) WHERE GENDER = &#39;F&#39; EPSILON 0.15", "SELECT COUNT(*) EPSILON 0.15")
		if strings.Contains(body, `id="my-questions-`+itoa(f.none)+`"`) {
			t.Error("a listing answering no questions is listed with questions")
		}
	})
}

// unreachableQuestions is the app with its question log out of reach, as
// when the hub that answers a listing's questions cannot be asked.
type unreachableQuestions struct{ *app.App }

func (u unreachableQuestions) AnsweredQuestions(context.Context, common.Address, uint64) ([]app.AnsweredQuestion, error) {
	return nil, marketplace.Errorf(marketplace.EUNAVAILABLE, "Questions about listing 1 cannot be fetched from its provider http://hub.example: connection refused.")
}

// My data still shows the listing, with why its questions are not listed
// (and no count it cannot know).
func TestMyData_questionsProblemShown(t *testing.T) {
	f := newQuestionsFixture(t)
	h, err := NewServer(slog.New(slog.DiscardHandler), unreachableQuestions{f.a}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	alice := (&marketFixture{srv: srv, a: f.a}).signIn(t, "alice")
	res, body := alice.get("/mydata/", false)
	wantBody(t, "my data", res, body, 200, `id="my-datasets-table"`, `id="my-questions-`+itoa(f.asks)+`"`,
		`class="error questions-problem">Questions about listing 1 cannot be fetched from its provider http://hub.example: connection refused.<`)
	if strings.Contains(body, "Questions answered:") {
		t.Error("a count is shown for questions that could not be read")
	}
}

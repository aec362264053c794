package frontend

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// casebookFixture is a trial with a coordinator, a monitor and a data
// manager at site A (passphrase: name + "-pass"), and one visit the
// coordinator entered.
type casebookFixture struct {
	a       *app.App
	trial   marketplace.Trial
	visit   uint64
	subject string // the pseudonym
}

func newCasebookFixture(t *testing.T, a *app.App) casebookFixture {
	t.Helper()
	ctx := t.Context()
	sponsor := app.ByAccount("carol", "carol-pass")
	tr, err := a.RegisterTrial(ctx, sponsor, "Casebook trial", "NCT13200001", "protocol.pdf", strings.NewReader("%PDF casebook"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name, printed string
		role          marketplace.TrialRole
	}{{"cora", "Cora Coordinator", marketplace.RoleCoordinator}, {"mo", "Mo Monitor", marketplace.RoleMonitor}, {"dana", "Dana Data", marketplace.RoleDataManager}} {
		acct, err := a.CreateAccount(ctx, s.name, s.name+"-pass")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.AuthorizeStaff(ctx, sponsor, tr.Identifier, marketplace.StaffGrant{Account: acct.Address, Name: s.printed, Role: s.role, Site: "A"}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := a.RecordTrialSteps(ctx, app.ByAccount("cora", "cora-pass"), tr.Identifier,
		[]app.StepInput{{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"weight_kg":81,"note":"fasting since 8 pm","source":"` + longSource + `"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	return casebookFixture{a: a, trial: tr, visit: es[0].Index, subject: es[0].Step.Subject}
}

// longSource is a value without spaces, longer than a window is wide.
const longSource = "https://ehr.example.org/records/site-A/patients/00000000000000000000000000000001/visits/0000000000000000000000000000000000000000000000000004/vitals"

// session is a signed-in account's same-origin request headers.
func (f casebookFixture) session(t *testing.T, name string) http.Header {
	t.Helper()
	token, _, err := f.a.SignIn(t.Context(), name, name+"-pass")
	if err != nil {
		t.Fatal(err)
	}
	return http.Header{"Cookie": {sessionCookie + "=" + token}, "Sec-Fetch-Site": {"same-origin"}}
}

func (f casebookFixture) lastQuery(t *testing.T) string {
	t.Helper()
	tm, err := f.a.TrialTeam(t.Context(), f.trial.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	qs := tm.Queries()
	if len(qs) == 0 {
		t.Fatal("no query recorded")
	}
	return entryNo(qs[len(qs)-1].Index)
}

func bodyLacks(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("%s: body has %q", what, p)
		}
	}
}

func TestCasebook_monitorQueriesAndVerifiesDataManagerLocks(t *testing.T) {
	srv, a := newTrialServer(t)
	f := newCasebookFixture(t, a)
	mo, cora, dana := f.session(t, "mo"), f.session(t, "cora"), f.session(t, "dana")
	base := casebookURL(f.trial, f.subject)
	visit := entryNo(f.visit)

	// The monitor sees the values labelled, never as JSON, and is offered
	// query and SDV forms, each with the e-signature; not the lock.
	res, body := get(t, srv, base, mo)
	wantBody(t, "monitor's casebook", res, body, 200, `id="entry-`+visit+`"`, ">weight kg<", "<strong>81</strong>", "fasting since 8 pm",
		`id="raise-`+visit+`"`, `id="sdv-form-`+visit+`"`, `id="raise-`+visit+`-passphrase"`, "Signed by Cora Coordinator")
	bodyLacks(t, "monitor's casebook", body, `{&#34;weight_kg`, `"weight_kg":`, `id="casebook-lock-form"`)
	_, body = get(t, srv, base, cora)
	bodyLacks(t, "coordinator's casebook", body, `id="raise-`+visit+`"`, `id="sdv-form-`+visit+`"`, `id="casebook-lock-form"`)

	// A query on one item; a wrong passphrase is refused with the reason.
	raise := url.Values{"entry": {visit}, "item": {"weight_kg"}, "text": {"81 kg or 18 kg?"}, "passphrase": {"wrong"}}
	res, body = postForm(t, srv, base+"/query", raise, mo)
	wantBody(t, "wrong passphrase", res, body, 403, `id="casebook-problem"`, "passphrase")
	raise.Set("passphrase", "mo-pass")
	res, body = postForm(t, srv, base+"/query", raise, mo)
	q := f.lastQuery(t)
	wantBody(t, "raise", res, body, 200, `id="query-`+q+`" data-state="open"`, "81 kg or 18 kg?", "Raised by Mo Monitor", `id="close-`+q+`"`)
	bodyLacks(t, "monitor's view of a query", body, `id="answer-`+q+`"`)

	// The coordinator answers with the corrected value, shown in place.
	res, body = postForm(t, srv, base+"/answer", url.Values{"query": {q}, "entry": {visit}, "item": {"weight_kg"},
		"text": {"Transcription error: 18 kg, a child"}, "value": {"18"}, "reason": {"transcription error"}, "passphrase": {"cora-pass"}}, cora)
	wantBody(t, "answer", res, body, 200, `data-state="answered"`, "<strong>18</strong>", "Original <s>81</s>",
		"Corrected to <em>18</em>", "Why: transcription error", "Transcription error: 18 kg, a child")

	// The monitor closes the query and marks the entry verified.
	res, body = postForm(t, srv, base+"/close", url.Values{"query": {q}, "text": {"Thanks"}, "passphrase": {"mo-pass"}}, mo)
	wantBody(t, "close", res, body, 200, `id="query-`+q+`" data-state="closed"`, "Closed by Mo Monitor")
	res, body = postForm(t, srv, base+"/sdv", url.Values{"entry": {visit}, "passphrase": {"mo-pass"}}, mo)
	wantBody(t, "sdv", res, body, 200, `id="sdv-`+visit+`"`, "Source data verified by Mo Monitor", "1 entry · 1 verified")

	// The monitor may not lock: the server refuses, and says why.
	res, body = postForm(t, srv, base+"/lock", url.Values{"reason": {"done"}, "passphrase": {"mo-pass"}}, mo)
	wantBody(t, "monitor locks", res, body, 422, `id="casebook-problem"`, "who may not sign a Casebook lock")
	// The data manager locks, with a reason.
	res, body = postForm(t, srv, base+"/lock", url.Values{"reason": {""}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "lock without a reason", res, body, 422, `id="casebook-problem"`, "reason")
	res, body = postForm(t, srv, base+"/lock", url.Values{"reason": {"casebook complete"}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "lock", res, body, 200, `data-locked="true"`, "Casebook locked", "Dana Data", "casebook complete", "Unlock this casebook")

	// What the lock would refuse is not offered.
	_, body = get(t, srv, base, mo)
	bodyLacks(t, "monitor's locked casebook", body, `id="raise-`+visit+`"`, `id="sdv-form-`+visit+`"`)

	// The coordinator's entry after the lock is refused with the message.
	res, body = postForm(t, srv, trialURL(f.trial)+"steps", url.Values{"type": {"visit"}, "subject": {"S-001"}, "data": {`{"weight_kg":19}`},
		"passphrase": {"cora-pass"}}, cora)
	wantBody(t, "entry after the lock", res, body, 422, `id="step-problem"`, "is in the casebook of "+f.subject+", which entry")

	// The list and the dashboard show the lock, the site and no open query.
	res, body = get(t, srv, casebooksURL(f.trial), nil)
	wantBody(t, "casebooks", res, body, 200, `data-subject="`+f.subject+`"`, "<mark>Locked</mark>", "<td>A</td>")
	res, body = get(t, srv, dashboardURL(f.trial), dana)
	wantBody(t, "dashboard", res, body, 200, `id="site-progress"`, `id="queries-none"`, `id="anchoring-state"`, "not yet anchored", `id="database-lock-form"`)
	res, body = postForm(t, srv, trialURL(f.trial)+"database/lock", url.Values{"reason": {"final analysis"}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "database lock", res, body, 200, `data-locked="true"`, "Database locked", "final analysis")
	res, body = postForm(t, srv, trialURL(f.trial)+"database/lock", url.Values{"reason": {"again"}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "database locked twice", res, body, 422, `id="dashboard-problem"`, "already locked")
	_, body = get(t, srv, base, dana)
	bodyLacks(t, "casebook while the database is locked", body, `id="casebook-lock-form"`)
	_, body = get(t, srv, dashboardURL(f.trial), cora)
	bodyLacks(t, "coordinator's dashboard", body, `id="database-lock-form"`)

	// Unlocking is an entry with a reason too.
	res, body = postForm(t, srv, trialURL(f.trial)+"database/unlock", url.Values{"reason": {"query from the regulator"}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "database unlock", res, body, 200, `id="database-open"`, "Lock the database")
	res, body = postForm(t, srv, base+"/unlock", url.Values{"reason": {""}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "unlock without a reason", res, body, 422, `id="casebook-problem"`, "needs a reason")
	res, body = postForm(t, srv, base+"/unlock", url.Values{"reason": {"late lab result"}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "casebook unlock", res, body, 200, `data-locked="false"`, `id="casebook-open"`)
	res, body = postForm(t, srv, trialURL(f.trial)+"steps", url.Values{"type": {"visit"}, "subject": {"S-001"}, "data": {`{"weight_kg":19}`},
		"passphrase": {"cora-pass"}}, withHeader(cora, "Hx-Request", "true"))
	wantBody(t, "entry after the unlock", res, body, 200, `id="step-done"`)
}

func TestCasebook_unknownSubjectAndAction(t *testing.T) {
	srv, a := newTrialServer(t)
	f := newCasebookFixture(t, a)
	res, body := get(t, srv, casebookURL(f.trial, "S-999"), nil)
	wantBody(t, "unknown subject", res, body, 404, "S-999 has no entry")
	res, body = postForm(t, srv, casebookURL(f.trial, f.subject)+"/erase", url.Values{"passphrase": {"mo-pass"}}, f.session(t, "mo"))
	wantBody(t, "unknown action", res, body, 404, "No casebook action")
	// The trial page links to the views.
	res, body = get(t, srv, trialURL(f.trial), nil)
	wantBody(t, "trial page", res, body, 200, `id="dashboard-link"`, `id="casebooks-link"`)
}

// A value entered through a designed form: the casebook shows its label
// and unit under its event, and the site's answer corrects it as typed,
// checked against the design's item.
func TestCasebook_answerCorrectsADesignedItem(t *testing.T) {
	srv, a := newTrialServer(t)
	f := newCasebookFixture(t, a)
	ctx, ref := t.Context(), f.trial.Identifier
	design := `{"name":"Vitals","events":[{"oid":"SE.V1","name":"Visit 1","forms":["F.VS"]},{"oid":"SE.V2","name":"Visit 2","forms":["F.VS"]}],` +
		`"forms":[{"oid":"F.VS","name":"Vital signs","items":[{"oid":"IT.WEIGHT","label":"Body weight","type":"decimal","unit":"kg","min":"1","max":"300"}]}]}`
	if _, err := a.RecordTrialSteps(ctx, app.ByAccount("carol", "carol-pass"), ref, []app.StepInput{{Type: "study_design", Data: json.RawMessage(design)}}); err != nil {
		t.Fatal(err)
	}
	es, err := a.RecordTrialSteps(ctx, app.ByAccount("cora", "cora-pass"), ref, []app.StepInput{{Type: "visit", Subject: "S-002",
		Data: json.RawMessage(`{"design":1,"event":"SE.V1","form":"F.VS","items":{"IT.WEIGHT":81.5}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	visit, base := entryNo(es[0].Index), casebookURL(f.trial, es[0].Step.Subject)
	mo, cora := f.session(t, "mo"), f.session(t, "cora")
	res, body := get(t, srv, base, mo)
	wantBody(t, "designed casebook", res, body, 200, `data-event="event:SE.V1"`, "<h2>Visit 1</h2>", "<strong>Vital signs</strong>", ">Body weight<", "<strong>81.5 kg</strong>")
	res, body = postForm(t, srv, base+"/query", url.Values{"entry": {visit}, "item": {"IT.WEIGHT"}, "text": {"Weighed dressed?"}, "passphrase": {"mo-pass"}}, mo)
	wantBody(t, "raise", res, body, 200, "on Body weight:", "Weighed dressed?")
	q := f.lastQuery(t)

	answer := url.Values{"query": {q}, "entry": {visit}, "item": {"IT.WEIGHT"}, "text": {"Yes: corrected"}, "value": {"eighty"}, "reason": {"weighed dressed"}, "passphrase": {"cora-pass"}}
	res, body = postForm(t, srv, base+"/answer", answer, cora)
	wantBody(t, "a value that is not a number", res, body, 422, `id="casebook-problem"`, "Body weight (IT.WEIGHT)")
	answer.Set("value", "900")
	res, body = postForm(t, srv, base+"/answer", answer, cora)
	wantBody(t, "a value out of range", res, body, 422, `id="casebook-problem"`, "900 kg is above the maximum 300 kg")
	answer.Set("value", "80.2")
	res, body = postForm(t, srv, base+"/answer", answer, cora)
	wantBody(t, "answer", res, body, 200, `data-state="answered"`, "<strong>80.2 kg</strong>", "Original <s>81.5 kg</s>", "Why: weighed dressed")

	// The dashboard counts visits per site against the design's events, and
	// highlights serious adverse events.
	if _, err := a.RecordTrialSteps(ctx, app.ByAccount("cora", "cora-pass"), ref, []app.StepInput{
		{Type: "adverse_event", Subject: "S-001", Data: json.RawMessage(`{"term":"Headache"}`)},
		{Type: "sae", Subject: "S-002", Data: json.RawMessage(`{"term":"Stroke","hospitalised":true}`)}}); err != nil {
		t.Fatal(err)
	}
	res, body = get(t, srv, dashboardURL(f.trial), nil)
	wantBody(t, "adverse events", res, body, 200, `data-serious="false"`, "term: Headache", `<mark class="serious">Serious</mark>`, "hospitalised: Yes")
	if strings.Count(body, `class="serious"`) != 1 {
		t.Errorf("%d serious events highlighted, want 1", strings.Count(body, `class="serious"`))
	}
	wantBody(t, "dashboard", res, body, 200, "<th>Visit 1</th>", "<th>Visit 2</th>", "<td>1 of 2</td>", "<td>0 of 2</td>", `id="open-queries"`, "Weighed dressed?")
}

func withHeader(h http.Header, k, v string) http.Header {
	out := h.Clone()
	out.Set(k, v)
	return out
}

// The trial team on this node reads the sponsor's own subject ids beside
// the pseudonyms; anyone else reads pseudonyms only.
func TestCasebook_subjectIDsForTheTeamOnly(t *testing.T) {
	sponsorID := regexp.MustCompile(`\bS-001\b`)
	srv, a := newTrialServer(t)
	f := newCasebookFixture(t, a)
	if _, err := a.CreateAccount(t.Context(), "stranger", "stranger-pass"); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"carol", "mo"} {
		h := f.session(t, who)
		res, body := get(t, srv, casebooksURL(f.trial), h)
		wantBody(t, who+": casebooks", res, body, 200, `<strong class="subject-id">S-001</strong>`)
		res, body = get(t, srv, casebookURL(f.trial, f.subject), h)
		wantBody(t, who+": casebook", res, body, 200, `<span id="casebook-subject-id">S-001</span>`)
	}
	for who, h := range map[string]http.Header{"a visitor": nil, "a stranger": f.session(t, "stranger")} {
		for _, path := range []string{casebooksURL(f.trial), casebookURL(f.trial, f.subject)} {
			res, body := get(t, srv, path, h)
			wantBody(t, who, res, body, 200, f.subject[:14])
			// A whole word: a pseudonym (S- and hex) may start with 001.
			if sponsorID.MatchString(body) || strings.Contains(body, `class="subject-id"`) || strings.Contains(body, `id="casebook-subject-id"`) {
				t.Errorf("%s reads the sponsor's subject id on %s", who, path)
			}
		}
	}
}

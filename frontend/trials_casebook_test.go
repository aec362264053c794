package frontend

import (
	"encoding/json"
	"net/http"
	"net/url"
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
		[]app.StepInput{{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"weight_kg":81,"note":"fasting since 8 pm"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	return casebookFixture{a: a, trial: tr, visit: es[0].Index, subject: es[0].Step.Subject}
}

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

	// The coordinator's entry after the lock is refused with the message.
	res, body = postForm(t, srv, trialURL(f.trial)+"steps", url.Values{"type": {"visit"}, "subject": {"S-001"}, "data": {`{"weight_kg":19}`},
		"passphrase": {"cora-pass"}}, cora)
	wantBody(t, "entry after the lock", res, body, 422, `id="step-problem"`, "recorded in the casebook of "+f.subject+", which entry")

	// The list and the dashboard show the lock, the site and no open query.
	res, body = get(t, srv, casebooksURL(f.trial), nil)
	wantBody(t, "casebooks", res, body, 200, `data-subject="`+f.subject+`"`, "<mark>Locked</mark>", "<td>A</td>")
	res, body = get(t, srv, dashboardURL(f.trial), dana)
	wantBody(t, "dashboard", res, body, 200, `id="site-progress"`, `id="queries-none"`, `id="anchoring-state"`, "not yet anchored", `id="database-lock-form"`)
	res, body = postForm(t, srv, trialURL(f.trial)+"database/lock", url.Values{"reason": {"final analysis"}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "database lock", res, body, 200, `data-locked="true"`, "Database locked", "final analysis")
	res, body = postForm(t, srv, trialURL(f.trial)+"database/lock", url.Values{"reason": {"again"}, "passphrase": {"dana-pass"}}, dana)
	wantBody(t, "database locked twice", res, body, 422, `id="dashboard-problem"`, "already locked")
	_, body = get(t, srv, dashboardURL(f.trial), cora)
	bodyLacks(t, "coordinator's dashboard", body, `id="database-lock-form"`)
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

package frontend

import (
	"net/url"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
)

// The join form is offered to a signed-in user only; a trial that cannot
// be joined is refused in the form with the reason, the values kept; a
// trial of this node has no refresh card, and keeps its import preview.
func TestTrialJoin_formRefusals(t *testing.T) {
	srv, a := newTrialServer(t)
	tr, err := a.RegisterTrial(t.Context(), app.ByAccount("carol", "carol-pass"), "Own trial", "NCT13000003", "protocol.pdf", strings.NewReader("%PDF own"))
	if err != nil {
		t.Fatal(err)
	}
	carol := sessionOf(t, a, "carol")

	res, body := get(t, srv, "/trials/", nil)
	wantBody(t, "visitor", res, body, 200, `id="join"`, `Sign in</a> to join a trial.`)
	wantNone(t, "visitor", body, `id="join-form"`)
	res, body = postForm(t, srv, "/trials/join", url.Values{"node": {"http://127.0.0.1:1/"}, "trial": {tr.ID.Hex()}}, nil)
	if !strings.Contains(body, `id="signin"`) || strings.Contains(body, `id="join-problem"`) {
		t.Errorf("a visitor joins: %d %.300s", res.StatusCode, body)
	}
	res, body = get(t, srv, "/trials/", carol)
	wantBody(t, "signed in", res, body, 200, `id="join-form"`, "Passphrase of carol")
	wantNone(t, "nothing joined yet", body, `id="joined-list"`)

	for _, c := range []struct {
		what, node, trial string
		status            int
		want              string
	}{
		{"no passphrase", "http://127.0.0.1:1/", tr.ID.Hex(), 422, "Passphrase required"},
		{"by identifier", "http://127.0.0.1:1/", "NCT13000003", 422, "give the trial&#39;s id (0x and 64 hex digits)"},
		{"a URL with credentials", "http://user:pw@127.0.0.1:1/", tr.ID.Hex(), 422, "Node URL"},
		{"a trial the chain never registered", "http://127.0.0.1:1/", "0x" + strings.Repeat("ab", 32), 404, "is not registered on this node&#39;s chain"},
		{"this node's own", "http://127.0.0.1:1/", tr.ID.Hex(), 409, "is this node&#39;s own"},
	} {
		pass := "carol-pass"
		if c.what == "no passphrase" {
			pass = ""
		}
		res, body := postForm(t, srv, "/trials/join", url.Values{"node": {c.node}, "trial": {c.trial}, "passphrase": {pass}}, carol)
		wantBody(t, c.what, res, body, c.status, `id="join-problem"`, c.want, `value="`+c.trial+`"`)
	}
	if rts, err := a.RemoteTrials(t.Context()); err != nil || len(rts) != 0 {
		t.Errorf("joined after refusals: %v, %v", rts, err)
	}

	res, body = get(t, srv, trialURL(tr), carol)
	wantBody(t, "own trial", res, body, 200, `id="import-preview"`, `hx-post="`+trialURL(tr)+`anchor"`)
	wantNone(t, "own trial", body, `id="refresh"`)
	res, body = postForm(t, srv, trialURL(tr)+"refresh", url.Values{"passphrase": {"carol-pass"}}, carol)
	wantBody(t, "refresh of an own trial", res, body, 409, "is this node&#39;s own")
}

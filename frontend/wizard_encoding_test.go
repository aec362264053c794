package frontend

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/app"
)

// publishRecorder is the app, remembering the last publish request.
type publishRecorder struct {
	*app.App
	mu   sync.Mutex
	last app.PublishRequest
}

func (p *publishRecorder) Publish(ctx context.Context, who app.Actor, req app.PublishRequest) (app.Published, error) {
	p.mu.Lock()
	p.last = req
	p.mu.Unlock()
	return p.App.Publish(ctx, who, req)
}

// TestPublishWizard_encodingChoice: a Latin-1 file that detection reads as
// UTF-8 (its "Ã©" is a UTF-8 sequence) stops at its first Latin-1 byte; the
// wizard says where, pre-selects Latin-1 and reads the kept file again
// with it; the publish reads it as Latin-1 too. Declared at step 1, the
// file reads at once; declared wrongly at step 2, the problem comes back.
func TestPublishWizard_encodingChoice(t *testing.T) {
	_, a := newTestServer(t)
	rec := &publishRecorder{App: a}
	h, err := NewServer(slog.New(slog.DiscardHandler), rec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if _, err := a.CreateAccount(t.Context(), "alice", "alice-pass"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Fund(t.Context(), "alice", mustEther(t, "1")); err != nil {
		t.Fatal(err)
	}
	alice := (&marketFixture{srv: srv, a: a}).signIn(t, "alice")
	hx := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {alice.cookie.String()}}
	latin1 := "sex,condition,age\nF,M\xc3\xa9ningite,34\nF,Fi\xe8vre,40\nM,Grippe,51\n"
	uploadID := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`)

	res, body := postMultipart(t, srv, "/mydata/publish/upload", map[string]string{"format": "csv", "encoding": ""}, map[string]string{"file": latin1}, hx)
	wantBody(t, "detected as UTF-8", res, body, 422, `id="wizard-encoding-step"`, "line 3: not UTF-8 at byte 38", `<option value="latin1" selected>`)
	m := uploadID.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the upload is not kept:\n%s", body)
	}
	res, body = alice.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {m[1]}, "encoding": {"latin1"}}, true)
	wantBody(t, "read again as Latin-1", res, body, 200, `id="wizard-rows"`, "Fièvre", "Text encoding: Latin-1")
	res, body = alice.run(url.Values{"upload": {m[1]}, "preset": {"safe-harbor"}})
	wantBody(t, "report", res, body, 200, `id="publish-form"`, "Fièvre")
	// Three rows under Safe Harbor: each alone in its group (risk 100 %),
	// which the publisher accepts in the report's confirm step.
	form := url.Values{"upload": {m[1]}, "preset": {"safe-harbor"}, "title": {"Latin-1"}, "price": {"0.01"},
		"permission": {"HMB"}, "duration": {"30"}, "seats": {"1"}, "format": {"csv"}}
	for k, v := range alice.acceptRisk(t, body, "Three test rows; I accept.") {
		form[k] = v
	}
	res, body = alice.post("/mydata/publish/", form, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`)
	rec.mu.Lock()
	if rec.last.InputEncoding != "latin1" {
		t.Errorf("publish read the file as %q, want latin1", rec.last.InputEncoding)
	}
	rec.mu.Unlock()

	res, body = postMultipart(t, srv, "/mydata/publish/upload", map[string]string{"format": "csv", "encoding": "latin1"}, map[string]string{"file": latin1}, hx)
	wantBody(t, "declared at step 1", res, body, 200, `id="wizard-rows"`, "Fièvre", `<option value="latin1" selected>`)
	m = uploadID.FindStringSubmatch(body)
	res, body = alice.post("/mydata/publish/run", url.Values{"step": {"edit"}, "upload": {m[1]}, "encoding": {"utf-8"}}, true)
	wantBody(t, "declared UTF-8 at step 2", res, body, 422, `id="wizard-encoding-step"`, "not UTF-8 at byte 38", `<option value="latin1" selected>`)
}

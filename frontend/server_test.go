package frontend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newTestServer serves the UI on a real App over a fresh data directory.
func newTestServer(t testing.TB) (*httptest.Server, *app.App) {
	t.Helper()
	return newTestServerWith(t, Options{})
}

// closeApp closes a when a test is done with it and reports a failed close.
func closeApp(tb testing.TB, a *app.App) {
	tb.Helper()
	if err := a.Close(); err != nil {
		tb.Errorf("close %s: %v", a.DataDir(), err)
	}
}

func newTestServerWith(t testing.TB, opts Options) (*httptest.Server, *app.App) {
	t.Helper()
	a, err := app.Open(t.Context(), app.Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeApp(t, a) })
	h, err := NewServer(slog.New(slog.DiscardHandler), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, a
}

func get(t *testing.T, srv *httptest.Server, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestRoutes_servePages(t *testing.T) {
	srv, _ := newTestServer(t)
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{"<!doctype html>", "Health data, shared on your terms", `href="/mydata/"`, `href="/catalog/"`, `href="/trials/"`}},
		{"/mydata/", 200, []string{"<h1>Sign in</h1>", `id="no-accounts"`}}, // private: via sign-in
		{"/signin/", 200, []string{"<h1>Sign in</h1>", `href="/accounts/new/"`}},
		{"/catalog/", 200, []string{"<h1>Catalog</h1>", `href="/catalog/" accesskey="c" aria-current="page"`}},
		{"/trials/", 200, []string{"<h1>Trials</h1>", `href="/trials/" accesskey="t" aria-current="page"`}},
		{"/status/", 200, []string{"<h1>Node status</h1>", `id="status-version">test<`, `id="chain-id">1337<`, `id="chain-block">`, "DataLicenseMarket"}},
		{"/healthz", 200, []string{"ok"}},
		{"/static/vendor/htmx.min.js", 200, []string{"htmx"}},
		{"/static/vendor/pico.min.css", 200, []string{"Pico CSS"}},
		{"/static/app.css", 200, []string{".desktop-only"}},
		{"/static/app.js", 200, []string{"ChooseDataFile"}},
		{"/nowhere", 404, []string{"Page not found", "There is no page at /nowhere."}},
		{"/catalog", 200, []string{"<h1>Catalog</h1>"}}, // redirected to /catalog/
		{"/static/missing.js", 404, nil},
		{"/static/", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := get(t, srv, tt.path, nil)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			lower := strings.ToLower(body)
			for _, w := range tt.want {
				if !strings.Contains(body, w) && !strings.Contains(lower, strings.ToLower(w)) {
					t.Errorf("body lacks %q", w)
				}
			}
		})
	}
}

func TestRoutes_unknownPostIsNotFound(t *testing.T) {
	srv, _ := newTestServer(t)
	res, body := postForm(t, srv, "/nowhere", url.Values{"a": {"b"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "There is no page at /nowhere.") {
		t.Fatalf("POST /nowhere: status %d", res.StatusCode)
	}
}

func TestSecurityHeaders_onEveryResponse(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, path := range []string{"/", "/status/", "/nowhere", "/static/app.js"} {
		res, _ := get(t, srv, path, nil)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline or eval: %q", path, csp)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, got)
		}
		if got := h.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", path, got)
		}
	}
}

func TestPages_noInlineScriptOrStyle(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, path := range []string{"/", "/mydata/", "/catalog/", "/trials/", "/status/", "/nowhere"} {
		_, body := get(t, srv, path, nil)
		for _, bad := range []string{"<script>", "style=", "<style", "onclick="} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q, which the CSP blocks", path, bad)
			}
		}
	}
}

func TestHTMX_getsFragments(t *testing.T) {
	srv, _ := newTestServer(t)
	res, body := get(t, srv, "/catalog/", http.Header{"Hx-Request": {"true"}, "Hx-Boosted": {"true"}})
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if strings.Contains(body, "<html") || strings.Contains(body, "<body") {
		t.Error("htmx navigation got a full page")
	}
	if strings.Contains(body, `id="nav"`) {
		t.Error("htmx navigation re-sent the navigation")
	}
	for _, want := range []string{"<title>Catalog · medmarket</title>", "<h1>Catalog</h1>"} {
		if !strings.Contains(body, want) {
			t.Errorf("fragment lacks %q:\n%s", want, body)
		}
	}
	// A 404 during an htmx navigation still shows the error page body.
	res, body = get(t, srv, "/gone/", http.Header{"Hx-Request": {"true"}, "Hx-Boosted": {"true"}})
	if res.StatusCode != 404 || !strings.Contains(body, "Page not found") || strings.Contains(body, "<html") {
		t.Errorf("htmx 404: status %d body %s", res.StatusCode, body)
	}
}

func postForm(t *testing.T, srv *httptest.Server, path string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

func TestRenameNode(t *testing.T) {
	srv, a := newTestServer(t)
	cookie := signedInCookie(t, a)
	sameOrigin := http.Header{"Origin": {srv.URL}, "Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {cookie}}

	res, body := postForm(t, srv, "/status/node", url.Values{"name": {"Oncology <b>group</b>"}}, sameOrigin)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if !strings.Contains(body, `id="node-name">Oncology &lt;b&gt;group&lt;/b&gt;</strong>`) {
		t.Errorf("card does not show the escaped new name:\n%s", body)
	}
	if strings.Contains(body, "<html") {
		t.Error("htmx post got a full page")
	}
	st, err := a.Status(t.Context())
	if err != nil || st.Node.Name != "Oncology <b>group</b>" {
		t.Fatalf("stored name %q, err %v", st.Node.Name, err)
	}

	res, body = postForm(t, srv, "/status/node", url.Values{"name": {strings.Repeat("x", 65)}}, sameOrigin)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("too long: status %d", res.StatusCode)
	}
	if !strings.Contains(body, "Node name: 65 characters, at most 64 allowed.") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("refusal lacks its reason:\n%s", body)
	}
	if st, _ := a.Status(t.Context()); st.Node.Name != "Oncology <b>group</b>" {
		t.Errorf("refused name was stored: %q", st.Node.Name)
	}

	// Without htmx, the form post redirects back to the page.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", srv.URL+"/status/node", strings.NewReader("name=Plain"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Cookie", cookie)
	r2, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusSeeOther || r2.Header.Get("Location") != "/status/" {
		t.Errorf("plain post: status %d location %q", r2.StatusCode, r2.Header.Get("Location"))
	}
}

func TestCrossOrigin_forgedPostRefused(t *testing.T) {
	srv, a := newTestServer(t)
	tests := []struct {
		name   string
		header http.Header
	}{
		{"fetch metadata cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"fetch metadata same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"foreign origin, old browser", http.Header{"Origin": {"https://evil.example"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := postForm(t, srv, "/status/node", url.Values{"name": {"pwned"}}, tt.header)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", res.StatusCode)
			}
			if !strings.Contains(body, "came from another site") {
				t.Errorf("no reason given:\n%s", body)
			}
			if st, _ := a.Status(t.Context()); st.Node.Name == "pwned" {
				t.Fatal("forged post changed the node name")
			}
		})
	}
}

func TestCrossOrigin_trustedOrigin(t *testing.T) {
	a, err := app.Open(t.Context(), app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	h, err := NewServer(slog.New(slog.DiscardHandler), a, Options{TrustedOrigins: []string{"wails://wails"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, _ := postForm(t, srv, "/status/node", url.Values{"name": {"desk"}}, http.Header{"Origin": {"wails://wails"}, "Sec-Fetch-Site": {"cross-site"}})
	if res.StatusCode != 303 && res.StatusCode != 200 {
		t.Fatalf("trusted origin refused: %d", res.StatusCode)
	}
	if _, err := NewServer(slog.New(slog.DiscardHandler), a, Options{TrustedOrigins: []string{"not an origin"}}); err == nil {
		t.Error("a malformed trusted origin was accepted")
	}
}

func TestStatic_etagRevalidation(t *testing.T) {
	srv, _ := newTestServer(t)
	res, _ := get(t, srv, "/static/app.css", nil)
	etag := res.Header.Get("ETag")
	if etag == "" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("etag %q cache-control %q", etag, res.Header.Get("Cache-Control"))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("content type %q", ct)
	}
	res, _ = get(t, srv, "/static/app.css", http.Header{"If-None-Match": {etag}})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: status %d, want 304", res.StatusCode)
	}
}

// failingService makes every call fail, as a broken store would.
type failingService struct{ Service }

func (failingService) Status(context.Context) (app.Status, error) {
	return app.Status{}, errors.New("disk on fire")
}
func (failingService) ChainStatus(context.Context) (app.ChainStatus, error) {
	return app.ChainStatus{}, errors.New("chain on fire")
}
func (failingService) RenameNode(context.Context, string) (marketplace.Node, error) {
	panic("boom")
}
func (failingService) Session(context.Context, string) (marketplace.Session, error) {
	return marketplace.Session{}, nil // every cookie names a live session: renaming needs one
}

func TestErrors_internalDetailsStayInTheLog(t *testing.T) {
	var logbuf strings.Builder
	h, err := NewServer(slog.New(slog.NewTextHandler(&logbuf, nil)), failingService{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, body := get(t, srv, "/status/", nil)
	if res.StatusCode != 500 || !strings.Contains(body, "Something went wrong") || strings.Contains(body, "disk on fire") {
		t.Errorf("status %d body %s", res.StatusCode, body)
	}
	res, body = postForm(t, srv, "/status/node", url.Values{"name": {"x"}}, http.Header{"Cookie": {sessionCookie + "=any"}})
	if res.StatusCode != 500 || !strings.Contains(body, "Internal error.") {
		t.Errorf("panic: status %d body %s", res.StatusCode, body)
	}
	if !strings.Contains(logbuf.String(), "disk on fire") || !strings.Contains(logbuf.String(), "boom") {
		t.Errorf("log lacks the causes:\n%s", logbuf.String())
	}
}

// TestSignIn_sessionGuardsPrivatePages: private pages send visitors to
// sign in; a session cookie opens them until sign-out; sign-in follows
// only local paths.
func TestSignIn_sessionGuardsPrivatePages(t *testing.T) {
	srv, a := newTestServer(t)
	if _, err := a.CreateAccount(t.Context(), "alice", "correct horse"); err != nil {
		t.Fatal(err)
	}
	anon := &browserUser{t: t, srv: srv}
	privatePagesSendVisitorsToSignIn(t, anon)
	alice := signInWithCookie(t, anon)
	signOutEndsTheSession(t, alice)
	// After sign-in, only local paths are followed.
	for _, next := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`} {
		res, _ := anon.post("/signin", url.Values{"account": {"alice"}, "passphrase": {"correct horse"}, "next": {next}}, false)
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
}

// privatePagesSendVisitorsToSignIn: /mydata/ redirects a visitor (htmx:
// with HX-Redirect); a wrong passphrase sets no cookie.
func privatePagesSendVisitorsToSignIn(t *testing.T, anon *browserUser) {
	res, _ := anon.get("/mydata/", false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin/?next=%2Fmydata%2F" {
		t.Fatalf("anonymous /mydata/: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if hres, _ := anon.get("/mydata/", true); hres.StatusCode != http.StatusOK || !strings.HasPrefix(hres.Header.Get("HX-Redirect"), "/signin/") {
		t.Errorf("anonymous htmx /mydata/: %d %q", hres.StatusCode, hres.Header.Get("HX-Redirect"))
	}
	res, _ = anon.post("/signin", url.Values{"account": {"alice"}, "passphrase": {"wrong"}, "next": {"/mydata/"}}, false)
	if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
		t.Fatalf("wrong passphrase: %d, cookies %v", res.StatusCode, res.Cookies())
	}
}

// signInWithCookie signs alice in: back to next, with an HttpOnly, Lax
// session cookie that opens /mydata/.
func signInWithCookie(t *testing.T, anon *browserUser) *browserUser {
	res, _ := anon.post("/signin", url.Values{"account": {"alice"}, "passphrase": {"correct horse"}, "next": {"/mydata/"}}, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/mydata/" {
		t.Fatalf("sign in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	alice := &browserUser{t: t, srv: anon.srv}
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			alice.cookie = c
		}
	}
	if c := alice.cookie; c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Fatalf("session cookie %+v", c)
	}
	res, body := alice.get("/mydata/", false)
	if res.StatusCode != 200 || !strings.Contains(body, "<h1>My data</h1>") || !strings.Contains(body, "alice") || !strings.Contains(body, "Sign out") {
		t.Fatalf("signed-in /mydata/: %d", res.StatusCode)
	}
	return alice
}

// signOutEndsTheSession: a forged cross-site sign-out is refused like any
// other forged post; a real one ends the session.
func signOutEndsTheSession(t *testing.T, alice *browserUser) {
	req, _ := http.NewRequest("POST", alice.srv.URL+"/signout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, _ := alice.do(req, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-out: %d", res.StatusCode)
	}
	if res, _ := alice.post("/signout", nil, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if res, _ := alice.get("/mydata/", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("old cookie still opens /mydata/: %d", res.StatusCode)
	}
}

func TestSignIn_windowModeKeepsTheOneUserWithoutCookies(t *testing.T) {
	for _, window := range []bool{false, true} {
		t.Run(fmt.Sprintf("window=%v", window), func(t *testing.T) {
			a, err := app.Open(t.Context(), app.Options{DataDir: t.TempDir(), LightScrypt: true})
			if err != nil {
				t.Fatal(err)
			}
			defer closeApp(t, a)
			if _, err := a.CreateAccount(t.Context(), "patient", "pw"); err != nil {
				t.Fatal(err)
			}
			h, err := NewServer(slog.New(slog.DiscardHandler), a, Options{Window: window})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			res, _ := postForm(t, srv, "/signin", url.Values{"account": {"patient"}, "passphrase": {"pw"}, "next": {"/"}},
				http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}})
			if res.StatusCode != 200 || res.Header.Get("HX-Redirect") != "/" {
				t.Fatalf("sign in: %d %q", res.StatusCode, res.Header.Get("HX-Redirect"))
			}
			// A request without the cookie: only the window's handler knows the user.
			_, body := get(t, srv, "/mydata/", nil)
			if got := strings.Contains(body, "<h1>My data</h1>"); got != window {
				t.Fatalf("cookieless /mydata/ opened: %v, want %v", got, window)
			}
			if window {
				postForm(t, srv, "/signout", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
				if _, body := get(t, srv, "/mydata/", nil); strings.Contains(body, "<h1>My data</h1>") {
					t.Error("still signed in after sign-out")
				}
			}
		})
	}
}

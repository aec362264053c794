package frontend

import (
	"io"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
)

// signedInCookie creates the account "owner" and returns a Cookie header
// value of a session signed in as it.
func signedInCookie(t *testing.T, a *app.App) string {
	t.Helper()
	if _, err := a.CreateAccount(t.Context(), "owner", "owner-pass"); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.SignIn(t.Context(), "owner", "owner-pass")
	if err != nil {
		t.Fatal(err)
	}
	return sessionCookie + "=" + token
}

// TestRoutes_stateChangingRoutesNeedSession: a visitor's post to any route
// that changes state or acts with a key is sent to sign in, and nothing
// changes (today's rename by anyone who reaches the node included).
func TestRoutes_stateChangingRoutesNeedSession(t *testing.T) {
	srv, a := newTestServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	trial := "/trials/0x" + strings.Repeat("1", 64) + "/"
	for _, tt := range []struct{ method, path string }{
		{"POST", "/status/node"},
		{"POST", "/status/roles"},
		{"POST", "/catalog/1/buy"},
		{"GET", "/catalog/1/download"},
		{"POST", "/trials/"},
		{"POST", trial + "steps"},
		{"POST", trial + "import/preview"},
		{"POST", trial + "import"},
		{"POST", trial + "anchor"},
		{"POST", "/mydata/withdraw"},
		{"POST", "/mydata/datasets/1/price"},
		{"POST", "/mydata/datasets/1/delist"},
		{"POST", "/mydata/publish/upload"},
		{"POST", "/mydata/publish/run"},
		{"POST", "/mydata/publish/"},
		{"POST", "/mydata/licences/1/seats"},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(url.Values{"name": {"Renamed by a stranger"}, "account": {"x"}, "passphrase": {"y"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin/?next=") {
			t.Errorf("%s %s as a visitor: %d, Location %q; want a redirect to sign in", tt.method, tt.path, res.StatusCode, loc)
			continue
		}
		// After sign-in the visitor lands on the page the form is on: a
		// post cannot be replayed.
		if u, err := url.Parse(loc); err != nil || !strings.HasSuffix(u.Query().Get("next"), "/") {
			t.Errorf("%s %s as a visitor: signs in to come back to %q, not a page", tt.method, tt.path, u.Query().Get("next"))
		}
	}
	if st, err := a.Status(t.Context()); err != nil || st.Node.Name != "" {
		t.Errorf("node name %q after a visitor's rename, %v", st.Node.Name, err)
	}
}

// TestStatus_visitorSeesNoPathsAccountsOrBalances: Status shows a visitor
// the node's name, version, chain and head block; the data directory, store
// keys, chain endpoint, accounts and balances only to a signed-in user.
func TestStatus_visitorSeesNoPathsAccountsOrBalances(t *testing.T) {
	srv, a := newTestServer(t)
	cookie := signedInCookie(t, a)
	if _, err := a.Fund(t.Context(), "owner", big.NewInt(1e18)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.RenameNode(t.Context(), "Riverside clinic"); err != nil {
		t.Fatal(err)
	}
	st, err := a.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{st.DataDir, `id="status-datadir"`, `id="status-blobstore"`, `id="status-keys"`, `id="chain-endpoint"`, `id="chain-accounts"`, "owner", " ETH", `hx-post="/status/node"`}

	res, body := get(t, srv, "/status/", nil)
	wantBody(t, "visitor's status", res, body, 200, "Riverside clinic", `id="status-version">test<`, `id="chain-id">1337<`, `id="chain-block">`)
	for _, s := range secrets {
		if strings.Contains(body, s) {
			t.Errorf("a visitor's status page shows %q", s)
		}
	}
	res, body = get(t, srv, "/status/", http.Header{"Cookie": {cookie}})
	wantBody(t, "signed-in status", res, body, 200, secrets...)
}

// TestHost_rebindingRefused: a page of evil.example whose name resolves to
// this node (DNS rebinding) is same-origin to itself, so its post passes
// the cross-origin check; the Host check refuses it (421), even with the
// user's session cookie, and changes nothing. Loopback names, configured
// names and, in the window, the Wails host are served.
func TestHost_rebindingRefused(t *testing.T) {
	srv, a := newTestServerWith(t, Options{Hosts: []string{"medmarket.example", "node.example:8443"}})
	cookie := signedInCookie(t, a)
	rename := func(host, name string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/status/node", strings.NewReader(url.Values{"name": {name}}.Encode()))
		req.Host = host
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://"+host)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Hx-Request", "true")
		req.Header.Set("Cookie", cookie)
		return do(t, req)
	}
	for _, host := range []string{"evil.example", "evil.example:" + strings.Split(srv.URL, ":")[2], "127.0.0.1.evil.example", "node.example:9999", "wails"} {
		res, body := rename(host, "Renamed by "+host)
		if res.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(body, "does not answer to the name") {
			t.Errorf("Host %s: %d %s", host, res.StatusCode, body)
		}
	}
	if st, _ := a.Status(t.Context()); st.Node.Name != "" {
		t.Fatalf("renamed through another host: %q", st.Node.Name)
	}
	for _, host := range []string{strings.TrimPrefix(srv.URL, "http://"), "localhost:1", "[::1]:8080", "medmarket.example", "MEDMARKET.example:443", "node.example:8443"} {
		if res, body := rename(host, "Clinic"); res.StatusCode != 200 || !strings.Contains(body, `id="node-name">Clinic<`) {
			t.Errorf("Host %s: %d %s", host, res.StatusCode, body)
		}
	}

	win, _ := newTestServerWith(t, Options{Window: true})
	req, _ := http.NewRequest("GET", win.URL+"/status/", nil)
	req.Host = "wails"
	if res, _ := do(t, req); res.StatusCode != 200 {
		t.Errorf("the window's host: %d", res.StatusCode)
	}
}

// TestVerifyUpload_openButBounded: the auditor's upload stays open to
// visitors (it only reads), and is bounded in size.
func TestVerifyUpload_openButBounded(t *testing.T) {
	srv, _ := newTestServer(t)
	res, body := postMultipart(t, srv, "/verify/", nil, map[string]string{"bundle": "not json"}, htmxSameOrigin)
	wantBody(t, "a visitor's upload", res, body, 422, "Not a trial export")

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, _ := mw.CreateFormFile("bundle", "huge.json")
		_, err := io.Copy(fw, io.LimitReader(zeros{}, maxUploadBytes+2<<20))
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/verify/", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Hx-Request", "true")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	wantBody(t, "an upload over the limit", res, string(b), 422, "larger than")
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

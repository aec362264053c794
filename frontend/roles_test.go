package frontend

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// navOf is the navigation of a page.
func navOf(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `<nav id="nav"`)
	if i < 0 {
		t.Fatalf("no navigation in %.300s", body)
	}
	j := strings.Index(body[i:], "</nav>")
	return body[i : i+j]
}

// navSections are the role sections a navigation shows.
func navSections(nav string) string {
	var got []string
	for _, s := range []string{"mydata", "catalog", "trials", "status"} {
		if strings.Contains(nav, `href="/`+s+`/"`) {
			got = append(got, s)
		}
	}
	return strings.Join(got, ",")
}

func TestRoles_navigationAndForm(t *testing.T) {
	srv, a := newTestServer(t)
	ctx := t.Context()
	alice, err := a.CreateAccount(ctx, "alice", "pa", marketplace.RoleResearcher)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := a.CreateAccount(ctx, "bob", "pb")
	if err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values, cookie *http.Cookie, htmx bool) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
		if method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	signIn := func(name, pass string) *http.Cookie {
		t.Helper()
		res, _ := send("POST", "/signin", url.Values{"account": {name}, "passphrase": {pass}, "next": {"/"}}, nil, false)
		for _, c := range res.Cookies() {
			if c.Name == sessionCookie {
				return c
			}
		}
		t.Fatalf("sign in %s: %d", name, res.StatusCode)
		return nil
	}

	// Visitors see every section, and no roles form.
	_, body := send("GET", "/status/", nil, nil, false)
	if got := navSections(navOf(t, body)); got != "mydata,catalog,trials,status" {
		t.Errorf("anonymous navigation: %s", got)
	}
	if strings.Contains(body, "roles-card") {
		t.Error("anonymous status page has the roles form")
	}
	if res, _ := send("POST", "/status/roles", url.Values{"role": {"patient"}}, nil, false); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin/") {
		t.Errorf("anonymous roles post: %d %q", res.StatusCode, res.Header.Get("Location"))
	}

	// A researcher sees the catalog and the status, keeps the access keys,
	// and still reaches the other sections by URL.
	ca := signIn("alice", "pa")
	_, body = send("GET", "/status/", nil, ca, false)
	nav := navOf(t, body)
	if got := navSections(nav); got != "catalog,status" {
		t.Errorf("researcher navigation: %s", got)
	}
	if !strings.Contains(nav, `accesskey="c"`) || !strings.Contains(nav, `accesskey="s"`) {
		t.Error("access keys lost")
	}
	if !strings.Contains(body, `id="roles-card"`) || !strings.Contains(body, `value="researcher" checked`) || strings.Contains(body, `value="patient" checked`) {
		t.Errorf("roles form: %s", body[strings.Index(body, "roles-card"):])
	}
	if res, _ := send("GET", "/trials/", nil, ca, false); res.StatusCode != 200 {
		t.Errorf("/trials/ for a researcher: %d", res.StatusCode)
	}

	// Changing roles answers with the card and the navigation redrawn.
	res, body := send("POST", "/status/roles", url.Values{"role": {"sponsor", "patient"}}, ca, true)
	if res.StatusCode != 200 || !strings.Contains(body, `id="roles-card"`) || !strings.Contains(body, `hx-swap-oob="true"`) {
		t.Fatalf("set roles: %d %s", res.StatusCode, body)
	}
	if got := navSections(navOf(t, body)); got != "mydata,trials,status" {
		t.Errorf("redrawn navigation: %s", got)
	}
	if rs, _ := a.AccountRoles(ctx, alice.Address); rs.String() != "patient,sponsor" {
		t.Errorf("stored roles: %s", rs)
	}
	_, body = send("GET", "/", nil, ca, false)
	if got := navSections(navOf(t, body)); got != "mydata,trials,status" {
		t.Errorf("next page's navigation: %s", got)
	}

	// Refused: unknown role (named) or none; nothing changes.
	res, body = send("POST", "/status/roles", url.Values{"role": {"patient", "doctor"}}, ca, true)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "doctor") || !strings.Contains(body, `id="roles-problem"`) {
		t.Errorf("unknown role: %d %s", res.StatusCode, body)
	}
	res, body = send("POST", "/status/roles", url.Values{}, ca, false)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at least one role") {
		t.Errorf("no role: %d", res.StatusCode)
	}
	if rs, _ := a.AccountRoles(ctx, alice.Address); rs.String() != "patient,sponsor" {
		t.Errorf("roles after refusals: %s", rs)
	}

	// A plain form post goes back to the status page.
	res, _ = send("POST", "/status/roles", url.Values{"role": {"researcher"}}, ca, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/status/" {
		t.Errorf("plain post: %d %q", res.StatusCode, res.Header.Get("Location"))
	}

	// Another user's roles are untouched, and bob sees every section.
	if rs, _ := a.AccountRoles(ctx, bob.Address); rs.String() != "patient,researcher,sponsor" {
		t.Errorf("bob's roles: %s", rs)
	}
	cb := signIn("bob", "pb")
	_, body = send("GET", "/", nil, cb, false)
	if got := navSections(navOf(t, body)); got != "mydata,catalog,trials,status" {
		t.Errorf("bob's navigation: %s", got)
	}
	send("POST", "/status/roles", url.Values{"role": {"trials"}}, cb, true)
	if rs, _ := a.AccountRoles(ctx, alice.Address); rs.String() != "researcher" {
		t.Errorf("alice's roles after bob's post: %s", rs)
	}
}

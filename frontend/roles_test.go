package frontend

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
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

// TestRoles_navigationAndForm: the roles choose the sections the
// navigation shows; the status page's form sets them. The steps run in
// order on one server.
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
	f := &rolesFixture{srv: srv, a: a, alice: alice.Address, bob: bob.Address}
	t.Run("visitor", f.visitor)
	t.Run("researcher", f.researcher)
	t.Run("change", f.change)
	t.Run("refused", f.refused)
	t.Run("others untouched", f.othersUntouched)
}

// rolesFixture is the roles test's server, its accounts and alice's session.
type rolesFixture struct {
	srv        *httptest.Server
	a          *app.App
	alice, bob common.Address
	ca         *http.Cookie // alice's session, once signed in
}

// send makes a request as htmx or a plain form would, with cookie.
func (f *rolesFixture) send(t *testing.T, method, path string, form url.Values, cookie *http.Cookie, htmx bool) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(form.Encode()))
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
	return doNoFollow(t, req)
}

// signIn returns the session cookie of name.
func (f *rolesFixture) signIn(t *testing.T, name, pass string) *http.Cookie {
	t.Helper()
	res, _ := f.send(t, "POST", "/signin", url.Values{"account": {name}, "passphrase": {pass}, "next": {"/"}}, nil, false)
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("sign in %s: %d", name, res.StatusCode)
	return nil
}

// wantRoles checks the roles stored for addr.
func (f *rolesFixture) wantRoles(t *testing.T, what string, addr common.Address, want string) {
	t.Helper()
	if rs, _ := f.a.AccountRoles(t.Context(), addr); rs.String() != want {
		t.Errorf("%s: %s, want %s", what, rs, want)
	}
}

// visitor: visitors see every section, and no roles form.
func (f *rolesFixture) visitor(t *testing.T) {
	_, body := f.send(t, "GET", "/status/", nil, nil, false)
	if got := navSections(navOf(t, body)); got != "mydata,catalog,trials,status" {
		t.Errorf("anonymous navigation: %s", got)
	}
	if strings.Contains(body, "roles-card") {
		t.Error("anonymous status page has the roles form")
	}
	if res, _ := f.send(t, "POST", "/status/roles", url.Values{"role": {"patient"}}, nil, false); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin/") {
		t.Errorf("anonymous roles post: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// researcher: a researcher sees the catalog and the status, keeps the
// access keys, and still reaches the other sections by URL.
func (f *rolesFixture) researcher(t *testing.T) {
	f.ca = f.signIn(t, "alice", "pa")
	_, body := f.send(t, "GET", "/status/", nil, f.ca, false)
	nav := navOf(t, body)
	if got := navSections(nav); got != "catalog,status" {
		t.Errorf("researcher navigation: %s", got)
	}
	if !strings.Contains(nav, `accesskey="c"`) || !strings.Contains(nav, `accesskey="s"`) {
		t.Error("access keys lost")
	}
	if !strings.Contains(nav, `href="/mydata/licences/"`) {
		t.Errorf("researcher navigation has no My licences link: %s", nav)
	}
	if _, lb := f.send(t, "GET", "/mydata/licences/", nil, f.ca, false); !strings.Contains(navOf(t, lb), `href="/mydata/licences/" accesskey="i" aria-current="page"`) {
		t.Errorf("My licences is not the current entry on its page: %s", navOf(t, lb))
	}
	if !strings.Contains(body, `id="roles-card"`) || !strings.Contains(body, `value="researcher" checked`) || strings.Contains(body, `value="patient" checked`) {
		t.Errorf("roles form: %s", body[strings.Index(body, "roles-card"):])
	}
	if res, _ := f.send(t, "GET", "/trials/", nil, f.ca, false); res.StatusCode != 200 {
		t.Errorf("/trials/ for a researcher: %d", res.StatusCode)
	}
}

// change: changing roles answers with the card and the navigation redrawn.
func (f *rolesFixture) change(t *testing.T) {
	res, body := f.send(t, "POST", "/status/roles", url.Values{"role": {"sponsor", "patient"}}, f.ca, true)
	if res.StatusCode != 200 || !strings.Contains(body, `id="roles-card"`) || !strings.Contains(body, `hx-swap-oob="true"`) {
		t.Fatalf("set roles: %d %s", res.StatusCode, body)
	}
	if nav := navOf(t, body); navSections(nav) != "mydata,trials,status" || strings.Contains(nav, "/mydata/licences/") {
		t.Errorf("redrawn navigation: %s", nav)
	}
	f.wantRoles(t, "stored roles", f.alice, "patient,sponsor")
	_, body = f.send(t, "GET", "/", nil, f.ca, false)
	if got := navSections(navOf(t, body)); got != "mydata,trials,status" {
		t.Errorf("next page's navigation: %s", got)
	}
}

// refused: an unknown role (named) or none changes nothing; a plain form
// post goes back to the status page.
func (f *rolesFixture) refused(t *testing.T) {
	res, body := f.send(t, "POST", "/status/roles", url.Values{"role": {"patient", "doctor"}}, f.ca, true)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "doctor") || !strings.Contains(body, `id="roles-problem"`) {
		t.Errorf("unknown role: %d %s", res.StatusCode, body)
	}
	res, body = f.send(t, "POST", "/status/roles", url.Values{}, f.ca, false)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at least one role") {
		t.Errorf("no role: %d", res.StatusCode)
	}
	f.wantRoles(t, "roles after refusals", f.alice, "patient,sponsor")
	res, _ = f.send(t, "POST", "/status/roles", url.Values{"role": {"researcher"}}, f.ca, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/status/" {
		t.Errorf("plain post: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// othersUntouched: another user's roles are untouched, and bob sees every
// section; his post changes his roles only.
func (f *rolesFixture) othersUntouched(t *testing.T) {
	f.wantRoles(t, "bob's roles", f.bob, "patient,researcher,sponsor")
	cb := f.signIn(t, "bob", "pb")
	_, body := f.send(t, "GET", "/", nil, cb, false)
	if got := navSections(navOf(t, body)); got != "mydata,catalog,trials,status" {
		t.Errorf("bob's navigation: %s", got)
	}
	f.send(t, "POST", "/status/roles", url.Values{"role": {"trials"}}, cb, true)
	f.wantRoles(t, "alice's roles after bob's post", f.alice, "researcher")
}

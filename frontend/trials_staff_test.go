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

// teamTrial is a trial of the sponsor carol on a node that also holds the
// accounts cora, mona and rex (passphrase NAME-pass), none of them staff
// yet. It returns the trial page's path and each account's address.
func teamTrial(t *testing.T) (*httptest.Server, *app.App, string, map[string]string) {
	t.Helper()
	srv, a := newTrialServer(t)
	addrs := map[string]string{}
	for _, name := range []string{"cora", "mona", "rex"} {
		acct, err := a.CreateAccount(t.Context(), name, name+"-pass")
		if err != nil {
			t.Fatal(err)
		}
		addrs[name] = acct.Address.Hex()
	}
	tr, err := a.RegisterTrial(t.Context(), app.ByAccount("carol", "carol-pass"), "Team trial", "NCT00000013", "protocol.pdf", strings.NewReader("%PDF v1"))
	if err != nil {
		t.Fatal(err)
	}
	return srv, a, trialURL(tr), addrs
}

// sessionOf signs name in and returns the headers of its htmx requests.
func sessionOf(t *testing.T, a *app.App, name string) http.Header {
	t.Helper()
	token, _, err := a.SignIn(t.Context(), name, name+"-pass")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Cookie": {sessionCookie + "=" + token}}
	for k, v := range htmxSameOrigin {
		h[k] = v
	}
	return h
}

func wantNone(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("%s: body has %q", what, p)
		}
	}
}

// The sponsor authorizes a coordinator and a monitor on the staff page;
// each sees its role on the trial page and only the forms it may use; a
// stranger sees none; revoking needs a reason and ends the coordinator's
// signing.
func TestTrialStaff_authorizeOfferRevoke(t *testing.T) {
	srv, a, base, addr := teamTrial(t)
	carol, cora, mona, rex := sessionOf(t, a, "carol"), sessionOf(t, a, "cora"), sessionOf(t, a, "mona"), sessionOf(t, a, "rex")
	forms := []string{`id="step-form"`, `id="import"`, `hx-post="` + base + `anchor"`, `id="staff-authorize"`}

	// A stranger, signed in or not, is offered nothing.
	for who, h := range map[string]http.Header{"visitor": nil, "rex": rex} {
		res, body := get(t, srv, base, h)
		wantBody(t, who+" trial page", res, body, 200, `id="team-link"`, `href="`+base+`staff/"`)
		wantNone(t, who+" trial page", body, forms...)
		res, body = get(t, srv, base+"staff/", h)
		wantBody(t, who+" staff page", res, body, 200, `id="staff-now"`, `id="staff-history-empty"`)
		wantNone(t, who+" staff page", body, forms...)
	}
	res, body := get(t, srv, base, rex)
	wantBody(t, "rex's role", res, body, 200, `id="my-role">you hold no role in this trial`)
	res, _ = get(t, srv, strings.TrimSuffix(base, "/")+"/staff", nil)
	if res.Request.URL.Path != base+"staff/" {
		t.Errorf("/staff led to %s", res.Request.URL.Path)
	}

	// The sponsor's page: the form, with this node's accounts to pick from.
	res, body = get(t, srv, base+"staff/", carol)
	wantBody(t, "sponsor's staff page", res, body, 200, `id="staff-authorize"`, `<datalist id="staff-accounts">`,
		`<option value="`+addr["cora"]+`">cora</option>`, `id="staff-passphrase"`, `<option value="data_manager">Data manager</option>`)
	res, body = get(t, srv, base, carol)
	wantBody(t, "sponsor's trial page", res, body, 200, `id="my-role">Sponsor<`, `), <span id="step-signer-role">Sponsor</span>`)

	// Refusals name the field and keep what was typed.
	authorize := func(h http.Header, address, name, role, site, pass string) (*http.Response, string) {
		return postForm(t, srv, base+"staff", url.Values{"address": {address}, "name": {name}, "role": {role}, "site": {site}, "passphrase": {pass}}, h)
	}
	for _, tt := range []struct {
		address, name, role, site, pass string
		status                          int
		want                            []string
	}{
		{"cora", "Cora Coordinator", "coordinator", "A", "carol-pass", 422, []string{`id="staff-address-problem"`, `Account address &#34;cora&#34;`, `value="Cora Coordinator"`, `value="A"`, `aria-invalid="true"`}},
		{addr["cora"], " ", "coordinator", "A", "carol-pass", 422, []string{`id="staff-name-problem"`, "Printed name required", `value="` + addr["cora"] + `"`}},
		{addr["cora"], "Cora Coordinator", "janitor", "A", "carol-pass", 422, []string{`id="staff-role-problem"`, `Role &#34;janitor&#34;`}},
		{addr["cora"], "Cora Coordinator", "coordinator", "site A", "carol-pass", 422, []string{`id="staff-site-problem"`, `Site &#34;site A&#34;`, `value="site A"`}},
		{addr["cora"], "Cora Coordinator", "coordinator", "A", "wrong", 403, []string{`id="staff-problem"`, "wrong passphrase", `<option value="coordinator" selected>`}},
		{addr["cora"], "Cora Coordinator", "coordinator", "A", "", 403, []string{`id="staff-problem"`, "each signature needs it"}},
	} {
		res, body := authorize(carol, tt.address, tt.name, tt.role, tt.site, tt.pass)
		wantBody(t, "refused "+tt.address+"/"+tt.name+"/"+tt.role+"/"+tt.site+"/"+tt.pass, res, body, tt.status, tt.want...)
	}
	if tm, err := a.TrialTeam(t.Context(), "NCT00000013"); err != nil || len(tm.Changes()) != 0 {
		t.Fatalf("refused forms changed the team: %v", err)
	}

	res, body = authorize(carol, addr["cora"], "Cora Coordinator", "coordinator", "A", "carol-pass")
	wantBody(t, "authorize cora", res, body, 200, `id="staff-done"`, "Entry 1: Cora Coordinator ("+addr["cora"]+") is authorized as Study coordinator at site A.",
		`id="staff-history"`, "<td>Cora Coordinator</td>", `id="revoke-0"`)
	wantNone(t, "authorize cora", body, `value="Cora Coordinator"`) // the form is cleared
	res, body = authorize(carol, addr["mona"], "Mona Monitor", "monitor", "", "carol-pass")
	wantBody(t, "authorize mona", res, body, 200, "Entry 2: Mona Monitor", "Monitor at every site")
	res, body = authorize(carol, addr["mona"], "Mona Monitor", "monitor", "", "carol-pass")
	wantBody(t, "authorize mona twice", res, body, 422, `id="staff-problem"`, "which it already is")

	// The coordinator: its printed name and role, the step form with the
	// steps a coordinator signs, authored only; no anchoring, no staff form.
	res, body = get(t, srv, base, cora)
	wantBody(t, "coordinator's trial page", res, body, 200, `id="my-role">Study coordinator at site A<`, `id="step-form"`,
		`id="step-signer-name">Cora Coordinator<`, `<span id="step-signer-role">Study coordinator at site A</span>`,
		`<option value="visit"`, `<input type="hidden" name="meaning" value="authored">`)
	wantNone(t, "coordinator's trial page", body, `id="step-meaning"`, `hx-post="`+base+`anchor"`, `id="team-work"`)
	stepTypes := body[strings.Index(body, `id="step-type"`):strings.Index(body, `id="step-subject"`)]
	wantNone(t, "coordinator's step types", stepTypes, `"unblinding"`, `"analysis"`, `"database_lock"`)
	res, body = get(t, srv, base+"staff/", cora)
	wantBody(t, "coordinator's staff page", res, body, 200, "<td>Mona Monitor</td>")
	wantNone(t, "coordinator's staff page", body, `id="staff-authorize"`, `id="revoke-0"`, `<datalist`)
	res, body = authorize(cora, addr["rex"], "Rex", "monitor", "", "cora-pass")
	wantBody(t, "coordinator authorizes", res, body, 403, `id="staff-problem"`,
		"Only the trial&#39;s sponsor authorizes and revokes staff: you sign here as Study coordinator at site A.")
	res, body = postForm(t, srv, base+"staff/revoke", url.Values{"account": {addr["mona"]}, "role": {"monitor"}, "reason": {"mine"}, "passphrase": {"cora-pass"}}, cora)
	wantBody(t, "coordinator revokes", res, body, 403, "Only the trial&#39;s sponsor")
	res, body = postForm(t, srv, base+"steps", url.Values{"type": {"visit"}, "subject": {"S-001"}, "meaning": {"authored"}, "passphrase": {"cora-pass"}}, cora)
	wantBody(t, "coordinator records", res, body, 200, `id="step-done"`, `class="step-signature">Signed by Cora Coordinator (`)

	// The monitor: no step form, a pointer to the casebooks.
	res, body = get(t, srv, base, mona)
	wantBody(t, "monitor's trial page", res, body, 200, `id="my-role">Monitor<`, `id="team-work"`, `href="`+base+`casebook/"`)
	wantNone(t, "monitor's trial page", body, forms...)

	// Revocation needs a reason; then the coordinator signs no more.
	revoke := url.Values{"account": {addr["cora"]}, "role": {"coordinator"}, "site": {"A"}, "passphrase": {"carol-pass"}}
	res, body = postForm(t, srv, base+"staff/revoke", revoke, carol)
	wantBody(t, "revoke without a reason", res, body, 422, `id="revoke-0-problem"`, "Reason required", `<details class="revoke" open>`)
	revoke.Set("reason", "left the site")
	revoke.Set("passphrase", "nope")
	res, body = postForm(t, srv, base+"staff/revoke", revoke, carol)
	wantBody(t, "revoke wrong passphrase", res, body, 403, `id="revoke-0-problem"`, "wrong passphrase", `value="left the site"`)
	revoke.Set("passphrase", "carol-pass")
	res, body = postForm(t, srv, base+"staff/revoke", revoke, carol)
	wantBody(t, "revoke", res, body, 200, "Entry 4: "+addr["cora"]+"&#39;s authorization as Study coordinator at site A is revoked.",
		`<small class="revoke-reason">left the site</small>`)
	if now := body[strings.Index(body, `id="staff-now"`):strings.Index(body, `id="staff-history"`)]; strings.Contains(now, "Cora Coordinator") {
		t.Error("the revoked coordinator still holds a role")
	}
	res, body = get(t, srv, base, cora)
	wantBody(t, "revoked coordinator's trial page", res, body, 200, `id="my-role">you hold no role`)
	wantNone(t, "revoked coordinator's trial page", body, forms...)
	res, body = postForm(t, srv, base+"steps", url.Values{"type": {"visit"}, "subject": {"S-001"}, "meaning": {"authored"}, "passphrase": {"cora-pass"}}, cora)
	wantBody(t, "revoked coordinator records", res, body, 403, "revoked")

}

// Each role is offered what it may sign: an investigator approves site
// data and may unblind; a data manager records no steps and is pointed to
// the casebooks; a coordinator at two sites still only authors.
func TestTrialStaff_offerPerRole(t *testing.T) {
	srv, a, base, addr := teamTrial(t)
	sponsor := app.ByAccount("carol", "carol-pass")
	for _, g := range []struct{ who, name, role, site string }{
		{"cora", "Cora Coordinator", "coordinator", "A"}, {"cora", "Cora Coordinator", "coordinator", "B"},
		{"mona", "Mona Manager", "data_manager", ""}, {"rex", "Rex Investigator", "investigator", "A"},
	} {
		if _, err := a.AuthorizeStaff(t.Context(), sponsor, "NCT00000013", staffGrant(t, addr[g.who], g.name, g.role, g.site)); err != nil {
			t.Fatal(err)
		}
	}
	stepTypes := func(body string) string {
		i, j := strings.Index(body, `id="step-type"`), strings.Index(body, `id="step-subject"`)
		if i < 0 || j < i {
			return ""
		}
		return body[i:j]
	}

	res, body := get(t, srv, base, sessionOf(t, a, "rex"))
	wantBody(t, "investigator", res, body, 200, `id="my-role">Investigator at site A<`, `id="step-meaning"`, `<option value="approved"`)
	wantBody(t, "investigator's step types", res, stepTypes(body), 200, `"unblinding"`, `"visit"`)
	wantNone(t, "investigator", body, `id="team-work"`, `hx-post="`+base+`anchor"`)

	res, body = get(t, srv, base, sessionOf(t, a, "mona"))
	wantBody(t, "data manager", res, body, 200, `id="my-role">Data manager<`, `id="team-work"`, `href="`+base+`casebook/"`)
	wantNone(t, "data manager", body, `id="step-form"`, `id="import"`)

	res, body = get(t, srv, base, sessionOf(t, a, "cora"))
	wantBody(t, "coordinator at two sites", res, body, 200, `Study coordinator at site A, Study coordinator at site B`, `<input type="hidden" name="meaning" value="authored">`)
	wantNone(t, "coordinator at two sites", body, `id="step-meaning"`)

	// Without htmx the form posts and the page comes back: a redirect when
	// done, the whole page with the problem when refused.
	plain := http.Header{"Cookie": sessionOf(t, a, "carol")["Cookie"], "Sec-Fetch-Site": {"same-origin"}}
	res, body = postForm(t, srv, base+"staff", url.Values{"address": {addr["rex"]}, "name": {"Rex Investigator"}, "role": {"monitor"}, "passphrase": {"carol-pass"}}, plain)
	wantBody(t, "plain post", res, body, 200, "<!doctype html>", `id="staff-now"`, "<td>Monitor</td>")
	if res.Request.URL.Path != base+"staff/" {
		t.Errorf("plain post ended at %s", res.Request.URL.Path)
	}
	res, body = postForm(t, srv, base+"staff", url.Values{"address": {addr["rex"]}, "name": {"Rex"}, "role": {"monitor"}, "site": {"B"}, "passphrase": {"carol-pass"}}, plain)
	wantBody(t, "plain post refused", res, body, 422, "<!doctype html>", `id="staff-problem"`, "one account, one printed name")

	res, body = postForm(t, srv, base+"verify", nil, htmxSameOrigin)
	wantBody(t, "verify", res, body, 200, `class="verdict verdict-pass"`)
}

func staffGrant(t *testing.T, address, name, role, site string) marketplace.StaffGrant {
	t.Helper()
	r, err := marketplace.ParseTrialRole(role)
	if err != nil {
		t.Fatal(err)
	}
	return marketplace.StaffGrant{Account: common.HexToAddress(address), Name: name, Role: r, Site: site}
}

package frontend

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
)

// poolFixture is the UI on an App that is also a pool hub: "alice" runs
// pools, "pat1" and "pat2" are patients, "bob" is a stranger and a buyer;
// all funded. The app's clock can be moved on (a withdrawal must be
// signed after the consent it ends, to the second).
type poolFixture struct {
	srv  *httptest.Server
	a    *app.App
	hub  string
	skew atomic.Int64
	// cookies are the signed-in sessions by account name.
	cookies map[string]string
}

func newPoolFixture(t testing.TB) *poolFixture {
	t.Helper()
	f := &poolFixture{cookies: map[string]string{}}
	a, err := app.Open(t.Context(), app.Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true,
		Now: func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeApp(t, a) })
	h, err := NewServer(slog.New(slog.DiscardHandler), a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.a, f.srv = a, httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	hub := httptest.NewServer(a.ProviderHandler())
	t.Cleanup(hub.Close)
	f.hub = hub.URL
	if err := a.SetPublicURL(hub.URL); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"alice", "pat1", "pat2", "bob"} {
		if _, err := a.CreateAccount(t.Context(), n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(t.Context(), n, mustEther(t, "10")); err != nil {
			t.Fatal(err)
		}
		token, _, err := a.SignIn(t.Context(), n, n+"-pass")
		if err != nil {
			t.Fatal(err)
		}
		f.cookies[n] = sessionCookie + "=" + token
	}
	return f
}

// later moves the app's clock on by a minute.
func (f *poolFixture) later() { f.skew.Add(int64(time.Minute)) }

// header is a same-origin browser request of name's session.
func (f *poolFixture) header(name string) http.Header {
	return http.Header{"Sec-Fetch-Site": {"same-origin"}, "Cookie": {f.cookies[name]}}
}

func (f *poolFixture) get(t *testing.T, name, path string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	req.Header = f.header(name)
	return doNoFollow(t, req)
}

func (f *poolFixture) post(t *testing.T, name, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header = f.header(name)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return doNoFollow(t, req)
}

// poolForm is a valid create form for k.
func poolCreateForm(name string, k int) url.Values {
	return url.Values{"name": {name}, "description": {"Synthea adults, pooled."}, "pipeline": {defaultPoolPipeline},
		"k": {fmt.Sprint(k)}, "fee": {"5"}, "price": {"0.01"}, "permission": {"HMB"}, "duration": {"365"}, "seats": {"1"}}
}

// createPool creates a pool as alice through the form and returns it.
func (f *poolFixture) createPool(t *testing.T, name string, k int) common.Address {
	t.Helper()
	res, body := f.post(t, "alice", operatePath, poolCreateForm(name, k))
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, operatePath+"0x") {
		t.Fatalf("create: %d %s: %s", res.StatusCode, loc, body)
	}
	return common.HexToAddress(strings.Trim(strings.TrimPrefix(loc, operatePath), "/"))
}

// patientRows writes one CSV per Synthea patient (rows of patients.csv,
// 1-based), skipping the test when the shared data is absent.
func patientRows(t testing.TB, rows ...int) [][]byte {
	t.Helper()
	b, err := os.ReadFile(syntheaPatientsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	out := make([][]byte, len(rows))
	for i, r := range rows {
		out[i] = []byte(lines[0] + "\n" + lines[r] + "\n")
	}
	return out
}

var uploadField = regexp.MustCompile(`name="upload" value="([0-9a-f]+)"`)

// preview uploads name's records to see what joining pool shares; it
// gives the page and the upload's id.
func (f *poolFixture) preview(t *testing.T, name string, pool common.Address, csv []byte) (string, string) {
	t.Helper()
	body, ctype := multipartForm(t, nil, map[string]testFile{"file": {name: name + ".csv", data: csv}})
	req, _ := http.NewRequest("POST", f.srv.URL+"/mydata/pools/"+pool.Hex()+"/preview?hub="+url.QueryEscape(f.hub), body)
	req.Header = f.header(name)
	req.Header.Set("Content-Type", ctype)
	res, page := doNoFollow(t, req)
	m := uploadField.FindStringSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("preview as %s: %d: %s", name, res.StatusCode, page)
	}
	return page, m[1]
}

func (f *poolFixture) joinForm(name, upload string, consent bool, pass string) url.Values {
	v := url.Values{"hub": {f.hub}, "upload": {upload}, "version": {"1"}, "passphrase": {pass}}
	if consent {
		v.Set("consent", "1")
	}
	return v
}

// join previews and joins pool as name with csv.
func (f *poolFixture) join(t *testing.T, name string, pool common.Address, csv []byte) {
	t.Helper()
	_, upload := f.preview(t, name, pool, csv)
	res, body := f.post(t, name, "/mydata/pools/"+pool.Hex()+"/join", f.joinForm(name, upload, true, name+"-pass"))
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), poolsPath) {
		t.Fatalf("join as %s: %d: %s", name, res.StatusCode, body)
	}
}

func expect(t *testing.T, what string, res *http.Response, body string, status int, words ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %s", what, res.StatusCode, status, body)
	}
	for _, w := range words {
		if !strings.Contains(body, w) {
			t.Fatalf("%s: no %q in %s", what, w, body)
		}
	}
}

// TestPoolCreate_form: the operator's page offers the default pipeline; a
// refusal is shown next to its field with the reason; a cross-site post
// is refused; a valid form deploys the pool and shows its page, which a
// stranger may not see.
func TestPoolCreate_form(t *testing.T) {
	f := newPoolFixture(t)
	res, body := f.get(t, "alice", operatePath)
	expect(t, "operate page", res, body, 200, "Create a pool", "safe-harbor", "You run no pool yet.")

	bad := poolCreateForm("Bad k", 2)
	bad.Set("k", "two")
	res, body = f.post(t, "alice", operatePath, bad)
	expect(t, "k not a number", res, body, 422, `id="k-problem"`, "k: &#34;two&#34; is not a whole number.")
	req, _ := http.NewRequest("POST", f.srv.URL+operatePath, strings.NewReader(bad.Encode()))
	req.Header = f.header("alice")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	res, body = doNoFollow(t, req)
	expect(t, "k not a number, htmx", res, body, 422, `id="k-problem"`)
	if u := res.Header.Get("HX-Replace-Url"); u != operatePath {
		t.Errorf("after an htmx post the address bar shows %q, want the page %s", u, operatePath)
	}
	bad = poolCreateForm("Bad pipeline", 2)
	bad.Set("pipeline", "columns: [")
	res, body = f.post(t, "alice", operatePath, bad)
	expect(t, "pipeline not YAML", res, body, 422, `id="pipeline-problem"`, "Pipeline:")
	bad = poolCreateForm("Bad fee", 2)
	bad.Set("fee", "150")
	res, body = f.post(t, "alice", operatePath, bad)
	expect(t, "fee over 100 %", res, body, 422, `id="fee-problem"`)
	bad = poolCreateForm("k of 1", 1)
	res, body = f.post(t, "alice", operatePath, bad)
	expect(t, "k below the minimum", res, body, 422, `id="k-problem"`, "Pool configuration: k:")

	req, _ = http.NewRequest("POST", f.srv.URL+operatePath, strings.NewReader(poolCreateForm("Cross-site", 2).Encode()))
	req.Header = http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {f.cookies["alice"]}, "Content-Type": {"application/x-www-form-urlencoded"}}
	res, body = doNoFollow(t, req)
	expect(t, "cross-site create", res, body, 403)
	if ps, err := f.a.OperatedPools(t.Context()); err != nil || len(ps) != 0 {
		t.Fatalf("pools after refusals: %v, %v", ps, err)
	}

	pool := f.createPool(t, "Synthea adults", 2)
	res, body = f.get(t, "alice", operatedPoolPath(pool))
	expect(t, "pool page", res, body, 200, "Synthea adults", "k = 2: 0 kept, 0 waiting, 0 withdrawn.", "5 %", "HMB")
	res, body = f.get(t, "alice", operatePath)
	expect(t, "operate page with the pool", res, body, 200, operatedPoolPath(pool))
	res, body = f.get(t, "bob", operatedPoolPath(pool))
	expect(t, "a stranger's view", res, body, 403, "Only the pool&#39;s operator")
	res, body = f.get(t, "bob", operatePath)
	expect(t, "a stranger's own pools", res, body, 200, "You run no pool yet.")
}

// TestPools_patientAndOperator runs a pool through its pages: two 1960s
// women (Synthea rows 16 and 5) see what joining shares and join, the
// operator sees both kept by k = 2 over the union and releases version 1,
// a researcher buys it, the operator posts a payout round, one patient
// claims and the operator claims for the other, who then withdraws. Each
// refusal (no consent, no passphrase, cross-site, a stranger) is shown or
// refused and changes nothing.
func TestPools_patientAndOperator(t *testing.T) {
	csv := patientRows(t, 16, 5)
	f := newPoolFixture(t)
	pool := f.createPool(t, "Synthea adults", 2)

	res, body := f.get(t, "pat1", poolsPath+"?hub="+url.QueryEscape(f.hub))
	expect(t, "browse the hub", res, body, 200, "Synthea adults", "k = 2", "5 %", "You have not joined a pool yet.")
	if !strings.Contains(res.Header.Get("Set-Cookie"), poolHubCookie) {
		t.Fatalf("the hub is not remembered: %v", res.Header)
	}
	res, body = f.get(t, "pat1", poolsPath+"?hub="+url.QueryEscape("http://127.0.0.1:1/"))
	expect(t, "a hub that does not answer", res, body, 200, `id="hub-problem"`)
	var remembered *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == poolHubCookie {
			remembered = c
		}
	}
	if remembered == nil {
		t.Fatalf("the hub is not remembered: %v", res.Header)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+poolsPath, nil)
	req.Header = f.header("pat1")
	req.AddCookie(remembered)
	res, body = doNoFollow(t, req)
	expect(t, "the remembered hub", res, body, 200, `value="http://127.0.0.1:1/"`, `id="hub-problem"`)

	page, upload := f.preview(t, "pat1", pool, csv[0])
	for _, w := range []string{"What leaves this machine", "BIRTHDATE", "quasi-identifier", "generalized", "What stays on this machine",
		"<code>SSN</code>", "GENDER=F", "k = 2", "5 %", "0.01 ETH", "stay licensed to their buyers"} {
		if !strings.Contains(page, w) {
			t.Fatalf("the disclosure does not say %q: %s", w, page)
		}
	}
	join := "/mydata/pools/" + pool.Hex() + "/join"
	res, body = f.post(t, "pat1", join, f.joinForm("pat1", upload, false, "pat1-pass"))
	expect(t, "join without consent", res, body, 422, `id="consent-problem"`)
	res, body = f.post(t, "pat1", join, f.joinForm("pat1", upload, true, ""))
	expect(t, "join without the passphrase", res, body, 422, `id="passphrase-problem"`)
	res, body = f.post(t, "pat1", join, f.joinForm("pat1", upload, true, "wrong"))
	expect(t, "join with a wrong passphrase", res, body, 403, `id="join-problem"`)
	res, body = f.post(t, "pat2", join, f.joinForm("pat2", upload, true, "pat2-pass"))
	expect(t, "join with another account's upload", res, body, 404, "expired or is not yours")
	req, _ = http.NewRequest("POST", f.srv.URL+join, strings.NewReader(f.joinForm("pat1", upload, true, "pat1-pass").Encode()))
	req.Header = http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {f.cookies["pat1"]}, "Content-Type": {"application/x-www-form-urlencoded"}}
	res, body = doNoFollow(t, req)
	expect(t, "cross-site join", res, body, 403)
	if ms, err := f.a.Memberships(t.Context()); err != nil || len(ms) != 0 {
		t.Fatalf("memberships after refusals: %v, %v", ms, err)
	}
	f.join(t, "pat1", pool, csv[0])
	f.join(t, "pat2", pool, csv[1])

	operatorReleasesAndPays(t, f, pool)
	patientClaimsAndWithdraws(t, f, pool)
}

// operatorReleasesAndPays: both patients kept; a stranger may not
// release; version 1 released and bought; a payout round posted.
func operatorReleasesAndPays(t *testing.T, f *poolFixture, pool common.Address) {
	t.Helper()
	res, body := f.get(t, "alice", operatedPoolPath(pool))
	expect(t, "union", res, body, 200, "k = 2: 2 kept, 0 waiting, 0 withdrawn.", "No version released yet.")
	res, body = f.post(t, "bob", operatedPoolPath(pool)+"release", nil)
	expect(t, "a stranger releases", res, body, 403)
	req, _ := http.NewRequest("POST", f.srv.URL+operatedPoolPath(pool)+"release", nil)
	req.Header = http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {f.cookies["alice"]}}
	res, body = doNoFollow(t, req)
	expect(t, "a cross-site release", res, body, 403)
	if op, err := f.a.OperatedPoolOf(t.Context(), pool); err != nil || len(op.Versions) != 0 {
		t.Fatalf("versions after refusals %+v, %v", op.Versions, err)
	}
	res, body = f.post(t, "alice", operatedPoolPath(pool)+"payout", nil)
	expect(t, "a payout before any sale", res, body, 409, `id="payout-problem"`)
	res, body = f.post(t, "alice", operatedPoolPath(pool)+"release", nil)
	expect(t, "release", res, body, 200, "Version 1 released with 2 patients", `id="versions-table"`)
	op, err := f.a.OperatedPoolOf(t.Context(), pool)
	if err != nil || len(op.Versions) != 1 {
		t.Fatalf("versions %+v, %v", op.Versions, err)
	}
	if _, err := f.a.Buy(t.Context(), app.ByAccount("bob", "bob-pass"), op.Versions[0].ListingID, app.BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	res, body = f.post(t, "bob", operatedPoolPath(pool)+"payout", nil)
	expect(t, "a stranger posts a payout", res, body, 403)
	res, body = f.post(t, "alice", operatedPoolPath(pool)+"payout", nil)
	expect(t, "payout", res, body, 200, "Payout round 1 posted: 0.01 ETH shared by 3 accounts")
}

// patientClaimsAndWithdraws: pat1 sees version 1 and claims; the operator
// claims for pat2; pat2 withdraws after confirming.
func patientClaimsAndWithdraws(t *testing.T, f *poolFixture, pool common.Address) {
	t.Helper()
	res, body := f.get(t, "pat1", poolsPath)
	expect(t, "pat1's pools", res, body, 200, `class="pool-version">version 1</a>`, "Claim 0.00475 ETH")
	res, body = f.post(t, "pat1", "/mydata/pools/"+pool.Hex()+"/claim", url.Values{"hub": {f.hub}})
	expect(t, "pat1 claims", res, body, 200, "Claimed 0.00475 ETH from payout round 1.")
	res, body = f.post(t, "pat1", "/mydata/pools/"+pool.Hex()+"/claim", url.Values{"hub": {f.hub}})
	expect(t, "pat1 claims again", res, body, 409, "Nothing to claim")

	pat2 := addressOf(t, f.a, "pat2")
	res, body = f.post(t, "bob", operatedPoolPath(pool)+"claim", url.Values{"account": {pat2.Hex()}})
	expect(t, "a stranger claims for a patient", res, body, 403)
	res, body = f.post(t, "alice", operatedPoolPath(pool)+"claim", url.Values{"account": {"nobody"}})
	expect(t, "claim for no account", res, body, 422, `id="claim-problem"`)
	res, body = f.post(t, "alice", operatedPoolPath(pool)+"claim", url.Values{"account": {pat2.Hex()}})
	expect(t, "claim for pat2", res, body, 200, "Paid 0.00475 ETH to "+pat2.Hex())

	withdraw := "/mydata/pools/" + pool.Hex() + "/withdraw"
	req, _ := http.NewRequest("POST", f.srv.URL+withdraw, strings.NewReader(url.Values{"confirm": {"1"}, "passphrase": {"pat2-pass"}}.Encode()))
	req.Header = http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {f.cookies["pat2"]}, "Content-Type": {"application/x-www-form-urlencoded"}}
	res, body = doNoFollow(t, req)
	expect(t, "a cross-site withdrawal", res, body, 403)
	res, body = f.post(t, "pat2", withdraw, url.Values{"passphrase": {"pat2-pass"}})
	expect(t, "withdraw unconfirmed", res, body, 422, "tick the box to confirm")
	f.later()
	res, body = f.post(t, "pat2", withdraw, url.Values{"confirm": {"1"}, "passphrase": {"pat2-pass"}})
	expect(t, "withdraw", res, body, 200, "You withdrew", "the versions already sold stay licensed")
	res, body = f.get(t, "alice", operatedPoolPath(pool))
	expect(t, "union after the withdrawal", res, body, 200, "k = 2: 0 kept, 1 waiting, 1 withdrawn.")
}

// addressOf is the address of the named account.
func addressOf(t *testing.T, a *app.App, name string) common.Address {
	t.Helper()
	accts, err := a.Accounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, ac := range accts {
		if ac.Name == name {
			return ac.Address
		}
	}
	t.Fatalf("no account %s", name)
	return common.Address{}
}

// TestPools_visitorSignsInFirst: every pool page and action sends a
// visitor to sign in, back to a page (a post is never replayed).
func TestPools_visitorSignsInFirst(t *testing.T) {
	srv, _ := newTestServer(t)
	pool := "/0x" + strings.Repeat("1", 40) + "/"
	for _, tt := range []struct{ method, path string }{
		{"GET", poolsPath},
		{"POST", poolsPath + pool[1:] + "preview"},
		{"POST", poolsPath + pool[1:] + "join"},
		{"POST", poolsPath + pool[1:] + "claim"},
		{"POST", poolsPath + pool[1:] + "withdraw"},
		{"GET", operatePath},
		{"POST", operatePath},
		{"GET", operatePath + pool[1:]},
		{"POST", operatePath + pool[1:] + "release"},
		{"POST", operatePath + pool[1:] + "payout"},
		{"POST", operatePath + pool[1:] + "claim"},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(url.Values{"account": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, _ := doNoFollow(t, req)
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin/?next=") {
			t.Errorf("%s %s as a visitor: %d, Location %q; want a redirect to sign in", tt.method, tt.path, res.StatusCode, loc)
			continue
		}
		if u, err := url.Parse(loc); err != nil || !strings.HasSuffix(u.Query().Get("next"), "/") {
			t.Errorf("%s %s as a visitor: signs in to come back to %q, not a page", tt.method, tt.path, u.Query().Get("next"))
		}
	}
}

// TestPools_desktopWindowReadsTheChosenFile: in the desktop window the
// patient's records file chosen in the native dialog is read where it is
// (the pool's button names its route), previewed and joined, and stays
// where it was; a browser may not name a file on the node's disk.
func TestPools_desktopWindowReadsTheChosenFile(t *testing.T) {
	csv := patientRows(t, 16)
	f := newPoolFixture(t)
	pool := f.createPool(t, "Synthea adults", 2)
	file := filepath.Join(t.TempDir(), "pat1.csv")
	if err := os.WriteFile(file, csv[0], 0o600); err != nil {
		t.Fatal(err)
	}
	local := "/mydata/pools/" + pool.Hex() + "/local?hub=" + url.QueryEscape(f.hub)
	res, body := f.post(t, "pat1", local, url.Values{"path": {file}})
	expect(t, "a path from a browser", res, body, 403, "desktop app")

	h, err := NewServer(slog.New(slog.DiscardHandler), f.a, Options{Window: true})
	if err != nil {
		t.Fatal(err)
	}
	win := httptest.NewServer(h)
	t.Cleanup(win.Close)
	same := http.Header{"Sec-Fetch-Site": {"same-origin"}}
	if res, _ := postForm(t, win, "/signin", url.Values{"account": {"pat1"}, "passphrase": {"pat1-pass"}, "next": {"/"}}, same); res.StatusCode >= 400 {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	res, body = get(t, win, poolsPath+"?hub="+url.QueryEscape(f.hub), nil)
	expect(t, "the pool's button", res, body, 200, `data-desktop-local="`+strings.ReplaceAll(local, "&", "&amp;")+`"`)
	res, body = get(t, win, "/static/app.js", nil)
	expect(t, "the script", res, body, 200, `getAttribute("data-desktop-local")`)

	res, body = postForm(t, win, local, url.Values{"path": {"relative.csv"}}, same)
	expect(t, "a relative path", res, body, 422, "not absolute")
	res, body = postForm(t, win, local, url.Values{"path": {file}}, same)
	m := uploadField.FindStringSubmatch(body)
	expect(t, "preview of the chosen file", res, body, 200, "What leaves this machine", "<code>SSN</code>")
	if m == nil {
		t.Fatalf("no upload in %s", body)
	}
	req, _ := http.NewRequest("POST", win.URL+"/mydata/pools/"+pool.Hex()+"/join", strings.NewReader(f.joinForm("pat1", m[1], true, "pat1-pass").Encode()))
	req.Header = http.Header{"Sec-Fetch-Site": {"same-origin"}, "Content-Type": {"application/x-www-form-urlencoded"}}
	res, body = doNoFollow(t, req)
	expect(t, "join", res, body, http.StatusSeeOther)
	if ms, err := f.a.Memberships(t.Context()); err != nil || len(ms) != 1 || ms[0].Pool != pool {
		t.Fatalf("memberships %+v, %v", ms, err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the chosen file is gone: %v", err)
	}
	// The window keeps no cookie: the page shows the hub of the pool
	// joined last, not this node's own.
	if err := f.a.SetPublicURL("http://other.example/"); err != nil {
		t.Fatal(err)
	}
	res, body = get(t, win, poolsPath, nil)
	expect(t, "the hub of the pool joined", res, body, 200, `name="hub" value="`+f.hub+`"`, `id="my-pool-`+pool.Hex()+`"`, "Synthea adults")
}

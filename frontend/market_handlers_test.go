package frontend

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// syntheaPatients is ../shared beside the repository, seen from this package.
const syntheaPatients = "../../shared/data/synthea-csv/patients.csv"

// smallPatients is used when the shared Synthea data is absent.
const smallPatients = `id,birthdate,gender,race,state,condition
p1,1970-01-02,F,white,Massachusetts,diabetes
p2,1971-03-04,M,white,Massachusetts,asthma
p3,1972-05-06,F,black,Massachusetts,diabetes
p4,1973-07-08,M,asian,Massachusetts,hypertension
p5,1974-09-10,F,white,Massachusetts,asthma
p6,1975-11-12,M,white,Massachusetts,diabetes
`

// patientsFile returns a patients CSV to publish: Synthea's, or a small one.
// syntheaPatientsFile is the shared Synthea patients CSV, for tests that
// name its columns; they skip only when the shared test data is absent.
func syntheaPatientsFile(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(syntheaPatients); err != nil {
		t.Skipf("the shared test data is absent (%v)", err)
	}
	return patientsFile(t)
}

func patientsFile(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(syntheaPatients); err == nil {
		abs, err := filepath.Abs(syntheaPatients) // the browser resolves paths from its own directory
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	p := filepath.Join(t.TempDir(), "patients.csv")
	if err := os.WriteFile(p, []byte(smallPatients), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// marketFixture is the UI on an App with a patient "alice" who published
// two datasets, and researchers "bob" and "carol", all funded.
type marketFixture struct {
	srv    *httptest.Server
	a      *app.App
	hmb    uint64 // HMB+NCU, 365 days, 2 seats
	dsIRB  uint64 // DS (diabetes) + IRB, perpetual
	copies map[uint64][]byte
}

func mustEther(t testing.TB, s string) *big.Int {
	t.Helper()
	w, err := marketplace.ParseEther(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newMarketFixture(t testing.TB) *marketFixture {
	t.Helper()
	srv, a := newTestServer(t)
	ctx := t.Context()
	for _, n := range []string{"alice", "bob", "carol"} {
		if _, err := a.CreateAccount(ctx, n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(ctx, n, mustEther(t, "10")); err != nil {
			t.Fatal(err)
		}
	}
	f := &marketFixture{srv: srv, a: a, copies: map[uint64][]byte{}}
	publish := func(title string, price string, terms marketplace.Terms, detail map[string]string, tags ...string) uint64 {
		var copy bytes.Buffer
		p, err := a.Publish(ctx, app.ByAccount("alice", "alice-pass"), app.PublishRequest{Input: patientsFile(t), Preset: "safe-harbor-k5",
			Title: title, Description: "Synthetic patients from Synthea", Tags: tags, Publisher: "Alice's clinic",
			DataTypes: []string{"patients"}, Price: mustEther(t, price), Terms: terms, TermsDetail: detail, Copy: &copy})
		if err != nil {
			t.Fatalf("publish %s: %v", title, err)
		}
		f.copies[p.ListingID] = copy.Bytes()
		return p.ListingID
	}
	f.hmb = publish("Synthea patients", "0.01", marketplace.Terms{Use: marketplace.HMB | marketplace.NCU, DurationDays: 365, Seats: 2}, nil, "synthea", "demographics")
	f.dsIRB = publish("Diabetes cohort", "0.5", marketplace.Terms{Use: marketplace.DS | marketplace.IRB}, map[string]string{"DS": "diabetes mellitus"}, "diabetes")
	return f
}

// browserUser is an HTTP client with a session cookie that does not follow
// redirects, so tests see them.
type browserUser struct {
	t      testing.TB
	srv    *httptest.Server
	cookie *http.Cookie
}

// doNoFollow sends req without following redirects and reads the answer.
func doNoFollow(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// windowServer serves the fixture's app as the desktop window does
// (Options.Window), until the test ends.
func (f *marketFixture) windowServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := NewServer(slog.New(slog.DiscardHandler), f.a, Options{Window: true})
	if err != nil {
		t.Fatal(err)
	}
	win := httptest.NewServer(h)
	t.Cleanup(win.Close)
	return win
}

// aliceDraft leaves a draft of alice's titled title: a publish stopped
// after its blob and card are stored, before the listing transaction.
func (f *marketFixture) aliceDraft(t *testing.T, title string) {
	t.Helper()
	f.a.SetPublishHook(func(step string) error {
		if step == app.StepStored {
			return errors.New("node stopped")
		}
		return nil
	})
	defer f.a.SetPublishHook(nil)
	_, err := f.a.Publish(t.Context(), app.ByAccount("alice", "alice-pass"), app.PublishRequest{Input: patientsFile(t), Preset: "safe-harbor-k5",
		Title: title, Price: mustEther(t, "0.01"), Terms: marketplace.Terms{Use: marketplace.GRU}})
	if err == nil {
		t.Fatal("the hook did not stop the publish")
	}
}

func (f *marketFixture) signIn(t *testing.T, name string) *browserUser {
	t.Helper()
	u := &browserUser{t: t, srv: f.srv}
	res, _ := u.post("/signin", url.Values{"account": {name}, "passphrase": {name + "-pass"}}, false)
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			u.cookie = c
		}
	}
	if u.cookie == nil {
		t.Fatalf("sign in %s: %d, no cookie", name, res.StatusCode)
	}
	return u
}

func (u *browserUser) do(req *http.Request, htmx bool) (*http.Response, string) {
	u.t.Helper()
	if u.cookie != nil {
		req.AddCookie(u.cookie)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return doNoFollow(u.t, req)
}

func (u *browserUser) get(path string, htmx bool) (*http.Response, string) {
	req, _ := http.NewRequest("GET", u.srv.URL+path, nil)
	return u.do(req, htmx)
}

func (u *browserUser) post(path string, form url.Values, htmx bool) (*http.Response, string) {
	req, _ := http.NewRequest("POST", u.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return u.do(req, htmx)
}

func TestMarket_routes(t *testing.T) {
	f := newMarketFixture(t)
	anon := &browserUser{t: t, srv: f.srv}
	hmb, ds := listingURL(f.hmb), listingURL(f.dsIRB)

	t.Run("catalog", func(t *testing.T) {
		tests := []struct {
			name, path string
			htmx       bool
			status     int
			want, not  []string
		}{
			{"all", "/catalog/", false, 200, []string{"<h1>Catalog</h1>", "Synthea patients", "Diabetes cohort", "2 datasets found", `hx-push-url="true"`}, nil},
			{"text", "/catalog/?q=demograph", false, 200, []string{"Synthea patients", "1 dataset found"}, []string{"Diabetes cohort"}},
			{"live search fragment", "/catalog/?q=diab", true, 200, []string{`id="catalog-results"`, "Diabetes cohort"}, []string{"<h1>Catalog</h1>", "Synthea patients"}},
			{"DUO filter", "/catalog/?duo=IRB", false, 200, []string{"Diabetes cohort", `value="IRB" checked`, "<details open>"}, []string{">Synthea patients<"}},
			{"price range", "/catalog/?price_max=0.1", false, 200, []string{"Synthea patients"}, []string{">Diabetes cohort<"}},
			{"rows and type", "/catalog/?rows_min=1&type=patients&publisher=alice%27s+clinic", false, 200, []string{"2 datasets found"}, nil},
			{"sort by price", "/catalog/?sort=price_desc", false, 200, []string{"Diabetes cohort"}, nil},
			{"no match", "/catalog/?q=zzzzzz", false, 200, []string{"No datasets match"}, nil},
			{"bad price", "/catalog/?price_min=cheap", false, 422, []string{"Lowest price", `id="catalog-problem"`}, nil},
			{"bad DUO", "/catalog/?duo=XYZ", true, 422, []string{"Unknown DUO code"}, nil},
			{"bad rows", "/catalog/?rows_min=-3", false, 422, []string{"Minimum rows"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req, _ := http.NewRequest("GET", f.srv.URL+tt.path, nil)
				if tt.htmx {
					req.Header.Set("HX-Target", "catalog-results")
				}
				res, body := anon.do(req, tt.htmx)
				wantBody(t, tt.path, res, body, tt.status, tt.want...)
				for _, n := range tt.not {
					if strings.Contains(body, n) {
						t.Errorf("%s: body has %q", tt.path, n)
					}
				}
			})
		}
		// The sort order: highest price first.
		_, body := anon.get("/catalog/?sort=price_desc", false)
		if strings.Index(body, "Diabetes cohort") > strings.Index(body, "Synthea patients") {
			t.Error("price_desc: the cheaper dataset comes first")
		}
	})

	t.Run("card", func(t *testing.T) {
		res, body := anon.get(hmb, false)
		wantBody(t, "card", res, body, 200, `id="card-title">Synthea patients<`, "<th>Column</th>", "quasi-identifier",
			`id="report-k"`, `id="report-histogram"`, "<rect", "health or medical or biomedical research (DUO:0000006)",
			"non-commercial use only", "the licence lasts 365 days", "may seat 2 team members", "0.01 ETH",
			`id="card-content-hash">0x`, "Alice&#39;s clinic", `id="buy-signin"`, "/signin/?next=/catalog/")
		res, body = anon.get(ds, false)
		wantBody(t, "DS card", res, body, 200, "disease specific research", "diabetes mellitus", "the licence never expires")
		res, body = anon.get("/catalog/999/", false)
		wantBody(t, "unknown", res, body, 404)
		res, body = anon.get("/catalog/abc/", false)
		wantBody(t, "bad id", res, body, 404)
	})

	t.Run("anonymous buy goes to sign in", func(t *testing.T) {
		res, _ := anon.post(hmb+"buy", url.Values{"accept": {"1"}}, false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin/?next="+url.QueryEscape(hmb) {
			t.Fatalf("status %d, location %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = anon.post(hmb+"buy", url.Values{"accept": {"1"}}, true)
		if !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/signin/") {
			t.Fatalf("htmx: HX-Redirect %q", res.Header.Get("HX-Redirect"))
		}
		res, _ = anon.get(hmb+"download", false)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("anonymous download: %d", res.StatusCode)
		}
	})

	bob := f.signIn(t, "bob")
	t.Run("forged cross-site buy", func(t *testing.T) {
		req, _ := http.NewRequest("POST", f.srv.URL+hmb+"buy", strings.NewReader("accept=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, body := bob.do(req, false)
		wantBody(t, "forged", res, body, 403, "came from another site")
		if has, _ := f.a.HasLicence(t.Context(), f.hmb, addrOf(t, f.a, "bob")); has {
			t.Fatal("a forged post bought a licence")
		}
	})

	t.Run("download without licence", func(t *testing.T) {
		res, body := bob.get(hmb+"download", false)
		wantBody(t, "no licence", res, body, 403, "licence")
		if cd := res.Header.Get("Content-Disposition"); cd != "" {
			t.Errorf("refusal sent as attachment %q", cd)
		}
	})

	t.Run("buy", func(t *testing.T) {
		res, body := bob.get(hmb, false)
		wantBody(t, "card signed in", res, body, 200, `id="buy-form"`, `id="buy-total"`, "Platform fee", "Network fee")
		res, body = bob.post(hmb+"buy", url.Values{}, true)
		wantBody(t, "terms not accepted", res, body, 422, `id="buy-problem"`, "accept the licence terms")
		res, body = bob.post(ds+"buy", url.Values{"accept": {"1"}, "approval": {"IRB-7"}}, true)
		wantBody(t, "DS without disease", res, body, 422, "Disease", `name="disease"`, `value="IRB-7"`)
		res, body = bob.post(hmb+"buy", url.Values{}, false)
		wantBody(t, "terms not accepted, plain post", res, body, 422, `id="card-title"`, "accept the licence terms")
		res, body = bob.post(hmb+"buy", url.Values{"accept": {"1"}}, true)
		wantBody(t, "bought", res, body, 200, `id="buy-done"`, "valid until", `id="download-link"`, `data-format="csv"`, `hx-boost="false"`)
		res, body = bob.post(ds+"buy", url.Values{"accept": {"1"}, "approval": {"IRB-7"}, "disease": {"diabetes"}}, true)
		wantBody(t, "bought DS", res, body, 200, "never expires")
	})

	t.Run("download", func(t *testing.T) {
		res, body := bob.get(hmb+"download", false)
		wantBody(t, "download", res, body, 200)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="Synthea-patients-`) {
			t.Errorf("disposition %q", cd)
		}
		if body != string(f.copies[f.hmb]) {
			t.Errorf("downloaded %d bytes differ from the %d published", len(body), len(f.copies[f.hmb]))
		}
	})

	carol := f.signIn(t, "carol")
	carolAddr := addrOf(t, f.a, "carol").Hex()
	t.Run("licences and seats", func(t *testing.T) {
		res, body := bob.get("/mydata/licences/", false)
		wantBody(t, "licences", res, body, 200, "<h1>My licences</h1>", "Synthea patients", "Diabetes cohort", "Seats used: 0 of 2", "/download")
		res, body = bob.post("/mydata/licences/"+itoa(f.hmb)+"/seats", url.Values{"member": {"not-an-address"}}, true)
		wantBody(t, "bad member", res, body, 422, "is not an account address")
		res, body = carol.get(hmb+"download", false)
		wantBody(t, "carol before seat", res, body, 403)
		res, body = bob.post("/mydata/licences/"+itoa(f.hmb)+"/seats", url.Values{"member": {carolAddr}}, true)
		wantBody(t, "seat added", res, body, 200, `id="licences-message"`, "may now use", "Seats used: 1 of 2")
		res, body = carol.get("/mydata/licences/", false)
		wantBody(t, "carol's licences", res, body, 200, "A seat on the licence of")
		res, body = carol.get(hmb+"download", false)
		wantBody(t, "carol seated", res, body, 200)
		res, body = bob.post("/mydata/licences/"+itoa(f.hmb)+"/seats/remove", url.Values{"member": {carolAddr}}, true)
		wantBody(t, "seat removed", res, body, 200, "no longer holds a seat")
		res, body = carol.get(hmb+"download", false)
		wantBody(t, "carol removed", res, body, 403)
		res, body = anon.get("/mydata/licences/", false)
		wantBody(t, "anonymous licences", res, body, 303)
	})

	alice := f.signIn(t, "alice")
	t.Run("my data", func(t *testing.T) {
		res, body := alice.get("/mydata/", false)
		wantBody(t, "my data", res, body, 200, "<h1>My data</h1>", `id="my-datasets-table"`, "Synthea patients",
			addrOf(t, f.a, "bob").Hex(), `id="withdrawable">0.51 ETH<`, `id="withdraw-button"`, `href="/mydata/publish/"`, `id="choose-file"`)
		res, body = alice.post("/mydata/datasets/"+itoa(f.hmb)+"/price", url.Values{"price": {"cheap"}}, true)
		wantBody(t, "bad price", res, body, 422, `id="mydata-problem"`, "Price")
		res, body = alice.post("/mydata/datasets/"+itoa(f.hmb)+"/price", url.Values{"price": {""}}, true)
		wantBody(t, "no price", res, body, 422, "Price: required")
		res, body = alice.post("/mydata/datasets/"+itoa(f.hmb)+"/price", url.Values{"price": {"0.02"}}, true)
		wantBody(t, "price changed", res, body, 200, "now costs 0.02 ETH")
		res, body = bob.post("/mydata/datasets/"+itoa(f.hmb)+"/price", url.Values{"price": {"0"}}, true)
		if res.StatusCode == 200 {
			t.Errorf("bob changed alice's price: %s", body)
		}
		res, body = alice.post("/mydata/withdraw", nil, true)
		wantBody(t, "withdraw", res, body, 200, "0.51 ETH withdrawn")
		res, body = alice.post("/mydata/withdraw", nil, true)
		wantBody(t, "withdraw again", res, body, 409, "Nothing to withdraw")
		res, body = alice.post("/mydata/datasets/"+itoa(f.dsIRB)+"/delist", nil, true)
		wantBody(t, "delist", res, body, 200, "is delisted")
		res, body = carol.post(ds+"buy", url.Values{"accept": {"1"}, "approval": {"x"}, "disease": {"y"}}, true)
		wantBody(t, "buy delisted", res, body, 409, "delisted")
		res, body = anon.get("/catalog/", false)
		wantBody(t, "catalog after delist", res, body, 200, "1 dataset found")
	})
}

func addrOf(t *testing.T, a *app.App, name string) (addr common.Address) {
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
	return
}

func itoa(n uint64) string {
	return strings.TrimSuffix(strings.TrimPrefix(listingURL(n), "/catalog/"), "/")
}

func TestCatalogQuery_filterAndPages(t *testing.T) {
	q := readCatalogQuery(url.Values{"q": {" diabetes "}, "duo": {"HMB", "irb"}, "price_min": {"0.5"}, "price_max": {"2"},
		"rows_min": {"100"}, "type": {"patients"}, "sort": {"price_asc"}, "page": {"3"}})
	f, err := q.filter()
	if err != nil {
		t.Fatal(err)
	}
	if f.Query != "diabetes" || f.Terms != marketplace.HMB|marketplace.IRB || f.PriceMin.Cmp(mustEther(t, "0.5")) != 0 ||
		f.PriceMax.Cmp(mustEther(t, "2")) != 0 || f.RowsMin != 100 || f.Sort != marketplace.SortPriceAsc || f.Offset != 40 || f.Limit != 20 {
		t.Errorf("filter %+v", f)
	}
	if got := q.pageURL(4); got != "/catalog/?duo=HMB&duo=irb&page=4&price_max=2&price_min=0.5&q=diabetes&rows_min=100&sort=price_asc&type=patients" {
		t.Errorf("page URL %q", got)
	}
	if got := (catalogQuery{Page: 2}).pageURL(1); got != "/catalog/" {
		t.Errorf("first page URL %q", got)
	}
	if v := (catalogView{Total: 41}); v.pages() != 3 {
		t.Errorf("pages %d", v.pages())
	}
	for _, bad := range []url.Values{{"price_min": {"2"}, "price_max": {"1"}}, {"sort": {"cheapest"}}, {"price_max": {"1e-30"}}} {
		if _, err := readCatalogQuery(bad).filter(); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestMyData_draftRetry(t *testing.T) {
	f := newMarketFixture(t)
	alice, bob := f.signIn(t, "alice"), f.signIn(t, "bob")
	f.aliceDraft(t, "Draft patients")
	res, body := alice.get("/mydata/", false)
	wantBody(t, "draft shown", res, body, 200, "<h3>Drafts</h3>", "/retry")
	hash := regexp.MustCompile(`/mydata/drafts/(0x[0-9a-fA-F]{64})/retry`).FindStringSubmatch(body)
	if hash == nil {
		t.Fatalf("no retry form in\n%s", body)
	}
	path := "/mydata/drafts/" + hash[1] + "/retry"
	res, body = alice.post(path, url.Values{"price": {"0.01"}, "permission": {"HMB"}, "modifier": {"XYZ"}}, true)
	wantBody(t, "bad terms", res, body, 422, "Unknown DUO code")
	res, body = alice.post(path, url.Values{"price": {"x"}, "permission": {"HMB"}}, true)
	wantBody(t, "bad price", res, body, 422, "Price")
	res, body = bob.post(path, url.Values{"price": {"0.01"}, "permission": {"HMB"}}, true)
	wantBody(t, "another seller", res, body, 403)
	res, body = alice.post("/mydata/drafts/nothex/retry", url.Values{"price": {"0.01"}, "permission": {"HMB"}}, true)
	wantBody(t, "bad hash", res, body, 404)
	res, body = alice.post(path, url.Values{"price": {"0.01"}, "permission": {"HMB"}, "duration": {"30"}, "seats": {"1"}}, true)
	wantBody(t, "listed", res, body, 200, "Draft listed as #3", "Draft patients")
	if strings.Contains(body, "<h3>Drafts</h3>") {
		t.Error("the draft is still shown")
	}
}

func TestMarketPages_noInlineScriptOrStyle(t *testing.T) {
	f := newMarketFixture(t)
	alice := f.signIn(t, "alice")
	for _, path := range []string{"/catalog/", "/catalog/?q=diab", listingURL(f.hmb), "/mydata/", "/mydata/licences/", "/mydata/publish/"} {
		res, body := alice.get(path, false)
		if res.StatusCode != 200 {
			t.Errorf("%s: status %d", path, res.StatusCode)
		}
		for _, bad := range []string{"<script>", "style=", "<style", "onclick=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q, which the CSP blocks", path, bad)
			}
		}
	}
	// htmx restoring a catalog URL from history gets the whole page.
	req, _ := http.NewRequest("GET", f.srv.URL+"/catalog/?q=diab", nil)
	req.Header.Set("HX-History-Restore-Request", "true")
	req.Header.Set("HX-Target", "catalog-results")
	res, body := alice.do(req, true)
	wantBody(t, "history restore", res, body, 200, "<h1>Catalog</h1>", `id="catalog-results"`)
}

// TestMarketPages_serveRepeatedly: the catalog and card pages answer every
// request of a sequence (what the benchmark below measures the speed of).
func TestMarketPages_serveRepeatedly(t *testing.T) {
	f := newMarketFixture(t)
	anon := &browserUser{t: t, srv: f.srv}
	for _, path := range marketBenchPaths(f) {
		for range 20 {
			if res, body := anon.get(path, false); res.StatusCode != 200 || !strings.Contains(body, "Diabetes cohort") && !strings.Contains(body, "Synthea patients") {
				t.Fatalf("%s: %d, or the page names no listing\n%s", path, res.StatusCode, body)
			}
		}
	}
}

// marketBenchPaths are the pages a researcher looks at most: the catalog,
// a filtered search, and a card.
func marketBenchPaths(f *marketFixture) []string {
	return []string{"/catalog/", "/catalog/?q=diab&duo=IRB", listingURL(f.hmb)}
}

// BenchmarkMarketPages measures the catalog and card pages over HTTP, one
// request at a time, and reports the median and the 99th percentile of
// their latency (the wrk target, build/bench-web.sh, is p99 <= 50 ms with
// 50 connections):
//
//	go test ./frontend -run '^$' -bench MarketPages
func BenchmarkMarketPages(b *testing.B) {
	f := newMarketFixture(b)
	anon := &browserUser{t: b, srv: f.srv}
	for _, path := range marketBenchPaths(f) {
		b.Run(strings.NewReplacer("/", "_", "?", "_").Replace(path), func(b *testing.B) {
			d := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				res, _ := anon.get(path, false)
				d = append(d, time.Since(start))
				if res.StatusCode != 200 {
					b.Fatalf("%s: %d", path, res.StatusCode)
				}
			}
			slices.Sort(d)
			b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

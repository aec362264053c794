package frontend

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"

	"github.com/medmarket/medmarket/app"
)

// testClock is an injectable clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// accountServer serves the UI on a real App whose clock the test moves.
func accountServer(t *testing.T, window bool) (*httptest.Server, *app.App, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	a, err := app.Open(t.Context(), app.Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeApp(t, a) })
	h, err := NewServer(slog.New(slog.DiscardHandler), a, Options{Window: window})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, a, clock
}

// send makes a same-origin request without following redirects.
func send(t *testing.T, srv *httptest.Server, method, path, contentType string, body io.Reader, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return doNoFollow(t, req)
}

func sendForm(t *testing.T, srv *httptest.Server, path string, form url.Values, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	return send(t, srv, "POST", path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), cookies...)
}

func sendMultipart(t *testing.T, srv *httptest.Server, path string, fields map[string]string, file []byte) (*http.Response, string) {
	t.Helper()
	return sendMultipartFile(t, srv, path, fields, "keyfile", file)
}

func sendMultipartFile(t *testing.T, srv *httptest.Server, path string, fields map[string]string, fileField string, file []byte, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	var files map[string]testFile
	if file != nil {
		files = map[string]testFile{fileField: {name: "file", data: file}}
	}
	body, ctype := multipartForm(t, fields, files)
	return send(t, srv, "POST", path, ctype, body, cookies...)
}

func sessionCookieOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c
		}
	}
	return nil
}

// After sign-in only clean paths of this site are followed: anything a
// browser could read as another site falls back to "/".
func TestLocalPath(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/mydata/", "/mydata/"},
		{"/catalog/?q=heart+rate&duo=HMB", "/catalog/?q=heart+rate&duo=HMB"},
		{"/catalog/?q=a%20b", "/catalog/?q=a%20b"},
		{"/catalog/7/", "/catalog/7/"},
		{"", "/"},
		{"mydata/", "/"},
		{"/\t/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/%0a/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/%20/evil.example", "/"},
		{"//evil.example", "/"},
		{"//evil.example/x", "/"},
		{"///evil.example", "/"},
		{`/\evil.example`, "/"},
		{`\\evil.example`, "/"},
		{`/x\y`, "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/%2f/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%5cevil.example", "/"},
		{"/%2F%5Cevil.example", "/"},
		{"https://evil.example/", "/"},
		{"https:evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/javascript:alert(1)", "/javascript:alert(1)"}, // a path of this site, harmless
		{"/%zz", "/"},
		{"/ok?x=%00", "/"},
		{"/\x00/evil", "/"},
		{"/\u2028/evil", "/"},
		{"/\u00a0/evil", "/"},
	}
	for _, tc := range tests {
		if got := localPath(tc.next); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// The reported attack end to end: the redirect after sign-in stays here.
func TestSignIn_nextNeverLeavesTheSite(t *testing.T) {
	srv, a, _ := accountServer(t, false)
	if _, err := a.CreateAccount(t.Context(), "alice", "correct horse"); err != nil {
		t.Fatal(err)
	}
	for _, next := range []string{"/\t/evil.example", "/%09/evil.example", `/\evil.example`, "//evil.example", "/%2F%2Fevil.example", "/%5Cevil.example", "https://evil.example"} {
		res, _ := sendForm(t, srv, "/signin", url.Values{"account": {"alice"}, "passphrase": {"correct horse"}, "next": {next}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Errorf("next=%q: %d Location %q, want /", next, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The raw form value of the report: next=/%09/evil.example.
	res, _ := send(t, srv, "POST", "/signin", "application/x-www-form-urlencoded",
		strings.NewReader("account=alice&passphrase=correct+horse&next=/%09/evil.example"))
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Errorf("raw next=/%%09/evil.example: Location %q", loc)
	}
}

// An anonymous visitor types the account; the page lists no account, and a
// wrong passphrase reads exactly as an unknown account, with no path. The
// desktop window, whose one user is the machine's own, lists them.
func TestSignIn_anonymousSeesNoAccountNames(t *testing.T) {
	srv, a, _ := accountServer(t, false)
	acct, err := a.CreateAccount(t.Context(), "alice", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/signin/", "/mydata/"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		res, body := do(t, req)
		if res.StatusCode != 200 || !strings.Contains(body, `<input type="text" name="account"`) {
			t.Fatalf("%s: %d, no account field", path, res.StatusCode)
		}
		if strings.Contains(body, "alice") || strings.Contains(strings.ToLower(body), strings.ToLower(acct.Address.Hex()[2:])) || strings.Contains(body, "<select") {
			t.Errorf("%s shows the node's accounts to a visitor", path)
		}
		if !strings.Contains(body, `href="/accounts/new/`) || !strings.Contains(body, `href="/accounts/import/`) {
			t.Errorf("%s offers no way to create or import an account", path)
		}
	}
	resWrong, wrong := sendForm(t, srv, "/signin", url.Values{"account": {"alice"}, "passphrase": {"nope"}})
	resUnknown, unknown := sendForm(t, srv, "/signin", url.Values{"account": {"mallory"}, "passphrase": {"nope"}})
	problem := func(body string) string {
		i := strings.Index(body, `id="signin-problem"`)
		if i < 0 {
			return ""
		}
		return body[i : i+strings.Index(body[i:], "</p>")]
	}
	if resWrong.StatusCode != 403 || resUnknown.StatusCode != 403 || problem(wrong) == "" || problem(wrong) != problem(unknown) {
		t.Errorf("wrong passphrase (%d %q) and unknown account (%d %q) read differently", resWrong.StatusCode, problem(wrong), resUnknown.StatusCode, problem(unknown))
	}
	for _, body := range []string{wrong, unknown} {
		if strings.Contains(body, a.DataDir()) || strings.Contains(body, "keystore") {
			t.Errorf("the refusal shows a path: %s", problem(body))
		}
	}

	win, wa, _ := accountServer(t, true)
	if _, err := wa.CreateAccount(t.Context(), "patient", "pw"); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, win, "/signin/", nil)
	if !strings.Contains(body, `<select name="account"`) || !strings.Contains(body, ">patient (") {
		t.Errorf("the desktop window does not list its accounts")
	}
}

// Failed passphrases back off: the sixth attempt on an account answers 429
// naming the wait (and Retry-After), even with the right passphrase, until
// the clock passes it.
func TestSignIn_backoffAnswers429WithTheWait(t *testing.T) {
	srv, a, clock := accountServer(t, false)
	if _, err := a.CreateAccount(t.Context(), "alice", "correct horse"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if res, _ := sendForm(t, srv, "/signin", url.Values{"account": {"alice"}, "passphrase": {"nope"}}); res.StatusCode != 403 {
			t.Fatalf("failure %d: %d", i+1, res.StatusCode)
		}
	}
	res, body := sendForm(t, srv, "/signin", url.Values{"account": {"alice"}, "passphrase": {"correct horse"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" ||
		!strings.Contains(body, "Too many failed attempts for this account; try again in 30 s.") {
		t.Fatalf("sixth attempt: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if sessionCookieOf(res) != nil {
		t.Fatal("a refused attempt signed in")
	}
	clock.Advance(30 * time.Second)
	res, _ = sendForm(t, srv, "/signin", url.Values{"account": {"alice"}, "passphrase": {"correct horse"}})
	if res.StatusCode != http.StatusSeeOther || sessionCookieOf(res) == nil {
		t.Fatalf("after the wait: %d", res.StatusCode)
	}
	session := sessionCookieOf(res)
	// The trial forms' account and passphrase (asked again at each signing,
	// in a session) go through the same guard.
	register := func() *http.Response {
		res, _ := sendMultipartFile(t, srv, "/trials/", map[string]string{"account": "alice", "passphrase": "nope", "title": "T", "identifier": "NCT00000001"},
			"protocol", []byte("protocol v1"), session)
		return res
	}
	for i := range 5 {
		if res := register(); res.StatusCode != http.StatusForbidden {
			t.Fatalf("trial form failure %d: %d", i+1, res.StatusCode)
		}
	}
	if res := register(); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" {
		t.Errorf("trial form past the failures: %d, want 429", res.StatusCode)
	}
}

// A new account: name and passphrase twice, strength shown; the refusals
// name their field; once made, the user is signed in.
func TestAccountNew(t *testing.T) {
	srv, a, _ := accountServer(t, false)
	if _, err := a.CreateAccount(t.Context(), "alice", "correct horse"); err != nil {
		t.Fatal(err)
	}
	res, body := get(t, srv, "/accounts/new/?next=/mydata/", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `<h1>Create an account</h1>`) || !strings.Contains(body, `name="passphrase2"`) ||
		!strings.Contains(body, `hx-post="/accounts/strength"`) || !strings.Contains(body, `name="next" value="/mydata/"`) {
		t.Fatalf("form: %d", res.StatusCode)
	}
	tests := []struct {
		name, pass, pass2 string
		status            int
		field, want       string
	}{
		{"bob", "a long passphrase", "a long passphrase!", 422, "passphrase2", "the two passphrases differ"},
		{"bob", "short", "short", 422, "passphrase", "too short (5 characters); use at least 10"},
		{"bob", "aaaaaaaaaaaa", "aaaaaaaaaaaa", 422, "passphrase", "too weak"},
		{"alice", "a long passphrase", "a long passphrase", 409, "name", "account alice already exists"},
		{"no spaces", "a long passphrase", "a long passphrase", 422, "name", "use letters, digits"},
	}
	for _, tc := range tests {
		res, body := sendForm(t, srv, "/accounts/new/", url.Values{"name": {tc.name}, "passphrase": {tc.pass}, "passphrase2": {tc.pass2}})
		if res.StatusCode != tc.status || !strings.Contains(body, `id="`+tc.field+`-problem"`) || !strings.Contains(body, tc.want) {
			t.Errorf("%s/%q: %d, want %d with %q at %s", tc.name, tc.pass, res.StatusCode, tc.status, tc.want, tc.field)
		}
		if strings.Contains(body, tc.pass) && len(tc.pass) > 6 {
			t.Errorf("%s: the passphrase is echoed back", tc.name)
		}
	}
	res, body = sendForm(t, srv, "/accounts/strength", url.Values{"passphrase": {"correct horse battery staple"}})
	if res.StatusCode != 200 || !strings.Contains(body, `<meter`) || !strings.Contains(body, `data-strength="strong"`) {
		t.Errorf("strength: %d %s", res.StatusCode, body)
	}
	res, _ = sendForm(t, srv, "/accounts/new/", url.Values{"name": {"bob"}, "passphrase": {"a long passphrase"}, "passphrase2": {"a long passphrase"}, "next": {"/mydata/"}})
	cookie := sessionCookieOf(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/mydata/" || cookie == nil {
		t.Fatalf("create: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := send(t, srv, "GET", "/mydata/", "", nil, cookie); res.StatusCode != 200 || !strings.Contains(body, "<h1>My data</h1>") || !strings.Contains(body, "bob") {
		t.Errorf("the new account is not signed in: %d", res.StatusCode)
	}
	if res, _ := sendForm(t, srv, "/signin", url.Values{"account": {"bob"}, "passphrase": {"a long passphrase"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign in again as the new account: %d", res.StatusCode)
	}
}

// Creating accounts costs a scrypt each: one client makes a few an hour.
func TestAccountNew_rateLimited(t *testing.T) {
	srv, _, clock := accountServer(t, false)
	create := func(name string) *http.Response {
		res, _ := sendForm(t, srv, "/accounts/new/", url.Values{"name": {name}, "passphrase": {"a long passphrase"}, "passphrase2": {"a long passphrase"}})
		return res
	}
	for i := range 5 {
		if res := create(fmt.Sprintf("user%d", i)); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("account %d: %d", i, res.StatusCode)
		}
	}
	res := create("user5")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "3600" {
		t.Fatalf("sixth account: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	clock.Advance(time.Hour)
	if res := create("user5"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the hour: %d", res.StatusCode)
	}
}

// Importing: a keystore v3 file with its passphrase, or a hex key with a
// new one; refusals name the field and no path; the account is signed in.
func TestAccountImport(t *testing.T) {
	srv, a, _ := accountServer(t, false)
	priv, _ := crypto.GenerateKey()
	id, _ := uuid.NewRandom()
	keyJSON, err := keystore.EncryptKey(&keystore.Key{Id: id, Address: crypto.PubkeyToAddress(priv.PublicKey), PrivateKey: priv}, "export pass", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	costly := bytes.Replace(keyJSON, []byte(`"n":4096`), []byte(`"n":16777216`), 1)
	if bytes.Equal(costly, keyJSON) {
		t.Fatal("test key has no n:4096")
	}
	res, body := get(t, srv, "/accounts/import/", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `name="keyfile"`) || !strings.Contains(body, `name="hexkey"`) {
		t.Fatalf("form: %d", res.StatusCode)
	}
	tests := []struct {
		what   string
		fields map[string]string
		file   []byte
		status int
		field  string
		want   string
	}{
		{"wrong passphrase", map[string]string{"name": "carol", "passphrase": "nope"}, keyJSON, 422, "passphrase", "wrong passphrase for the key file imported as carol"},
		{"bad JSON", map[string]string{"name": "carol", "passphrase": "x"}, []byte(`{"crypto": nope}`), 422, "key", "Key file: not valid JSON"},
		{"not JSON", map[string]string{"name": "carol", "passphrase": "x"}, []byte("hello"), 422, "key", "Key file: not JSON"},
		{"costly scrypt", map[string]string{"name": "carol", "passphrase": "export pass"}, costly, 422, "key", "scrypt parameters"},
		{"too large", map[string]string{"name": "carol", "passphrase": "x"}, bytes.Repeat([]byte("{"), 100<<10), 422, "key", "larger than 64 KiB"},
		{"no key", map[string]string{"name": "carol", "passphrase": "x"}, nil, 422, "key", "choose a keystore file"},
		{"bad hex", map[string]string{"name": "carol", "passphrase": "a long passphrase", "hexkey": "zz12"}, nil, 422, "key", "not a hex secp256k1 private key"},
		{"hex, short passphrase", map[string]string{"name": "carol", "passphrase": "short", "hexkey": hex.EncodeToString(crypto.FromECDSA(priv))}, nil, 422, "passphrase", "too short"},
		{"bad name", map[string]string{"name": "no spaces", "passphrase": "export pass"}, keyJSON, 422, "name", "use letters"},
	}
	for _, tc := range tests {
		res, body := sendMultipart(t, srv, "/accounts/import/", tc.fields, tc.file)
		if res.StatusCode != tc.status || !strings.Contains(body, `id="`+tc.field+`-problem"`) || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d with %q at %s", tc.what, res.StatusCode, tc.status, tc.want, tc.field)
		}
		if strings.Contains(body, a.DataDir()) {
			t.Errorf("%s: the answer shows a path", tc.what)
		}
	}
	res, _ = sendMultipart(t, srv, "/accounts/import/", map[string]string{"name": "carol", "passphrase": "export pass", "next": "/mydata/"}, keyJSON)
	cookie := sessionCookieOf(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/mydata/" || cookie == nil {
		t.Fatalf("import JSON: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := send(t, srv, "GET", "/mydata/", "", nil, cookie); !strings.Contains(body, "carol") {
		t.Error("the imported account is not signed in")
	}
	priv2, _ := crypto.GenerateKey()
	res, _ = sendMultipart(t, srv, "/accounts/import/", map[string]string{"name": "dave", "passphrase": "a long passphrase", "hexkey": "0x" + hex.EncodeToString(crypto.FromECDSA(priv2))}, nil)
	if res.StatusCode != http.StatusSeeOther || sessionCookieOf(res) == nil {
		t.Fatalf("import hex: %d", res.StatusCode)
	}
	accts, _ := a.Accounts(t.Context())
	if len(accts) != 2 || accts[0].Name != "carol" || accts[1].Name != "dave" || accts[1].Address != crypto.PubkeyToAddress(priv2.PublicKey) {
		t.Errorf("accounts after import: %+v", accts)
	}
}

// A fresh desktop data dir: the window offers to create an account (no
// command line), and the new account is the window's signed-in user.
func TestAccountNew_inTheDesktopWindow(t *testing.T) {
	srv, _, _ := accountServer(t, true)
	_, body := get(t, srv, "/signin/", nil)
	if !strings.Contains(body, `id="no-accounts"`) || !strings.Contains(body, `href="/accounts/new/"`) || strings.Contains(body, "medmarket account new") {
		t.Fatalf("fresh window's sign-in page offers no account creation")
	}
	hx := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}}
	res, _ := postForm(t, srv, "/accounts/new/", url.Values{"name": {"patient"}, "passphrase": {"a long passphrase"}, "passphrase2": {"a long passphrase"}, "next": {"/mydata/"}}, hx)
	if res.StatusCode != 200 || res.Header.Get("HX-Redirect") != "/mydata/" {
		t.Fatalf("create in the window: %d %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
	if _, body := get(t, srv, "/mydata/", nil); !strings.Contains(body, "<h1>My data</h1>") {
		t.Error("the window's new account is not signed in")
	}
}

package frontend

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// catalogRow is the catalog table's row that links to path.
func catalogRow(t *testing.T, body, path string) string {
	t.Helper()
	for _, row := range strings.Split(body, "<tr>") {
		if strings.Contains(row, `href="`+path+`"`) {
			return row[:strings.Index(row, "</tr>")]
		}
	}
	t.Fatalf("no catalog row for %s in %.500s", path, body)
	return ""
}

// TestCatalog_licensedMarks: once bob buys a licence, the catalog row and
// the card of that dataset say "Licensed until <expiry>" to him, and to no
// one else; datasets he does not license stay unmarked.
func TestCatalog_licensedMarks(t *testing.T) {
	f := newMarketFixture(t)
	bob, carol := f.signIn(t, "bob"), f.signIn(t, "carol")
	anon := &browserUser{t: t, srv: f.srv}
	hmb, ds := listingURL(f.hmb), listingURL(f.dsIRB)

	res, body := bob.get("/catalog/", false)
	wantBody(t, "catalog before buying", res, body, 200, "Synthea patients")
	if strings.Contains(body, "licensed-mark") {
		t.Error("catalog marks a dataset before bob bought any")
	}
	res, body = bob.post(hmb+"buy", url.Values{"accept": {"1"}}, true)
	wantBody(t, "bought", res, body, 200, `id="buy-done"`)

	ls, err := f.a.Licences(t.Context(), addrOf(t, f.a, "bob"))
	if err != nil || len(ls) != 1 {
		t.Fatalf("bob's licences: %v %v", ls, err)
	}
	want := "Licensed until " + time.Unix(int64(ls[0].ExpiresAt), 0).UTC().Format("2006-01-02") + " UTC"

	for _, path := range []string{"/catalog/", "/catalog/?q=synthea"} {
		res, body = bob.get(path, false)
		wantBody(t, "bob's catalog "+path, res, body, 200)
		if row := catalogRow(t, body, hmb); !strings.Contains(row, want) {
			t.Errorf("%s: the licensed row does not say %q: %s", path, want, row)
		}
	}
	_, body = bob.get("/catalog/", false)
	if row := catalogRow(t, body, ds); strings.Contains(row, "Licensed") {
		t.Errorf("an unlicensed dataset is marked: %s", row)
	}
	res, body = bob.get("/catalog/", true)
	wantBody(t, "bob's catalog through htmx", res, body, 200, want)

	res, body = bob.get(hmb, false)
	wantBody(t, "bob's card", res, body, 200, want, `id="download-link"`)
	res, body = bob.get(ds, false)
	wantBody(t, "bob's unlicensed card", res, body, 200, `id="buy-form"`)
	if strings.Contains(body, "licensed-mark") {
		t.Error("the card of a dataset bob does not license is marked")
	}
	for who, u := range map[string]*browserUser{"carol": carol, "anonymous": anon} {
		for _, path := range []string{"/catalog/", hmb} {
			res, body = u.get(path, false)
			wantBody(t, who+" "+path, res, body, 200)
			if strings.Contains(body, "licensed-mark") {
				t.Errorf("%s sees bob's licence mark on %s", who, path)
			}
		}
	}
}

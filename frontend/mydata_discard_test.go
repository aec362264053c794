package frontend

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestMyData_draftDiscard: My data offers "Discard draft" beside "List
// it"; only the seller may discard (403), a listed dataset is no draft
// (409), and after a discard the draft is gone from the page.
func TestMyData_draftDiscard(t *testing.T) {
	f := newMarketFixture(t)
	alice, bob := f.signIn(t, "alice"), f.signIn(t, "bob")
	f.aliceDraft(t, "Unwanted draft")
	res, body := alice.get("/mydata/", false)
	wantBody(t, "draft shown", res, body, 200, "<h3>Drafts</h3>", "/retry", "/discard", "Discard draft")
	hash := regexp.MustCompile(`/mydata/drafts/(0x[0-9a-fA-F]{64})/discard`).FindStringSubmatch(body)
	if hash == nil {
		t.Fatalf("no discard form in\n%s", body)
	}
	path := "/mydata/drafts/" + hash[1] + "/discard"

	res, body = bob.post(path, url.Values{}, true)
	wantBody(t, "another seller", res, body, 403, "Only")
	res, body = alice.post("/mydata/drafts/nothex/discard", url.Values{}, true)
	wantBody(t, "bad hash", res, body, 404)
	l, err := f.a.Listing(t.Context(), f.hmb)
	if err != nil {
		t.Fatal(err)
	}
	res, body = alice.post("/mydata/drafts/"+l.ContentHash.Hex()+"/discard", url.Values{}, true)
	wantBody(t, "listed dataset", res, body, 409, "already listed")

	res, body = alice.post(path, url.Values{}, true)
	wantBody(t, "discarded", res, body, 200, "Draft discarded.")
	if strings.Contains(body, "<h3>Drafts</h3>") {
		t.Error("the draft is still shown")
	}
	res, body = alice.post(path, url.Values{}, false)
	wantBody(t, "discarded again, without htmx", res, body, 404, "There is no draft")
	if ds, err := f.a.Drafts(t.Context()); err != nil || len(ds) != 0 {
		t.Fatalf("drafts %+v, %v", ds, err)
	}
}

package frontend

import (
	"net/url"
	"strings"
	"testing"
)

// TestBuy_diseaseMismatch: buying the DS "diabetes mellitus" dataset while
// stating "lung cancer" stops before any transaction with a warning; the
// buyer confirms and buys; the seller sees the mismatch beside that
// statement and not beside a matching one.
func TestBuy_diseaseMismatch(t *testing.T) {
	f := newMarketFixture(t)
	bob, carol, alice := f.signIn(t, "bob"), f.signIn(t, "carol"), f.signIn(t, "alice")
	ds := listingURL(f.dsIRB)
	form := url.Values{"accept": {"1"}, "approval": {"IRB-7"}, "disease": {"lung cancer"}}

	res, body := bob.post(ds+"buy", form, true)
	wantBody(t, "mismatch", res, body, 422, `id="buy-mismatch"`, "diabetes mellitus", "lung cancer", `name="mismatch"`,
		`value="IRB-7"`, `id="buy-form"`)
	res, body = bob.post(ds+"buy", form, false)
	wantBody(t, "mismatch, plain post", res, body, 422, `id="card-title"`, `id="buy-mismatch"`)
	if has, err := f.a.HasLicence(t.Context(), f.dsIRB, addrOf(t, f.a, "bob")); err != nil || has {
		t.Fatalf("the warning bought a licence: %v %v", has, err)
	}

	confirmed := url.Values{"mismatch": {"1"}}
	for k, v := range form {
		confirmed[k] = v
	}
	res, body = bob.post(ds+"buy", confirmed, true)
	wantBody(t, "confirmed", res, body, 200, `id="buy-done"`, "lung cancer")
	if strings.Contains(body, `id="buy-mismatch"`) {
		t.Error("the warning stays after the purchase")
	}
	res, body = carol.post(ds+"buy", url.Values{"accept": {"1"}, "approval": {"IRB-8"}, "disease": {"Type 2 Diabetes"}}, true)
	wantBody(t, "matching statement", res, body, 200, `id="buy-done"`)

	res, body = alice.get("/mydata/", false)
	wantBody(t, "seller", res, body, 200, "lung cancer", "Type 2 Diabetes", `class="statement-mismatch"`)
	if n := strings.Count(body, `class="statement-mismatch"`); n != 1 {
		t.Errorf("seller sees %d mismatches, want 1 (bob's)", n)
	}
	i := strings.Index(body, "lung cancer")
	if j := strings.Index(body, `class="statement-mismatch"`); j < i || strings.Contains(body[i:j], "buyer-statement") {
		t.Error("the mismatch is not beside bob's statement")
	}
}

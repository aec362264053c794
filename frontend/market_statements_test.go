package frontend

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/app"
)

// TestDownload_formatChoice: the card offers CSV and Parquet; the download
// route converts on ?format=, and names an unknown format.
func TestDownload_formatChoice(t *testing.T) {
	f := newMarketFixture(t)
	if _, err := f.a.Buy(t.Context(), app.ByAccount("bob", "bob-pass"), f.hmb, app.BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	bob := f.signIn(t, "bob")
	card := "/catalog/" + itoa(f.hmb) + "/"
	res, body := bob.get(card, false)
	wantBody(t, "card", res, body, 200, `id="download-link"`, `id="download-csv"`, `id="download-parquet"`, "download?format=parquet")

	res, body = bob.get(card+"download?format=parquet", false)
	wantBody(t, "as parquet", res, body, 200)
	if ct, cd := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"); ct != "application/vnd.apache.parquet" || !strings.HasSuffix(cd, `.parquet"`) {
		t.Errorf("parquet download: %q, %q", ct, cd)
	}
	got, err := anonymize.ReadParquet(strings.NewReader(body), int64(len(body)), "x")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := anonymize.ReadCSV(bytes.NewReader(f.copies[f.hmb]), anonymize.CSVOptions{})
	if got.NumRows() != want.NumRows() || len(got.Columns) != len(want.Columns) {
		t.Fatalf("parquet: %d rows x %d columns, want %d x %d", got.NumRows(), len(got.Columns), want.NumRows(), len(want.Columns))
	}
	res, body = bob.get(card+"download?format=csv", false)
	wantBody(t, "as csv", res, body, 200)
	if body != string(f.copies[f.hmb]) {
		t.Errorf("csv download differs from the published file")
	}
	res, body = bob.get(card+"download?format=xlsx", false)
	wantBody(t, "unknown format", res, body, 422, "Format: ")
	res, body = bob.get("/mydata/licences/", false)
	wantBody(t, "licences", res, body, 200, "download?format=csv", "download?format=parquet")
}

// TestBuy_statementsShownToBuyerAndSeller: what the buyer states on the
// card shows in My licences and, beside the buyer, in the seller's My datasets.
func TestBuy_statementsShownToBuyerAndSeller(t *testing.T) {
	f := newMarketFixture(t)
	bob, alice := f.signIn(t, "bob"), f.signIn(t, "alice")
	ds := "/catalog/" + itoa(f.dsIRB) + "/"
	res, body := bob.post(ds+"buy", url.Values{"accept": {"1"}, "disease": {"type 2 diabetes"}}, true)
	wantBody(t, "without approval", res, body, 422, "Approval")
	res, body = bob.post(ds+"buy", url.Values{"accept": {"1"}, "disease": {"type 2 diabetes"}, "approval": {"IRB-2026-<17>"}}, true)
	wantBody(t, "bought", res, body, 200, `id="buy-statements"`, "type 2 diabetes", "were delivered to the dataset")
	res, body = bob.get("/mydata/licences/", false)
	wantBody(t, "licences", res, body, 200, `id="statements-`+itoa(f.dsIRB)+`"`, "type 2 diabetes", "IRB-2026-&lt;17&gt;", "Delivered to the dataset")
	res, body = alice.get("/mydata/", false)
	wantBody(t, "seller", res, body, 200, `class="buyer-statement"`, addrOf(t, f.a, "bob").Hex(), "type 2 diabetes", "IRB-2026-&lt;17&gt;")
}

// TestWindowSave_formatFromFieldOrExtension: the desktop save converts to
// the form's format, else to the chosen file's extension.
func TestWindowSave_formatFromFieldOrExtension(t *testing.T) {
	f := newMarketFixture(t)
	if _, err := f.a.Buy(t.Context(), app.ByAccount("bob", "bob-pass"), f.hmb, app.BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	win := f.windowServer(t)
	hx := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}}
	if res, _ := postForm(t, win, "/signin", url.Values{"account": {"bob"}, "passphrase": {"bob-pass"}, "next": {"/"}}, hx); res.StatusCode != 200 {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	dir := t.TempDir()
	save := "/catalog/" + itoa(f.hmb) + "/save"
	for _, tc := range []struct{ path, format, want, file string }{
		{filepath.Join(dir, "a.parquet"), "", "Saved PARQUET", filepath.Join(dir, "a.parquet")},
		{filepath.Join(dir, "b"), "parquet", "Saved PARQUET", filepath.Join(dir, "b.parquet")},
		{filepath.Join(dir, "c.data"), "csv", "Saved CSV", filepath.Join(dir, "c.data")},
	} {
		res, body := postForm(t, win, save, url.Values{"path": {tc.path}, "format": {tc.format}}, hx)
		wantBody(t, tc.path, res, body, 200, `id="save-status"`, tc.want, tc.file)
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if isPQ := bytes.HasPrefix(b, []byte("PAR1")); isPQ != strings.Contains(tc.want, "PARQUET") {
			t.Errorf("%s: Parquet %v, want %s", tc.file, isPQ, tc.want)
		}
	}
	res, body := postForm(t, win, save, url.Values{"path": {filepath.Join(dir, "d.csv")}, "format": {"xml"}}, hx)
	wantBody(t, "unknown format", res, body, 422, `id="save-status"`, "Format: ")
}

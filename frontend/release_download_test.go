package frontend

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// A release package (a ZIP of its tables) downloads as NAME-ID.zip with
// application/zip, whatever format its tables are in or asked in; the buy
// panel suggests .zip to the desktop save dialog, and a desktop save to a
// .csv name the dialog suggested writes NAME.zip instead.
func TestDownload_releaseIsNamedZIP(t *testing.T) {
	srv, a := newTestServer(t)
	ctx := t.Context()
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(ctx, n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(ctx, n, mustEther(t, "10")); err != nil {
			t.Fatal(err)
		}
	}
	var published bytes.Buffer
	// A few patients under Safe Harbor are each alone in their group (risk
	// 100 %): the publisher accepts that explicitly, as the wizard's confirm
	// step or --accept-risk would.
	req := app.PublishRequest{Input: patientsFile(t), Release: true, Preset: "safe-harbor",
		Secret: []byte("frontend-release-secret-0123456789"), Title: "Whole records", Price: mustEther(t, "0.01"),
		Terms: marketplace.Terms{Use: marketplace.GRU}, Copy: &published}
	if _, err := a.Publish(ctx, app.ByAccount("alice", "alice-pass"), req); err == nil || !strings.Contains(err.Error(), "accept it explicitly") {
		t.Fatalf("publishing without accepting the risk: %v, want the refusal for the risk", err)
	}
	published.Reset()
	req.AcceptRisk = &app.RiskAcceptance{Risk: 1, Words: "test records of synthetic patients"}
	p, err := a.Publish(ctx, app.ByAccount("alice", "alice-pass"), req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Card.Package != marketplace.PackageZIP {
		t.Fatalf("published package %q, want a release", p.Card.Package)
	}
	if _, err := a.Buy(ctx, app.ByAccount("bob", "bob-pass"), p.ListingID, app.BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	f := &marketFixture{srv: srv, a: a}
	bob := f.signIn(t, "bob")
	card := fmt.Sprintf("/catalog/%d/", p.ListingID)
	res, body := bob.get(card, false)
	wantBody(t, "card", res, body, 200, `id="download-link"`, `data-format="zip"`)
	for _, q := range []string{"", "?format=csv", "?format=parquet"} {
		res, body := bob.get(card+"download"+q, false)
		wantBody(t, "download"+q, res, body, 200)
		if ct := res.Header.Get("Content-Type"); ct != "application/zip" {
			t.Errorf("download%s: content type %q, want application/zip", q, ct)
		}
		if cd, want := res.Header.Get("Content-Disposition"), fmt.Sprintf(`attachment; filename="Whole-records-%d.zip"`, p.ListingID); cd != want {
			t.Errorf("download%s: disposition %q, want %q", q, cd, want)
		}
		if len(body) < 4 || body[:4] != "PK\x03\x04" {
			t.Errorf("download%s: not a ZIP: %q...", q, body[:min(len(body), 20)])
		}
	}

	win := f.windowServer(t)
	hx := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}}
	if res, _ := postForm(t, win, "/signin", url.Values{"account": {"bob"}, "passphrase": {"bob-pass"}, "next": {"/"}}, hx); res.StatusCode != 200 {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	dir := t.TempDir()
	suggested := filepath.Join(dir, fmt.Sprintf("listing-%d.csv", p.ListingID))
	res, body = postForm(t, win, card+"save", url.Values{"path": {suggested}, "format": {"csv"}}, hx)
	zipPath := filepath.Join(dir, fmt.Sprintf("listing-%d.zip", p.ListingID))
	wantBody(t, "save", res, body, 200, `id="save-status"`, zipPath)
	got, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, published.Bytes()) {
		t.Errorf("saved %d bytes, not the published package (%d bytes)", len(got), published.Len())
	}
	if _, err := os.Stat(suggested); err == nil {
		t.Errorf("a ZIP was saved under %s", suggested)
	}
}

// savePath gives a path without extension the download's, and a release
// package .zip in place of a dataset format's extension; a one-file
// dataset keeps the chosen name.
func TestSavePath(t *testing.T) {
	release := &marketplace.Listing{Card: &marketplace.DatasetCard{Format: "csv", Package: marketplace.PackageZIP}}
	one := &marketplace.Listing{Card: &marketplace.DatasetCard{Format: "parquet"}}
	for _, c := range []struct {
		path, format string
		l            *marketplace.Listing
		want         string
	}{
		{"/d/x", "", release, "/d/x.zip"},
		{"/d/x.csv", "csv", release, "/d/x.zip"},
		{"/d/x.parquet", "parquet", release, "/d/x.zip"},
		{"/d/x.zip", "", release, "/d/x.zip"},
		{"/d/x.bin", "", release, "/d/x.bin"},
		{"/d/x", "", one, "/d/x.parquet"},
		{"/d/x", "csv", one, "/d/x.csv"},
		{"/d/x.csv", "csv", one, "/d/x.csv"},
		{"/d/x", "", nil, "/d/x.csv"},
	} {
		if got := savePath(c.path, c.format, c.l); got != c.want {
			t.Errorf("savePath(%q, %q) = %q, want %q", c.path, c.format, got, c.want)
		}
	}
}

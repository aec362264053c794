package frontend

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A trial team in a browser, each member signing for itself: the monitor
// raises a query on one value, the coordinator answers with the corrected
// value, the monitor closes the query and marks the entry verified, the
// data manager locks the casebook, and the coordinator's next entry is
// refused with the server's reason.
func TestBrowser_casebookQuerySDVLock(t *testing.T) {
	ctx, problems := newBrowser(t)
	srv, a := newTrialServer(t)
	f := newCasebookFixture(t, a)
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	path := casebookURL(f.trial, f.subject)
	visit := entryNo(f.visit)
	raise := "#raise-" + visit

	teamSignIn(t, ctx, srv.URL, "mo", path)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+path),
		chromedp.WaitVisible(`#entry-`+visit),
		jsClick(raise+`-toggle`),
		chromedp.WaitVisible(raise+`-text`),
	); err != nil {
		html := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerHTML`)))(t)
		t.Fatalf("monitor opens the casebook: %v\n%s", err, html)
	}
	fill(t, ctx, map[string]string{raise + "-item": "weight_kg", raise + "-text": "81 kg or 18 kg?", raise + "-passphrase": "mo-pass"})
	if err := chromedp.Do(ctx,
		jsClick(raise+` button[type=submit]`),
		chromedp.WaitVisible(`.query[data-state="open"]`),
	); err != nil {
		t.Fatalf("raise a query: %v", err)
	}
	q := f.lastQuery(t)

	teamSignIn(t, ctx, srv.URL, "cora", path)
	answer := "#answer-" + q
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+path),
		chromedp.WaitVisible(`#query-`+q),
		jsClick(answer+`-toggle`),
		chromedp.WaitVisible(answer+`-text`),
	); err != nil {
		t.Fatalf("coordinator opens the query: %v", err)
	}
	fill(t, ctx, map[string]string{answer + "-text": "Transcription error: 18 kg, a child", answer + "-value": "18",
		answer + "-reason": "transcription error", answer + "-passphrase": "cora-pass"})
	if err := chromedp.Do(ctx,
		jsClick(answer+` button[type=submit]`),
		chromedp.WaitVisible(`.query[data-state="answered"]`),
		chromedp.WaitVisible(`//ol[@class="value-history"]//em[.="18"]`),
	); err != nil {
		t.Fatalf("answer with a correction: %v", err)
	}

	teamSignIn(t, ctx, srv.URL, "mo", path)
	closeQ, sdv := "#close-"+q, "#sdv-form-"+visit
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+path),
		chromedp.WaitVisible(`#query-`+q),
		jsClick(closeQ+`-toggle`),
		chromedp.WaitVisible(closeQ+`-text`),
	); err != nil {
		t.Fatalf("monitor opens the answered query: %v", err)
	}
	fill(t, ctx, map[string]string{closeQ + "-text": "Thanks, matches the source", closeQ + "-passphrase": "mo-pass"})
	if err := chromedp.Do(ctx,
		jsClick(closeQ+` button[type=submit]`),
		chromedp.WaitVisible(`.query[data-state="closed"]`),
		jsClick(`#sdv-`+visit+`-toggle`),
		chromedp.WaitVisible(sdv+`-passphrase`),
	); err != nil {
		t.Fatalf("close the query: %v", err)
	}
	fill(t, ctx, map[string]string{sdv + "-passphrase": "mo-pass"})
	if err := chromedp.Do(ctx,
		jsClick(sdv+` button[type=submit]`),
		chromedp.WaitVisible(`#sdv-`+visit),
	); err != nil {
		t.Fatalf("mark verified: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#sdv-`+visit)))(t); !strings.Contains(got, "Mo Monitor") {
		t.Errorf("SDV mark %q", got)
	}

	teamSignIn(t, ctx, srv.URL, "dana", path)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+path),
		chromedp.WaitVisible(`#casebook-lock`),
		jsClick(`#casebook-lock-toggle`),
		chromedp.WaitVisible(`#casebook-lock-reason`),
	); err != nil {
		t.Fatalf("data manager opens the casebook: %v", err)
	}
	fill(t, ctx, map[string]string{"#casebook-lock-reason": "casebook complete, all queries closed", "#casebook-lock-passphrase": "dana-pass"})
	if err := chromedp.Do(ctx,
		jsClick(`#casebook-lock-form button[type=submit]`),
		chromedp.WaitVisible(`#casebook-lock[data-locked="true"]`),
		chromedp.WaitVisible(`#casebook-locked`),
	); err != nil {
		t.Fatalf("lock the casebook: %v", err)
	}
	// Long values wrap: the page is no wider than the window.
	if wide := must(chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)))(t); wide {
		t.Error("the casebook is wider than the window")
	}
	saveScreenshot(t, ctx, "trial-casebook.png")
	// The dashboard: the site's progress, no open query, the lock form the
	// data manager may use.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+dashboardURL(f.trial)),
		chromedp.WaitVisible(`#site-progress tr[data-site="A"]`),
		chromedp.WaitVisible(`#queries-none`),
		chromedp.WaitVisible(`#database-lock-toggle`),
	); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#anchoring-state`)))(t); !strings.Contains(got, "not yet anchored") {
		t.Errorf("anchoring %q", got)
	}
	saveScreenshot(t, ctx, "trial-dashboard.png")

	teamSignIn(t, ctx, srv.URL, "cora", trialURL(f.trial))
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+trialURL(f.trial)),
		chromedp.WaitVisible(`#step-form`),
	); err != nil {
		t.Fatalf("coordinator opens the trial: %v", err)
	}
	fill(t, ctx, map[string]string{"#step-type": "visit", "#step-subject": "S-001", "#step-data": `{"weight_kg":19}`, "#step-passphrase": "cora-pass"})
	if err := chromedp.Do(ctx,
		jsClick(`#step-form button[type=submit]`),
		chromedp.WaitVisible(`#step-problem`),
	); err != nil {
		t.Fatalf("entry after the lock: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#step-problem`)))(t); !strings.Contains(got, "casebook of "+f.subject+", which entry") {
		t.Errorf("refusal %q", got)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// teamSignIn signs name in and waits until the session shows it.
func teamSignIn(t *testing.T, ctx context.Context, base, name, next string) {
	t.Helper()
	browserSignIn(t, ctx, base, name, next)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`//li[@id="session"]//small[.="`+name+`"]`)); err != nil {
		t.Fatalf("signed in as %s: %v", name, err)
	}
}

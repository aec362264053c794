package frontend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A sponsor in a browser: register a trial, record steps through the form,
// anchor, verify and export.
func TestBrowser_trialRegisterRecordAnchorVerifyExport(t *testing.T) {
	ctx, problems := newBrowser(t)
	srv, _ := newTrialServer(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	protocol := filepath.Join(t.TempDir(), "protocol.pdf")
	if err := os.WriteFile(protocol, []byte("%PDF-1.7 protocol v1"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Every trial action needs a session: the sponsor signs in first, and
	// each entry is signed with the passphrase typed again.
	browserSignIn(t, ctx, srv.URL, "carol", "/trials/")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`//li[@id="session"]//small[.="carol"]`),
		chromedp.Navigate(srv.URL+"/trials/"),
		chromedp.WaitVisible(`#register`),
		chromedp.SetValue(`#register input[name=title]`, "Aspirin after minor stroke"),
		chromedp.SetValue(`#register input[name=identifier]`, "NCT01234567"),
		chromedp.SetUploadFiles(`#register input[name=protocol]`, []string{protocol}),
		chromedp.Click(`#register button[type=submit]`),
		chromedp.WaitVisible(`//main//h1[.="Aspirin after minor stroke"]`),
		chromedp.WaitVisible(`#timeline`),
	); err != nil {
		t.Fatalf("register: %v", err)
	}

	for i, s := range []struct{ typ, subject, data string }{
		{"consent", "S-001", ""},
		{"enrolment", "S-001", `{"arm":"A"}`},
	} {
		fill(t, ctx, map[string]string{"#step-type": s.typ, "#step-subject": s.subject, "#step-data": s.data, "#step-passphrase": "carol-pass"})
		if err := chromedp.Do(ctx,
			chromedp.Click(`#step-form button[type=submit]`),
			chromedp.WaitVisible(`//p[@id="step-done"][contains(., "Entry `+string(rune('1'+i))+` recorded")]`),
		); err != nil {
			t.Fatalf("record %s: %v", s.typ, err)
		}
	}
	rows := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#timeline tbody tr[data-index]").length`)))(t)
	if rows != 3 {
		t.Errorf("timeline has %d entries, want 3", rows)
	}
	// Filter the timeline by type through htmx.
	if err := chromedp.Do(ctx, chromedp.SetValue(`#filter-type`, "enrolment")); err != nil {
		t.Fatal(err)
	}
	must(chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("filter-type").dispatchEvent(new Event("change", {bubbles: true}))`)))(t)
	if err := chromedp.Do(ctx, chromedp.WaitNotPresent(`#timeline tr[data-index="0"]`)); err != nil {
		t.Fatalf("filter: %v", err)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(`#anchoring button[type=submit]`),
		chromedp.WaitVisible(`#anchor-block`),
	); err != nil {
		t.Fatalf("anchor: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#anchor-size`)))(t); !strings.Contains(got, "3 entries") {
		t.Errorf("anchored %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`#verify-button`),
		chromedp.WaitVisible(`#verify-summary`),
	); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#verify-summary`)))(t); !strings.Contains(got, "PASS") || !strings.Contains(got, "verified: 3 entries") {
		t.Errorf("verify: %q", got)
	}

	// The export link downloads the audit trail.
	export := must(chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("export-json").href).then(r => r.text())`, chromedp.EvalAwaitPromise)))(t)
	if !strings.Contains(export, `"export": "medmarket-trial-export/v1"`) || !strings.Contains(export, `"anchors"`) {
		t.Errorf("export: %.200s", export)
	}

	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// fill sets form fields by selector.
func fill(t *testing.T, ctx context.Context, fields map[string]string) {
	t.Helper()
	for sel, v := range fields {
		js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; return e.value === %q })()`, sel, v, v)
		if ok := must(chromedp.Run(ctx, chromedp.Evaluate[bool](js)))(t); !ok {
			t.Fatalf("cannot set %s", sel)
		}
	}
}

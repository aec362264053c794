package frontend

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/app"
)

// The timeline of a trial with a very long value fits the 1,280 px window
// and shows labelled values, never raw JSON; the verify page leads with a
// red banner in words for a tampered export.
func TestBrowser_trialTimelineFitsAndVerifyBannerSaysWhy(t *testing.T) {
	ctx, problems := newBrowser(t)
	long := strings.Repeat("ABCDEFGHIJ", 240) + ` {"nested":"json-looking text","with":["no","spaces"]}`
	f := newTrialViewFixture(t, &vitalsDesign, long)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+f.base),
		chromedp.WaitVisible(`#timeline tr[data-index="5"]`),
	); err != nil {
		t.Fatalf("trial page: %v", err)
	}
	w := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))(t)
	if w > 1280 {
		t.Errorf("the trial page is %d px wide, wider than the 1,280 px window", w)
	}
	t.Logf("the trial page is %d px wide; its longest value has %d characters", w, len(long))
	text := must(chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#timeline tr[data-index]")).filter(r => r.dataset.index !== "5").map(r => r.innerText).join("\n")`)))(t)
	for _, want := range []string{"Systolic BP", "182 mmHg", "Female", "corrected by #3", "query on entry #3, item Systolic BP"} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "{") {
		t.Errorf("timeline shows raw JSON:\n%s", text)
	}
	ae := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#timeline tr[data-index="5"] td.step-data').innerText`)))(t)
	if !strings.Contains(ae, "Adverse event") || !strings.Contains(ae, "Headache") || strings.Contains(ae, `{"adverse_event"`) {
		t.Errorf("entry 4's data:\n%.300s", ae)
	}

	// An export whose visit was changed after signing.
	carol := app.ByAccount("carol", "carol-pass")
	if _, err := f.a.AnchorTrial(t.Context(), carol, "NCT01234567"); err != nil {
		t.Fatal(err)
	}
	e, err := f.a.ExportTrial(t.Context(), "NCT01234567")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(e.Entries[2].Leaf, []byte(`"IT.SBP":182`)) {
		t.Fatalf("entry 2's leaf: %s", e.Entries[2].Leaf)
	}
	e.Entries[2].Leaf = bytes.Replace(e.Entries[2].Leaf, []byte(`"IT.SBP":182`), []byte(`"IT.SBP":128`), 1)
	var buf bytes.Buffer
	if err := app.WriteTrialExport(&buf, e); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "audit-tampered.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/verify/"),
		chromedp.WaitVisible(`#verify-form`),
		chromedp.SetUploadFiles(`#verify-file`, []string{path}),
		chromedp.Click(`#verify-form button[type=submit]`),
		chromedp.WaitVisible(`#verify-banner.verdict-fail[role=alert]`),
	); err != nil {
		t.Fatalf("verify: %v", err)
	}
	banner := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("verify-banner").innerText`)))(t)
	for _, want := range []string{"Not verified:", "Entry 2 was changed after it was signed: its signature does not match its content"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, "=") {
		t.Errorf("banner shows a base64 root:\n%s", banner)
	}
	style := must(chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const s = getComputedStyle(document.querySelector("#verify-banner li")); return [s.textDecorationLine, s.fontSize] })()`)))(t)
	if style[0] != "none" {
		t.Errorf("the banner's problems are drawn with %s", style[0])
	}
	open := must(chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("verify-details").open`)))(t)
	if open {
		t.Error("the details are open: they should be folded under the banner")
	}
	if w := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))(t); w > 1280 {
		t.Errorf("the verify page is %d px wide", w)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

package frontend

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The inspection report in a browser: it opens from the trial page's link,
// shows the verdict first, fits the page width however long the values,
// and Chromium prints it to an A4 PDF, a section a page.
func TestBrowser_trialInspectionReportPrintsToPDF(t *testing.T) {
	ctx, problems := newBrowser(t)
	srv, a := newTrialServer(t)
	tr := inspectedReportTrial(t, a, "Aspirin after minor stroke")
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/trials/"+tr.ID.Hex()+"/"),
		chromedp.WaitVisible(`#inspection-report`),
	); err != nil {
		t.Fatalf("trial page: %v", err)
	}
	href := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("inspection-report").href`)))(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(href),
		chromedp.WaitVisible(`#report-verdict`),
		chromedp.WaitVisible(`#entry-10`),
	); err != nil {
		t.Fatalf("report: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#report-verdict`)))(t); !strings.HasPrefix(got, "PASS") || !strings.Contains(got, "11 entries") {
		t.Errorf("verdict %q", got)
	}
	for sel, want := range map[string]string{"#entry-4 .role": "Study coordinator, every site", "#entry-7 .role": "Monitor, site A", "#entry-10 .role": "Sponsor"} {
		if got := must(chromedp.Run(ctx, chromedp.Text(sel)))(t); got != want {
			t.Errorf("role held at %s: %q, want %q", sel, got, want)
		}
	}
	// A 300-character value and 66-digit hashes wrap within the page.
	if over := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)))(t); over > 0 {
		t.Errorf("the report is %d px wider than the window", over)
	}
	saveScreenshot(t, ctx, "trial-inspection-report.png")
	if got := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("report-back").pathname`)))(t); got != "/trials/"+tr.ID.Hex()+"/" {
		t.Errorf("back link to %q", got)
	}

	yes := true
	pdf := must(chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, tg, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
		return r.Data, err
	})))(t)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	// One page per section at least: trial, staff, entries, checkpoints,
	// verification.
	pages := bytes.Count(pdf, []byte("/Type /Page")) - bytes.Count(pdf, []byte("/Type /Pages"))
	if pages < 5 {
		t.Errorf("the PDF has %d pages, want a section a page (5 at least)", pages)
	}
	path := filepath.Join("..", "build", "screenshots", "trial-inspection-report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("PDF: %s, %d bytes, %d pages", path, len(pdf), pages)

	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

package frontend

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// On a phone-sized window no page is wider than the window: wide tables
// (the catalog, the card's schema and per-column report, My data) scroll
// inside their own box.
func TestBrowser_narrowWindowHasNoSidewaysScroll(t *testing.T) {
	ctx, problems := newBrowser(t)
	f := newMarketFixture(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatal(err)
	}
	browserSignIn(t, ctx, f.srv.URL, "alice", "/")
	for _, path := range []string{"/catalog/", listingURL(f.hmb), listingURL(f.dsIRB), "/mydata/", "/mydata/licences/", "/trials/", "/status/"} {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(f.srv.URL+path),
			chromedp.WaitVisible(`main h1`),
		); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		widths, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
		if err != nil {
			t.Fatal(err)
		}
		if path == listingURL(f.hmb) {
			saveScreenshot(t, ctx, "narrow-card.png")
		}
		if widths[0] > widths[1] {
			// Name the innermost elements that stick out, to say what to fix.
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main *")].filter(e =>
				e.getBoundingClientRect().right > window.innerWidth + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)
			).slice(0, 5).map(e => e.tagName + (e.id ? "#" + e.id : "") + " in " + (e.closest("[id]") || {}).id)`))
			t.Errorf("%s is %d px wide in a %d px window: %v", path, widths[0], widths[1], wide)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

package frontend

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser_catalogFacets: at 1,280 px the facet sidebar sits beside the
// results and at 360 px above them, and at neither width is the page wider
// than the window; typing a search updates the counts (the sidebar swapped
// out of band); following a facet filters, checks it, and keeps the search
// in the form.
func TestBrowser_catalogFacets(t *testing.T) {
	ctx, problems := newBrowser(t)
	f := newMarketFixture(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	browserSignIn(t, ctx, f.srv.URL, "bob", "/")
	for _, size := range []struct {
		w, h   int
		beside bool
	}{{1280, 800, true}, {360, 740, false}} {
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(int64(size.w), int64(size.h)),
			chromedp.Navigate(f.srv.URL+"/catalog/"),
			chromedp.WaitVisible(`#catalog-facets a[data-facet="duo:HMB"]`),
		); err != nil {
			t.Fatalf("%d px: %v", size.w, err)
		}
		geo, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(() => {
			const s = document.getElementById("catalog-facets").getBoundingClientRect(), r = document.getElementById("catalog-results").getBoundingClientRect();
			return [document.documentElement.scrollWidth, window.innerWidth, Math.round(s.right), Math.round(r.left), Math.round(s.bottom), Math.round(r.top)];
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if geo[0] > geo[1] {
			t.Errorf("%d px: the catalog is %d px wide in a %d px window", size.w, geo[0], geo[1])
		}
		if beside := geo[2] <= geo[3]; beside != size.beside {
			t.Errorf("%d px: sidebar right %d, results left %d: beside = %v, want %v", size.w, geo[2], geo[3], beside, size.beside)
		}
		if !size.beside && geo[4] > geo[5] {
			t.Errorf("%d px: sidebar bottom %d below the results' top %d", size.w, geo[4], geo[5])
		}
		if size.w == 1280 {
			saveScreenshot(t, ctx, "catalog-facets.png")
		} else {
			saveScreenshot(t, ctx, "catalog-facets-narrow.png")
		}
	}

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(f.srv.URL+"/catalog/"),
		chromedp.WaitVisible(`#catalog-facets a[data-facet="duo:HMB"]`),
		waitHTMX(`#catalog-search`),
		chromedp.SendKeys(`#catalog-search input[name=q]`, "diabetes"),
		waitJS(`!document.querySelector('#catalog-facets [data-facet="duo:HMB"]') && !!document.querySelector('#catalog-facets a[data-facet="duo:DS"]')`,
			"the sidebar to count the diabetes search"),
		jsClick(`#catalog-facets a[data-facet="duo:DS"]`),
		waitJS(`location.search.includes("duo=DS") && location.search.includes("q=diabetes")`, "the DS facet in the URL"),
		waitJS(`document.querySelector('#catalog-facets a[data-facet="duo:DS"]')?.getAttribute("aria-checked") === "true"`, "DS checked"),
		waitJS(`document.querySelector('#catalog-search input[name=duo][value=DS]')?.checked === true && document.querySelector('#catalog-search input[name=q]').value === "diabetes"`,
			"the form to hold the search and the facet"),
	); err != nil {
		t.Fatalf("facets: %v", err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

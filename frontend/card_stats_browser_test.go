package frontend

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// At 1,280 px a researcher sees the decision first: the price (once on
// the page) and the Buy button within the first 800 px; the statistics
// draw bars of non-zero width; the report's per-column table needs no
// sideways scroll, nor does the page. Screenshot: card-statistics.png.
func TestBrowser_cardStatisticsDecisionFirst(t *testing.T) {
	ctx, problems := newBrowser(t)
	f := newMarketFixture(t)
	wide := publishWide(t, f)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	browserSignIn(t, ctx, f.srv.URL, "bob", listingURL(wide))
	runSteps(t, ctx, "to the card",
		wantJS("signed in", `!!document.querySelector('#session form.signout')`),
		browserStep{"card", chromedp.Navigate(f.srv.URL + listingURL(wide))},
		browserStep{"buy form", chromedp.WaitVisible(`#buy-button`)},
	)
	m, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`(() => {
		const top = s => document.querySelector(s).getBoundingClientRect().top + window.scrollY;
		const table = document.querySelector('#report-columns');
		const bars = [...document.querySelectorAll('#card-statistics rect')].map(r => r.getBoundingClientRect().width);
		return {
			buyTop: top('#buy-button'), priceTop: top('#card-price'),
			prices: document.body.innerText.split('0.02 ETH').length - 1,
			tableScroll: table.scrollWidth, tableClient: table.clientWidth,
			boxScroll: table.parentElement.scrollWidth, boxClient: table.parentElement.clientWidth,
			pageScroll: document.documentElement.scrollWidth, window: window.innerWidth,
			bars: bars.length, wideBars: bars.filter(w => w > 0).length,
			statsTop: top('#card-statistics'), reportTop: top('#card-report'), schemaTop: top('#card-schema'),
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("layout at 1280 px: %v", m)
	if m["buyTop"] >= 800 || m["priceTop"] >= 800 {
		t.Errorf("Buy button at %v px, price at %v px; want both above 800 px", m["buyTop"], m["priceTop"])
	}
	if m["prices"] != 1 {
		t.Errorf("the price appears %v times on the page", m["prices"])
	}
	if m["tableScroll"] > m["tableClient"] || m["boxScroll"] > m["boxClient"] || m["pageScroll"] > m["window"] {
		t.Errorf("sideways scroll: report table %v/%v, its box %v/%v, page %v/%v", m["tableScroll"], m["tableClient"], m["boxScroll"], m["boxClient"], m["pageScroll"], m["window"])
	}
	if m["wideBars"] < 3 || m["wideBars"] != m["bars"] {
		t.Errorf("%v of %v bars have a width", m["wideBars"], m["bars"])
	}
	if !(m["buyTop"] < m["statsTop"] && m["statsTop"] < m["schemaTop"] && m["schemaTop"] < m["reportTop"]) {
		t.Errorf("order: buy %v, statistics %v, schema %v, report %v", m["buyTop"], m["statsTop"], m["schemaTop"], m["reportTop"])
	}
	saveScreenshot(t, ctx, "card-statistics.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

package frontend

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
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
			zcdpCaption: document.querySelector('#card-stats-caption').innerText.includes('(ε = 1, δ = 10⁻⁶) for the whole card, discrete Gaussian noise (zCDP)') ? 1 : 0,
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("layout at 1280 px: %v", m)
	if m["zcdpCaption"] != 1 {
		t.Error("the caption does not say (ε = 1, δ = 10⁻⁶) for the whole card, discrete Gaussian noise (zCDP)")
	}
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

// A Synthea release (every table, two patients) at 1,280 px: one
// statistics section per table, the price and Buy in the first viewport,
// and neither the page nor the report's per-column table scrolls sideways.
func TestBrowser_releaseCardStatistics(t *testing.T) {
	files := syntheaBundles(t)
	ctx, problems := newBrowser(t)
	f := newMarketFixture(t)
	dir := filepath.Dir(files[0])
	p, err := f.a.Publish(t.Context(), app.ByAccount("alice", "alice-pass"), app.PublishRequest{Input: dir, Release: true, Preset: "safe-harbor",
		Secret: []byte("frontend-release-test-secret-0123456789"), Title: "Two whole records", Price: mustEther(t, "0.03"),
		Terms: marketplace.Terms{Use: marketplace.GRU}, AcceptRisk: &app.RiskAcceptance{Risk: 1, Words: "two test records"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	browserSignIn(t, ctx, f.srv.URL, "bob", listingURL(p.ListingID))
	runSteps(t, ctx, "to the card",
		wantJS("signed in", `!!document.querySelector('#session form.signout')`),
		browserStep{"card", chromedp.Navigate(f.srv.URL + listingURL(p.ListingID))},
		browserStep{"buy form", chromedp.WaitVisible(`#buy-button`)},
	)
	m, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`(() => {
		const table = document.querySelector('#report-columns');
		return {
			buyTop: document.querySelector('#buy-button').getBoundingClientRect().top + window.scrollY,
			tables: document.querySelectorAll('#card-statistics details.stats-table').length,
			cardTables: document.querySelectorAll('#card-tables details').length,
			tableScroll: table.scrollWidth, tableClient: table.clientWidth,
			pageScroll: document.documentElement.scrollWidth, window: window.innerWidth,
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("release card at 1280 px: %v", m)
	if m["buyTop"] >= 800 || m["tables"] < 2 || m["tables"] != m["cardTables"] {
		t.Errorf("Buy at %v px; statistics of %v tables for %v tables", m["buyTop"], m["tables"], m["cardTables"])
	}
	if m["tableScroll"] > m["tableClient"] || m["pageScroll"] > m["window"] {
		t.Errorf("sideways scroll: report table %v/%v, page %v/%v", m["tableScroll"], m["tableClient"], m["pageScroll"], m["window"])
	}
	saveScreenshot(t, ctx, "card-statistics-release.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

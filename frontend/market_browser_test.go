package frontend

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/anonymize"
)

// browserSignIn signs name in through the sign-in page, then goes to next.
func browserSignIn(t *testing.T, ctx context.Context, base, name, next string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
			return err
		}),
		chromedp.Navigate(base+"/signin/?next="+next),
		chromedp.WaitVisible(`#signin`),
		chromedp.SetValue(`#signin input[name=account]`, name),
		chromedp.SetValue(`#signin input[name=passphrase]`, name+"-pass"),
		chromedp.Click(`#signin button[type=submit]`),
		chromedp.WaitVisible(`#session`),
	); err != nil {
		t.Fatalf("sign in %s: %v", name, err)
	}
}

// jsClick clicks an element from script: unlike a mouse click at its
// coordinates, it cannot miss while the layout moves (after a full-page
// screenshot, or as htmx settles).
func jsClick(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true })()`, sel)))
		if err == nil && !ok {
			err = fmt.Errorf("no element %s", sel)
		}
		return err
	})
}

// waitHTMX waits until htmx has taken over the element (a form swapped in
// or loaded is processed a moment after it appears).
func waitHTMX(sel string) chromedp.Action[chromedp.Void] {
	return waitJS(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!(e && e["htmx-internal-data"]) })()`, sel),
		"htmx to process "+sel)
}

// waitJS waits until the JavaScript expression js is true in the page.
func waitJS(js, what string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err != nil || ok {
				return err
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}

// expectedPublished is what Publish writes for the file with the preset:
// the bytes a buyer must decrypt.
func expectedPublished(t *testing.T, path, preset string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb := must(anonymize.ReadCSV(f, anonymize.CSVOptions{Name: "patients"}))(t)
	cfg := must(anonymize.Preset(preset))(t)
	pipe := must(cfg.Build(anonymize.Env{}))(t)
	res := must(pipe.Run(t.Context(), tb))(t)
	var buf bytes.Buffer
	if err := anonymize.WriteCSV(&buf, res.Table, anonymize.CSVWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A patient publishes Synthea patients through the wizard with the k=5
// preset; a researcher finds it by search and a DUO filter, reads the
// card, buys, and downloads exactly the anonymized file.
func TestBrowser_marketPublishFindBuyDownload(t *testing.T) {
	ctx, problems := newBrowser(t)
	// The anonymization answers with its progress at once, so the page
	// polls for the report as it does for a large file.
	srv, a := newTestServerWith(t, Options{RunWait: -1})
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(t.Context(), n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(t.Context(), n, mustEther(t, "10")); err != nil {
			t.Fatal(err)
		}
	}
	csvPath := patientsFile(t)

	// The patient: upload, preview, anonymize, report, describe, publish.
	browserSignIn(t, ctx, srv.URL, "alice", "/mydata/publish/")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`#wizard-file`),
		chromedp.SetUploadFiles(`#wizard-file`, []string{csvPath}),
		waitHTMX(`#wizard-upload form`),
		chromedp.Click(`#wizard-upload-button`),
		chromedp.WaitVisible(`#wizard-rows`),
		chromedp.Click(`input[name=preset][value="safe-harbor-k5"]`),
		waitHTMX(`#wizard-preview form`),
		chromedp.Click(`#wizard-run`),
		chromedp.WaitVisible(`#wizard-running #run-doing`),
		chromedp.WaitVisible(`#verdict-pass`),
		chromedp.WaitVisible(`#report-histogram`),
	); err != nil {
		t.Fatalf("wizard to report: %v", err)
	}
	saveScreenshot(t, ctx, "market-report.png")
	fill(t, ctx, map[string]string{`#publish-form input[name=title]`: "Browser Synthea cohort",
		`#publish-form input[name=tags]`: "synthea, browsertest", `#publish-form input[name=price]`: "0.02",
		`#publish-form textarea[name=description]`: "Synthetic patients, Safe Harbor and k=5."})
	for _, step := range []struct {
		name string
		a    chromedp.Action[chromedp.Void]
	}{
		{"htmx", waitHTMX(`#publish-form`)},
		{"data type", jsClick(`#publish-form input[name=type][value=patients]`)},
		{"preview cost", jsClick(`#publish-preview`)},
		{"cost shown", chromedp.WaitVisible(`#publish-cost-table`)},
		{"publish", jsClick(`#publish-button`)},
		{"published", chromedp.WaitVisible(`#published-link`)},
	} {
		sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(sctx, step.a)
		scancel()
		if err != nil {
			html, herr := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("main").innerHTML`))
			t.Fatalf("publish, %s: %v\n%v %.4000s", step.name, err, herr, html)
		}
	}
	href := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("published-link").getAttribute("href")`)))(t)
	if !regexp.MustCompile(`^/catalog/\d+/$`).MatchString(href) {
		t.Fatalf("published link %q", href)
	}

	// The researcher: live search, a DUO filter, the card, buy, download.
	browserSignIn(t, ctx, srv.URL, "bob", "/catalog/")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`#catalog-search`),
		waitHTMX(`#catalog-search`),
		chromedp.SendKeys(`#catalog-search input[name=q]`, "browsertest"),
		chromedp.WaitVisible(`//a[@class="listing-link"][.="Browser Synthea cohort"]`),
		chromedp.Click(`#catalog-search summary`),
		chromedp.Click(`#catalog-search input[name=duo][value=HMB]`),
		waitJS(`location.search.includes("duo=HMB")`, "the live search with the HMB filter"), // after its delay
		chromedp.WaitVisible(`//a[@class="listing-link"][.="Browser Synthea cohort"]`),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	if loc := must(chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)))(t); !strings.Contains(loc, "q=browsertest") || !strings.Contains(loc, "duo=HMB") {
		t.Errorf("the search is not in the URL: %q", loc)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`//a[@class="listing-link"][.="Browser Synthea cohort"]`),
		chromedp.WaitVisible(`#card-title`),
		chromedp.WaitVisible(`#card-report`),
		chromedp.WaitVisible(`#buy-form`),
		waitHTMX(`#buy-form`),
	); err != nil {
		t.Fatalf("card: %v", err)
	}
	saveScreenshot(t, ctx, "market-card.png")
	if k, err := strconv.Atoi(must(chromedp.Run(ctx, chromedp.Text(`#report-k`)))(t)); err != nil || k < 5 {
		t.Errorf("k = %q, want at least 5", k)
	}
	if err := chromedp.Do(ctx,
		jsClick(`#buy-accept`),
		jsClick(`#buy-button`),
		chromedp.WaitVisible(`#buy-done`),
		chromedp.WaitVisible(`#download-link`),
	); err != nil {
		t.Fatalf("buy: %v", err)
	}
	got := must(chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("download-link").href).then(r => r.ok ? r.text() : "HTTP " + r.status)`, chromedp.EvalAwaitPromise)))(t)
	if want := expectedPublished(t, csvPath, "safe-harbor-k5"); got != string(want) {
		t.Errorf("downloaded %d bytes, want the %d anonymized bytes published:\n%.300s", len(got), len(want), got)
	}

	// The researcher's licences list it with its download link.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/mydata/licences/"),
		chromedp.WaitVisible(`//article[@class="licence"]//a[.="Browser Synthea cohort"]`),
		chromedp.WaitVisible(`.licence .download-link`),
	); err != nil {
		t.Fatalf("licences: %v", err)
	}

	// The patient sees the sale and withdraws the earnings (an htmx form).
	browserSignIn(t, ctx, srv.URL, "alice", "/mydata/")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`#my-datasets-table`),
		waitHTMX(`#earnings form`),
		jsClick(`#withdraw-button`),
		chromedp.WaitVisible(`#mydata-message`),
	); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	if msg := must(chromedp.Run(ctx, chromedp.Text(`#mydata-message`)))(t); !strings.Contains(msg, "0.02 ETH withdrawn") {
		t.Errorf("withdraw message %q", msg)
	}
	if sales := must(chromedp.Run(ctx, chromedp.Text(`#my-datasets-table td.sales`)))(t); sales != "1" {
		t.Errorf("sales %q", sales)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

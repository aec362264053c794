package frontend

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A team in a browser: the sponsor authorizes a coordinator on the staff
// page, typing its passphrase to sign; the coordinator signs in, records a
// visit through the step form with its own passphrase, and the timeline
// shows the entry under the coordinator's printed name.
func TestBrowser_trialStaffCoordinatorSignsForItself(t *testing.T) {
	ctx, problems := newBrowser(t)
	srv, _, base, addr := teamTrial(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	browserSignIn(t, ctx, srv.URL, "carol", base+"staff/")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`//li[@id="session"]//small[.="carol"]`),
		chromedp.Navigate(srv.URL+base+"staff/"),
		chromedp.WaitVisible(`#staff-authorize`),
		waitHTMX(`#staff-authorize form`),
		chromedp.SendKeys(`#staff-address`, addr["cora"]),
		chromedp.SendKeys(`#staff-name`, "Cora Coordinator"),
		chromedp.SetValue(`#staff-role`, "coordinator"),
		chromedp.SendKeys(`#staff-site`, "A"),
		chromedp.SendKeys(`#staff-passphrase`, "carol-pass"),
		chromedp.Click(`#staff-authorize button[type=submit]`),
		chromedp.WaitVisible(`#staff-done`),
		chromedp.WaitVisible(`//table[@id="staff-now"]//tr[@data-role="coordinator"]/td[.="Cora Coordinator"]`),
	); err != nil {
		t.Fatalf("authorize the coordinator: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#staff-done`)))(t); !strings.Contains(got, "is authorized as Study coordinator at site A") {
		t.Errorf("authorized: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`#session button[type=submit]`),
		chromedp.WaitVisible(`//li[@id="session"]/a[.="Sign in"]`),
	); err != nil {
		t.Fatalf("sign out: %v", err)
	}

	browserSignIn(t, ctx, srv.URL, "cora", base)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`//li[@id="session"]//small[.="cora"]`),
		chromedp.Navigate(srv.URL+base),
		chromedp.WaitVisible(`#step-form`),
		waitHTMX(`#step-form form`),
	); err != nil {
		t.Fatalf("the coordinator's trial page: %v", err)
	}
	for sel, want := range map[string]string{"#my-role": "Study coordinator at site A", "#step-signer-name": "Cora Coordinator", "#step-signature .signs-as": "Cora Coordinator (" + addr["cora"] + "), Study coordinator at site A"} {
		if got := must(chromedp.Run(ctx, chromedp.Text(sel)))(t); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(`#step-type`, "visit"),
		chromedp.SendKeys(`#step-subject`, "S-001"),
		chromedp.SendKeys(`#step-passphrase`, "cora-pass"),
		chromedp.Click(`#step-form button[type=submit]`),
		chromedp.WaitVisible(`//p[@id="step-done"][contains(., "Entry 2 recorded")]`),
		chromedp.WaitVisible(`//table[@id="timeline"]//tr[@data-index="2"]//small[@class="step-signature"][starts-with(., "Signed by Cora Coordinator (")]`),
	); err != nil {
		t.Fatalf("the coordinator records a visit: %v", err)
	}

	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

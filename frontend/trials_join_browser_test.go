package frontend

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// twoNodes is a sponsor's node A and a site's node B on one geth --dev
// chain, each with its UI; A also serves its provider API (the trial
// node's URL B joins), through tamper when it is set.
type twoNodes struct {
	a, b       *app.App
	uiA, uiB   *httptest.Server
	providerA  string
	tamper     *atomic.Bool
	addrs      map[string]string
	trial      marketplace.Trial
	trialPathA string
}

// newTwoNodes opens A (the sponsor carol, who deploys the contracts and
// registers a trial) and B (cora and mona, not yet staff), the deployment
// handed from A to B as its operator would.
func newTwoNodes(t *testing.T) *twoNodes {
	t.Helper()
	ctx := t.Context()
	g := chaintest.StartGeth(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	open := func(dir string) (*app.App, *httptest.Server) {
		x, err := app.Open(ctx, app.Options{DataDir: dir, Version: "test", LightScrypt: true, Chain: app.ChainOptions{RPC: g.URL}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeApp(t, x) })
		h, err := NewServer(slog.New(slog.DiscardHandler), x, Options{})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return x, srv
	}
	n := &twoNodes{tamper: new(atomic.Bool), addrs: map[string]string{}}
	n.a, n.uiA = open(dirA)
	carol, err := n.a.CreateAccount(ctx, "carol", "carol-pass")
	if err != nil {
		t.Fatal(err)
	}
	g.Fund(t, carol.Address, new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18)))
	if _, err := n.a.Deploy(ctx, "carol", "carol-pass", false); err != nil {
		t.Fatal(err)
	}
	dep, err := os.ReadFile(filepath.Join(dirA, "deployments.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "deployments.json"), dep, 0o600); err != nil {
		t.Fatal(err)
	}
	n.b, n.uiB = open(dirB)
	for _, name := range []string{"cora", "mona", "rex"} {
		acct, err := n.b.CreateAccount(ctx, name, name+"-pass")
		if err != nil {
			t.Fatal(err)
		}
		n.addrs[name] = acct.Address.Hex()
	}
	provider := httptest.NewServer(tamperExport(n.a.ProviderHandler(), n.tamper))
	t.Cleanup(provider.Close)
	n.providerA = provider.URL + "/"
	if n.trial, err = n.a.RegisterTrial(ctx, app.ByAccount("carol", "carol-pass"), "Two-node vitals", "NCT13000002", "protocol.pdf", strings.NewReader("%PDF two nodes")); err != nil {
		t.Fatal(err)
	}
	n.trialPathA = trialURL(n.trial)
	return n
}

// tamperExport serves h; while on is set, a trial export it answers has
// one printed name changed, as a node rewriting its log would.
func tamperExport(h http.Handler, on *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !on.Load() || !strings.HasSuffix(r.URL.Path, "/export") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := bytes.ReplaceAll(rec.Body.Bytes(), []byte("Mona Monitor"), []byte("Mona Monitrix"))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = io.Copy(w, bytes.NewReader(body))
	})
}

// A sponsor on node A and a coordinator and a monitor whose accounts live
// on node B run a trial in the browser: the sponsor imports the study
// design and authorizes both by address; the coordinator joins the trial
// on B and enters a visit through the designed form; the monitor raises a
// query on it in B's casebook, the coordinator answers and records one
// more visit through the step form; B's dashboard, entry page, inspection
// report and "Verify the log" work from B's verified copy; the sponsor
// sees every entry on A's timeline under its signer's printed name and A's
// log verifies. A refresh on B of an export that does not verify shows
// the failing verdict and keeps the export read before.
func TestBrowser_trialTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs geth")
	}
	start := time.Now()
	ctx, problems := newBrowser(t)
	n := newTwoNodes(t)
	ctx, cancel := context.WithTimeout(ctx, 240*time.Second)
	defer cancel()
	odm, err := filepath.Abs("../marketplace/trials/testdata/cdisc_odm132_study.xml")
	if err != nil {
		t.Fatal(err)
	}

	// The sponsor on A: the design, then the staff by address.
	teamSignIn(t, ctx, n.uiA.URL, "carol", n.trialPathA+"design")
	runSteps(t, ctx, "the sponsor imports the design",
		browserStep{"design page", chromedp.Navigate(n.uiA.URL + n.trialPathA + "design")},
		browserStep{"import form", chromedp.WaitVisible(`#design-import-file`)},
		browserStep{"file", chromedp.SetUploadFiles(`#design-import-file`, []string{odm})},
		browserStep{"passphrase", setField(`#design-import-passphrase`, "carol-pass")},
		browserStep{"sign", jsClick(`#design-import button[type=submit]`)},
		browserStep{"signed", chromedp.WaitVisible(`//p[@id="design-signed"][contains(., "Design version 1 signed")]`)},
	)
	for _, s := range []struct{ name, printed, role string }{{"cora", "Cora Coordinator", "coordinator"}, {"mona", "Mona Monitor", "monitor"}} {
		runSteps(t, ctx, "the sponsor authorizes "+s.name,
			browserStep{"staff page", chromedp.Navigate(n.uiA.URL + n.trialPathA + "staff/")},
			browserStep{"form", chromedp.WaitVisible(`#staff-authorize`)},
			browserStep{"htmx", waitHTMX(`#staff-authorize form`)},
			browserStep{"address", setField(`#staff-address`, n.addrs[s.name])},
			browserStep{"name", setField(`#staff-name`, s.printed)},
			browserStep{"role", setField(`#staff-role`, s.role)},
			browserStep{"site", setField(`#staff-site`, "B")},
			browserStep{"passphrase", setField(`#staff-passphrase`, "carol-pass")},
			browserStep{"sign", jsClick(`#staff-authorize button[type=submit]`)},
			browserStep{"authorized", chromedp.WaitVisible(`//table[@id="staff-now"]//tr[@data-role="` + s.role + `"]/td[.="` + s.printed + `"]`)},
		)
	}

	// The coordinator on B joins the trial and enters a visit through the
	// designed form.
	teamSignIn(t, ctx, n.uiB.URL, "cora", "/trials/")
	runSteps(t, ctx, "the coordinator joins on B",
		browserStep{"trials page", chromedp.Navigate(n.uiB.URL + "/trials/")},
		browserStep{"join form", chromedp.WaitVisible(`#join-form`)},
		browserStep{"htmx", waitHTMX(`#join-form`)},
		browserStep{"node", setField(`#join-node`, n.providerA)},
		browserStep{"trial", setField(`#join-trial`, n.trial.ID.Hex())},
		browserStep{"passphrase", setField(`#join-passphrase`, "cora-pass")},
		browserStep{"join", jsClick(`#join-form button[type=submit]`)},
		browserStep{"the trial's page on B", chromedp.WaitVisible(`//main//h1[.="Two-node vitals"]`)},
		browserStep{"joined from A", chromedp.WaitVisible(`//code[@id="refresh-node"][.="` + n.providerA + `"]`)},
		wantJS("no anchoring nor import preview on B", `!document.querySelector('#anchoring form') && !document.querySelector('#import-preview') && !!document.querySelector('#import-commit')`),
		browserStep{"form link", chromedp.WaitVisible(`//a[.="Enter Vital Signs at Baseline"]`)},
		browserStep{"open the form", jsClick(`a[href$="forms/F.VS?event=SE.BASELINE"]`)},
		browserStep{"form", chromedp.WaitVisible(`#form-entry`)},
		browserStep{"htmx", waitHTMX(`#form-entry form`)},
		browserStep{"subject", setField(`#form-subject`, "S-001")},
		browserStep{"systolic", setField(`#item-0`, "128")},
		browserStep{"diastolic", setField(`#item-1`, "82")},
		browserStep{"passphrase", setField(`#form-passphrase`, "cora-pass")},
		browserStep{"submit", chromedp.Click(`#form-submit`)},
		browserStep{"recorded", chromedp.WaitVisible(`//p[@id="form-done"][contains(., "Entry 4 recorded")]`)},
		browserStep{"trial page", chromedp.Navigate(n.uiB.URL + n.trialPathA)},
		browserStep{"the visit on B's timeline", chromedp.WaitVisible(`//table[@id="timeline"]//tr[@data-index="4"]//small[@class="step-signature"][starts-with(., "Signed by Cora Coordinator (")]`)},
	)
	saveScreenshot(t, ctx, "trial-two-nodes.png")
	runSteps(t, ctx, "B lists the joined trial with its node",
		browserStep{"trials page", chromedp.Navigate(n.uiB.URL + "/trials/")},
		browserStep{"joined", chromedp.WaitVisible(`//table[@id="joined-list"]//tr[td/a[.="NCT13000002"]]/td/code[.="` + n.providerA + `"]`)},
	)

	// The monitor on B refreshes the trial, raises a query in B's casebook.
	teamSignIn(t, ctx, n.uiB.URL, "mona", n.trialPathA)
	runSteps(t, ctx, "the monitor refreshes from A",
		browserStep{"trial page", chromedp.Navigate(n.uiB.URL + n.trialPathA)},
		browserStep{"htmx", waitHTMX(`#refresh-form`)},
		browserStep{"passphrase", setField(`#refresh-passphrase`, "mona-pass")},
		browserStep{"refresh", jsClick(`#refresh-button`)},
		browserStep{"the page again", chromedp.WaitVisible(`//table[@id="timeline"]//tr[@data-index="4"]`)},
		browserStep{"verify on B", jsClick(`#verify-button`)},
		browserStep{"B's copy verifies", chromedp.WaitVisible(`//p[@id="verify-summary"][contains(., "PASS")]`)},
		browserStep{"dashboard on B", chromedp.Navigate(n.uiB.URL + n.trialPathA + "dashboard")},
		browserStep{"site B's progress", chromedp.WaitVisible(`#site-progress tr[data-site="B"]`)},
		browserStep{"the visit's page on B", chromedp.Navigate(n.uiB.URL + n.trialPathA + "entries/4/")},
		browserStep{"signed by", chromedp.WaitVisible(`//p[@id="entry-signature"][contains(., "Cora Coordinator")]`)},
		browserStep{"inspection report on B", chromedp.Navigate(n.uiB.URL + n.trialPathA + "report")},
		browserStep{"verified", chromedp.WaitVisible(`#report-verdict`)},
		wantJS("the report's verdict passes", `document.querySelector("#report-verdict").className.includes("pass")`),
		browserStep{"casebooks", chromedp.Navigate(n.uiB.URL + n.trialPathA + "casebook/")},
		browserStep{"subject", chromedp.WaitVisible(`#casebooks a`)},
		browserStep{"open", jsClick(`#casebooks a`)},
		browserStep{"casebook", chromedp.WaitVisible(`#entry-4`)},
		browserStep{"raise", jsClick(`#raise-4-toggle`)},
		browserStep{"text", chromedp.WaitVisible(`#raise-4-text`)},
		browserStep{"item", setField(`#raise-4-item`, "VS.SYSBP")},
		browserStep{"question", setField(`#raise-4-text`, "128 mmHg: sitting or standing?")},
		browserStep{"passphrase", setField(`#raise-4-passphrase`, "mona-pass")},
		browserStep{"sign", jsClick(`#raise-4 button[type=submit]`)},
		browserStep{"open query", chromedp.WaitVisible(`#query-5[data-state="open"]`)},
	)
	visitPath := must(chromedp.Run(ctx, chromedp.Location()))(t)

	// The coordinator answers it on B.
	teamSignIn(t, ctx, n.uiB.URL, "cora", n.trialPathA)
	runSteps(t, ctx, "the coordinator answers on B",
		browserStep{"casebook", chromedp.Navigate(visitPath)},
		browserStep{"query", chromedp.WaitVisible(`#query-5`)},
		browserStep{"answer", jsClick(`#answer-5-toggle`)},
		browserStep{"text", chromedp.WaitVisible(`#answer-5-text`)},
		browserStep{"answer text", setField(`#answer-5-text`, "Sitting, after 5 minutes' rest")},
		browserStep{"passphrase", setField(`#answer-5-passphrase`, "cora-pass")},
		browserStep{"sign", jsClick(`#answer-5 button[type=submit]`)},
		browserStep{"answered", chromedp.WaitVisible(`#query-5[data-state="answered"]`)},
		browserStep{"trial page", chromedp.Navigate(n.uiB.URL + n.trialPathA)},
		browserStep{"step form", chromedp.WaitVisible(`#step-form`)},
		browserStep{"htmx", waitHTMX(`#step-form form`)},
		browserStep{"type", setField(`#step-type`, "visit")},
		browserStep{"subject", setField(`#step-subject`, "S-001")},
		browserStep{"data", setField(`#step-data`, `{"note":"unscheduled"}`)},
		browserStep{"passphrase", setField(`#step-passphrase`, "cora-pass")},
		browserStep{"sign", jsClick(`#step-form button[type=submit]`)},
		browserStep{"recorded through the step form", chromedp.WaitVisible(`//p[@id="step-done"][contains(., "Entry 7 recorded")]`)},
	)

	// The sponsor on A: every entry under its signer's printed name, and
	// the log verifies.
	teamSignIn(t, ctx, n.uiA.URL, "carol", n.trialPathA)
	signed := func(i, name string) browserStep {
		return browserStep{"entry " + i + " by " + name, chromedp.WaitVisible(`//table[@id="timeline"]//tr[@data-index="` + i + `"]//small[@class="step-signature"][starts-with(., "Signed by ` + name + ` (")]`)}
	}
	runSteps(t, ctx, "the sponsor reads A's timeline",
		browserStep{"trial page", chromedp.Navigate(n.uiA.URL + n.trialPathA)},
		signed("4", "Cora Coordinator"),
		signed("5", "Mona Monitor"),
		signed("6", "Cora Coordinator"),
		signed("7", "Cora Coordinator"),
		browserStep{"verify", jsClick(`#verify-button`)},
		browserStep{"verdict", chromedp.WaitVisible(`#verify-summary`)},
	)
	if got := must(chromedp.Run(ctx, chromedp.Text(`#verify-summary`)))(t); !strings.Contains(got, "PASS") || !strings.Contains(got, "8 entries") {
		t.Errorf("A's log: %q", got)
	}

	// An account of B the sponsor never authorized joins, but cannot read
	// the trial; a refresh without the passphrase typed again is refused.
	rex := sessionOf(t, n.b, "rex")
	res, body := postForm(t, n.uiB, "/trials/join", url.Values{"node": {n.providerA}, "trial": {n.trial.ID.Hex()}, "passphrase": {"rex-pass"}}, rex)
	wantBody(t, "a stranger joins", res, body, 403, `id="join-problem"`, "Joined, but the trial could not be read yet")
	res, body = postForm(t, n.uiB, n.trialPathA+"refresh", url.Values{}, sessionOf(t, n.b, "cora"))
	wantBody(t, "refresh without the passphrase", res, body, 422, `id="verify-problem"`, "Passphrase required")

	// A's node now answers an export whose monitor's name was rewritten:
	// B's refresh shows why it does not verify, and keeps what it had.
	n.tamper.Store(true)
	teamSignIn(t, ctx, n.uiB.URL, "cora", n.trialPathA)
	runSteps(t, ctx, "a refresh that does not verify",
		browserStep{"trial page", chromedp.Navigate(n.uiB.URL + n.trialPathA)},
		browserStep{"htmx", waitHTMX(`#refresh-form`)},
		browserStep{"passphrase", setField(`#refresh-passphrase`, "cora-pass")},
		browserStep{"refresh", jsClick(`#refresh-button`)},
		browserStep{"failed", chromedp.WaitVisible(`#refresh-result #verify-problem`)},
		browserStep{"the verdict", chromedp.WaitVisible(`#refresh-result #verify-banner.verdict-fail`)},
	)
	if got := must(chromedp.Run(ctx, chromedp.Text(`#refresh-result`)))(t); !strings.Contains(got, "does not verify") {
		t.Errorf("refresh of a rewritten export: %q", got)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#timeline tr[data-index="5"] small.step-signature`)))(t); !strings.Contains(got, "Mona Monitor") {
		t.Errorf("B's timeline after the refused export: %q", got)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
	t.Logf("two nodes on geth --dev, sponsor, coordinator and monitor in the browser: %s", time.Since(start))
}

package frontend

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/app"
)

// A trial run end to end in one browser by four accounts of one node, each
// signing in and signing its own entries with its passphrase typed in the
// signing block: the sponsor registers the trial, designs a form in the
// builder and authorizes a coordinator, a monitor and a data manager on the
// staff page; the coordinator enters a visit whose one out-of-range value
// is named on its field, fixes it and records it; the monitor raises a
// query on that value, the coordinator answers, the monitor closes it and
// marks the entry verified; the data manager locks the casebook and the
// coordinator's next entry is refused; the sponsor anchors, the inspection
// report prints to PDF, the export verifies and a tampered copy fails with
// the red banner. Only accounts and funds are set up through the app.
func TestBrowser_trialTeamEndToEnd(t *testing.T) {
	start := time.Now()
	ctx, problems := newBrowser(t)
	srv, a := newTrialServer(t)
	addr := map[string]string{}
	for _, name := range []string{"cora", "mo", "dana"} {
		acct, err := a.CreateAccount(t.Context(), name, name+"-pass")
		if err != nil {
			t.Fatal(err)
		}
		addr[name] = acct.Address.Hex()
	}
	ctx, cancel := context.WithTimeout(ctx, 150*time.Second)
	defer cancel()
	protocol := filepath.Join(t.TempDir(), "protocol.pdf")
	if err := os.WriteFile(protocol, []byte("%PDF-1.7 vitals protocol v1"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The sponsor registers the trial and designs its form.
	teamSignIn(t, ctx, srv.URL, "carol", "/trials/")
	runSteps(t, ctx, "sponsor registers the trial",
		browserStep{"trials page", chromedp.Navigate(srv.URL + "/trials/")},
		browserStep{"register form", chromedp.WaitVisible(`#register`)},
		browserStep{"title", setField(`#register input[name=title]`, "Vitals after minor stroke")},
		browserStep{"identifier", setField(`#register input[name=identifier]`, "NCT01300013")},
		browserStep{"protocol", chromedp.SetUploadFiles(`#register input[name=protocol]`, []string{protocol})},
		browserStep{"register", jsClick(`#register button[type=submit]`)},
		browserStep{"trial page", chromedp.WaitVisible(`//main//h1[.="Vitals after minor stroke"]`)},
	)
	base := strings.TrimPrefix(must(chromedp.Run(ctx, chromedp.Location()))(t), srv.URL)
	if !regexp.MustCompile(`^/trials/0x[0-9a-f]{64}/$`).MatchString(base) {
		t.Fatalf("after registering, at %q, want the trial page", base)
	}
	e2eDesign(t, ctx, srv.URL+base)
	e2eStaff(t, ctx, srv.URL+base, addr)

	// The coordinator enters a visit: 300 mmHg is refused on its field.
	teamSignIn(t, ctx, srv.URL, "cora", base)
	runSteps(t, ctx, "coordinator enters a visit out of range",
		browserStep{"trial page", chromedp.Navigate(srv.URL + base)},
		browserStep{"role", chromedp.WaitVisible(`//strong[@id="my-role"][.="Study coordinator at site A"]`)},
		browserStep{"form link", jsClick(`#designed-forms a[href*="/forms/F.VITALS?"]`)},
		browserStep{"form", chromedp.WaitVisible(`#form-entry`)},
		browserStep{"htmx", waitHTMX(`#form-entry form`)},
		browserStep{"subject", setField(`#form-subject`, "S-001")},
		browserStep{"systolic too high", setField(`#item-0`, "300")},
		browserStep{"heart rate", setField(`#item-1`, "72")},
		browserStep{"passphrase", setField(`#form-passphrase`, "cora-pass")},
		browserStep{"submit", jsClick(`#form-submit`)},
		browserStep{"message on the field", chromedp.WaitVisible(`#item-0-error`)},
		wantJS("only the systolic field is named, with its value kept", `(() => {
			const e = document.querySelector("#item-0");
			return e.value === "300" && e.getAttribute("aria-invalid") === "true" && !document.querySelector("#item-1-error") &&
				document.querySelector("#item-0-error").textContent.includes("Systolic blood pressure: 300 mmHg is above the maximum 250 mmHg") })()`),
		browserStep{"htmx", waitHTMX(`#form-entry form`)},
		browserStep{"fixed", setField(`#item-0`, "120")},
		browserStep{"passphrase again", setField(`#form-passphrase`, "cora-pass")},
		browserStep{"submit again", jsClick(`#form-submit`)},
		browserStep{"recorded", chromedp.WaitVisible(`//p[@id="form-done"][contains(., " recorded")]`)},
	)
	done := must(chromedp.Run(ctx, chromedp.Text(`#form-done`)))(t)
	m := regexp.MustCompile(`Entry (\d+) recorded`).FindStringSubmatch(done)
	if m == nil {
		t.Fatalf("form done: %q, want Entry N recorded", done)
	}
	visit := m[1]

	casebook := e2eQueryAndSDV(t, ctx, srv.URL, base, visit)

	// The data manager locks the casebook.
	teamSignIn(t, ctx, srv.URL, "dana", casebook)
	runSteps(t, ctx, "data manager locks the casebook",
		browserStep{"casebook", chromedp.Navigate(srv.URL + casebook)},
		browserStep{"lock form", jsClick(`#casebook-lock-toggle`)},
		browserStep{"reason field", chromedp.WaitVisible(`#casebook-lock-reason`)},
		browserStep{"reason", setField(`#casebook-lock-reason`, "visit complete, query closed, source verified")},
		browserStep{"passphrase", setField(`#casebook-lock-passphrase`, "dana-pass")},
		browserStep{"lock", jsClick(`#casebook-lock-form button[type=submit]`)},
		browserStep{"locked", chromedp.WaitVisible(`//p[@id="casebook-locked"][contains(., "Dana Data")]`)},
		browserStep{"verified mark kept", chromedp.WaitVisible(`#sdv-` + visit)},
	)
	saveScreenshot(t, ctx, "trial-e2e-casebook.png")
	locked := must(chromedp.Run(ctx, chromedp.Text(`#casebook-locked`)))(t)
	m = regexp.MustCompile(`at entry (\d+)`).FindStringSubmatch(locked)
	if m == nil {
		t.Fatalf("casebook locked: %q, want the lock's entry", locked)
	}
	lock := m[1]

	// The coordinator's next entry for the subject is refused with the lock.
	teamSignIn(t, ctx, srv.URL, "cora", base)
	runSteps(t, ctx, "entry after the lock",
		browserStep{"trial page", chromedp.Navigate(srv.URL + base)},
		browserStep{"form link", chromedp.WaitVisible(`#designed-forms a[href*="/forms/F.VITALS?"]`)},
		browserStep{"open the form", jsClick(`#designed-forms a[href*="/forms/F.VITALS?"]`)},
		browserStep{"form shown", chromedp.WaitVisible(`#form-entry`)},
		browserStep{"htmx", waitHTMX(`#form-entry form`)},
		browserStep{"subject", setField(`#form-subject`, "S-001")},
		browserStep{"systolic", setField(`#item-0`, "118")},
		browserStep{"heart rate", setField(`#item-1`, "70")},
		browserStep{"passphrase", setField(`#form-passphrase`, "cora-pass")},
		browserStep{"submit", jsClick(`#form-submit`)},
		browserStep{"refused", chromedp.WaitVisible(`#form-record-problem`)},
	)
	if got := must(chromedp.Run(ctx, chromedp.Text(`#form-record-problem`)))(t); !strings.Contains(got, "lock") || !strings.Contains(got, lock) {
		t.Errorf("the entry after the lock is refused with %q, want the lock (entry %s) named", got, lock)
	} else {
		t.Logf("the entry after the lock: %s", got)
	}

	e2eReportAndVerify(t, ctx, srv.URL, base, visit, lock)

	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
	t.Logf("the trial run end to end in %s", time.Since(start).Round(time.Millisecond))
}

// e2eDesign: the sponsor builds one event, one form with two ranged items,
// and signs the design with its passphrase.
func e2eDesign(t *testing.T, ctx context.Context, trial string) {
	t.Helper()
	done := func(text string) browserStep {
		return browserStep{"builder says " + text, chromedp.WaitVisible(`//p[@id="builder-done"][contains(., "` + text + `")]`)}
	}
	htmx := browserStep{"htmx", waitHTMX(`#design-builder-form`)}
	runSteps(t, ctx, "sponsor designs the form",
		browserStep{"design page", chromedp.Navigate(trial + "design")},
		browserStep{"builder", chromedp.WaitVisible(`#design-builder`)},
		htmx,
		browserStep{"event oid", setField(`#event_oid`, "SE.BASE")},
		browserStep{"event name", setField(`#event_name`, "Baseline")},
		browserStep{"add event", jsClick(`#add-event`)},
		done("Event Baseline (SE.BASE) added."),
		htmx,
		browserStep{"form oid", setField(`#form_oid`, "F.VITALS")},
		browserStep{"form name", setField(`#form_name`, "Vital signs")},
		browserStep{"at event", setField(`#form_event`, "SE.BASE")},
		browserStep{"add form", jsClick(`#add-form`)},
		done("Form F.VITALS added at event SE.BASE."),
		htmx,
		browserStep{"item oid", setField(`#item_oid`, "IT.SYS")},
		browserStep{"item label", setField(`#item_label`, "Systolic blood pressure")},
		browserStep{"item type", setField(`#item_type`, "integer")},
		browserStep{"unit", setField(`#item_unit`, "mmHg")},
		browserStep{"min", setField(`#item_min`, "60")},
		browserStep{"max", setField(`#item_max`, "250")},
		browserStep{"required", jsClick(`#item_required`)},
		browserStep{"add item", jsClick(`#add-item`)},
		done("Item IT.SYS added to form F.VITALS."),
		htmx,
		browserStep{"item oid", setField(`#item_oid`, "IT.HR")},
		browserStep{"item label", setField(`#item_label`, "Heart rate")},
		browserStep{"item type", setField(`#item_type`, "integer")},
		browserStep{"unit", setField(`#item_unit`, "bpm")},
		browserStep{"min", setField(`#item_min`, "30")},
		browserStep{"max", setField(`#item_max`, "220")},
		browserStep{"add item", jsClick(`#add-item`)},
		done("Item IT.HR added to form F.VITALS."),
		htmx,
		browserStep{"passphrase", setField(`#design-passphrase`, "carol-pass")},
		browserStep{"sign", jsClick(`#design-sign`)},
		browserStep{"signed", chromedp.WaitVisible(`//p[@id="design-signed"][contains(., "Design version 1 signed")]`)},
	)
}

// e2eStaff: the sponsor authorizes the coordinator, the monitor and the
// data manager at site A on the staff page.
func e2eStaff(t *testing.T, ctx context.Context, trial string, addr map[string]string) {
	t.Helper()
	for _, s := range []struct{ account, name, role, label string }{
		{"cora", "Cora Coordinator", "coordinator", "Study coordinator"},
		{"mo", "Mo Monitor", "monitor", "Monitor"},
		{"dana", "Dana Data", "data_manager", "Data manager"},
	} {
		runSteps(t, ctx, "sponsor authorizes "+s.name,
			browserStep{"staff page", chromedp.Navigate(trial + "staff/")},
			browserStep{"form", chromedp.WaitVisible(`#staff-authorize`)},
			browserStep{"htmx", waitHTMX(`#staff-authorize form`)},
			browserStep{"address", setField(`#staff-address`, addr[s.account])},
			browserStep{"name", setField(`#staff-name`, s.name)},
			browserStep{"role", setField(`#staff-role`, s.role)},
			browserStep{"site", setField(`#staff-site`, "A")},
			browserStep{"passphrase", setField(`#staff-passphrase`, "carol-pass")},
			browserStep{"sign", jsClick(`#staff-authorize button[type=submit]`)},
			browserStep{"authorized", chromedp.WaitVisible(`//p[@id="staff-done"][contains(., "is authorized as ` + s.label + ` at site A")]`)},
			browserStep{"listed", chromedp.WaitVisible(`//table[@id="staff-now"]//tr[@data-role="` + s.role + `"]/td[.="` + s.name + `"]`)},
		)
	}
}

// e2eQueryAndSDV: the monitor raises a query on the visit's systolic value,
// the coordinator answers, the monitor closes it and marks the visit
// verified. It returns the subject's casebook path.
func e2eQueryAndSDV(t *testing.T, ctx context.Context, base, trial, visit string) string {
	t.Helper()
	raise := "#raise-" + visit
	teamSignIn(t, ctx, base, "mo", trial)
	runSteps(t, ctx, "monitor raises a query",
		browserStep{"trial page", chromedp.Navigate(base + trial)},
		browserStep{"casebooks link", jsClick(`#casebook-link`)},
		browserStep{"casebooks", chromedp.WaitVisible(`#casebooks tbody a`)},
		browserStep{"subject's casebook", jsClick(`#casebooks tbody a`)},
		browserStep{"visit", chromedp.WaitVisible(`#entry-` + visit)},
		browserStep{"raise form", jsClick(raise + `-toggle`)},
		browserStep{"question field", chromedp.WaitVisible(raise + `-text`)},
		browserStep{"item", setField(raise+`-item`, "IT.SYS")},
		browserStep{"question", setField(raise+`-text`, "120 mmHg: please confirm against the source document")},
		browserStep{"passphrase", setField(raise+`-passphrase`, "mo-pass")},
		browserStep{"raise", jsClick(raise + ` button[type=submit]`)},
		browserStep{"open query", chromedp.WaitVisible(`.query[data-state="open"]`)},
	)
	casebook := strings.TrimPrefix(must(chromedp.Run(ctx, chromedp.Location()))(t), base)
	q := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".query[data-state=open]").id.replace("query-", "")`)))(t)

	answer := "#answer-" + q
	teamSignIn(t, ctx, base, "cora", casebook)
	runSteps(t, ctx, "coordinator answers the query",
		browserStep{"casebook", chromedp.Navigate(base + casebook)},
		browserStep{"answer form", jsClick(answer + `-toggle`)},
		browserStep{"answer field", chromedp.WaitVisible(answer + `-text`)},
		browserStep{"answer", setField(answer+`-text`, "Confirmed against the clinic chart: 120 mmHg")},
		browserStep{"passphrase", setField(answer+`-passphrase`, "cora-pass")},
		browserStep{"sign", jsClick(answer + ` button[type=submit]`)},
		browserStep{"answered", chromedp.WaitVisible(`.query[data-state="answered"]`)},
	)

	closeQ, sdv := "#close-"+q, "#sdv-form-"+visit
	teamSignIn(t, ctx, base, "mo", casebook)
	runSteps(t, ctx, "monitor closes the query and marks SDV",
		browserStep{"casebook", chromedp.Navigate(base + casebook)},
		browserStep{"close form", jsClick(closeQ + `-toggle`)},
		browserStep{"close text", chromedp.WaitVisible(closeQ + `-text`)},
		browserStep{"text", setField(closeQ+`-text`, "Matches the source")},
		browserStep{"passphrase", setField(closeQ+`-passphrase`, "mo-pass")},
		browserStep{"close", jsClick(closeQ + ` button[type=submit]`)},
		browserStep{"closed", chromedp.WaitVisible(`.query[data-state="closed"]`)},
		browserStep{"sdv form", jsClick(`#sdv-` + visit + `-toggle`)},
		browserStep{"sdv passphrase field", chromedp.WaitVisible(sdv + `-passphrase`)},
		browserStep{"passphrase", setField(sdv+`-passphrase`, "mo-pass")},
		browserStep{"sign", jsClick(sdv + ` button[type=submit]`)},
		browserStep{"verified", chromedp.WaitVisible(`//ins[@id="sdv-` + visit + `"][contains(., "Mo Monitor")]`)},
	)
	return casebook
}

// e2eReportAndVerify: the sponsor anchors the log, opens the inspection
// report and prints it; the downloaded export passes on the verify page and
// a copy with the visit's systolic value changed fails with the banner.
// The lock is the log's last entry: the refused entry is not in it.
func e2eReportAndVerify(t *testing.T, ctx context.Context, base, trial, visit, lock string) {
	t.Helper()
	teamSignIn(t, ctx, base, "carol", trial)
	runSteps(t, ctx, "sponsor anchors and opens the report",
		browserStep{"trial page", chromedp.Navigate(base + trial)},
		browserStep{"anchoring", chromedp.WaitVisible(`#anchoring form`)},
		browserStep{"htmx", waitHTMX(`#anchoring form`)},
		browserStep{"anchor", jsClick(`#anchoring button[type=submit]`)},
		browserStep{"anchored", chromedp.WaitVisible(`#anchor-block`)},
		browserStep{"report", chromedp.Navigate(base + trial + "report")},
		browserStep{"verdict", chromedp.WaitVisible(`#report-verdict`)},
		browserStep{"the visit", chromedp.WaitVisible(`#entry-` + visit)},
		browserStep{"the lock", chromedp.WaitVisible(`#entry-` + lock)},
	)
	if last := must(chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("[id^=entry-]")).map(e => e.id).pop()`)))(t); last != "entry-"+lock {
		t.Errorf("the report's last entry is %s, want the lock entry-%s: the refused entry was recorded?", last, lock)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#report-verdict`)))(t); !strings.HasPrefix(got, "PASS") {
		t.Errorf("report verdict %q, want PASS", got)
	}
	text := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)))(t)
	for _, want := range []string{"Cora Coordinator", "Mo Monitor", "Dana Data", "Systolic blood pressure"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	saveScreenshot(t, ctx, "trial-e2e-report.png")
	yes := true
	pdf := must(chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, tg, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
		return r.Data, err
	})))(t)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the report prints to %q, not a PDF", pdf[:min(len(pdf), 16)])
	}
	if pages := bytes.Count(pdf, []byte("/Type /Page")) - bytes.Count(pdf, []byte("/Type /Pages")); pages < 5 {
		t.Errorf("the report prints to %d pages, want a section a page (5 at least)", pages)
	} else {
		t.Logf("the report prints to %d pages, %d bytes", pages, len(pdf))
	}

	// The export as the trial page's link downloads it.
	runSteps(t, ctx, "download the export",
		browserStep{"trial page", chromedp.Navigate(base + trial)},
		browserStep{"export link", chromedp.WaitVisible(`#export-json`)},
	)
	export := must(chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("export-json").href).then(r => r.text())`, chromedp.EvalAwaitPromise)))(t)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "audit.json"), filepath.Join(dir, "audit-tampered.json")
	if err := os.WriteFile(good, []byte(export), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := app.ReadTrialExport(strings.NewReader(export))
	if err != nil {
		t.Fatalf("the downloaded export: %v", err)
	}
	var changed bool
	for i := range e.Entries {
		if bytes.Contains(e.Entries[i].Leaf, []byte(`"IT.SYS":120`)) {
			e.Entries[i].Leaf = bytes.Replace(e.Entries[i].Leaf, []byte(`"IT.SYS":120`), []byte(`"IT.SYS":210`), 1)
			changed = true
			break
		}
	}
	if !changed {
		t.Fatal("no entry of the export holds the visit's systolic value 120")
	}
	var buf bytes.Buffer
	if err := app.WriteTrialExport(&buf, e); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	verify := func(what, file, banner string) {
		t.Helper()
		runSteps(t, ctx, what,
			browserStep{"verify page", chromedp.Navigate(base + "/verify/")},
			browserStep{"form", chromedp.WaitVisible(`#verify-form`)},
			browserStep{"file", chromedp.SetUploadFiles(`#verify-file`, []string{file})},
			browserStep{"verify", jsClick(`#verify-form button[type=submit]`)},
			browserStep{"banner", chromedp.WaitVisible(banner)},
		)
	}
	verify("verify the export", good, `#verify-banner.verdict-pass`)
	verify("verify a tampered export", bad, `#verify-banner.verdict-fail[role=alert]`)
	banner := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("verify-banner").innerText`)))(t)
	if !strings.Contains(banner, "Not verified:") || !strings.Contains(banner, "Entry "+visit+" was changed after it was signed") {
		t.Errorf("the tampered export's banner:\n%s", banner)
	}
	saveScreenshot(t, ctx, "trial-e2e-verify-fail.png")
}

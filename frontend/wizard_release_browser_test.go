package frontend

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// A patient chooses every Synthea bundle at once in the browser's file
// dialog: the wizard keeps them as one upload and shows them as one
// release, every table with its rows, columns and roles. Safe Harbor runs
// on the whole release (notes scrubbed); the report shows the patients'
// verdict and each table before and after; every table is published. A
// researcher buys the listing and downloads a ZIP holding manifest.json
// and every table the wizard showed, with no name of the Synthea patients
// left in any of them.
func TestBrowser_publishWizardRecordSet(t *testing.T) {
	var files []string
	for _, f := range syntheaBundles(t) {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, abs)
	}
	if len(files) < 2 {
		t.Fatalf("want several Synthea bundles in the shared data, found %d", len(files))
	}
	ctx, problems := newBrowser(t)
	srv, a := newTestServerWith(t, Options{})
	ctx, cancel := context.WithTimeout(ctx, 180*time.Second)
	defer cancel()
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(t.Context(), n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(t.Context(), n, mustEther(t, "10")); err != nil {
			t.Fatal(err)
		}
	}
	browserSignIn(t, ctx, srv.URL, "alice", "/mydata/publish/")
	runSteps(t, ctx, "upload the record set",
		browserStep{"step 1", chromedp.WaitVisible(`#wizard-file`)},
		wantJS("the file input takes several files", `document.querySelector('#wizard-file').multiple`),
		browserStep{"files", chromedp.SetUploadFiles(`#wizard-file`, files)},
		browserStep{"htmx", waitHTMX(`#wizard-upload form`)},
		browserStep{"upload", chromedp.Click(`#wizard-upload-button`)},
		browserStep{"step 2", chromedp.WaitVisible(`#wizard-release`)},
		wantJS("every file listed", fmt.Sprintf(`document.querySelectorAll('#wizard-files li').length === %d`, len(files))),
		wantJS("the whole release chosen", `document.querySelector('#wizard-table').value === ""`),
		wantJS("a role select per column of every table", `[...document.querySelectorAll('.release-table')].every(d => d.querySelectorAll('select[name^="roles."]').length > 0)`),
	)
	if got := transientFiles(t, a); len(got) != 1 {
		t.Errorf("data dir tmp/ holds %v, want the one upload", got)
	}
	shown := must(chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.release-table')].map(d => d.id.replace("release-table-", ""))`)))(t)
	for _, want := range []string{"Patient", "Observation", "Condition", "Encounter", "DocumentReference"} {
		if !slices.Contains(shown, want) {
			t.Errorf("step 2 shows tables %v, without %s", shown, want)
		}
	}

	runSteps(t, ctx, "the release's report",
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"preset", jsClick(`input[name=preset][value="safe-harbor"]`)},
		browserStep{"run", jsClick(`#wizard-run`)},
		browserStep{"report", chromedp.WaitVisible(`#release-report`)},
		// A few patients under Safe Harbor are each alone in their group:
		// the gate refuses for that risk alone, and offers the confirm step.
		browserStep{"verdict", chromedp.WaitVisible(`#verdict-fail`)},
		wantJS("refused for the patients' risk alone", `document.querySelector('#risk-banner').textContent.includes("The risk is the only reason")`),
		browserStep{"confirm step", chromedp.WaitVisible(`#risk-confirm-form`)},
		wantJS("publish disabled", `document.querySelector('#publish-button').disabled`),
		wantJS("a section per table", fmt.Sprintf(`document.querySelectorAll('.release-table-report').length === %d`, len(shown))),
		wantJS("notes scrubbed", `document.querySelector('#release-report-DocumentReference .release-free-text').textContent.includes("scrubbed")`),
		browserStep{"open the notes", chromedp.Evaluate[chromedp.Void](`document.querySelector('#release-report-DocumentReference').open = true`)},
	)
	// The screenshot shows the release's report from its verdict down.
	runSteps(t, ctx, "the view for the screenshot",
		browserStep{"size", chromedp.EmulateViewport(1280, 1500)},
		browserStep{"scroll", chromedp.Evaluate[chromedp.Void](`document.querySelector('#report-preset').scrollIntoView()`)},
	)
	png := must(chromedp.Run(ctx, chromedp.CaptureScreenshot()))(t)
	if err := os.WriteFile(filepath.Join("..", "build", "screenshots", "wizard-release.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	runSteps(t, ctx, "accept the risk",
		browserStep{"htmx", waitHTMX(`#risk-confirm-form`)},
		browserStep{"tick", jsClick(`#risk-confirm-form input[name=accept]`)},
		browserStep{"words", setField(`#risk-confirm-form textarea[name=words]`, "Synthetic test patients; I accept that they can be recognised.")},
		browserStep{"accept", jsClick(`#risk-confirm-button`)},
		browserStep{"accepted", chromedp.WaitVisible(`#risk-accepted-pending`)},
		wantJS("publish enabled", `!document.querySelector('#publish-button').disabled`),
	)
	fill(t, ctx, map[string]string{`#publish-form input[name=title]`: "A whole record", `#publish-form input[name=price]`: "0.01"})
	runSteps(t, ctx, "publish every table",
		browserStep{"htmx", waitHTMX(`#publish-form`)},
		wantJS("a release", `document.querySelector('#publish-form input[name=release]').value === "1"`),
		browserStep{"publish", jsClick(`#publish-button`)},
		browserStep{"published", chromedp.WaitVisible(`#published-link`)},
	)
	href := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("published-link").getAttribute("href")`)))(t)
	if got := transientFiles(t, a); len(got) != 0 {
		t.Errorf("after publishing, data dir tmp/ holds %v", got)
	}

	// The researcher buys the listing and downloads the release.
	browserSignIn(t, ctx, srv.URL, "bob", href)
	runSteps(t, ctx, "buy",
		browserStep{"card", chromedp.WaitVisible(`#buy-form`)},
		browserStep{"htmx", waitHTMX(`#buy-form`)},
		browserStep{"accept", jsClick(`#buy-accept`)},
		browserStep{"buy", jsClick(`#buy-button`)},
		browserStep{"bought", chromedp.WaitVisible(`#download-link`)},
	)
	b64 := must(chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("download-link").href)
		.then(r => r.ok ? r.arrayBuffer() : Promise.reject("HTTP " + r.status))
		.then(b => { let s = ""; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s) })`, chromedp.EvalAwaitPromise)))(t)
	zipped, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	// Synthea names its files after the patient: Given123_Family456_uuid.json.
	var names []string
	for _, b := range files {
		for _, p := range strings.SplitN(filepath.Base(b), "_", 3)[:2] {
			names = append(names, strings.TrimRight(p, "0123456789"))
		}
	}
	anonymizetest.CheckReleaseZIP(t, zipped, shown, names)
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors:\n%v", p)
	}
}

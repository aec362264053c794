package frontend

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A patient publishes their own record (one Synthea patient's FHIR Bundle,
// every table as one release, Safe Harbor): the report refuses for the risk alone
// (100 %, threshold 20 %) with what to change and the population estimate;
// the patient accepts the risk in the separate confirm step, in their own
// words, and publishes; the card says plainly that the publisher accepted
// it, and when. Screenshots: wizard-risk-banner.png, card-risk-accepted.png.
func TestBrowser_publishOwnRecordAcceptingTheRisk(t *testing.T) {
	files := syntheaBundles(t)
	bundle, err := filepath.Abs(files[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := newBrowser(t)
	srv, a := newTestServerWith(t, Options{})
	ctx, cancel := context.WithTimeout(ctx, 180*time.Second)
	defer cancel()
	if _, err := a.CreateAccount(t.Context(), "alice", "alice-pass"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Fund(t.Context(), "alice", mustEther(t, "10")); err != nil {
		t.Fatal(err)
	}
	browserSignIn(t, ctx, srv.URL, "alice", "/mydata/publish/")
	runSteps(t, ctx, "to the report",
		browserStep{"step 1", chromedp.WaitVisible(`#wizard-file`)},
		browserStep{"file", chromedp.SetUploadFiles(`#wizard-file`, []string{bundle})},
		browserStep{"htmx", waitHTMX(`#wizard-upload form`)},
		browserStep{"upload", chromedp.Click(`#wizard-upload-button`)},
		browserStep{"step 2", chromedp.WaitVisible(`#wizard-release`)},
		wantJS("every table, as one release", `document.querySelector('#wizard-table').value === ""`),
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"preset", jsClick(`input[name=preset][value="safe-harbor"]`)},
		browserStep{"run", jsClick(`#wizard-run`)},
		browserStep{"confirm step", chromedp.WaitVisible(`#risk-confirm-form`)},
		wantJS("refusal banner", `document.querySelector('#risk-banner').textContent.includes("The policy gate refuses this data")`),
		wantJS("what to change", `document.querySelector('#risk-advice').textContent.includes("raise k")`),
		wantJS("population estimate", `!!document.querySelector('#report-population-share')`),
		wantJS("publish disabled", `document.querySelector('#publish-button').disabled`),
	)
	saveScreenshot(t, ctx, "wizard-risk-banner.png")
	runSteps(t, ctx, "accept and publish",
		browserStep{"htmx", waitHTMX(`#risk-confirm-form`)},
		browserStep{"tick", jsClick(`#risk-confirm-form input[name=accept]`)},
		browserStep{"words", setField(`#risk-confirm-form textarea[name=words]`, "It is my own synthetic record; I accept that it can be recognised.")},
		browserStep{"accept", jsClick(`#risk-confirm-button`)},
		browserStep{"accepted", chromedp.WaitVisible(`#risk-accepted-pending`)},
		wantJS("publish enabled", `!document.querySelector('#publish-button').disabled`),
		browserStep{"htmx", waitHTMX(`#publish-form`)},
		browserStep{"title", setField(`#publish-form input[name=title]`, "My own record")},
		browserStep{"price", setField(`#publish-form input[name=price]`, "0.01")},
		browserStep{"publish", jsClick(`#publish-button`)},
		browserStep{"published", chromedp.WaitVisible(`#published-link`)},
		browserStep{"card", jsClick(`#published-link`)},
		browserStep{"banner", chromedp.WaitVisible(`#risk-banner.risk-accepted`)},
		wantJS("plain words", `document.querySelector('#risk-banner').textContent.includes("The publisher accepted a highest re-identification risk of 100 % (threshold 20 %) on ")`),
		wantJS("their words", `document.querySelector('#risk-banner').textContent.includes("It is my own synthetic record")`),
	)
	saveScreenshot(t, ctx, "card-risk-accepted.png")
}

package frontend

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserStep is one named action of a browser test.
type browserStep struct {
	name string
	a    chromedp.Action[chromedp.Void]
}

// runSteps runs steps in order, each within 30 s; a failure shows the
// wizard as it was.
func runSteps(t *testing.T, ctx context.Context, what string, steps ...browserStep) {
	t.Helper()
	for _, step := range steps {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := chromedp.Do(sctx, step.a)
		cancel()
		if err != nil {
			html, herr := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("wizard") || document.body).innerHTML`))
			t.Fatalf("%s, %s: %v\n%v %.6000s", what, step.name, err, herr, html)
		}
	}
}

// chooseOption sets the select sel to value as a user does, firing change.
func chooseOption(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})) })()`, sel, value))
}

// setField types value into the input sel.
func setField(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { document.querySelector(%q).value = %q })()`, sel, value))
}

// wantJS waits until js is true (what says what it checks).
func wantJS(what, js string) browserStep { return browserStep{what, waitJS(js, what)} }

// A patient uploads a Synthea FHIR Bundle, chooses the Observation table
// and sees its columns, reaches its report with the first rows before and
// after, goes back and forth, finds every choice kept, and a k too large
// stays on step 2 with the reason and the values typed; each table keeps
// its own roles. Then Observation is published. Nothing is uploaded twice:
// every step runs from the kept upload.
func TestBrowser_publishWizardTablesAndFailures(t *testing.T) {
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
	hasTable := func(table string) string {
		return fmt.Sprintf(`(() => { const p = document.querySelector("#wizard-preview"); return !!p && p.innerHTML.includes("table <strong>%s</strong>") })()`, table)
	}
	runSteps(t, ctx, "upload",
		browserStep{"step 1", chromedp.WaitVisible(`#wizard-file`)},
		browserStep{"file", chromedp.SetUploadFiles(`#wizard-file`, []string{bundle})},
		browserStep{"htmx", waitHTMX(`#wizard-upload form`)},
		browserStep{"upload", chromedp.Click(`#wizard-upload-button`)},
		browserStep{"every table", chromedp.WaitVisible(`#wizard-release`)},
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"Patient alone", chooseOption(`select[name=table]`, "Patient")},
		wantJS("the Patient table", hasTable("Patient")),
		wantJS("Patient's columns", `!!document.querySelector('select[name="role.state"]')`),
	)
	upload := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#wizard-run-form input[name=upload]').value`)))(t)

	// Patient: the gender column is made insensitive, then Observation is
	// chosen: its own columns and suggested roles, none of Patient's.
	runSteps(t, ctx, "choose Observation",
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"gender's role", chooseOption(`select[name="role.gender"]`, "insensitive")},
		browserStep{"table", chooseOption(`select[name=table]`, "Observation")},
		wantJS("the Observation table", hasTable("Observation")),
		wantJS("Observation's columns, not Patient's", `!document.querySelector('select[name="role.state"]') && document.querySelectorAll('#wizard-rows select').length > 0`),
		wantJS("Observation chosen", `document.querySelector("select[name=table]").value === "Observation"`),
		wantJS("no problem", `!document.querySelector('#wizard-problem')`),
	)
	if got := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#wizard-run-form input[name=upload]').value`)))(t); got != upload {
		t.Fatalf("the table's preview uses upload %s, want the kept %s", got, upload)
	}

	// The report of Observation, with its first rows before and after.
	runSteps(t, ctx, "Observation's report",
		browserStep{"preset", jsClick(`input[name=preset][value="safe-harbor"]`)},
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"run", jsClick(`#wizard-run`)},
		browserStep{"report", chromedp.WaitVisible(`#wizard-verdict`)},
		wantJS("the report names Observation", `document.querySelector('#report-preset').textContent.includes("table Observation")`),
		wantJS("original rows", `document.querySelectorAll('#sample-original tbody tr').length > 0`),
		wantJS("anonymized rows", `document.querySelectorAll('#sample-anonymized thead th').length > 0`),
	)

	// Back: step 2 with Observation and the preset kept; then Patient
	// again, with the role chosen for it.
	runSteps(t, ctx, "back",
		browserStep{"htmx", waitHTMX(`#wizard-edit-form`)},
		browserStep{"back", jsClick(`#wizard-edit`)},
		wantJS("Observation kept", hasTable("Observation")),
		wantJS("preset kept", `document.querySelector('input[name=preset][value="safe-harbor"]').checked`),
		// and forth: the same run again, to the report, and back
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"run again", jsClick(`#wizard-run`)},
		browserStep{"report again", chromedp.WaitVisible(`#verdict-pass`)},
		browserStep{"htmx", waitHTMX(`#wizard-edit-form`)},
		browserStep{"back again", jsClick(`#wizard-edit`)},
		wantJS("Observation kept", hasTable("Observation")),
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"Patient", chooseOption(`select[name=table]`, "Patient")},
		wantJS("Patient again", hasTable("Patient")),
		wantJS("Patient's role kept", `document.querySelector('select[name="role.gender"]').value === "insensitive"`),
	)

	// A k the file cannot reach: step 2 again, the reason in plain words,
	// every value kept.
	runSteps(t, ctx, "k too large",
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"custom", jsClick(`#preset-custom`)},
		browserStep{"k", setField(`input[name=k]`, "50")},
		browserStep{"suppression", setField(`input[name=suppression]`, "4")},
		browserStep{"run", jsClick(`#wizard-run`)},
		wantJS("the reason", `!!document.querySelector('#wizard-problem') && document.querySelector('#wizard-problem').textContent.includes("k = 50 needs at least 50 patients")`),
		wantJS("still step 2 on Patient", hasTable("Patient")),
		wantJS("k kept", `document.querySelector('input[name=k]').value === "50"`),
		wantJS("suppression kept", `document.querySelector('input[name=suppression]').value === "4"`),
		wantJS("custom kept", `document.querySelector('#preset-custom').checked`),
		wantJS("role kept", `document.querySelector('select[name="role.gender"]').value === "insensitive"`),
	)
	if got := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#wizard-run-form input[name=upload]').value`)))(t); got != upload {
		t.Fatalf("step 2 uses upload %s, want the kept %s", got, upload)
	}

	// Observation, from the kept upload, to the catalog.
	runSteps(t, ctx, "publish Observation",
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"Observation", chooseOption(`select[name=table]`, "Observation")},
		wantJS("the Observation table", hasTable("Observation")),
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"preset", jsClick(`input[name=preset][value="safe-harbor"]`)},
		browserStep{"run", jsClick(`#wizard-run`)},
		browserStep{"gate", chromedp.WaitVisible(`#verdict-pass`)},
		browserStep{"htmx", waitHTMX(`#publish-form`)},
		browserStep{"title", setField(`#publish-form input[name=title]`, "My observations")},
		browserStep{"price", setField(`#publish-form input[name=price]`, "0.01")},
		browserStep{"publish", jsClick(`#publish-button`)},
		browserStep{"published", chromedp.WaitVisible(`#published-link`)},
	)
}

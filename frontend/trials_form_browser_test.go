package frontend

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// The sponsor designs a form in the builder (one integer item with a
// range) and signs it, then enters a visit through it: the out-of-range
// value is named on its field, kept there, and once fixed the entry is
// recorded.
func TestBrowser_trialDesignFormEntry(t *testing.T) {
	ctx, problems := newBrowser(t)
	srv, a := newTrialServer(t)
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	tr, err := a.RegisterTrial(t.Context(), app.ByAccount("carol", "carol-pass"), "Vitals study", "NCT0000042", "protocol.pdf", strings.NewReader("%PDF v1"))
	if err != nil {
		t.Fatal(err)
	}
	base := trialURL(tr)
	browserSignIn(t, ctx, srv.URL, "carol", base)

	done := func(text string) browserStep {
		return browserStep{text, chromedp.WaitVisible(`//p[@id="builder-done"][contains(., "` + text + `")]`)}
	}
	runSteps(t, ctx, "design in the builder",
		browserStep{"signed in", chromedp.WaitVisible(`//li[@id="session"]//small[.="carol"]`)},
		browserStep{"design page", chromedp.Navigate(srv.URL + base + "design")},
		browserStep{"builder", chromedp.WaitVisible(`#design-builder`)},
		browserStep{"htmx", waitHTMX(`#design-builder-form`)},
		browserStep{"event oid", setField(`#event_oid`, "SE.BASE")},
		browserStep{"event name", setField(`#event_name`, "Baseline")},
		browserStep{"add event", chromedp.Click(`#add-event`)},
		done("Event Baseline (SE.BASE) added."),
		browserStep{"htmx", waitHTMX(`#design-builder-form`)},
		browserStep{"form oid", setField(`#form_oid`, "F.VITALS")},
		browserStep{"form name", setField(`#form_name`, "Vital signs")},
		browserStep{"at event", setField(`#form_event`, "SE.BASE")},
		browserStep{"add form", chromedp.Click(`#add-form`)},
		done("Form F.VITALS added at event SE.BASE."),
		browserStep{"htmx", waitHTMX(`#design-builder-form`)},
		browserStep{"item oid", setField(`#item_oid`, "IT.SYS")},
		browserStep{"item label", setField(`#item_label`, "Systolic blood pressure")},
		browserStep{"item type", setField(`#item_type`, "integer")},
		browserStep{"unit", setField(`#item_unit`, "mmHg")},
		browserStep{"min", setField(`#item_min`, "60")},
		browserStep{"max", setField(`#item_max`, "250")},
		browserStep{"required", jsClick(`#item_required`)},
		browserStep{"add item", chromedp.Click(`#add-item`)},
		done("Item IT.SYS added to form F.VITALS."),
	)
	saveScreenshot(t, ctx, "trial-design.png")
	runSteps(t, ctx, "sign the design",
		browserStep{"htmx", waitHTMX(`#design-builder-form`)},
		browserStep{"passphrase", setField(`#design-passphrase`, "carol-pass")},
		browserStep{"sign", chromedp.Click(`#design-sign`)},
		browserStep{"signed", chromedp.WaitVisible(`//p[@id="design-signed"][contains(., "Design version 1 signed")]`)},
	)
	runSteps(t, ctx, "enter a visit",
		browserStep{"trial page", chromedp.Navigate(srv.URL + base)},
		browserStep{"link", chromedp.WaitVisible(`//a[.="Enter Vital signs at Baseline"]`)},
		browserStep{"open the form", chromedp.Click(`//a[.="Enter Vital signs at Baseline"]`)},
		browserStep{"form", chromedp.WaitVisible(`#form-entry`)},
		wantJS("typed field", `(() => { const e = document.querySelector("#item-0"); return e.type === "number" && e.min === "60" && e.max === "250" && e.step === "1" })()`),
		browserStep{"htmx", waitHTMX(`#form-entry form`)},
		browserStep{"subject", setField(`#form-subject`, "S-001")},
		browserStep{"too high", setField(`#item-0`, "300")},
		browserStep{"passphrase", setField(`#form-passphrase`, "carol-pass")},
		browserStep{"submit", chromedp.Click(`#form-submit`)},
		browserStep{"message on the field", chromedp.WaitVisible(`#item-0-error`)},
		wantJS("message and value kept", `(() => { const e = document.querySelector("#item-0");
			return e.value === "300" && e.getAttribute("aria-invalid") === "true" && e.getAttribute("aria-describedby") === "item-0-error item-0-unit" &&
				document.querySelector("#item-0-error").textContent.includes("300 mmHg is above the maximum 250 mmHg") })()`),
	)
	saveScreenshot(t, ctx, "trial-form.png")
	runSteps(t, ctx, "fix it",
		browserStep{"htmx", waitHTMX(`#form-entry form`)},
		browserStep{"in range", setField(`#item-0`, "120")},
		browserStep{"passphrase", setField(`#form-passphrase`, "carol-pass")},
		browserStep{"submit", chromedp.Click(`#form-submit`)},
		browserStep{"recorded", chromedp.WaitVisible(`//p[@id="form-done"][contains(., "Entry 2 recorded")]`)},
	)
	es, err := a.TrialSteps(t.Context(), tr.ID.Hex(), app.StepFilter{Type: marketplace.StepVisit})
	if err != nil || len(es) != 1 || !strings.Contains(string(es[0].Step.Data), `"IT.SYS":120`) {
		t.Errorf("visits recorded: %v %v", es, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

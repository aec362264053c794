package frontend

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// A visit entered through the designed form: an out-of-range value is
// refused on its field with what was typed kept; the fixed entry is
// recorded as FormData of the design version; a correction asks for the
// reason for change and records it.
func TestTrialForm_enterCheckedOnTheFieldAndCorrect(t *testing.T) {
	srv, a := newTrialServer(t)
	base, h := designTrial(t, a)
	post := func(path string, form url.Values) (*http.Response, string) { return postForm(t, srv, path, form, h) }
	buildVitalsDesign(t, post, base)
	form := base + "forms/F.VITALS"

	res, body := get(t, srv, base, h)
	wantBody(t, "trial page", res, body, 200, `id="designed-forms"`, `href="`+form+`?event=SE.BASE">Enter Vital signs at Baseline</a>`, `id="design-link"`)

	res, body = get(t, srv, form+"?event=SE.BASE&subject=S-001", h)
	wantBody(t, "form page", res, body, 200, "<h1>Vital signs</h1>", "design version 1",
		`<input name="item_IT.SYS" id="item-0" value="" aria-describedby="item-0-unit" inputmode="numeric" max="250" min="60" required step="1" type="number">`,
		`<span class="unit" id="item-0-unit">mmHg</span>`, `<abbr title="required">*</abbr>`,
		`<select name="item_IT.SEV" id="item-1">`, `<option value="1">Mild</option><option value="2">Severe</option></select>`,
		`id="form-subject" value="S-001"`, `<option value="SE.BASE" selected>Baseline</option>`, `id="form-passphrase"`, "novalidate")

	entry := url.Values{"subject": {"S-001"}, "event": {"SE.BASE"}, "item_IT.SYS": {"300"}, "item_IT.SEV": {"2"}, "passphrase": {"carol-pass"}}
	res, body = post(form, entry)
	wantBody(t, "out of range", res, body, 422, `id="item-0" value="300"`, `aria-describedby="item-0-error item-0-unit" aria-invalid="true"`,
		`<small class="field-error error" id="item-0-error">Systolic BP: 300 mmHg is above the maximum 250 mmHg</small>`,
		`<option value="2" selected>Severe</option>`, `id="form-problem"`)
	for _, tt := range []struct {
		what, field, value, msg string
	}{
		{"not a number", "item_IT.SYS", "12.5", `&#34;12.5&#34; is not a whole number`},
		{"required", "item_IT.SYS", "", `id="item-0-error">Systolic BP: required`},
		{"unknown code", "item_IT.SEV", "9", `&#34;9&#34; is not one of the codes 1, 2`},
		{"no subject", "subject", "", `id="form-subject-error">Subject id: required.`},
		{"other event", "event", "SE.X", `id="form-event-error">Event: form F.VITALS is filled in at Baseline (SE.BASE).`},
	} {
		e := url.Values{}
		for k, v := range entry {
			e[k] = v
		}
		e.Set("item_IT.SYS", "120")
		e.Set(tt.field, tt.value)
		res, body := post(form, e)
		wantBody(t, tt.what, res, body, 422, tt.msg)
	}
	if es, _ := a.TrialSteps(t.Context(), "NCT0000042", app.StepFilter{Type: marketplace.StepVisit}); len(es) != 0 {
		t.Fatalf("refused entries were recorded: %d", len(es))
	}
	entry.Set("passphrase", "wrong")
	entry.Set("item_IT.SYS", "120")
	res, body = post(form, entry)
	wantBody(t, "wrong passphrase", res, body, 403, `id="form-record-problem"`, `id="item-0" value="120"`)

	entry.Set("passphrase", "carol-pass")
	res, body = post(form, entry)
	wantBody(t, "recorded", res, body, 200, `id="form-done"`, "Entry 2 recorded: Vital signs for subject S-001.", `href="`+form+`?corrects=2"`, `id="item-0" value=""`)
	es, err := a.TrialSteps(t.Context(), "NCT0000042", app.StepFilter{Type: marketplace.StepVisit})
	if err != nil || len(es) != 1 {
		t.Fatalf("visits: %d, %v", len(es), err)
	}
	var fd marketplace.FormData
	if err := json.Unmarshal(es[0].Step.Data, &fd); err != nil || fd.Design != 1 || fd.Event != "SE.BASE" || fd.Form != "F.VITALS" ||
		string(fd.Items["IT.SYS"]) != "120" || string(fd.Items["IT.SEV"]) != `"2"` {
		t.Errorf("recorded data %s (%v)", es[0].Step.Data, err)
	}

	// The correction: entry 2's values filled in, the reason asked for.
	res, body = get(t, srv, form+"?corrects=2", h)
	wantBody(t, "correction form", res, body, 200, `id="form-correcting"`, `name="corrects" value="2"`, `id="item-0" value="120"`,
		`<option value="2" selected>Severe</option>`, `id="form-reason"`, `readonly`)
	subject := es[0].Step.Subject
	corr := url.Values{"corrects": {"2"}, "subject": {subject}, "event": {"SE.BASE"}, "item_IT.SYS": {"130"}, "item_IT.SEV": {"2"}, "passphrase": {"carol-pass"}}
	res, body = post(form, corr)
	wantBody(t, "no reason", res, body, 422, `id="form-reason-error">Reason for change: required to correct entry 2.`, `id="item-0" value="130"`)
	corr.Set("reason", "transcription error")
	res, body = post(form, corr)
	wantBody(t, "corrected", res, body, 200, "Entry 3 recorded: correction of entry 2 (transcription error).")
	es, _ = a.TrialSteps(t.Context(), "NCT0000042", app.StepFilter{Type: marketplace.StepVisit})
	if len(es) != 2 || es[1].Step.Corrects == nil || *es[1].Step.Corrects != 2 || es[1].Step.Reason != "transcription error" || es[1].Step.Subject != subject {
		t.Errorf("correction: %+v", es[len(es)-1].Step)
	}

	// Entry 0 is no form's: it cannot be corrected through this one.
	res, body = get(t, srv, form+"?corrects=0", h)
	wantBody(t, "not this form's entry", res, body, 422, "Entry 0 was not entered through form F.VITALS.")
	res, body = get(t, srv, base+"forms/F.NONE", h)
	wantBody(t, "unknown form", res, body, 404, "has no form F.NONE")

	// The log verifies with the design checks of the team replay.
	rep, err := a.VerifyTrialLog(t.Context(), "NCT0000042")
	if err != nil || !rep.OK() {
		t.Errorf("verify: %v %v", rep, err)
	}
}

// Someone not on the trial's team sees the form but may not enter it, and
// the trial page offers it no link.
func TestTrialForm_strangerIsNotOffered(t *testing.T) {
	srv, a := newTrialServer(t)
	base, h := designTrial(t, a)
	buildVitalsDesign(t, func(path string, form url.Values) (*http.Response, string) { return postForm(t, srv, path, form, h) }, base)
	if _, err := a.CreateAccount(t.Context(), "mallory", "mallory-pass"); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.SignIn(t.Context(), "mallory", "mallory-pass")
	if err != nil {
		t.Fatal(err)
	}
	m := http.Header{"Cookie": {sessionCookie + "=" + token}, "Sec-Fetch-Site": {"same-origin"}}
	res, body := get(t, srv, base+"forms/F.VITALS", m)
	wantBody(t, "stranger's form page", res, body, 200, `id="form-not-allowed"`)
	res, body = get(t, srv, base, m)
	wantBody(t, "stranger's trial page", res, body, 200, `id="design-link"`)
	if strings.Contains(body, "Enter Vital signs") {
		t.Error("a stranger is offered the form")
	}
	res, body = postForm(t, srv, base+"forms/F.VITALS", url.Values{"subject": {"S-001"}, "event": {"SE.BASE"}, "item_IT.SYS": {"120"}, "passphrase": {"mallory-pass"}}, m)
	wantBody(t, "stranger records", res, body, 403)
	if es, _ := a.TrialSteps(t.Context(), "NCT0000042", app.StepFilter{Type: marketplace.StepVisit}); len(es) != 0 {
		t.Errorf("a stranger recorded %d visits", len(es))
	}
}

func ptr(s string) *string { return &s }

// Every item type renders as its own input (decimal step any, date, yes/no
// radios, choice labels), and a coordinator authorized at two sites
// chooses the site; its entry is signed under its printed name there.
func TestTrialForm_everyItemTypeAndTheCoordinatorsSite(t *testing.T) {
	srv, a := newTrialServer(t)
	base, _ := designTrial(t, a)
	carol := app.ByAccount("carol", "carol-pass")
	d := marketplace.StudyDesign{Name: "All types", Events: []marketplace.EventDef{{OID: "SE.W1", Name: "Week 1", Forms: []string{"F.ALL"}}},
		Forms: []marketplace.FormDef{{OID: "F.ALL", Name: "Everything", Items: []marketplace.ItemDef{
			{OID: "I.WT", Label: "Weight", Type: marketplace.ItemDecimal, Unit: "kg", Min: ptr("20"), Max: ptr("300")},
			{OID: "I.DATE", Label: "Visit date", Type: marketplace.ItemDate, Required: true},
			{OID: "I.SMOKER", Label: "Smoker", Type: marketplace.ItemBoolean},
			{OID: "I.NOTE", Label: "Note", Type: marketplace.ItemText, Length: 20},
			{OID: "I.ARM", Label: "Arm", Type: marketplace.ItemChoice, Choices: []marketplace.Choice{{Code: "A", Label: "Aspirin"}, {Code: "P", Label: "Placebo"}}},
		}}}}
	if _, err := a.SaveTrialDesign(t.Context(), carol, "NCT0000042", d); err != nil {
		t.Fatal(err)
	}
	acct, err := a.CreateAccount(t.Context(), "cora", "cora-pass")
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"A", "B"} {
		if _, err := a.AuthorizeStaff(t.Context(), carol, "NCT0000042", marketplace.StaffGrant{Account: acct.Address, Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: site}); err != nil {
			t.Fatal(err)
		}
	}
	token, _, err := a.SignIn(t.Context(), "cora", "cora-pass")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Cookie": {sessionCookie + "=" + token}, "Sec-Fetch-Site": {"same-origin"}}
	form := base + "forms/F.ALL"

	res, body := get(t, srv, base, h)
	wantBody(t, "coordinator's trial page", res, body, 200, "Enter Everything at Week 1")
	res, body = get(t, srv, form+"?site=B", h)
	wantBody(t, "every type", res, body, 200,
		`<input name="item_I.WT" id="item-0" value="" aria-describedby="item-0-unit" inputmode="decimal" max="300" min="20" step="any" type="number">`,
		`<span class="unit" id="item-0-unit">kg</span>`, `<small>20 to 300 kg</small>`,
		`<input name="item_I.DATE" id="item-1" value="" required type="date">`,
		`<fieldset id="item-2"><legend>Smoker </legend>`, `<input type="radio" name="item_I.SMOKER" value="yes"> Yes`, `<input type="radio" name="item_I.SMOKER" value="no"> No`,
		`<input name="item_I.NOTE" id="item-3" value="" maxlength="20" type="text">`,
		`<option value="A">Aspirin</option><option value="P">Placebo</option>`,
		`<select name="site" id="form-site"><option value="A">A</option><option value="B" selected>B</option></select>`,
		`id="form-signer-name">Cora Coordinator<`)

	entry := url.Values{"subject": {"S-010"}, "event": {"SE.W1"}, "site": {"B"}, "item_I.WT": {"72,5"}, "item_I.DATE": {"2026-13-01"},
		"item_I.SMOKER": {"no"}, "item_I.NOTE": {"a note far longer than twenty"}, "item_I.ARM": {"P"}, "passphrase": {"cora-pass"}}
	res, body = postForm(t, srv, form, entry, h)
	wantBody(t, "bad date and long note", res, body, 422, `Visit date: &#34;2026-13-01&#34; is not a date (YYYY-MM-DD)`, `29 characters, at most 20 allowed`,
		`value="2026-13-01"`, `value="no" checked`, `<option value="P" selected>Placebo</option>`, `<option value="B" selected>B</option>`)
	entry.Set("item_I.DATE", "2026-02-03")
	entry.Set("item_I.NOTE", "fine")
	res, body = postForm(t, srv, form, entry, h)
	wantBody(t, "recorded", res, body, 200, "Entry 4 recorded")
	es, err := a.TrialSteps(t.Context(), "NCT0000042", app.StepFilter{Type: marketplace.StepVisit})
	if err != nil || len(es) != 1 {
		t.Fatalf("visits %d %v", len(es), err)
	}
	s := es[0].Step
	want := `{"design":1,"event":"SE.W1","form":"F.ALL","items":{"I.ARM":"P","I.DATE":"2026-02-03","I.NOTE":"fine","I.SMOKER":false,"I.WT":72.5}}`
	if string(s.Data) != want || s.Site != "B" || s.Name != "Cora Coordinator" || s.Who != acct.Address {
		t.Errorf("entry: data %s site %q name %q", s.Data, s.Site, s.Name)
	}
}

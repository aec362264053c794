package frontend

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// designTrial registers a trial for carol (newTrialServer) and signs her in:
// the trial's base path and the session header.
func designTrial(t *testing.T, a *app.App) (string, http.Header) {
	t.Helper()
	tr, err := a.RegisterTrial(t.Context(), app.ByAccount("carol", "carol-pass"), "Vitals study", "NCT0000042", "protocol.pdf", strings.NewReader("%PDF v1"))
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.SignIn(t.Context(), "carol", "carol-pass")
	if err != nil {
		t.Fatal(err)
	}
	return "/trials/" + tr.ID.Hex() + "/", http.Header{"Cookie": {sessionCookie + "=" + token}, "Sec-Fetch-Site": {"same-origin"}}
}

var draftRE = regexp.MustCompile(`name="draft" value="([^"]*)"`)

// draftOf is the builder's draft as the page carries it.
func draftOf(t *testing.T, body string) string {
	t.Helper()
	m := draftRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no draft in the page:\n%.2000s", body)
	}
	return html.UnescapeString(m[1])
}

// builderStep posts one builder action with the draft of the last page.
type builderStep struct {
	what   string
	fields url.Values
	status int
	want   []string
}

// buildVitalsDesign makes design version 1 through the builder: event
// SE.BASE (Baseline) with form F.VITALS (Vital signs): IT.SYS, an integer
// in mmHg from 60 to 250, required; IT.SEV, a choice 1=Mild, 2=Severe. Each
// refused edit is checked to name its field and keep what was typed.
func buildVitalsDesign(t *testing.T, post func(path string, form url.Values) (*http.Response, string), base string) {
	t.Helper()
	res, body := post(base+"design", url.Values{"action": {"refresh"}})
	wantBody(t, "empty draft", res, body, 200, `id="design-builder"`, "Empty: add an event")
	for _, s := range []builderStep{
		{"bad event OID", url.Values{"action": {"add-event"}, "event_oid": {"SE BASE"}, "event_name": {"Baseline"}}, 422,
			[]string{`id="event_oid" value="SE BASE"`, `aria-describedby="event_oid-error" aria-invalid="true"`, `id="event_oid-error">Event OID: &#34;SE BASE&#34;: use up to 64 letters`, `value="Baseline"`}},
		{"event", url.Values{"action": {"add-event"}, "event_oid": {"SE.BASE"}, "event_name": {"Baseline"}}, 200,
			[]string{`id="builder-done"`, "Event Baseline (SE.BASE) added.", `data-event="SE.BASE"`}},
		{"form without a name", url.Values{"action": {"add-form"}, "form_oid": {"F.VITALS"}, "form_step": {"visit"}, "form_event": {"SE.BASE"}}, 422,
			[]string{`id="form_name-error">Form F.VITALS: a name is required.`, `id="form_oid" value="F.VITALS"`}},
		{"form of a sponsor step", url.Values{"action": {"add-form"}, "form_oid": {"F.VITALS"}, "form_name": {"Vital signs"}, "form_step": {"study_design"}}, 422,
			[]string{`id="form_step-error">Form F.VITALS: step type &#34;study_design&#34; is not a step a site records.`}},
		{"form", url.Values{"action": {"add-form"}, "form_oid": {"F.VITALS"}, "form_name": {"Vital signs"}, "form_step": {"visit"}, "form_event": {"SE.BASE"}}, 200,
			[]string{"Form F.VITALS added at event SE.BASE.", `data-form="F.VITALS"`, "No items yet."}},
		{"item with min above max", url.Values{"action": {"add-item"}, "item_form": {"F.VITALS"}, "item_oid": {"IT.SYS"}, "item_label": {"Systolic BP"},
			"item_type": {"integer"}, "item_unit": {"mmHg"}, "item_min": {"60"}, "item_max": {"10"}, "item_required": {"1"}}, 422,
			[]string{`id="item_max-error">Form F.VITALS, item IT.SYS: maximum 10 is below minimum 60.`, `id="item_max" value="10"`, `aria-describedby="item_max-error"`, `id="item_label" value="Systolic BP"`}},
		{"item", url.Values{"action": {"add-item"}, "item_form": {"F.VITALS"}, "item_oid": {"IT.SYS"}, "item_label": {"Systolic BP"},
			"item_type": {"integer"}, "item_unit": {"mmHg"}, "item_min": {"60"}, "item_max": {"250"}, "item_required": {"1"}}, 200,
			[]string{"Item IT.SYS added to form F.VITALS.", `data-item="IT.SYS"`, "<td>60 to 250</td>", "<td>mmHg</td>", "<td>required</td>"}},
		{"choice without choices", url.Values{"action": {"add-item"}, "item_form": {"F.VITALS"}, "item_oid": {"IT.SEV"}, "item_label": {"Severity"}, "item_type": {"choice"}}, 422,
			[]string{`id="item_choices-error">Form F.VITALS, item IT.SEV: a choice item needs its choices`}},
		{"bad choice line", url.Values{"action": {"add-item"}, "item_form": {"F.VITALS"}, "item_oid": {"IT.SEV"}, "item_label": {"Severity"}, "item_type": {"choice"}, "item_choices": {"1=Mild\nSevere"}}, 422,
			[]string{`line 2: &#34;Severe&#34; is not code=label.`, ">1=Mild\nSevere</textarea>"}},
		{"choice item", url.Values{"action": {"add-item"}, "item_form": {"F.VITALS"}, "item_oid": {"IT.SEV"}, "item_label": {"Severity"}, "item_type": {"choice"}, "item_choices": {"1=Mild\n2=Severe"}}, 200,
			[]string{"<td>1 = Mild, 2 = Severe</td>"}},
		{"a third item", url.Values{"action": {"add-item"}, "item_form": {"F.VITALS"}, "item_oid": {"IT.NOTE"}, "item_label": {"Note"}, "item_type": {"text"}}, 200,
			[]string{`data-item="IT.NOTE"`}},
		{"remove it", url.Values{"action": {"remove-item F.VITALS IT.NOTE"}}, 200,
			[]string{"Item IT.NOTE removed from form F.VITALS."}},
		{"an extra event", url.Values{"action": {"add-event"}, "event_oid": {"SE.W2"}, "event_name": {"Week 2"}}, 200, []string{`data-event="SE.W2"`}},
		{"an extra form there", url.Values{"action": {"add-form"}, "form_oid": {"F.AE"}, "form_name": {"Adverse event"}, "form_step": {"adverse_event"}, "form_event": {"SE.W2"}}, 200,
			[]string{"Form F.AE added at event SE.W2.", "records Adverse event"}},
		{"the vitals at week 2 too", url.Values{"action": {"add-form"}, "form_oid": {"F.VITALS"}, "form_event": {"SE.W2"}}, 200,
			[]string{"Form F.VITALS added at event SE.W2."}},
		{"remove the extra form", url.Values{"action": {"remove-form F.AE"}}, 200, []string{"Form F.AE removed."}},
		{"remove the extra event", url.Values{"action": {"remove-event SE.W2"}}, 200, []string{"Event SE.W2 removed; its forms stay in the design."}},
		{"sign without the passphrase", url.Values{"action": {"sign"}, "design_name": {"Vitals v1"}}, 403,
			[]string{`id="design-problem"`, "Not signed:", `value="Vitals v1"`, `data-item="IT.SEV"`}},
	} {
		s.fields.Set("draft", draftOf(t, body))
		res, body = post(base+"design", s.fields)
		wantBody(t, s.what, res, body, s.status, s.want...)

	}
	if strings.Contains(body, `data-item="IT.NOTE"`) || strings.Contains(body, `data-form="F.AE"`) || strings.Contains(body, `data-event="SE.W2"`) {
		t.Error("a removed item, form or event is still in the draft")
	}
	res, body = post(base+"design", url.Values{"action": {"sign"}, "design_name": {"Vitals v1"}, "passphrase": {"carol-pass"}, "draft": {draftOf(t, body)}})
	wantBody(t, "sign", res, body, 200, `id="design-signed"`, "Design version 1 signed: entry #1.", "Version 1: Vitals v1", "Sign design version 2")
}

func TestTrialDesign_builderSignsVersionsAndImportsODM(t *testing.T) {
	srv, a := newTrialServer(t)
	base, h := designTrial(t, a)
	post := func(path string, form url.Values) (*http.Response, string) { return postForm(t, srv, path, form, h) }

	res, body := get(t, srv, base+"design", h)
	wantBody(t, "no design", res, body, 200, `id="design-none"`, `id="design-import"`, `id="design-builder"`, "Sign design version 1", `id="design-passphrase"`)
	res, body = get(t, srv, base+"design", nil)
	wantBody(t, "a visitor", res, body, 200, `id="design-none"`)
	if strings.Contains(body, `id="design-builder"`) {
		t.Error("a visitor is offered the builder")
	}

	buildVitalsDesign(t, post, base)
	d, n, err := a.TrialDesign(t.Context(), "NCT0000042")
	if err != nil || n != 1 {
		t.Fatalf("design %d, %v", n, err)
	}
	sys, _ := d.Forms[0].Item("IT.SYS")
	if d.Name != "Vitals v1" || len(d.Events) != 1 || d.Events[0].Forms[0] != "F.VITALS" || len(d.Forms[0].Items) != 2 ||
		sys.Type != marketplace.ItemInteger || *sys.Min != "60" || *sys.Max != "250" || !sys.Required || sys.Unit != "mmHg" {
		t.Errorf("signed design: %+v", d)
	}

	// The design as anyone sees it: events, forms, items, the versions;
	// no JSON.
	res, body = get(t, srv, base+"design", nil)
	wantBody(t, "design shown", res, body, 200, `id="design-current"`, "<h3>Baseline <small><code>SE.BASE</code></small>",
		"Vital signs", "<td>Systolic BP</td>", "<td>integer</td>", "<td>60 to 250</td>", "<td>1 = Mild, 2 = Severe</td>",
		`<tr data-version="1"><td>1</td><td>#1</td><td>Sponsor <code class="hash">`)
	if main := mainOf(body); strings.Contains(main, "{&#34;") || strings.Contains(main, `{"`) {
		t.Errorf("the design page shows JSON:\n%s", main)
	}
	if strings.Contains(body, "Remove") || strings.Contains(body, `id="design-builder"`) {
		t.Error("a visitor is offered to edit the design")
	}

	// Amend: the draft starts from version 1.
	res, body = get(t, srv, base+"design", h)
	wantBody(t, "amend", res, body, 200, "Draft of version 2", `data-item="IT.SYS"`)

	amend := draftOf(t, body)

	// An ODM 1.3.2 study file becomes version 2; a broken one records
	// nothing and says why.
	res, body = postMultipart(t, srv, base+"design/import", map[string]string{"passphrase": "carol-pass"}, map[string]string{"file": "<ODM>"}, h)
	wantBody(t, "broken ODM", res, body, 422, `id="design-import-problem"`, "Nothing was recorded")
	odm, err := os.ReadFile("../marketplace/trials/testdata/cdisc_odm132_study.xml")
	if err != nil {
		t.Fatal(err)
	}
	res, body = postMultipart(t, srv, base+"design/import", map[string]string{"passphrase": "carol-pass"}, map[string]string{"file": string(odm)}, h)
	wantBody(t, "ODM import", res, body, 200, "Design version 2 signed: entry #2.", `data-event="SE.SCREENING"`, `data-form="F.VS"`, `data-item="VS.SYSBP"`, `data-version="2"`)
	if _, n, _ := a.TrialDesign(t.Context(), "NCT0000042"); n != 2 {
		t.Errorf("version after import: %d", n)
	}

	// The amendment begun from version 1 is not signed over version 2
	// unseen; once shown, it may be.
	res, body = post(base+"design", url.Values{"action": {"sign"}, "base": {"1"}, "draft": {amend}, "passphrase": {"carol-pass"}})
	wantBody(t, "stale draft", res, body, 409, "Not signed: design version 2 was signed since this draft began", `name="base" value="2"`, `id="design-current"`, `data-form="F.VS"`)
	res, body = post(base+"design", url.Values{"action": {"sign"}, "base": {"2"}, "draft": {draftOf(t, body)}, "passphrase": {"carol-pass"}})
	wantBody(t, "signed after review", res, body, 200, "Design version 3 signed: entry #3.")
	if d, n, _ := a.TrialDesign(t.Context(), "NCT0000042"); n != 3 || d.Name != "Vitals v1" {
		t.Errorf("version 3: %d %q", n, d.Name)
	}
}

func TestTrialDesign_draftBounded(t *testing.T) {
	srv, a := newTrialServer(t)
	base, h := designTrial(t, a)
	res, body := postForm(t, srv, base+"design", url.Values{"action": {"add-event"}, "draft": {"{not json"}}, h)
	wantBody(t, "broken draft", res, body, 422, "Design draft: it could not be read")
	res, body = postForm(t, srv, base+"design", url.Values{"action": {"refresh"}, "draft": {strings.Repeat("x", maxDesignDraft+1)}}, h)
	wantBody(t, "huge draft", res, body, 422, "Design draft: larger than 1024 KiB")
}

// mainOf is the <main> of a page.
func mainOf(body string) string {
	_, after, _ := strings.Cut(body, "<main")
	main, _, _ := strings.Cut(after, "</main>")
	return main
}

// The design and form posts change the log: a visitor is sent to sign in
// and comes back to the trial page, not to a replayed post.
func TestTrialDesign_postsNeedSession(t *testing.T) {
	srv, _ := newTestServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	trial := "/trials/0x" + strings.Repeat("1", 64) + "/"
	for _, path := range []string{trial + "design", trial + "design/import", trial + "forms/F.VS"} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(url.Values{"action": {"sign"}, "passphrase": {"y"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/signin/?next="+url.QueryEscape(trial) {
			t.Errorf("POST %s as a visitor: %d, Location %q", path, res.StatusCode, loc)
		}
	}
}

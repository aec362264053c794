package frontend

import (
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

func decimal(s string) *string { return &s }

// vitalsDesign has one visit with a vital signs form.
var vitalsDesign = marketplace.StudyDesign{Name: "Aspirin", Events: []marketplace.EventDef{{OID: "SE.V1", Name: "Visit 1", Forms: []string{"F.VS"}}},
	Forms: []marketplace.FormDef{{OID: "F.VS", Name: "Vital signs", Items: []marketplace.ItemDef{
		{OID: "IT.SBP", Label: "Systolic BP", Type: marketplace.ItemInteger, Unit: "mmHg", Min: decimal("60"), Max: decimal("250")},
		{OID: "IT.SEX", Label: "Sex", Type: marketplace.ItemChoice, Choices: []marketplace.Choice{{Code: "F", Label: "Female"}, {Code: "M", Label: "Male"}}},
		{OID: "IT.SMOKER", Label: "Smoker", Type: marketplace.ItemBoolean},
	}}}}

// trialViewFixture is a trial with a study design (entry 1; a site
// activation without one), a form visit, its correction, a query on one of
// its items and an entry with free JSON.
type trialViewFixture struct {
	srv     *httptest.Server
	a       *app.App
	base    string
	session http.Header // carol's, the sponsor's
}

func newTrialViewFixture(t *testing.T, design *marketplace.StudyDesign, longValue string) trialViewFixture {
	t.Helper()
	a, err := app.Open(t.Context(), app.Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeApp(t, a) })
	h, err := NewServer(slog.New(slog.DiscardHandler), a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx := t.Context()
	for _, n := range []string{"carol", "dave"} {
		if _, err := a.CreateAccount(ctx, n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Fund(ctx, "carol", big.NewInt(1e18)); err != nil {
		t.Fatal(err)
	}
	carol := app.ByAccount("carol", "carol-pass")
	tr, err := a.RegisterTrial(ctx, carol, "Aspirin after minor stroke", "NCT01234567", "protocol.pdf", strings.NewReader("%PDF protocol v1"))
	if err != nil {
		t.Fatal(err)
	}
	first, named := app.StepInput{Type: "site_activation", Site: "01"}, ""
	if design != nil {
		d, _ := json.Marshal(design)
		first, named = app.StepInput{Type: "study_design", Data: d}, `"design":1,`
	}
	visit := json.RawMessage(`{` + named + `"event":"SE.V1","form":"F.VS","items":{"IT.SBP":182,"IT.SEX":"F","IT.SMOKER":false}}`)
	fixed := json.RawMessage(`{` + named + `"event":"SE.V1","form":"F.VS","items":{"IT.SBP":128,"IT.SEX":"F","IT.SMOKER":false}}`)
	free, _ := json.Marshal(map[string]any{"adverse_event": map[string]any{"term": "Headache", "serious": true}, "notes": longValue, "doses": []int{75, 150}})
	two, three := uint64(2), uint64(3)
	if _, err := a.RecordTrialSteps(ctx, carol, "NCT01234567", []app.StepInput{
		first,
		{Type: "visit", Subject: "S-001", Data: visit, Site: "01", Name: "Dr Ada Lovelace"},
		{Type: "visit", Subject: "S-001", Data: fixed, Corrects: &two, Reason: "transcription error"},
		{Type: "query", Data: json.RawMessage(`{"text":"Please confirm"}`), Concerns: &three, Item: "IT.SBP"},
		{Type: "adverse_event", Subject: "S-001", Data: free},
	}); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.SignIn(ctx, "carol", "carol-pass")
	if err != nil {
		t.Fatal(err)
	}
	return trialViewFixture{srv: srv, a: a, base: trialURL(tr), session: http.Header{"Cookie": {sessionCookie + "=" + token}}}
}

// rowOf is the timeline row of entry i.
func rowOf(t *testing.T, body, i string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr data-index="` + i + `".*?</tr>`).FindString(body)
	if m == "" {
		t.Fatalf("no row %s in %s", i, body)
	}
	return m
}

func TestTrialTimeline_labelledValuesLinksAndSignatures(t *testing.T) {
	f := newTrialViewFixture(t, &vitalsDesign, "ok")
	res, body := get(t, f.srv, f.base, nil)
	wantBody(t, "trial page", res, body, 200)
	if design := rowOf(t, body, "1"); !strings.Contains(design, "Aspirin: 1 event, 1 form, 3 items; see") || strings.Contains(design, "IT.SMOKER") {
		t.Errorf("the design entry is not summed up:\n%s", design)
	}
	visit := rowOf(t, body, "2")
	for _, want := range []string{"Visit 1 / Vital signs", "<dt>Systolic BP</dt><dd>182 mmHg</dd>", "<dt>Sex</dt><dd>Female</dd>", "<dt>Smoker</dt><dd>No</dd>",
		"site 01", "Signed by Dr Ada Lovelace (0x", `corrected by <a href="` + f.base + `entries/3/">#3</a> (reason: transcription error;`, ", sponsor, ", "— meaning: authored"} {
		if !strings.Contains(visit, want) {
			t.Errorf("entry 1 lacks %q:\n%s", want, visit)
		}
	}
	if !strings.Contains(rowOf(t, body, "3"), `corrects <a href="`+f.base+`entries/2/">#2</a>: transcription error`) {
		t.Errorf("entry 2 does not say it corrects #2")
	}
	if q := rowOf(t, body, "4"); !strings.Contains(q, `<a href="`+f.base+`entries/3/">query on entry #3, item Systolic BP</a>`) || !strings.Contains(q, "<dt>Text</dt><dd>Please confirm</dd>") {
		t.Errorf("query row:\n%s", q)
	}
	ae := rowOf(t, body, "5")
	for _, want := range []string{"<dt>Adverse event</dt><dd><dl class=\"step-values\"><dt>Serious</dt><dd>Yes</dd><dt>Term</dt><dd>Headache</dd></dl>", "<dt>Doses</dt><dd>75, 150</dd>"} {
		if !strings.Contains(ae, want) {
			t.Errorf("entry 4 lacks %q:\n%s", want, ae)
		}
	}
	for _, i := range []string{"2", "3", "4", "5"} {
		if strings.Contains(rowOf(t, body, i), "{&#34;") {
			t.Errorf("entry %s shows raw JSON", i)
		}
	}
	// The filtered fragment still links the correction it does not list.
	res, body = get(t, f.srv, f.base+"steps?type=visit", htmxSameOrigin)
	wantBody(t, "filtered", res, body, 200, `corrected by <a href="`+f.base+`entries/3/">#3</a>`)
}

func TestTrialTimeline_withoutDesignItemsGoByOID(t *testing.T) {
	f := newTrialViewFixture(t, nil, "ok")
	_, body := get(t, f.srv, f.base, nil)
	if visit := rowOf(t, body, "2"); !strings.Contains(visit, "SE.V1 / F.VS") || !strings.Contains(visit, "<dt>IT.SBP</dt><dd>182</dd>") {
		t.Errorf("entry 1 without a design:\n%s", visit)
	}
	if q := rowOf(t, body, "4"); !strings.Contains(q, "item IT.SBP") {
		t.Errorf("query without a design:\n%s", q)
	}
}

func TestTrialTimeline_subjectIDsOnlyForTheSponsor(t *testing.T) {
	f := newTrialViewFixture(t, &vitalsDesign, "ok")
	_, body := get(t, f.srv, f.base, f.session)
	if row := rowOf(t, body, "2"); !regexp.MustCompile(`>S-001 \(S-[0-9a-f]{12}…\)</code>`).MatchString(row) {
		t.Errorf("the sponsor does not see S-001:\n%s", row)
	}
	token, _, err := f.a.SignIn(t.Context(), "dave", "dave-pass")
	if err != nil {
		t.Fatal(err)
	}
	for who, h := range map[string]http.Header{"nobody": nil, "dave": {"Cookie": {sessionCookie + "=" + token}}} {
		_, body := get(t, f.srv, f.base, h)
		if strings.Contains(body, ">S-001") {
			t.Errorf("%s sees the sponsor's subject id", who)
		}
	}
}

func TestTrialEntryPage_linksBothWays(t *testing.T) {
	f := newTrialViewFixture(t, &vitalsDesign, "ok")
	res, body := get(t, f.srv, f.base+"entries/3/", f.session)
	wantBody(t, "entry 3", res, body, 200, "<h1>Entry #3: Visit / CRF data</h1>", "<dt>Corrects</dt>", `href="`+f.base+`entries/2/">#2</a>: transcription error`,
		"<dt>Queries and checks</dt>", `href="`+f.base+`entries/4/">Data query #4</a>`, "<dt>Systolic BP</dt><dd>128 mmHg</dd>", ">S-001 (S-", "Signature (EIP-191)")
	res, body = get(t, f.srv, f.base+"entries/2/", nil)
	wantBody(t, "entry 2", res, body, 200, "<dt>Corrected by</dt>", `href="`+f.base+`entries/3/">#3</a> (reason: transcription error`, "<dt>Site</dt><dd>01</dd>",
		"Signed by Dr Ada Lovelace (0x")
	if strings.Contains(body, ">S-001") {
		t.Error("a visitor sees the sponsor's subject id")
	}
	res, body = get(t, f.srv, f.base+"entries/4/", nil)
	wantBody(t, "entry 4", res, body, 200, "<dt>About</dt>", `href="`+f.base+`entries/3/">query on entry #3, item Systolic BP</a>`)
	for _, bad := range []string{"entries/99/", "entries/x/"} {
		if res, _ := get(t, f.srv, f.base+bad, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", bad, res.StatusCode)
		}
	}
}

package frontend

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// inspectedReportTrial registers a trial run by a team, whose title and
// data hold markup: 0 registration, 1-2 a coordinator (every site) and a
// monitor (site A) authorized, 3 the study design, 4 a visit with a long
// value, anchored, 5 its correction, 6 a visit through the form, 7-9 a
// query on it answered and closed, 10 the monitor revoked.
func inspectedReportTrial(t *testing.T, a *app.App, title string) marketplace.Trial {
	t.Helper()
	ctx := t.Context()
	carol, cora, mo := app.ByAccount("carol", "carol-pass"), app.ByAccount("cora", "cora-pass"), app.ByAccount("mo", "mo-pass")
	tr, err := a.RegisterTrial(ctx, carol, title, "NCT13300001", "protocol.pdf", strings.NewReader("%PDF report"))
	if err != nil {
		t.Fatal(err)
	}
	ref := tr.Identifier
	staff := map[string]marketplace.StaffGrant{
		"cora": {Name: "Cora <i>Coordinator</i>", Role: marketplace.RoleCoordinator},
		"mo":   {Name: "Mo Monitor", Role: marketplace.RoleMonitor, Site: "A"},
	}
	for _, name := range []string{"cora", "mo"} {
		acct, err := a.CreateAccount(ctx, name, name+"-pass")
		if err != nil {
			t.Fatal(err)
		}
		g := staff[name]
		g.Account = acct.Address
		staff[name] = g
		if _, err := a.AuthorizeStaff(ctx, carol, ref, g); err != nil {
			t.Fatal(err)
		}
	}
	lo, hi := "60", "250"
	design, err := json.Marshal(marketplace.StudyDesign{Name: "Vitals", Events: []marketplace.EventDef{{OID: "SE.V1", Name: "Visit 1", Forms: []string{"F.VS"}}},
		Forms: []marketplace.FormDef{{OID: "F.VS", Name: "Vital signs", Items: []marketplace.ItemDef{
			{OID: "I.SYSBP", Label: "Systolic BP", Type: marketplace.ItemInteger, Unit: "mmHg", Min: &lo, Max: &hi, Required: true},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	record := func(who app.Actor, in app.StepInput) uint64 {
		t.Helper()
		es, err := a.RecordTrialSteps(ctx, who, ref, []app.StepInput{in})
		if err != nil {
			t.Fatal(err)
		}
		return es[0].Index
	}
	record(carol, app.StepInput{Type: "study_design", Data: design})
	visit := record(cora, app.StepInput{Type: "visit", Subject: "S-001", Site: "A",
		Data: json.RawMessage(`{"note":"<b>bold</b> and a very long value ` + strings.Repeat("x", 300) + `","weight_kg":81}`)})
	if _, err := a.AnchorTrial(ctx, carol, ref); err != nil {
		t.Fatal(err)
	}
	record(carol, app.StepInput{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"weight_kg":18}`), Corrects: &visit, Reason: "typo"})
	form := record(cora, app.StepInput{Type: "visit", Subject: "S-002", Site: "A", Data: json.RawMessage(`{"design":1,"event":"SE.V1","form":"F.VS","items":{"I.SYSBP":128}}`)})
	q, err := a.RaiseQuery(ctx, mo, ref, form, "I.SYSBP", "Please confirm 128 mmHg against the source.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AnswerQuery(ctx, cora, ref, q.Index, "Confirmed in the clinic notes.", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CloseQuery(ctx, mo, ref, q.Index, "Confirmed."); err != nil {
		t.Fatal(err)
	}
	g := staff["mo"]
	g.Name = ""
	if _, err := a.RevokeStaff(ctx, carol, ref, g, "left the study"); err != nil {
		t.Fatal(err)
	}
	return tr
}

// The report is a standalone page: every section, the verdict in its
// header, user data as text, and a policy that admits its own style only.
func TestTrialReport_servesAStandalonePageThatEscapesUserData(t *testing.T) {
	srv, a := newTrialServer(t)
	tr := inspectedReportTrial(t, a, `<script>alert("x")</script> trial`)
	res, body := get(t, srv, "/trials/"+tr.ID.Hex()+"/report", nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "<b>bold") || strings.Contains(body, "<i>Coordinator") {
		t.Errorf("user data is not escaped:\n%s", body)
	}
	for _, want := range []string{
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; trial`, `&lt;b&gt;bold&lt;/b&gt;`, `Cora &lt;i&gt;Coordinator&lt;/i&gt;`,
		`id="report-trial"`, `id="report-protocols"`, `id="report-staff"`, `id="report-entries"`, `id="report-checkpoints"`,
		`id="report-anchors"`, `id="report-verification"`, "PASS", "Study coordinator, every site", "Monitor, site A", "corrected by entry", "concerns the query of entry",
		"Systolic BP [I.SYSBP]", "128 mmHg", "left the study", `id="report-back"`,
		"Meaning: authored", "Generated ", tr.Protocols[0].SHA256.Hex(),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(body, "hx-") || strings.Contains(body, "<nav") {
		t.Error("the report carries the app's navigation or htmx")
	}
	if n := strings.Count(body, `<tr id="entry-`); n != 11 {
		t.Errorf("%d entries, want 11", n)
	}

	// The inline style is admitted by its hash, nothing else inline.
	csp := res.Header.Get("Content-Security-Policy")
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
	if style == nil {
		t.Fatal("no style")
	}
	sum := sha256.Sum256([]byte(style[1]))
	if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, "style-src 'self' "+h) {
		t.Errorf("CSP %q does not admit the style %s", csp, h)
	}
	if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(body, ` style="`) {
		t.Error("a style attribute, which the policy refuses")
	}

	// The trial page links it.
	if _, page := get(t, srv, "/trials/"+tr.ID.Hex()+"/", nil); !strings.Contains(page, `href="/trials/`+tr.ID.Hex()+`/report"`) {
		t.Error("the trial page does not link the inspection report")
	}
	if res, _ := get(t, srv, "/trials/NCT99999999/report", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown trial: status %d", res.StatusCode)
	}
}

// A failed verification is the first thing the report says, then every
// failure; an entry that fails says why where it stands.
func TestWriteInspectionReport_failedVerdictFirst(t *testing.T) {
	ins := &app.TrialInspection{
		Trial: marketplace.Trial{Title: "Tampered", Identifier: "NCT13300002"},
		Entries: []app.InspectionEntry{
			{Index: 0, TypeLabel: "Registration", OK: true, Finding: "fine"},
			{Index: 1, TypeLabel: "Visit", Finding: "the step shown is not the signed one"},
		},
		Verdict: app.InspectionVerdict{State: "FAILED (2 problems)", Summary: "trial NCT13300002 FAILED",
			Headline: "Not verified: 2 problems found", Problems: []string{"The export's copy of entry 1 differs from the signed entry"},
			Failures: []app.InspectionFinding{{Subject: "entry 1", Detail: "the step shown is not the signed one"}, {Subject: "anchor 2", Detail: "not on chain"}}},
	}
	var b strings.Builder
	if err := WriteInspectionReport(t.Context(), &b, ins); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	verdict := strings.Index(html, `id="report-verdict" class="verdict fail"`)
	first := strings.Index(html, `<section`)
	if verdict < 0 || first < 0 || verdict > first {
		t.Fatalf("the failed verdict is not in the header, before the sections:\n%s", html)
	}
	for _, want := range []string{"<strong>FAIL</strong>: Not verified: 2 problems found", "<li>The export&#39;s copy of entry 1 differs from the signed entry</li>",
		`id="report-failures"`, "<td>anchor 2</td><td>not on chain</td>", `<div class="bad">Fails: the step shown is not the signed one</div>`} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(html, "report-back") {
		t.Error("the written report links back to a page it is not served with")
	}
	if strings.Count(html, `class="ok">Verified`) != 1 {
		t.Error("want one verified entry")
	}
}

// BenchmarkInspectionReport makes and writes the inspection report of a
// 10,000-entry trial (go test -run '^$' -bench InspectionReport ./frontend/).
func BenchmarkInspectionReport(b *testing.B) {
	_, a := newTestServer(b)
	ctx := b.Context()
	carol := app.ByAccount("carol", "carol-pass")
	if _, err := a.CreateAccount(ctx, "carol", "carol-pass"); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Fund(ctx, "carol", big.NewInt(1e18)); err != nil {
		b.Fatal(err)
	}
	tr, err := a.RegisterTrial(ctx, carol, "Large trial", "NCT13300009", "protocol.pdf", strings.NewReader("%PDF large"))
	if err != nil {
		b.Fatal(err)
	}
	const entries, batch = 10_000, 1_000
	for i := 1; i < entries; i += batch {
		ins := make([]app.StepInput, min(batch, entries-i))
		for j := range ins {
			ins[j] = app.StepInput{Type: "visit", Subject: fmt.Sprintf("S-%04d", (i+j)%500), Site: "A", Data: json.RawMessage(`{"sbp":128,"dbp":81,"note":"seated, left arm"}`)}
		}
		if _, err := a.RecordTrialSteps(ctx, carol, tr.Identifier, ins); err != nil {
			b.Fatal(err)
		}
	}
	var size int
	for b.Loop() {
		ins, err := a.InspectionReport(ctx, tr.Identifier)
		if err != nil {
			b.Fatal(err)
		}
		var w countingWriter
		if err := WriteInspectionReport(ctx, &w, ins); err != nil {
			b.Fatal(err)
		}
		size = int(w)
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB/report")
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

package frontend

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// inspectedReportTrial registers a trial whose title and data hold markup, with a
// coordinator who records a visit, an anchor and a correction after it.
func inspectedReportTrial(t *testing.T, a *app.App, title string) marketplace.Trial {
	t.Helper()
	ctx := t.Context()
	carol := app.ByAccount("carol", "carol-pass")
	tr, err := a.RegisterTrial(ctx, carol, title, "NCT13300001", "protocol.pdf", strings.NewReader("%PDF report"))
	if err != nil {
		t.Fatal(err)
	}
	acct, err := a.CreateAccount(ctx, "cora", "cora-pass")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthorizeStaff(ctx, carol, tr.Identifier, marketplace.StaffGrant{Account: acct.Address, Name: "Cora <i>Coordinator</i>", Role: marketplace.RoleCoordinator}); err != nil {
		t.Fatal(err)
	}
	es, err := a.RecordTrialSteps(ctx, app.ByAccount("cora", "cora-pass"), tr.Identifier, []app.StepInput{{Type: "visit", Subject: "S-001", Site: "A",
		Data: json.RawMessage(`{"note":"<b>bold</b> and a very long value ` + strings.Repeat("x", 300) + `","weight_kg":81}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AnchorTrial(ctx, carol, tr.Identifier); err != nil {
		t.Fatal(err)
	}
	visit := es[0].Index
	if _, err := a.RecordTrialSteps(ctx, carol, tr.Identifier, []app.StepInput{{Type: "visit", Subject: "S-001", Site: "A",
		Data: json.RawMessage(`{"weight_kg":18}`), Corrects: &visit, Reason: "typo"}}); err != nil {
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
		`id="report-anchors"`, `id="report-verification"`, "PASS", "Study coordinator, every site", "corrected by entry",
		"Meaning: authored", "Generated ", tr.Protocols[0].SHA256.Hex(),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(body, "hx-") || strings.Contains(body, "<nav") {
		t.Error("the report carries the app's navigation or htmx")
	}
	if n := strings.Count(body, `<tr id="entry-`); n != 4 {
		t.Errorf("%d entries, want 4", n)
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

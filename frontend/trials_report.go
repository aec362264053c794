package frontend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// inspectionReports is what the inspection report page needs of the
// application.
type inspectionReports interface {
	InspectionReport(ctx context.Context, ref string) (*app.TrialInspection, error)
}

// handleTrialReport handles GET /trials/{id}/report: the trial's
// inspection report, a standalone printable page (its own layout, no
// navigation or scripts), for anyone who may read the trial's timeline.
func handleTrialReport(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ins, err := svc.InspectionReport(r.Context(), r.PathValue("id"))
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		var buf bytes.Buffer
		if err := inspectionReportPage(ins, trialURL(ins.Trial)).Render(r.Context(), &buf); err != nil {
			renderError(w, r, logger, fmt.Errorf("inspection report of %s: %w", ins.Trial.Identifier, err))
			return
		}
		// The page carries its style inline, so that the same file works
		// saved or written by the CLI; the policy admits that style alone.
		w.Header().Set("Content-Security-Policy", inspectionReportCSP())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if _, err := w.Write(buf.Bytes()); err != nil {
			logger.Debug("inspection report: write", "err", err)
		}
	})
}

// WriteInspectionReport writes r as a standalone HTML page, printable on
// A4: the page /trials/{id}/report serves and `medmarket trial report`
// writes.
func WriteInspectionReport(ctx context.Context, w io.Writer, r *app.TrialInspection) error {
	if err := inspectionReportPage(r, "").Render(ctx, w); err != nil {
		return fmt.Errorf("inspection report of %s: %w", r.Trial.Identifier, err)
	}
	return nil
}

// inspectionReportCSP is the site's policy with the report's inline style
// admitted by its hash (no 'unsafe-inline').
func inspectionReportCSP() string {
	sum := sha256.Sum256([]byte(inspectionReportCSS))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	return strings.Replace(contentSecurityPolicy, "style-src 'self'", "style-src 'self' "+hash, 1)
}

// inspectionReportCSS lays the report out for screen and for A4 paper:
// each section starts a page, table headers repeat on every page, rows do
// not split, long values wrap and hashes break anywhere.
const inspectionReportCSS = `
@page { size: A4; margin: 14mm 12mm 16mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; background: #fff; margin: 0 auto; max-width: 200mm; padding: 8mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 0 0 3mm; border-bottom: 1px solid #888; padding-bottom: 1mm; }
section { margin-top: 8mm; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin-bottom: 3mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top; overflow-wrap: anywhere; word-break: normal; }
th { background: #eee; font-weight: 600; }
.mono, code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 8.5pt; word-break: break-all; overflow-wrap: anywhere; }
dl { margin: 0; display: grid; grid-template-columns: fit-content(45%) minmax(0, 1fr); column-gap: 2mm; }
dt { font-weight: 600; overflow-wrap: anywhere; }
dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.meta { color: #444; }
.verdict { border: 2px solid; padding: 2mm 3mm; margin: 3mm 0; font-size: 11pt; }
.verdict.pass { border-color: #1b7f3b; background: #e8f5ec; }
.verdict.fail { border-color: #b3261e; background: #fdecea; }
.verdict strong { font-size: 13pt; }
.bad { color: #b3261e; font-weight: 600; }
.ok { color: #1b7f3b; }
.sig { font-size: 9pt; }
.sig div + div { margin-top: 0.6mm; }
.w7 { width: 7%; } .w9 { width: 9%; } .w12 { width: 12%; } .w13 { width: 13%; } .w14 { width: 14%; } .w18 { width: 18%; } .w20 { width: 20%; } .w22 { width: 22%; } .w24 { width: 24%; } .w27 { width: 27%; } .w31 { width: 31%; } .w33 { width: 33%; } .w36 { width: 36%; }
@media print {
  body { padding: 0; max-width: none; }
  .noprint { display: none; }
  section { margin-top: 0; }
  section + section { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
}
`

// reportTime is a time as the report prints it: UTC, to the second.
func reportTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func reportUint(n uint64) string { return strconv.FormatUint(n, 10) }

// staffChangeLabel says what a staff change did.
func staffChangeLabel(c app.StaffChange) string {
	if c.Revoked {
		return "Revoked"
	}
	return "Authorized"
}

// siteLabel is a grant's site for people.
func siteLabel(site string) string {
	if site == "" {
		return "every site"
	}
	return site
}

// entryAnchor is the fragment id of an entry in the report.
func entryAnchor(i uint64) string { return "entry-" + reportUint(i) }

// entryLinks lists an entry's links to others for people: what it corrects
// and is about, what corrects it.
func entryLinks(e app.InspectionEntry) []reportLink {
	var out []reportLink
	if e.Corrects != nil {
		out = append(out, reportLink{"corrects entry", *e.Corrects})
	}
	if e.Concerns != nil {
		what := "concerns entry"
		if e.Type == marketplace.StepQueryAnswer || e.Type == marketplace.StepQueryClose {
			what = "concerns the query of entry"
		}
		out = append(out, reportLink{what, *e.Concerns})
	}
	for _, c := range e.CorrectedBy {
		out = append(out, reportLink{"corrected by entry", c})
	}
	return out
}

// reportLink is a reference from one entry to another.
type reportLink struct {
	Label string
	Entry uint64
}

// verdictClass is the CSS class of the verdict banner.
func verdictClass(v app.InspectionVerdict) string {
	if v.OK {
		return "verdict pass"
	}
	return "verdict fail"
}

// verdictWord is the verdict in one word.
func verdictWord(v app.InspectionVerdict) string {
	switch {
	case v.OK:
		return "PASS"
	case v.State == "not verified":
		return "NOT VERIFIED"
	}
	return "FAIL"
}

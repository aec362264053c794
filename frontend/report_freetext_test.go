package frontend

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// The report on the card and in the wizard says which free-text columns
// were dropped, scrubbed or kept, and why.
func TestReportView_showsFreeText(t *testing.T) {
	r := &anonymize.Report{FreeText: []anonymize.FreeTextReport{
		{Column: "note", Outcome: "dropped", Reason: "12 of 12 sampled values are sentences"},
		{Column: "comment<b>", Outcome: "scrubbed", ScrubbedBy: "redact-notes", Reason: "r"},
	}}
	var buf bytes.Buffer
	if err := reportView(r).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	for _, want := range []string{`id="report-free-text"`, "note: dropped (12 of 12 sampled values are sentences)", "comment&lt;b&gt;: scrubbed by redact-notes (r)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the report does not show %q:\n%s", want, body)
		}
	}
}

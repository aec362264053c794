package frontend

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
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

// Notes through the safe-harbor preset: the card and wizard report says the
// column was scrubbed and how many identifiers of each type were replaced.
func TestReportView_showsScrubCounts(t *testing.T) {
	cfg, err := anonymize.Preset("safe-harbor")
	if err != nil {
		t.Fatal(err)
	}
	pl, err := cfg.Build(anonymize.Env{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := pl.Run(context.Background(), anonymizetest.Notes(60, 1))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := reportView(res.Report).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`note: scrubbed by safe-harbor, replaced NAME [0-9]+, DATE [0-9]+`)
	if !want.MatchString(buf.String()) {
		t.Errorf("the report does not show the scrubber's counts:\n%s", buf.String())
	}
}

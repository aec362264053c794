package plugins_test

import (
	"context"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	"github.com/medmarket/medmarket/plugins"
)

// The isolated Safe Harbor told to drop free text drops it exactly as the
// in-process one (scrub-builtin tests its default, scrubbing).
func TestSafeHarborPlanned_sameBytesAsInProcess_notes(t *testing.T) {
	in := anonymizetest.Notes(3000, 4)
	drop := anonymize.Params{"free_text": "drop"}
	sameBytes(t, in, drop)
	out := applyDirect(t, "safe-harbor", drop, anonymize.Env{}, in)
	if out.Column("note") != nil {
		t.Fatalf("Safe Harbor kept the notes: %v", out.Names())
	}
}

// redact-notes declares itself a scrubber across the plugin protocol: a
// pipeline that keeps the notes after it passes the gate, the report naming
// the scrubber; without it, the gate refuses, naming the column.
func TestThirdParty_scrubberLetsFreeTextThroughTheGate(t *testing.T) {
	h := newHost(t, plugins.Options{})
	trust(t, h, "redact-notes", "")
	if _, err := h.RegisterAnonymizers(); err != nil {
		t.Fatal(err)
	}
	d, err := h.Anonymizer("redact-notes").Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !d.Scrubber {
		t.Fatalf("redact-notes's descriptor %+v does not say it scrubs", d)
	}
	in := anonymizetest.Notes(400, 5)
	run := func(yaml string) *anonymize.Result {
		t.Helper()
		cfg, err := anonymize.LoadConfig(strings.NewReader(yaml))
		if err != nil {
			t.Fatal(err)
		}
		pl, err := cfg.Build(anonymize.Env{Transforms: h.Transforms()})
		if err != nil {
			t.Fatal(err)
		}
		res, err := pl.Run(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// max_risk 1: the notes' patients are unique; this test judges the notes.
	scrubbed := run("transforms:\n  - name: redact-notes\n    columns: [note]\n  - name: safe-harbor\n    columns: {note: keep}\npolicy: {max_risk: 1}\n")
	if !scrubbed.Verdict.Pass {
		t.Fatalf("with the scrubber: verdict %v, want pass", scrubbed.Verdict)
	}
	if ft := scrubbed.Report.FreeText; len(ft) != 1 || ft[0].Outcome != "scrubbed" || ft[0].ScrubbedBy != "redact-notes" {
		t.Fatalf("with the scrubber: report's free text %+v", ft)
	}
	if v := strings.Join(scrubbed.Table.Column("note").Values(), "\n"); strings.Contains(v, "(617)") {
		t.Fatalf("phone numbers left in the scrubbed notes")
	}
	kept := run("transforms:\n  - name: safe-harbor\n    columns: {note: keep}\n")
	if kept.Verdict.Pass || !strings.Contains(kept.Verdict.String(), `free text left: column "note"`) {
		t.Fatalf("without a scrubber: verdict %v, want a refusal naming note", kept.Verdict)
	}
}

// The isolated Safe Harbor puts ages and birth years over 89 into 90+, and
// extends the AGE hierarchy with it, exactly as the in-process one.
func TestSafeHarborPlanned_sameBytesAsInProcess_over89(t *testing.T) {
	params := anonymize.Params{"as_of": "2025-06-30"}
	in := patients(t, 10_000)
	sameBytes(t, in, params)
	out := applyDirect(t, "safe-harbor", params, anonymize.Env{}, in)
	over := 0
	for _, v := range out.Column("BIRTHDATE").Values() {
		if v == anonymize.Over89 {
			over++
		} else if v <= "1935" {
			t.Fatalf("birth year %s published", v)
		}
	}
	if over == 0 {
		t.Fatal("no birth year in 90+: the data has births from 1935")
	}
	if h := out.Column("AGE").Hierarchy; h == nil || !h.Contains(anonymize.Over89) {
		t.Fatal("the AGE hierarchy does not accept 90+")
	}
}

package plugins_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// An isolated run's report counts what the built-in scrubbers replaced,
// per column and PHI type, as the in-process run's does: scrub-notes with
// and without date shifts, and Safe Harbor scrubbing free text.
func TestIsolate_reportCountsScrubbed(t *testing.T) {
	in := anonymizetest.Resample(anonymizetest.Notes(60, 5), 400, 6) // notes repeated over rows
	env := anonymize.Env{Secret: []byte(secret)}
	configs := map[string]string{
		"scrub-notes shifting dates": "transforms:\n  - name: scrub-notes\n    columns: [note]\n    patient_column: id\n  - name: safe-harbor\n    columns: {note: keep}\npolicy: {max_risk: 1}\n",
		"scrub-notes tagging dates":  "transforms:\n  - name: scrub-notes\n    columns: [note]\n  - name: safe-harbor\n    columns: {note: keep}\npolicy: {max_risk: 1}\n",
		"safe-harbor":                "transforms:\n  - name: safe-harbor\npolicy: {max_risk: 1}\n",
	}
	for name, yaml := range configs {
		t.Run(name, func(t *testing.T) {
			cfg, err := anonymize.LoadConfig(strings.NewReader(yaml))
			if err != nil {
				t.Fatal(err)
			}
			run := func(isolated bool) *anonymize.Result {
				t.Helper()
				pl, err := cfg.Build(env)
				if err != nil {
					t.Fatal(err)
				}
				if isolated {
					if err := sharedHost(t).Isolate(context.Background(), cfg, pl, env); err != nil {
						t.Fatal(err)
					}
				}
				res, err := pl.Run(context.Background(), in)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			want, got := run(false), run(true)
			wantCounts, gotCounts := replacedByColumn(want.Report), replacedByColumn(got.Report)
			if wantCounts["note"]["NAME"] == 0 || wantCounts["note"]["PHONE"] == 0 {
				t.Fatalf("in process the report counts %v: the notes have names and phones", wantCounts)
			}
			if !reflect.DeepEqual(gotCounts, wantCounts) {
				t.Errorf("isolated the report counts %v, in process %v", gotCounts, wantCounts)
			}
			sameTable(t, got.Table, want.Table)
		})
	}
}

// replacedByColumn returns the report's scrub counts by free-text column.
func replacedByColumn(r *anonymize.Report) map[string]anonymize.ScrubCounts {
	out := map[string]anonymize.ScrubCounts{}
	for _, f := range r.FreeText {
		out[f.Column] = f.Replaced
	}
	return out
}

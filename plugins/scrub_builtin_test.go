package plugins_test

import (
	"context"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// The built-in note scrubber, alone or inside Safe Harbor, gives the same
// table in process and isolated, and says it is a scrubber both ways.
func TestBuiltins_scrubNotesSameInProcessAndIsolated(t *testing.T) {
	in := anonymizetest.Notes(200, 5)
	secret := "0123456789abcdef0123456789abcdef"
	env := anonymize.Env{Secret: []byte(secret)}
	cases := []struct {
		name   string
		params anonymize.Params
	}{
		{anonymize.ScrubNotesName, anonymize.Params{"patient_column": "id"}},
		{anonymize.ScrubNotesName, nil},
		{"safe-harbor", anonymize.Params{"free_text": "scrub"}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					want := applyDirect(t, tc.name, tc.params, env, in)
					if v := want.Column("note").Value(0); !strings.Contains(v, "[NAME]") {
						t.Fatalf("not scrubbed: %q", v)
					}
					tr, err := mode.get(t, tc.name).New(context.Background(), tc.params, env)
					if err != nil {
						t.Fatal(err)
					}
					if d := tr.Describe(); !d.Scrubber {
						t.Errorf("%s does not declare itself a scrubber: %+v", tc.name, d)
					}
					got, err := tr.Apply(context.Background(), in)
					if err != nil {
						t.Fatal(err)
					}
					sameTable(t, got, want)
				})
			}
		})
	}
}

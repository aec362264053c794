package anonymize_test

import (
	"context"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// safeHarborFHIR reads the shared Synthea bundles, keys them as one
// release when secret is set (as the anonymize command does) and runs the
// safe-harbor preset on every table. It returns the source encounter ids
// and the output tables by name.
func safeHarborFHIR(t *testing.T, secret []byte) ([]string, map[string]*anonymize.Table) {
	t.Helper()
	tables, err := anonymize.ReadInputs(fileInputs(syntheaBundles(t)), anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	enc := byName(tables)["Encounter"]
	if enc == nil || enc.NumRows() == 0 {
		t.Fatal("the Synthea bundles gave no Encounter rows")
	}
	ids := enc.Column("id").Values()
	ctx := context.Background()
	if len(secret) > 0 {
		rel, err := anonymize.NewFHIRRelease(tables)
		if err != nil {
			t.Fatal(err)
		}
		keyed, _, err := rel.Key(ctx, anonymize.ReleaseKey{Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		tables = keyed.Tables
	}
	cfg, _ := anonymize.Preset("safe-harbor")
	pl, err := cfg.Build(anonymize.Env{Secret: secret, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	res, err := pl.RunAll(ctx, tables)
	if err != nil {
		t.Fatal(err)
	}
	var out []*anonymize.Table
	for _, r := range res {
		out = append(out, r.Table)
	}
	return ids, byName(out)
}

// noRawEncounterIDs fails when any cell of any table holds a source
// encounter id (Safe Harbor's "any other unique identifying number").
func noRawEncounterIDs(t *testing.T, ids []string, tables map[string]*anonymize.Table) {
	t.Helper()
	for name, tb := range tables {
		for _, c := range tb.Columns {
			seen := map[string]bool{}
			for _, v := range c.Values() {
				if seen[v] {
					continue
				}
				seen[v] = true
				for _, id := range ids {
					if id != "" && strings.Contains(v, id) {
						t.Fatalf("table %s column %s keeps the source encounter id %q", name, c.Name, id)
					}
				}
			}
		}
	}
}

// The FHIR "encounter" reference columns are treated like the Encounter
// id they reference: removed without a secret, and with one given the
// same keyed pseudonym, so Encounter.id = Observation.encounter still
// joins and no source encounter id survives.
func TestSafeHarbor_fhirEncounterReferences(t *testing.T) {
	t.Run("no secret", func(t *testing.T) {
		ids, out := safeHarborFHIR(t, nil)
		noRawEncounterIDs(t, ids, out)
	})
	t.Run("secret", func(t *testing.T) {
		ids, out := safeHarborFHIR(t, []byte("0123456789abcdef0123456789abcdef"))
		noRawEncounterIDs(t, ids, out)
		encIDs := map[string]bool{}
		for _, v := range out["Encounter"].Column("id").Values() {
			encIDs[v] = true
		}
		for _, name := range []string{"Observation", "Condition", "Procedure"} {
			c := out[name].Column("encounter")
			if c == nil {
				t.Fatalf("%s has no encounter column after safe-harbor with a secret: %v", name, out[name].Names())
			}
			n := 0
			for row, v := range c.Values() {
				if v == "" {
					continue
				}
				n++
				if !encIDs[v] {
					t.Fatalf("%s row %d: encounter %q is no Encounter id of the output: the join is broken", name, row, v)
				}
			}
			if n == 0 {
				t.Fatalf("%s: no encounter values to join", name)
			}
		}
	})
}

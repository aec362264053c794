package plugins_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// A whole release with the built-ins isolated publishes what it does in
// process: every table runs every row-scoped step (a plugin host's
// transforms all look like privacy searches, and only the privacy model
// is for the Patient table alone), so Safe Harbor scrubs the notes of
// DocumentReference and keeps the shifted day of event dates there too.
func TestIsolate_releaseRunsEveryStepOnEveryTable(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "data", "synthea-fhir")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared test data not found at %s: %v", dir, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no Synthea bundle in %s: the shared data changed", dir)
	}
	var ins []anonymize.Input
	for _, f := range files {
		ins = append(ins, anonymize.Input{Name: f, Open: func() (io.ReadCloser, error) { return os.Open(f) }})
	}
	tables, err := anonymize.ReadInputs(ins, anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &anonymize.Config{Preset: "safe-harbor"}
	env := anonymize.Env{Secret: []byte(secret)}
	run := func(isolated bool) *anonymize.ReleaseResult {
		t.Helper()
		rel, err := anonymize.NewFHIRRelease(tables)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := cfg.Build(env)
		if err != nil {
			t.Fatal(err)
		}
		if isolated {
			if err := sharedHost(t).Isolate(context.Background(), cfg, pl, env); err != nil {
				t.Fatal(err)
			}
		}
		rr, err := pl.RunRelease(context.Background(), rel, &anonymize.ReleaseKey{Secret: env.Secret})
		if err != nil {
			t.Fatal(err)
		}
		return rr
	}
	want, got := run(false), run(true)
	if !reflect.DeepEqual(got.Verdict.Reasons, want.Verdict.Reasons) {
		t.Errorf("isolated verdict %v, in process %v", got.Verdict, want.Verdict)
	}
	for _, w := range want.Tables {
		g := got.Table(w.Table.Name)
		if g == nil {
			t.Fatalf("isolated: no table %s", w.Table.Name)
		}
		sameTable(t, g.Table, w.Table)
	}
	doc := got.Table("DocumentReference")
	if ft := doc.Report.FreeText; len(ft) != 1 || ft[0].Outcome != "scrubbed" {
		t.Errorf("isolated: DocumentReference notes %+v, want scrubbed", ft)
	}
}

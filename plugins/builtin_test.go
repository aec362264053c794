package plugins_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	"github.com/medmarket/medmarket/plugins"
	"github.com/medmarket/medmarket/plugins/anonymizer"
)

const secret = "a publisher secret of some length"

// modes are the two ways a built-in runs; the same tests pass both ways.
var modes = []struct {
	name string
	get  func(t *testing.T, name string) anonymizer.Anonymizer
}{
	{"inprocess", func(t *testing.T, name string) anonymizer.Anonymizer { return anonymizer.Builtin(name) }},
	{"isolated", func(t *testing.T, name string) anonymizer.Anonymizer {
		return sharedHost(t).Isolated(name)
	}},
}

var (
	sharedOnce sync.Once
	shared     *plugins.Host
	sharedErr  error
)

// sharedHost returns one host for the whole test run (closed by TestMain),
// so isolated built-ins start once rather than once per case.
func sharedHost(t *testing.T) *plugins.Host {
	sharedOnce.Do(func() { shared, sharedErr = plugins.NewHost(plugins.Options{}) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// patients returns test data with a hierarchy on AGE and roles set.
func patients(t testing.TB, n int) *anonymize.Table {
	tab := anonymizetest.Patients(n, 7)
	cols := make([]*anonymize.Column, len(tab.Columns))
	for i, c := range tab.Columns {
		nc := *c
		switch c.Name {
		case "AGE", "GENDER", "ZIP":
			nc.Role = anonymize.RoleQuasi
		case "DIAGNOSIS":
			nc.Role = anonymize.RoleSensitive
		case "Id", "NAME", "SSN":
			nc.Role = anonymize.RoleDirect
		}
		if c.Name == "AGE" && n > 0 {
			h, err := anonymize.IntervalHierarchy(c.Compact().Dict, 10, 2)
			if err != nil {
				t.Fatal(err)
			}
			nc.Hierarchy = h
		}
		cols[i] = &nc
	}
	return tab.WithColumns(cols)
}

func TestBuiltins_sameInProcessAndIsolated(t *testing.T) {
	in := patients(t, 3000)
	cases := []struct {
		name   string
		params anonymize.Params
	}{
		{"safe-harbor", nil},
		{"safe-harbor", anonymize.Params{"blank": true}},
		{"pseudonymize", anonymize.Params{"columns": []any{"Id", "SSN"}, "prefix": "P-"}},
		{"date-shift", anonymize.Params{"patient_column": "Id", "columns": []any{"BIRTHDATE"}}},
		{"generalize", anonymize.Params{"levels": map[string]any{"AGE": 2}}},
		{"suppress", anonymize.Params{"k": 3}},
		{"drop", anonymize.Params{"columns": []any{"NAME"}}},
		{"privacy", anonymize.Params{"k": 5, "method": "mondrian"}},
		{"privacy", anonymize.Params{"k": 3}},
	}
	env := anonymize.Env{Secret: []byte(secret)}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					want := applyDirect(t, tc.name, tc.params, env, in)
					tr, err := mode.get(t, tc.name).New(context.Background(), tc.params, env)
					if err != nil {
						t.Fatal(err)
					}
					if d := tr.Describe(); d.Name != tc.name {
						t.Errorf("Describe().Name = %q, want %q", d.Name, tc.name)
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

func applyDirect(t *testing.T, name string, p anonymize.Params, env anonymize.Env, in *anonymize.Table) *anonymize.Table {
	t.Helper()
	tr, err := anonymize.NewTransforms().New(name, p, env)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Apply(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTable compares what a reader of the output sees: names, metadata and
// values row by row.
func sameTable(t *testing.T, got, want *anonymize.Table) {
	t.Helper()
	if !reflect.DeepEqual(got.Names(), want.Names()) {
		t.Fatalf("columns %v, want %v", got.Names(), want.Names())
	}
	if got.NumRows() != want.NumRows() || got.Suppressed != want.Suppressed || got.Name != want.Name {
		t.Fatalf("table %q: %d rows, %d suppressed; want %q: %d rows, %d suppressed",
			got.Name, got.NumRows(), got.Suppressed, want.Name, want.NumRows(), want.Suppressed)
	}
	for i, gc := range got.Columns {
		wc := want.Columns[i]
		if gc.Type != wc.Type || gc.Role != wc.Role || gc.Level != wc.Level || !reflect.DeepEqual(gc.Applied, wc.Applied) {
			t.Errorf("column %s: type %v role %v level %d applied %v; want %v %v %d %v",
				gc.Name, gc.Type, gc.Role, gc.Level, gc.Applied, wc.Type, wc.Role, wc.Level, wc.Applied)
		}
		if (gc.Hierarchy == nil) != (wc.Hierarchy == nil) {
			t.Errorf("column %s: hierarchy %v, want %v", gc.Name, gc.Hierarchy != nil, wc.Hierarchy != nil)
		} else if gc.Hierarchy != nil && !reflect.DeepEqual(gc.Hierarchy.Rows(), wc.Hierarchy.Rows()) {
			t.Errorf("column %s: hierarchy differs", gc.Name)
		}
		if !reflect.DeepEqual(gc.Values(), wc.Values()) {
			t.Errorf("column %s: values differ", gc.Name)
		}
	}
}

// A pipeline with isolated built-ins gives the same result and report
// (with the reference date the environment gave Safe Harbor: birth years
// over 89 in 90+).
func TestIsolate_pipelineSameResult(t *testing.T) {
	in := patients(t, 4000)
	cfg, err := anonymize.Preset("safe-harbor-k5")
	if err != nil {
		t.Fatal(err)
	}
	env := anonymize.Env{Secret: []byte(secret), AsOf: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	run := func(isolated bool) *anonymize.Result {
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
	sameTable(t, got.Table, want.Table)
	if !slices.Contains(got.Table.Column("BIRTHDATE").Values(), anonymize.Over89) {
		t.Error("the isolated Safe Harbor did not get the reference date: no birth year in 90+")
	}
	if want.Report.Search == nil {
		t.Fatal("the in-process report has no search section")
	}
	sameReport(t, got.Report, want.Report)
}

// The tables of one dataset run together: the privacy step of a table
// without quasi-identifiers is skipped with a warning, isolated as in
// process (the plugin's refusal keeps its meaning across the wire).
func TestIsolate_runAllSkipsPrivacyWithoutQuasiIdentifiers(t *testing.T) {
	cfg, err := anonymize.Preset("safe-harbor-k5")
	if err != nil {
		t.Fatal(err)
	}
	env := anonymize.Env{Secret: []byte(secret)}
	codes, err := anonymizetest.Table("codes", []string{"code", "label"}, [][]string{{"A1", "one"}, {"B2", "two"}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(isolated bool) []*anonymize.Result {
		pl, err := cfg.Build(env)
		if err != nil {
			t.Fatal(err)
		}
		if isolated {
			if err := sharedHost(t).Isolate(context.Background(), cfg, pl, env); err != nil {
				t.Fatal(err)
			}
		}
		res, err := pl.RunAll(context.Background(), []*anonymize.Table{patients(t, 500), codes})
		if err != nil {
			t.Fatalf("isolated %v: %v", isolated, err)
		}
		return res
	}
	want, got := run(false), run(true)
	if len(want[1].Report.Warnings) == 0 {
		t.Fatal("in process: no warning about the skipped privacy step")
	}
	for i := range want {
		sameTable(t, got[i].Table, want[i].Table)
		sameReport(t, got[i].Report, want[i].Report)
	}
}

// sameReport compares two reports as their readers see them (JSON), the
// privacy step's search section included.
func sameReport(t *testing.T, got, want *anonymize.Report) {
	t.Helper()
	g, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("report differs:\n got %s\nwant %s", g, w)
	}
}

// Bad parameters are the user's mistake on both sides of the wire.
func TestBuiltins_badParamsAreInvalid(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			_, err := mode.get(t, "privacy").New(context.Background(), anonymize.Params{"k": 0, "nonsense": 1}, anonymize.Env{})
			if !errors.Is(err, anonymize.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			tr, err := mode.get(t, "drop").New(context.Background(), anonymize.Params{"columns": []any{"nope"}}, anonymize.Env{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = tr.Apply(context.Background(), patients(t, 10))
			if !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), `no column "nope"`) {
				t.Fatalf("err = %v, want ErrInvalid naming the column", err)
			}
		})
	}
}

// Empty tables and large ones (many batches) survive the trip.
func TestIsolated_batchesEdges(t *testing.T) {
	h := sharedHost(t)
	tr, err := h.Isolated("safe-harbor").New(context.Background(), nil, anonymize.Env{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 200_000} {
		in := patients(t, n)
		got, err := tr.Apply(context.Background(), in)
		if err != nil {
			t.Fatalf("%d rows: %v", n, err)
		}
		want := applyDirect(t, "safe-harbor", nil, anonymize.Env{}, in)
		sameTable(t, got, want)
	}
}

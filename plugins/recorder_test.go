package plugins_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/plugins"
	"github.com/medmarket/medmarket/plugins/recorder"
)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// recorderHost returns a host whose program has built-in recorders called
// csv and odm (as medmarket's app gives it), closed at the end of the test.
func recorderHost(t *testing.T, opt plugins.Options) *plugins.Host {
	t.Helper()
	opt.BuiltinRecorders = []recorder.Descriptor{{Name: "csv", Formats: []string{"text/csv"}}, {Name: "odm", Formats: []string{"application/xml"}}}
	return newHost(t, opt)
}

// trustJSONL trusts the example recorder under the name it gives itself.
func trustJSONL(t *testing.T, h *plugins.Host) {
	t.Helper()
	e, err := h.TrustPlugin(context.Background(), filepath.Join(testBinaries(t), "jsonl-recorder"), "")
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "jsonl" || !slices.Equal(e.Kinds, []plugins.Kind{plugins.KindRecorder}) || e.Version != "1.0.0" {
		t.Fatalf("trust entry %+v, want jsonl, a recorder", e)
	}
}

// A trusted recorder plugin parses a document into steps, marked as its own.
func TestThirdPartyRecorder_trustedParses(t *testing.T) {
	h := recorderHost(t, plugins.Options{})
	trustJSONL(t, h)
	rec, ok, err := h.TrustedRecorder("jsonl")
	if err != nil || !ok || rec.Name() != "jsonl" {
		t.Fatalf("TrustedRecorder: %v %v %v", rec, ok, err)
	}
	src := `{"type":"enrolment","subject":"S-001","data":{"arm":"A"},"actor":"dr.x","at":"2026-02-01T10:00:00Z"}
# a comment

{"type":"visit","subject":"S-001","data":{"sbp":128},"meaning":"reviewed","corrects":3,"reason":"typo"}
`
	got, err := rec.Parse(context.Background(), strings.NewReader(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("steps: %s", jsonOf(t, got))
	}
	at := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	first, second := got[0], got[1]
	if first.Ref != "line 1" || string(first.Data) != `{"arm":"A"}` || first.Source.Actor != "dr.x" ||
		first.Source.At == nil || !first.Source.At.Equal(at) || first.Source.Recorder != "jsonl" {
		t.Errorf("first step: %s", jsonOf(t, first))
	}
	if second.Ref != "line 4" || second.Corrects == nil || *second.Corrects != 3 || second.Reason != "typo" || second.Meaning != "reviewed" {
		t.Errorf("second step: %s", jsonOf(t, second))
	}
}

// Bad lines come back one by one, as InputErrors naming the plugin.
func TestThirdPartyRecorder_badLinesAreInputErrors(t *testing.T) {
	h := recorderHost(t, plugins.Options{})
	trustJSONL(t, h)
	_, err := h.Recorder("jsonl").Parse(context.Background(), strings.NewReader("{\"subject\":\"S-1\"}\nnot json\n"), nil)
	var ie recorder.InputErrors
	if !errors.As(err, &ie) || len(ie) != 2 || ie[0].Ref != "line 1" || ie[1].Ref != "line 2" || !strings.Contains(err.Error(), "jsonl") {
		t.Fatalf("err = %v, want 2 InputErrors naming the plugin", err)
	}
	if !recorder.IsInvalid(err) {
		t.Errorf("InputErrors are not invalid input: %v", err)
	}
}

// Recorders and anonymizers are told apart, and built-in recorders listed
// and their names kept.
func TestThirdPartyRecorder_kindsAndBuiltinNames(t *testing.T) {
	h := recorderHost(t, plugins.Options{})
	trustJSONL(t, h)
	trust(t, h, "redact-notes", "")
	if _, ok, _ := h.TrustedRecorder("redact-notes"); ok {
		t.Error("an anonymizer plugin was taken for a recorder")
	}
	names, err := h.TrustedRecorderNames()
	if err != nil || !slices.Equal(names, []string{"jsonl"}) {
		t.Errorf("TrustedRecorderNames = %v, %v", names, err)
	}
	list := mustList(t, h)
	if i := find(list, "jsonl"); i == nil || i.State != plugins.StateTrusted || !slices.Equal(i.Kinds, []plugins.Kind{plugins.KindRecorder}) {
		t.Errorf("list: %+v", i)
	}
	if i := find(list, "odm"); i == nil || i.State != plugins.StateBuiltin || !slices.Equal(i.Kinds, []plugins.Kind{plugins.KindRecorder}) {
		t.Errorf("list: built-in odm %+v", i)
	}
	if _, err := h.TrustPlugin(context.Background(), filepath.Join(testBinaries(t), "jsonl-recorder"), "csv"); err == nil {
		t.Error("trusted a recorder under a built-in recorder's name")
	}
}

func TestThirdPartyRecorder_untrustedOrChangedRefused(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "jsonl")
	b := copyTestBinary(t, "jsonl-recorder", bin)
	h := newHost(t, plugins.Options{Dirs: []string{dir}})
	if _, ok, _ := h.TrustedRecorder("jsonl"); ok {
		t.Fatal("an untrusted recorder was found")
	}
	_, err := h.Recorder("jsonl").Parse(context.Background(), strings.NewReader(`{"type":"visit"}`), nil)
	if !errors.Is(err, plugins.ErrUntrusted) {
		t.Fatalf("untrusted: err = %v", err)
	}
	if _, err := h.TrustPlugin(context.Background(), bin, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, append(b, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = h.Recorder("jsonl").Parse(context.Background(), strings.NewReader(`{"type":"visit"}`), nil)
	if !errors.Is(err, plugins.ErrChanged) || !strings.Contains(err.Error(), bin) {
		t.Fatalf("changed: err = %v, want ErrChanged naming the binary", err)
	}
}

func TestRecorder_misbehavingPluginsFailTheCallNamingThem(t *testing.T) {
	h := newHost(t, plugins.Options{CallTimeout: 2 * time.Second, MaxMessageBytes: 1 << 20, MaxRecorderInput: 1 << 10})
	for _, n := range []string{"rpanic", "rhang", "rbig", "rok"} {
		trust(t, h, n, n)
	}
	ctx := context.Background()
	in := func() *strings.Reader { return strings.NewReader("S-1 S-2") }
	cases := []struct{ name, want string }{
		{"rpanic", "crashed (panic: recorder fell over)"},
		{"rhang", "no answer within 2s"},
		{"rbig", "oversized output"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.Recorder(tc.name).Parse(ctx, in(), nil)
			if err == nil || !strings.Contains(err.Error(), "plugin "+tc.name) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name the plugin and say %q", err, tc.want)
			}
		})
	}
	got, err := h.Recorder("rok").Parse(ctx, in(), nil)
	if err != nil || len(got) != 2 || got[1].Subject != "S-2" || got[0].Source.Recorder != "rok" {
		t.Fatalf("rok: %+v, %v", got, err)
	}
	_, err = h.Recorder("rok").Parse(ctx, strings.NewReader(strings.Repeat("S-1 ", 1<<10)), nil)
	if !recorder.IsInvalid(err) || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Fatalf("oversized input: err = %v", err)
	}
	// The crashed plugin restarts on its next use.
	if _, err := h.Recorder("rpanic").Describe(ctx); err != nil {
		t.Fatalf("after the crash: %v", err)
	}
}

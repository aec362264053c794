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

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
	"github.com/medmarket/medmarket/plugins"
)

// recorderModes are the two ways a built-in recorder runs.
var recorderModes = []struct {
	name string
	get  func(t *testing.T, name string) plugins.Recorder
}{
	{"inprocess", func(t *testing.T, name string) plugins.Recorder {
		r, err := plugins.BuiltinRecorder(name)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}},
	{"isolated", func(t *testing.T, name string) plugins.Recorder { return sharedHost(t).IsolatedRecorder(name) }},
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuiltinRecorders_sameInProcessAndIsolated(t *testing.T) {
	odm, err := os.ReadFile("testdata/study.xml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, recorder, src string
		cfg                 trials.RecorderConfig
		steps               int    // want this many steps
		errs                int    // or this many InputErrors
		errHas              string // or an EINVALID error saying this
	}{
		{"odm", "odm", string(odm), nil, 5, 0, ""},
		{"odm-malformed", "odm", strings.Replace(string(odm), `<FormData FormOID="F.AE">`, `<FormData>`, 1), nil, 0, 0, "FormOID missing"},
		{"csv", "csv", "event,participant,when,user,arm,sbp,note\n" +
			"enrolment,S-001,2026-02-01T10:00:00+02:00,U1,A,,\n" +
			"visit,S-001,2026-02-08,U1,,128,seated\n",
			trials.RecorderConfig{"type": "event", "subject": "participant", "at": "when", "actor": "user", "default_meaning": "reviewed"}, 2, 0, ""},
		{"csv-bad-rows", "csv", "type,subject,corrects,at\nenrolment,S-001,,\nlunch,S-002,x,soon\n", nil, 0, 3, ""},
		{"form", "form", "type=visit&subject=S-009&data=%7B%22a%22%3A1%7D&corrects=3&reason=typo&meaning=approved", nil, 1, 0, ""},
	}
	for _, tc := range cases {
		direct, derr := trials.LookupRecorder(tc.recorder)
		if derr != nil {
			t.Fatal(derr)
		}
		want, wantErr := direct.Parse(context.Background(), strings.NewReader(tc.src), tc.cfg)
		for _, m := range recorderModes {
			t.Run(tc.name+"/"+m.name, func(t *testing.T) {
				r := m.get(t, tc.recorder)
				d, err := r.Describe(context.Background())
				if err != nil || d.Name != tc.recorder || len(d.Formats) == 0 {
					t.Fatalf("describe: %+v, %v", d, err)
				}
				got, err := r.Parse(context.Background(), strings.NewReader(tc.src), tc.cfg)
				switch {
				case tc.steps > 0:
					if err != nil || wantErr != nil {
						t.Fatalf("err = %v (direct: %v)", err, wantErr)
					}
					if len(got) != tc.steps || jsonOf(t, got) != jsonOf(t, want) {
						t.Fatalf("steps differ from the direct parse:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, want))
					}
				case tc.errs > 0:
					var ie, we trials.InputErrors
					if !errors.As(err, &ie) || !errors.As(wantErr, &we) || len(ie) != tc.errs || !slices.Equal(ie, we) {
						t.Fatalf("err = %#v, want the direct parse's %d InputErrors %#v", err, tc.errs, wantErr)
					}
					if marketplace.ErrorCode(err) != marketplace.EINVALID {
						t.Errorf("code %q, want EINVALID", marketplace.ErrorCode(err))
					}
				default:
					if err == nil || !strings.Contains(err.Error(), tc.errHas) || marketplace.ErrorCode(err) != marketplace.EINVALID {
						t.Fatalf("err = %v (code %q), want EINVALID with %q", err, marketplace.ErrorCode(err), tc.errHas)
					}
				}
			})
		}
	}
}

func TestThirdPartyRecorder_trustedParses(t *testing.T) {
	h := newHost(t, plugins.Options{})
	bin := filepath.Join(testBinaries(t), "jsonl-recorder")
	e, err := h.TrustPlugin(context.Background(), bin, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "jsonl" || !slices.Equal(e.Kinds, []plugins.Kind{plugins.KindRecorder}) || e.Version != "1.0.0" {
		t.Fatalf("trust entry %+v, want jsonl, a recorder", e)
	}
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
	at := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	if len(got) != 2 || got[0].Ref != "line 1" || got[1].Ref != "line 4" || string(got[0].Data) != `{"arm":"A"}` ||
		got[0].Source.Actor != "dr.x" || got[0].Source.At == nil || !got[0].Source.At.Equal(at) || got[0].Source.Recorder != "jsonl" ||
		got[1].Corrects == nil || *got[1].Corrects != 3 || got[1].Reason != "typo" || got[1].Meaning != "reviewed" {
		t.Fatalf("steps: %s", jsonOf(t, got))
	}
	// Bad lines come back one by one, as InputErrors.
	_, err = rec.Parse(context.Background(), strings.NewReader("{\"subject\":\"S-1\"}\nnot json\n"), nil)
	var ie trials.InputErrors
	if !errors.As(err, &ie) || len(ie) != 2 || ie[0].Ref != "line 1" || ie[1].Ref != "line 2" || !strings.Contains(err.Error(), "jsonl") {
		t.Fatalf("err = %v, want 2 InputErrors naming the plugin", err)
	}
	// An anonymizer is not a recorder.
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
	if _, err := h.TrustPlugin(context.Background(), bin, "csv"); err == nil {
		t.Error("trusted a recorder under a built-in recorder's name")
	}
}

func TestThirdPartyRecorder_untrustedOrChangedRefused(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "jsonl")
	b, err := os.ReadFile(filepath.Join(testBinaries(t), "jsonl-recorder"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHost(t, plugins.Options{Dirs: []string{dir}})
	if _, ok, _ := h.TrustedRecorder("jsonl"); ok {
		t.Fatal("an untrusted recorder was found")
	}
	_, err = h.Recorder("jsonl").Parse(context.Background(), strings.NewReader(`{"type":"visit"}`), nil)
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
	if err == nil || marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Fatalf("oversized input: err = %v", err)
	}
	// The crashed plugin restarts on its next use.
	if _, err := h.Recorder("rpanic").Describe(ctx); err != nil {
		t.Fatalf("after the crash: %v", err)
	}
}

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
	"github.com/medmarket/medmarket/plugins"
	"github.com/medmarket/medmarket/plugins/recorder"
)

// TestMain doubles as "medmarket plugin-serve NAME": the plugin host
// re-executes the test binary to isolate a built-in.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "plugin-serve" {
		if err := ServeBuiltinPlugin(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The steps crossing the wire are the steps trials reads, both ways.
func TestRecorderSteps_roundTrip(t *testing.T) {
	var in []trials.StepInput
	if err := json.Unmarshal([]byte(`[{"ref":"row 2","type":"visit","subject":"S-1","protocol":"2","data":{"a":1},
		"documents":[{"name":"crf.pdf","sha256":"0x`+strings.Repeat("ab", 32)+`","size":7}],"meaning":"reviewed",
		"corrects":3,"corrects_key":"k","update_of":"u","reason":"typo",
		"source":{"recorder":"csv","ref":"row 2","key":"k","actor":"dr.x","at":"2026-02-01T10:00:00Z"}}]`), &in); err != nil {
		t.Fatal(err)
	}
	got := stepFromRecorder(stepToRecorder(in[0]))
	if a, b := jsonOf(t, got), jsonOf(t, in[0]); a != b {
		t.Fatalf("round trip:\n got %s\nwant %s", a, b)
	}
	// The wire type writes the same JSON as trials' own.
	if a, b := jsonOf(t, stepToRecorder(in[0])), jsonOf(t, in[0]); a != b {
		t.Fatalf("recorder.Step JSON:\n got %s\nwant %s", a, b)
	}
	if recorder.DefaultMaxInput != trials.MaxImportSize {
		t.Errorf("recorder.DefaultMaxInput = %d, trials.MaxImportSize = %d", recorder.DefaultMaxInput, trials.MaxImportSize)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// recorderCase is a document for a built-in recorder, and what parsing it
// directly gives.
type recorderCase struct {
	name, recorder, src string
	cfg                 trials.RecorderConfig
	steps               int    // want this many steps
	errs                int    // or this many InputErrors
	errHas              string // or an EINVALID error saying this
}

func builtinRecorderCases(t *testing.T) []recorderCase {
	odm, err := os.ReadFile("../plugins/testdata/study.xml")
	if err != nil {
		t.Fatal(err)
	}
	return []recorderCase{
		{"odm", "odm", string(odm), nil, 5, 0, ""},
		{"odm-malformed", "odm", strings.Replace(string(odm), `<FormData FormOID="F.AE">`, `<FormData>`, 1), nil, 0, 0, "FormOID missing"},
		{"csv", "csv", "event,participant,when,user,arm,sbp,note\n" +
			"enrolment,S-001,2026-02-01T10:00:00+02:00,U1,A,,\n" +
			"visit,S-001,2026-02-08,U1,,128,seated\n",
			trials.RecorderConfig{"type": "event", "subject": "participant", "at": "when", "actor": "user", "default_meaning": "reviewed"}, 2, 0, ""},
		{"csv-bad-rows", "csv", "type,subject,corrects,at\nenrolment,S-001,,\nlunch,S-002,x,soon\n", nil, 0, 3, ""},
		{"form", "form", "type=visit&subject=S-009&data=%7B%22a%22%3A1%7D&corrects=3&reason=typo&meaning=approved", nil, 1, 0, ""},
	}
}

// trials' built-in recorders served as plugins (in process, or isolated
// as "medmarket plugin-serve NAME" runs them) parse as trials does, errors
// included.
func TestBuiltinRecorders_sameInProcessAndIsolated(t *testing.T) {
	h, err := newPluginHost(t.TempDir(), plugins.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	})
	modes := []struct {
		name string
		get  func(name string) recorder.Recorder
	}{
		{"inprocess", func(name string) recorder.Recorder { r, _ := builtinRecorder(name); return r }},
		{"isolated", func(name string) recorder.Recorder { return h.IsolatedRecorder(name) }},
	}
	for _, tc := range builtinRecorderCases(t) {
		for _, m := range modes {
			t.Run(tc.name+"/"+m.name, func(t *testing.T) {
				checkBuiltinRecorder(t, tc, m.get(tc.recorder))
			})
		}
	}
}

// checkBuiltinRecorder parses tc with r, converted back to trials' types
// as app does for plugins, and compares with trials' own parse.
func checkBuiltinRecorder(t *testing.T, tc recorderCase, r recorder.Recorder) {
	t.Helper()
	direct, err := trials.LookupRecorder(tc.recorder)
	if err != nil {
		t.Fatal(err)
	}
	want, wantErr := direct.Parse(context.Background(), strings.NewReader(tc.src), tc.cfg)
	d, err := r.Describe(context.Background())
	if err != nil || d.Name != tc.recorder || len(d.Formats) == 0 {
		t.Fatalf("describe: %+v, %v", d, err)
	}
	steps, err := r.Parse(context.Background(), strings.NewReader(tc.src), recorder.Config(tc.cfg))
	err = recorderErrorFrom(err)
	got := make([]trials.StepInput, len(steps))
	for i, s := range steps {
		got[i] = stepFromRecorder(s)
	}
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
}

package plugins_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	"github.com/medmarket/medmarket/plugins"
	"github.com/medmarket/medmarket/plugins/anonymizer"
	"github.com/medmarket/medmarket/plugins/handshake"
)

func notes(t testing.TB, extra ...string) *anonymize.Table {
	t.Helper()
	header := append([]string{"id", "note"}, extra...)
	rows := [][]string{
		{"1", "Seen by Dr. Hickle on 2021-03-04, call 555-123-4567 or mail jane.doe@example.org"},
		{"2", "SSN 999-12-3456 on file; MRN 12345678"},
		{"3", "no identifiers here"},
	}
	for i := range rows {
		for range extra {
			rows[i] = append(rows[i], "x")
		}
	}
	tab, err := anonymizetest.Table("notes", header, rows)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestThirdParty_redactNotesThroughTheHost(t *testing.T) {
	h := newHost(t, plugins.Options{})
	trust(t, h, "redact-notes", "")
	a := h.Anonymizer("redact-notes")
	d, err := a.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "redact-notes" || d.Scope != anonymize.ScopeRow || len(d.ConfigSchema) == 0 {
		t.Errorf("descriptor %+v", d)
	}
	tr, err := a.New(context.Background(), anonymize.Params{"tag": "[X]"}, anonymize.Env{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Apply(context.Background(), notes(t))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(out.Column("note").Values(), "\n")
	for _, leak := range []string{"Hickle", "2021-03-04", "555-123-4567", "jane.doe@example.org", "999-12-3456", "12345678"} {
		if strings.Contains(got, leak) {
			t.Errorf("output still holds %q:\n%s", leak, got)
		}
	}
	if !strings.Contains(got, "[X]") || !strings.Contains(got, "no identifiers here") {
		t.Errorf("output:\n%s", got)
	}
	if _, err := a.New(context.Background(), anonymize.Params{"nope": 1}, anonymize.Env{}); !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), "redact-notes") {
		t.Errorf("bad params: err = %v, want ErrInvalid naming the plugin", err)
	}

	// Registered with the host's transforms, a pipeline config uses it by name.
	if _, err := h.RegisterAnonymizers(); err != nil {
		t.Fatal(err)
	}
	cfg, err := anonymize.LoadConfig(strings.NewReader("transforms:\n  - name: redact-notes\n    columns: [note]\npolicy: {allow_direct_identifiers: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := cfg.Build(anonymize.Env{Transforms: h.Transforms()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := pl.Run(context.Background(), notes(t))
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Table.Column("note").Value(1); strings.Contains(v, "999-12-3456") {
		t.Errorf("pipeline output %q", v)
	}
}

// Each host registers the plugins it trusts with its own transforms: another
// host in the same process, and pipelines built without a host, do not see
// them.
func TestThirdParty_hostsKeepTheirPluginsApart(t *testing.T) {
	h1, h2 := newHost(t, plugins.Options{}), newHost(t, plugins.Options{})
	trust(t, h1, "redact-notes", "")
	for _, h := range []*plugins.Host{h1, h2} {
		if _, err := h.RegisterAnonymizers(); err != nil {
			t.Fatal(err)
		}
	}
	if names := h1.Transforms().Names(); !slices.Contains(names, "redact-notes") || !slices.Contains(names, "privacy") {
		t.Errorf("trusting host: %v, want the built-ins and redact-notes", names)
	}
	cfg := &anonymize.Config{Transforms: []anonymize.TransformConfig{{Name: "redact-notes", Params: anonymize.Params{"columns": []any{"note"}}}}}
	if _, err := cfg.Build(anonymize.Env{Transforms: h1.Transforms()}); err != nil {
		t.Errorf("trusting host: %v", err)
	}
	others := map[string]*anonymize.Transforms{"other host": h2.Transforms(), "no host": nil}
	for what, set := range others {
		if slices.Contains(set.Names(), "redact-notes") {
			t.Errorf("%s sees redact-notes: %v", what, set.Names())
		}
		if _, err := cfg.Build(anonymize.Env{Transforms: set}); !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), "redact-notes") {
			t.Errorf("%s: err = %v, want ErrInvalid naming redact-notes", what, err)
		}
	}
	if slices.Contains(anonymizer.BuiltinNames(), "redact-notes") {
		t.Errorf("built-ins %v", anonymizer.BuiltinNames())
	}
}

func TestThirdParty_changedBinaryRefused(t *testing.T) {
	h := newHost(t, plugins.Options{})
	dir := t.TempDir()
	bin := filepath.Join(dir, "redact-notes")
	src := copyTestBinary(t, "redact-notes", bin)
	if _, err := h.TrustPlugin(context.Background(), bin, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Anonymizer("redact-notes").Describe(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The running process would otherwise keep serving.
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	// Another binary at the same path: one byte more.
	if err := os.WriteFile(bin, append(src, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	h2 := newHost(t, plugins.Options{DataDir: filepath.Dir(h.Trust().Path)})
	_, err := h2.Anonymizer("redact-notes").Describe(context.Background())
	if !errors.Is(err, plugins.ErrChanged) || !strings.Contains(err.Error(), "SHA-256") || !strings.Contains(err.Error(), bin) {
		t.Fatalf("err = %v, want ErrChanged naming the binary and the hashes", err)
	}
	list, err := h2.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if i := find(list, "redact-notes"); i == nil || i.State != plugins.StateChanged {
		t.Errorf("list: %+v, want state changed", i)
	}
}

func TestThirdParty_untrustedRefused(t *testing.T) {
	h := newHost(t, plugins.Options{Dirs: []string{testBinaries(t)}})
	_, err := h.Anonymizer("redact-notes").Describe(context.Background())
	if !errors.Is(err, plugins.ErrUntrusted) || !strings.Contains(err.Error(), "plugins trust") {
		t.Fatalf("err = %v, want ErrUntrusted telling how to trust", err)
	}
	list, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := find(list, "redact-notes")
	if i == nil || i.State != plugins.StateUntrusted || len(i.SHA256) != 64 {
		t.Fatalf("list entry %+v, want untrusted with hash", i)
	}
	if find(list, "safe-harbor").State != plugins.StateBuiltin {
		t.Error("built-ins not listed")
	}
	trust(t, h, "redact-notes", "notes")
	if i := find(mustList(t, h), "notes"); i == nil || i.State != plugins.StateTrusted || i.SHA256 != i.Pinned {
		t.Fatalf("after trust: %+v", i)
	}
	if _, err := h.Anonymizer("notes").Describe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.Untrust("notes"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Anonymizer("notes").Describe(context.Background()); !errors.Is(err, plugins.ErrUntrusted) {
		t.Fatalf("after untrust: err = %v", err)
	}
	if _, err := h.TrustPlugin(context.Background(), filepath.Join(testBinaries(t), "redact-notes"), "safe-harbor"); !errors.Is(err, anonymize.ErrInvalid) {
		t.Errorf("trusting under a built-in's name: err = %v", err)
	}
}

func mustList(t *testing.T, h *plugins.Host) []plugins.Info {
	t.Helper()
	l, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func find(list []plugins.Info, name string) *plugins.Info {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func TestThirdParty_seesNoHostEnvironment(t *testing.T) {
	t.Setenv("MEDMARKET_PASSPHRASE", "hunter2-host-secret")
	h := newHost(t, plugins.Options{})
	trust(t, h, "env", "")
	tr, err := h.Anonymizer("misbehave-env").New(context.Background(), nil, anonymize.Env{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Apply(context.Background(), notes(t))
	if err != nil {
		t.Fatal(err)
	}
	env := out.Column("env").Value(0)
	if strings.Contains(env, "hunter2") || strings.Contains(env, "HOME=") || strings.Contains(env, "PATH=") {
		t.Fatalf("the plugin sees the host's environment:\n%s", env)
	}
	for _, line := range strings.Split(env, "\n") {
		if k, _, _ := strings.Cut(line, "="); !strings.HasPrefix(k, "PLUGIN_") && k != handshake.Config().MagicCookieKey {
			t.Errorf("unexpected variable in the plugin's environment: %s", line)
		}
	}
}

// Each misbehaving plugin fails its call with an error naming it and the
// cause; the host and the other plugins keep working.
func TestHost_misbehavingPlugins(t *testing.T) {
	h := newHost(t, plugins.Options{CallTimeout: 3 * time.Second, MaxMessageBytes: 1 << 20})
	for _, m := range []string{"panic", "exit", "hang", "rows", "big", "ok", "badplan", "plancols"} {
		trust(t, h, m, m)
	}
	cases := []struct {
		mode, want string
		boom       bool
	}{
		{"panic", "crashed (panic: boom: the plugin fell over)", true},
		{"exit", "exited (exit status 3)", true},
		{"hang", "no answer within 3s", false},
		{"rows", "wrong number of rows: the plugin returned 2 rows for a batch of 3", false},
		{"big", "oversized output", false},
		{"badplan", "plan: 1 actions for 2 columns", false},
		{"plancols", "plan: 3 columns out for 2 planned columns in", false},
	}
	healthy := func() {
		t.Helper()
		tr, err := h.Anonymizer("ok").New(context.Background(), nil, anonymize.Env{})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := tr.Apply(context.Background(), notes(t)); err != nil || out.NumRows() != 3 {
			t.Fatalf("healthy plugin: %v", err)
		}
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			in := notes(t)
			if tc.boom {
				in = notes(t, "boom")
			}
			tr, err := h.Anonymizer(tc.mode).New(context.Background(), nil, anonymize.Env{})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			out, err := tr.Apply(context.Background(), in)
			if err == nil || out != nil {
				t.Fatalf("Apply = %v, %v; want an error", out, err)
			}
			if !strings.Contains(err.Error(), "plugin "+tc.mode) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %q, want it to name the plugin and %q", err, tc.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("failing took %s", d)
			}
			healthy()
			if tc.boom { // restarted on next use
				if _, err := tr.Apply(context.Background(), notes(t)); err != nil {
					t.Fatalf("after a crash, the next call: %v", err)
				}
			}
		})
	}
}

// A cancelled context ends a call promptly.
func TestHost_cancel(t *testing.T) {
	h := newHost(t, plugins.Options{})
	trust(t, h, "hang", "hang")
	tr, err := h.Anonymizer("hang").New(context.Background(), nil, anonymize.Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = tr.Apply(ctx, notes(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

package plugins_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/plugins"
)

// TestMain doubles as the built-in plugin server: isolated mode re-executes
// the test binary as "<test binary> plugin-serve NAME", as medmarket
// re-executes itself.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "plugin-serve" {
		if err := plugins.ServeBuiltin(os.Args[2], nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if len(os.Args) == 2 && os.Args[1] == "host-child" {
		hostChild()
	}
	code := m.Run()
	for _, h := range append([]*plugins.Host{shared}, slices.Collect(maps.Values(streamHosts))...) {
		if h == nil {
			continue
		}
		if err := h.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close a shared host:", err)
			code = max(code, 1)
		}
	}
	if binDir != "" {
		if err := os.RemoveAll(binDir); err != nil {
			fmt.Fprintln(os.Stderr, "remove the test plugins:", err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// copyTestBinary copies the test binary name (see testBinaries) to dst,
// executable, and returns its bytes, for tests that then change it.
func copyTestBinary(t testing.TB, name, dst string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testBinaries(t), name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return b
}

// testBinaries builds the example plugin and the misbehaving test plugin
// once per test run and returns the directory holding them: redact-notes,
// jsonl-recorder, and misbehave and badrecorder copied under each mode's name.
func testBinaries(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "medmarket-plugin-bins-")
		if buildErr != nil {
			return
		}
		for _, b := range []struct{ out, pkg string }{
			{"redact-notes", "./examples/redact-notes"},
			{"misbehave", "./testdata/misbehave"},
			{"jsonl-recorder", "./examples/jsonl-recorder"},
			{"badrecorder", "./testdata/badrecorder"},
		} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, b.out), b.pkg)
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
				return
			}
		}
		src, err := os.ReadFile(filepath.Join(binDir, "misbehave"))
		if err != nil {
			buildErr = err
			return
		}
		for _, mode := range []string{"panic", "exit", "hang", "rows", "big", "env", "ok", "badplan", "plancols"} {
			if buildErr = os.WriteFile(filepath.Join(binDir, mode), src, 0o755); buildErr != nil {
				return
			}
		}
		if src, buildErr = os.ReadFile(filepath.Join(binDir, "badrecorder")); buildErr != nil {
			return
		}
		for _, mode := range []string{"rpanic", "rhang", "rbig", "rok"} {
			if buildErr = os.WriteFile(filepath.Join(binDir, mode), src, 0o755); buildErr != nil {
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// newHost returns a host on a fresh data dir, closed at the end of the test.
func newHost(t testing.TB, opt plugins.Options) *plugins.Host {
	t.Helper()
	if opt.DataDir == "" {
		opt.DataDir = t.TempDir()
	}
	h, err := plugins.NewHost(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// trust pins a test binary under name in h's allow-list.
func trust(t testing.TB, h *plugins.Host, bin, name string) {
	t.Helper()
	if _, err := h.TrustPlugin(context.Background(), filepath.Join(testBinaries(t), bin), name); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The shipped binary (built without testHooksTag) holds no test hook: not
// the crash hook's variable nor its message, nor the light-scrypt switch. The same check finds them in a
// binary built with the tag, so it would see them if they were there.
func TestBinary_holdsNoTestHooks(t *testing.T) {
	markers := []string{envCrashAt, "CRASH AT", envLightScrypt}
	for _, tc := range []struct {
		tags  []string
		hooks bool
	}{{nil, false}, {[]string{"-tags", testHooksTag}, true}} {
		bin := filepath.Join(t.TempDir(), "medmarket")
		cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, tc.tags...), ".")...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", tc.tags, err, out)
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markers {
			if got := bytes.Contains(b, []byte(m)); got != tc.hooks {
				t.Errorf("binary built with %v holds %q: %v, want %v", tc.tags, m, got, tc.hooks)
			}
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A command's steps run in order: a bad argument asks for no passphrase and
// opens nothing; a missing passphrase opens nothing; a command that acts as
// no one asks for none.
func TestCommand_parseThenUnlockThenOpen(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"bad argument", []string{"delist", "--as", "alice", "one"}, `"one" is not a listing number`},
		{"no passphrase", []string{"withdraw", "--as", "alice"}, "No passphrase"},
		{"bad argument of a command without account", []string{"hub", "allow", "nobody"}, `"nobody" is not a hex address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			_, _, err := runCmd(t, map[string]string{envData: dir}, tc.args...) // no passphrase anywhere
			if exitCode(err) != 2 || !strings.Contains(userMessage(err), tc.want) {
				t.Fatalf("exit %d, %v; want 2 and %q", exitCode(err), err, tc.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the data dir was opened (%v)", err)
			}
		})
	}
}

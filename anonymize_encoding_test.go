package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Latin-1 file that detection cannot tell from damaged UTF-8 ("Ã©" is a
// UTF-8 sequence) is refused with the byte, the line and a hint, and reads
// once --encoding declares it.
func TestAnonymize_encodingFlag(t *testing.T) {
	env := cliEnv(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "latin1.csv")
	if err := os.WriteFile(in, []byte("sex,condition,age\nF,M\xc3\xa9ningite,34\nF,Fi\xe8vre,40\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "o.csv")
	_, _, err := runCmd(t, env, "anonymize", "--in", in, "--preset", "safe-harbor", "--out", out)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "latin1.csv:line 3: not UTF-8 at byte 38 (looks like Latin-1: convert it or choose the encoding)") {
		t.Fatalf("undeclared: exit %d, err %v; want 2 naming the byte, the line and the encoding", exitCode(err), err)
	}
	if _, _, err := runCmd(t, env, "anonymize", "--in", in, "--encoding", "latin1", "--k", "2", "--qi", "sex", "--out", out); err != nil {
		t.Fatalf("--encoding latin1: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "Fièvre") {
		t.Errorf("output does not hold the decoded city:\n%s", got)
	}
	_, _, err = runCmd(t, env, "anonymize", "--in", in, "--encoding", "ebcdic", "--preset", "safe-harbor", "--out", out)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `encoding "ebcdic" unknown`) {
		t.Fatalf("--encoding ebcdic: exit %d, err %v", exitCode(err), err)
	}
}

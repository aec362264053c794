package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// publish --accept-risk: without it a risk above the threshold is refused
// (and the refusal says how to accept it), below the report's figure it is
// refused, a bad percentage or words alone are usage errors, and an
// acceptance that covers the figure lists the release.
func TestPublish_acceptRiskFlag(t *testing.T) {
	env := cliEnv(t)
	mustRun(t, env, "account", "new", "--name", "alice")
	mustRun(t, env, "chain", "fund", "alice", "1")
	in := filepath.Join(t.TempDir(), "two.csv")
	if err := os.WriteFile(in, []byte("id,birthdate,gender\n1,1970-01-01,F\n2,1980-02-02,M\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"publish", "--as", "alice", "--in", in, "--preset", "safe-harbor", "--title", "Two patients", "--price", "0", "--terms", "GRU"}
	for _, c := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"no acceptance", nil, "accept it explicitly"},
		{"below the figure", []string{"--accept-risk", "30"}, "accepted a highest risk of 30 %, but the release's highest risk is 100 % (threshold 20 %)"},
		{"not a percentage", []string{"--accept-risk", "101"}, "--accept-risk \"101\": want a percentage"},
		{"words alone", []string{"--accept-risk-words", "mine"}, "--accept-risk-words needs --accept-risk"},
	} {
		_, _, err := runCmd(t, env, append(base, c.extra...)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: exit %d, %v; want 2 saying %q", c.name, exitCode(err), err, c.want)
		}
	}
	out := mustRun(t, env, append(base, "--accept-risk", "100%", "--accept-risk-words", "my own two records")...)
	if strings.TrimSpace(out) != "1" {
		t.Fatalf("publish with the risk accepted printed %q", out)
	}
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
)

// publish --card-epsilon, --questions-epsilon, --questions-per-requester
// and --no-questions: a bad budget is a usage error naming its flag; the
// budgets given reach the card, with its statistics.
func TestPublish_privacyBudgetFlags(t *testing.T) {
	env := cliEnv(t)
	mustRun(t, env, "account", "new", "--name", "alice")
	mustRun(t, env, "chain", "fund", "alice", "1")
	in := filepath.Join(t.TempDir(), "ten.csv")
	rows := "id,birthdate,gender\n"
	for i := range 10 {
		rows += "x,1970-01-01," + []string{"F", "M"}[i%2] + "\n"
	}
	if err := os.WriteFile(in, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"publish", "--as", "alice", "--in", in, "--preset", "safe-harbor", "--title", "Ten", "--price", "0", "--terms", "GRU", "--accept-risk", "100"}
	for _, c := range []struct {
		extra []string
		want  string
	}{
		{[]string{"--card-epsilon", "lots"}, `--card-epsilon "lots": write ε as a plain decimal`},
		{[]string{"--card-epsilon", "0"}, "--card-epsilon 0: ε must be above 0"},
		{[]string{"--questions-epsilon", "1/2"}, "--questions-epsilon"},
		{[]string{"--questions-per-requester", "101"}, "--questions-per-requester 101"},
		{[]string{"--questions-epsilon", "1", "--questions-per-requester", "2"}, "--questions-per-requester 2: one researcher cannot spend more"},
	} {
		_, _, err := runCmd(t, env, append(base, c.extra...)...)
		if exitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: exit %d, %v; want 2 saying %q", c.extra, exitCode(err), err, c.want)
		}
	}
	mustRun(t, env, append(base, "--card-epsilon", "0.5", "--questions-epsilon", "2", "--questions-per-requester", "0.25")...)
	mustRun(t, env, append(base, "--no-questions")...)

	a, err := app.Open(context.Background(), app.Options{DataDir: env[envData], LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	for id, want := range map[uint64]string{1: "2/0.25", 2: "none"} {
		l, err := a.Listing(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		st, err := app.DecodeCardStatistics(l.Card)
		if err != nil || st == nil {
			t.Fatalf("listing %d statistics %v, %v", id, st, err)
		}
		got := "none"
		if q := l.Card.Questions; q != nil {
			got = q.Epsilon + "/" + q.PerRequester
		}
		if got != want || (id == 1 && st.Epsilon != "1/2") || (id == 2 && st.Epsilon != "1") {
			t.Errorf("listing %d: questions %s, card ε %s", id, got, st.Epsilon)
		}
	}
}

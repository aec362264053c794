package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `download` of a release (a ZIP of its tables) refuses a .csv or
// .parquet --out naming the listing and what to do, writes NAME.zip, adds
// .zip to an --out without extension, and defaults to listing-ID.zip; a
// one-file dataset without --out is listing-ID.csv.
func TestCLI_downloadReleaseIsZIP(t *testing.T) {
	env := cliEnv(t)
	for _, n := range []string{"alice", "bob"} {
		mustRun(t, env, "account", "new", "--name", n)
		mustRun(t, env, "chain", "fund", n, "10")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "visits.csv")
	csv := "id,birthdate,gender,state,condition\np1,1970-01-02,F,Massachusetts,diabetes\np2,1971-03-04,M,Massachusetts,asthma\np3,1972-05-06,F,Massachusetts,diabetes\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	published := filepath.Join(dir, "published.zip")
	// Three patients under Safe Harbor are each alone (risk 100 %): the
	// publisher accepts it explicitly.
	accept := []string{"--accept-risk", "100", "--accept-risk-words", "three test rows"}
	mustRun(t, env, append([]string{"publish", "--as", "alice", "--in", in, "--release", "--preset", "safe-harbor", "--title", "R", "--price", "0", "--terms", "GRU", "--save-copy", published}, accept...)...)
	mustRun(t, env, append([]string{"publish", "--as", "alice", "--in", in, "--preset", "safe-harbor", "--title", "C", "--price", "0", "--terms", "GRU"}, accept...)...)
	mustRun(t, env, "buy", "--as", "bob", "1", "--yes")
	mustRun(t, env, "buy", "--as", "bob", "2", "--yes")
	want, err := os.ReadFile(published)
	if err != nil || !bytes.HasPrefix(want, []byte("PK\x03\x04")) {
		t.Fatalf("published copy: %v, %q", err, want[:min(len(want), 8)])
	}

	for _, name := range []string{"x.csv", "x.parquet"} {
		out := filepath.Join(dir, name)
		_, _, err := runCmd(t, env, "download", "--as", "bob", "1", "--out", out)
		if exitCode(err) != 2 || !strings.Contains(userMessage(err), "listing 1 is a release of 1 table: a ZIP; use --out NAME.zip") {
			t.Fatalf("--out %s: exit %d, %v", name, exitCode(err), err)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("a ZIP was written to %s", name)
		}
	}
	for _, c := range []struct{ out, file string }{{"r.zip", "r.zip"}, {"r2", "r2.zip"}} {
		out := filepath.Join(dir, c.out)
		if stdout := mustRun(t, env, "download", "--as", "bob", "1", "--out", out); !strings.Contains(stdout, filepath.Join(dir, c.file)) {
			t.Errorf("--out %s printed %q", c.out, stdout)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, c.file)); !bytes.Equal(got, want) {
			t.Errorf("--out %s: %s is not the published package", c.out, c.file)
		}
	}

	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	mustRun(t, env, "download", "--as", "bob", "1")
	mustRun(t, env, "download", "--as", "bob", "2")
	t.Chdir(cwd)
	if got, _ := os.ReadFile(filepath.Join(dir, "listing-1.zip")); !bytes.Equal(got, want) {
		t.Error("without --out: listing-1.zip is not the published package")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "listing-2.csv")); !bytes.Contains(got, []byte("gender")) || bytes.HasPrefix(got, []byte("PK")) {
		t.Errorf("without --out: listing-2.csv holds %q", got)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A publish the gate refuses leaves the file named by --save-copy as it
// was (nothing truncated), and no temporary file beside it.
func TestPublish_refusedKeepsTheSaveCopyFile(t *testing.T) {
	env := cliEnv(t)
	mustRun(t, env, "account", "new", "--name", "alice")
	dir := t.TempDir()
	in := filepath.Join(dir, "records.csv")
	records := "name,ssn,birthdate\nJane Roe,123-45-6789,1970-01-02\nJohn Doe,987-65-4321,1980-03-04\n"
	if err := os.WriteFile(in, []byte(records), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "keep-ids.yaml") // no transform: the direct identifiers stay, the gate refuses
	if err := os.WriteFile(cfg, []byte("transforms: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "published.csv")
	const earlier = "the user's earlier copy\n"
	if err := os.WriteFile(out, []byte(earlier), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCmd(t, env, "publish", "--as", "alice", "--in", in, "--config", cfg, "--title", "Refused",
		"--price", "0", "--terms", "GRU", "--save-copy", out)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("publish with the identifiers: exit %d, %v, want 2 (the gate)\n%s", exitCode(err), err, stderr)
	}
	if got, err := os.ReadFile(out); err != nil || string(got) != earlier {
		t.Errorf("--save-copy after a refused publish: %q, %v; want %q", got, err, earlier)
	}
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("beside the copy: %s", strings.Join(names, ", "))
	}
}

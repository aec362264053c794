package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A third-party recorder plugin imports steps once trusted, as anonymizer
// plugins run in pipelines; untrusted or changed, it is refused.
func TestCLI_trialImportWithARecorderPlugin(t *testing.T) {
	env := cliEnv(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "jsonl")
	if out, err := exec.Command("go", "build", "-o", bin, "./plugins/examples/jsonl-recorder").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, stderr, err := runCmd(t, env, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		return out
	}
	mustRun("account", "new", "--name", "carol")
	mustRun("chain", "fund", "carol", "10")
	id := strings.TrimSpace(mustRun("trial", "register", "--as", "carol", "--title", "JSON lines",
		"--id", "NCT07654321", "--protocol", file("protocol.pdf", "%PDF-1.7 protocol v1")))
	steps := file("steps.jsonl", `{"type":"enrolment","subject":"S-001","data":{"arm":"A"},"actor":"dr.x","at":"2026-02-01T10:00:00Z"}
{"type":"visit","subject":"S-001","data":{"sbp":128},"meaning":"reviewed"}
`)

	// Untrusted: not a recorder at all, and the error lists the ones there are.
	_, _, err := runCmd(t, env, "trial", "import", "--as", "carol", id, "--recorder", "jsonl", "--in", steps)
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), `"jsonl": not one of csv, form, odm`) {
		t.Fatalf("untrusted: exit %d, %v", exitCode(err), err)
	}

	if out := mustRun("plugins", "trust", bin); !strings.Contains(out, "trusted jsonl") {
		t.Fatalf("trust: %q", out)
	}
	list := mustRun("plugins", "list")
	for _, want := range []string{"jsonl", "recorder", "trusted", "odm", "csv", "form", "safe-harbor"} {
		if !strings.Contains(list, want) {
			t.Errorf("plugins list lacks %q:\n%s", want, list)
		}
	}
	if out := mustRun("trial", "import", "--as", "carol", id, "--recorder", "jsonl", "--in", steps); out != "recorded 2 steps: entries 1-2\n" {
		t.Errorf("import: %q", out)
	}
	out := mustRun("trial", "show", id, "--json")
	if !strings.Contains(out, `"recorder": "jsonl"`) && !strings.Contains(out, `"recorder":"jsonl"`) {
		t.Errorf("steps do not say the jsonl recorder read them:\n%s", out)
	}
	bad := file("bad.jsonl", "{\"subject\":\"S-002\"}\nnot json\n")
	_, _, err = runCmd(t, env, "trial", "import", "--as", "carol", id, "--recorder", "jsonl", "--in", bad)
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "line 1: type required") || !strings.Contains(userMessage(err), "line 2:") {
		t.Errorf("bad lines: exit %d, %v", exitCode(err), err)
	}

	// Changed after it was trusted: refused, naming the binary.
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, append(b, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, env, "trial", "import", "--as", "carol", id, "--recorder", "jsonl", "--in", steps)
	if exitCode(err) != 5 || !strings.Contains(userMessage(err), "changed") || !strings.Contains(userMessage(err), bin) {
		t.Errorf("changed binary: exit %d, %v", exitCode(err), err)
	}
}

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `trial report` writes the inspection report of a trial on this node and
// of an auditor's export; a changed export's report says FAIL and exits 7.
func TestCLI_trialReport(t *testing.T) {
	env := cliEnv(t)
	dir := t.TempDir()
	mustRun := func(args ...string) (string, string) {
		t.Helper()
		out, stderr, err := runCmd(t, env, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		return out, stderr
	}
	protocol := filepath.Join(dir, "protocol.pdf")
	if err := os.WriteFile(protocol, []byte("%PDF-1.7 protocol"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun("account", "new", "--name", "carol")
	mustRun("chain", "fund", "carol", "10")
	mustRun("trial", "register", "--as", "carol", "--title", "Report <b>trial</b>", "--id", "NCT13400001", "--protocol", protocol)
	mustRun("trial", "record", "NCT13400001", "--as", "carol", "--type", "enrolment", "--subject", "S-001", "--data", `{"arm":"A"}`)
	mustRun("trial", "anchor", "NCT13400001", "--as", "carol")

	html, stderr := mustRun("trial", "report", "--trial", "NCT13400001")
	for _, want := range []string{"<!doctype html>", "Inspection report: Report &lt;b&gt;trial&lt;/b&gt;", "PASS", `id="entry-1"`, "arm", "Meaning: authored"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if !strings.Contains(stderr, "inspection report of NCT13400001 (2 entries, verified) written to standard output") {
		t.Errorf("stderr %q", stderr)
	}
	file := filepath.Join(dir, "report.html")
	mustRun("trial", "report", "--trial", "NCT13400001", "--out", file)
	if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), `id="report-verification"`) {
		t.Errorf("--out: %v", err)
	}

	// An auditor's export, with the log key pinned.
	export := filepath.Join(dir, "audit.json")
	out, _ := mustRun("trial", "export", "NCT13400001", "--out", export)
	key := regexp.MustCompile(`log key (\S+)`).FindStringSubmatch(out)
	if key == nil {
		t.Fatalf("export: %q", out)
	}
	html, _ = mustRun("trial", "report", "--export", export, "--key", key[1])
	if !strings.Contains(html, "PASS") || !strings.Contains(html, "from an exported audit trail") {
		t.Errorf("the export's report does not pass:\n%.400s", html)
	}
	b, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), `"arm": "A"`, `"arm": "B"`, 1)
	if changed == string(b) {
		t.Fatal("the export does not show the enrolment's data")
	}
	if err := os.WriteFile(export, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	html, _, err = runCmd(t, env, "trial", "report", "--export", export, "--key", key[1])
	if exitCode(err) != 7 || !strings.Contains(userMessage(err), "entry 1") || !strings.Contains(html, "FAIL") {
		t.Errorf("changed export: exit %d, %v", exitCode(err), err)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trial", "report"}, "Give --trial TRIAL"},
		{[]string{"trial", "report", "--trial", "NCT13400001", "--export", export}, "one of them"},
		{[]string{"trial", "report", "--trial", "NCT13400001", "--key", key[1]}, "--key pins the log key of an --export"},
	} {
		if _, _, err := runCmd(t, env, c.args...); exitCode(err) != 2 || !strings.Contains(userMessage(err), c.want) {
			t.Errorf("%v: exit %d, %v", c.args, exitCode(err), err)
		}
	}
	if help, _ := mustRun("trial", "report", "--help"); !strings.Contains(help, "medmarket trial report --export") {
		t.Errorf("--help has no example:\n%s", help)
	}
}

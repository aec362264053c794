package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// `anonymize --preset safe-harbor` on a CSV with a column of nursing notes
// (generated: names, dates, phone numbers, hospitals) publishes the notes
// scrubbed (no phone number or exact date left), and says so on stdout and
// in the report; with free_text: drop it publishes no note; a config that keeps the notes
// without a scrubber is refused, naming the column. In process and with
// isolated built-ins.
func TestAnonymize_safeHarborScrubsNotes(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "notes.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := anonymize.WriteCSV(f, anonymizetest.Notes(800, 7), anonymize.CSVWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	env := cliEnv(t)
	for _, extra := range [][]string{nil, {"--isolated"}} {
		checkSafeHarborScrubs(t, env, dir, in, extra)
	}

	drop := filepath.Join(dir, "drop.yaml")
	if err := os.WriteFile(drop, []byte("transforms:\n  - name: safe-harbor\n    free_text: drop\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "dropped.csv")
	stdout, _, err := runCmd(t, env, "anonymize", "--in", in, "--config", drop, "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	if header, rows := readCSV(t, out); slices.Contains(header, "note") || len(rows) != 800 {
		t.Fatalf("free_text: drop: published columns %v, %d rows", header, len(rows))
	}
	if !strings.Contains(stdout, "free text note: dropped (") {
		t.Errorf("stdout does not say the notes were dropped:\n%s", stdout)
	}

	cfg := filepath.Join(dir, "keep.yaml")
	if err := os.WriteFile(cfg, []byte("transforms:\n  - name: safe-harbor\n    columns: {note: keep}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	never := filepath.Join(t.TempDir(), "never.csv")
	_, _, err = runCmd(t, env, "anonymize", "--in", in, "--config", cfg, "--out", never)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `free text left: column "note"`) {
		t.Fatalf("exit %d, err %v; want 2 naming the note column", exitCode(err), err)
	}
	if _, err := os.Stat(never); !os.IsNotExist(err) {
		t.Fatalf("output written after a refusal: %v", err)
	}
}

// checkSafeHarborScrubs runs the safe-harbor preset on in (800 notes) and
// checks the notes are published scrubbed and stdout and the report say so,
// with the counts by type (in process: the plugin protocol carries no
// counts yet).
func checkSafeHarborScrubs(t *testing.T, env map[string]string, dir, in string, extra []string) {
	t.Helper()
	out, rep := filepath.Join(dir, "out.csv"), filepath.Join(dir, "report.json")
	stdout, _, err := runCmd(t, env, append([]string{"anonymize", "--in", in, "--preset", "safe-harbor", "--out", out, "--report", rep}, extra...)...)
	if err != nil {
		t.Fatalf("%v: %v", extra, err)
	}
	header, rows := readCSV(t, out)
	i := slices.Index(header, "note")
	if i < 0 || len(rows) != 800 {
		t.Fatalf("%v: published columns %v, %d rows", extra, header, len(rows))
	}
	for _, r := range rows {
		if !strings.Contains(r[i], "[NAME]") || strings.Contains(r[i], "(617)") || !strings.Contains(r[i], "[DATE]") {
			t.Fatalf("%v: note %q, want names, phone numbers and dates tagged", extra, r[i])
		}
	}
	// The counts cross the plugin protocol: isolated runs say them too.
	said := `free text note: scrubbed by safe-harbor, replaced NAME [0-9]+, DATE [0-9]+`
	if !regexp.MustCompile(said).MatchString(stdout) || !strings.Contains(stdout, "column note: free text scrubbed (Safe Harbor)") {
		t.Errorf("%v: stdout does not say the notes were scrubbed:\n%s", extra, stdout)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var reports []anonymize.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		var one anonymize.Report
		if err := json.Unmarshal(b, &one); err != nil {
			t.Fatalf("report: %v", err)
		}
		reports = []anonymize.Report{one}
	}
	if ft := reports[0].FreeText; len(ft) != 1 || ft[0].Column != "note" || ft[0].Outcome != "scrubbed" {
		t.Errorf("%v: the report's free text is %+v", extra, ft)
	} else if extra == nil && (ft[0].Replaced[anonymize.PHIName] < 800 || ft[0].Replaced[anonymize.PHIDate] < 800) {
		t.Errorf("%v: the report counts %v, want NAME and DATE in each of the 800 notes", extra, ft[0].Replaced)
	}
}

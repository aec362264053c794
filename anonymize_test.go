package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

const sharedData = "../shared/data"

func needData(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(sharedData, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared test data %s is absent (%v)", dir, err)
	}
	return dir
}

func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0], recs[1:]
}

var adultQI = []string{"age", "education", "marital-status", "native-country", "race", "salary-class", "sex", "workclass"}

func adultArgs(dir string, k string) []string {
	args := []string{"anonymize", "--in", filepath.Join(dir, "adult.csv"), "--delimiter", ";", "--k", k,
		"--qi", strings.Join(adultQI, ","), "--sensitive", "occupation"}
	for _, c := range adultQI {
		args = append(args, "--hierarchy", c+"="+filepath.Join(dir, "adult_hierarchy_"+c+".csv"))
	}
	return args
}

// The k=5 output of ARX Adult is 5-anonymous, checked with a plain map
// over the written file, in process and with isolated built-ins.
func TestAnonymize_adultK5(t *testing.T) {
	dir := needData(t, "arx-adult")
	for _, mode := range []string{"inprocess", "isolated"} {
		t.Run(mode, func(t *testing.T) {
			env := cliEnv(t)
			out := filepath.Join(t.TempDir(), "adult-k5.csv")
			rep := filepath.Join(t.TempDir(), "report.json")
			args := append(adultArgs(dir, "5"), "--out", out, "--report", rep)
			if mode == "isolated" {
				args = append(args, "--isolated")
			}
			stdout, _, err := runCmd(t, env, args...)
			if err != nil {
				t.Fatalf("anonymize: %v", err)
			}
			if !strings.Contains(stdout, "k=5") || !strings.Contains(stdout, "policy pass") {
				t.Errorf("stdout: %s", stdout)
			}
			header, rows := readCSV(t, out)
			idx := map[string]int{}
			for i, h := range header {
				idx[h] = i
			}
			classes := map[string]int{}
			for _, r := range rows {
				var key []string
				for _, c := range adultQI {
					key = append(key, r[idx[c]])
				}
				classes[strings.Join(key, "\x00")]++
			}
			for key, n := range classes {
				if n < 5 {
					t.Fatalf("class %q has %d rows", strings.ReplaceAll(key, "\x00", "|"), n)
				}
			}
			var report anonymize.Report
			b, err := os.ReadFile(rep)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &report); err != nil {
				t.Fatal(err)
			}
			if report.Rows != len(rows) || report.Rows+report.Suppressed != 30162 || report.MinClassSize < 5 {
				t.Errorf("report rows %d + suppressed %d, k %d; file has %d rows", report.Rows, report.Suppressed, report.MinClassSize, len(rows))
			}
		})
	}
}

// Safe Harbor on Synthea patients: no name or SSN (or other direct
// identifier) of the input is left anywhere in the output.
func TestAnonymize_syntheaSafeHarbor(t *testing.T) {
	dir := needData(t, "synthea-csv")
	in := filepath.Join(dir, "patients.csv")
	for _, out := range []string{"patients.csv", "patients.parquet"} {
		t.Run(out, func(t *testing.T) {
			env := cliEnv(t)
			dst := filepath.Join(t.TempDir(), out)
			stdout, _, err := runCmd(t, env, "anonymize", "--in", in, "--preset", "safe-harbor", "--out", dst)
			if err != nil {
				t.Fatal(err)
			}
			// The report lists every column's treatment with its loss, and
			// says what to change when the risk is high; above the default
			// 20 % the file is written, and publishing it needs --accept-risk.
			for _, re := range []string{`column BIRTHDATE: coarsened to year \(Safe Harbor\), [1-9][0-9.]* % of its information lost`,
				`column ZIP: ZIP to 3 digits \(Safe Harbor\), [1-9][0-9.]* %`, `column SSN: dropped, 100.0 %`,
				`policy fail: re-identification risk: highest prosecutor risk is 1, policy allows at most 0.2 \(written: the risk is the only reason; publishing it needs --accept-risk 100\)`, `risk above 20 %: raise k`} {
				if !regexp.MustCompile(re).MatchString(stdout) {
					t.Errorf("stdout does not match %s:\n%s", re, stdout)
				}
			}
			b, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Ext(out) == ".parquet" {
				// Parquet may compress values: check the format only; the
				// CSV case scans the values.
				if len(b) < 8 || string(b[:4]) != "PAR1" || string(b[len(b)-4:]) != "PAR1" {
					t.Fatalf("%s is not a Parquet file", out)
				}
				return
			}
			header, rows := readCSV(t, in)
			for _, col := range []string{"Id", "SSN", "FIRST", "LAST", "MAIDEN", "PASSPORT", "DRIVERS", "ADDRESS"} {
				j := indexOf(header, col)
				if j < 0 {
					t.Fatalf("input has no %s column", col)
				}
				for _, r := range rows {
					if v := r[j]; len(v) > 3 && strings.Contains(string(b), v) {
						t.Errorf("output %s holds the %s value %q", out, col, v)
					}
				}
			}
		})
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func TestAnonymize_policyFailureWritesNothing(t *testing.T) {
	dir := needData(t, "arx-adult")
	env := cliEnv(t)
	cfg := filepath.Join(t.TempDir(), "strict.yaml")
	if err := os.WriteFile(cfg, []byte("policy: {max_risk: 0.01}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := t.TempDir()
	out := filepath.Join(outDir, "never.csv")
	_, _, err := runCmd(t, env, append(adultArgs(dir, "5"), "--config", cfg, "--out", out, "--report", filepath.Join(outDir, "r.json"))...)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "highest prosecutor risk is 0.2, policy allows at most 0.01") {
		t.Fatalf("exit %d, err %v; want 2 with the gate's reason", exitCode(err), err)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Fatalf("files written after a policy failure: %v", ents)
	}
}

func TestAnonymize_badInputNamesLineAndColumn(t *testing.T) {
	env := cliEnv(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(in, []byte("name,age,zip\nJane,34,02139\nJohn,40\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := runCmd(t, env, "anonymize", "--in", in, "--preset", "safe-harbor", "--out", filepath.Join(dir, "o.csv"))
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("exit %d, err %v; want 2 naming line 3", exitCode(err), err)
	}
	_, _, err = runCmd(t, env, "anonymize", "--in", in, "--k", "2", "--qi", "nope", "--out", filepath.Join(dir, "o.csv"))
	if exitCode(err) != 2 {
		t.Fatalf("unknown column: exit %d, %v", exitCode(err), err)
	}
	_, _, err = runCmd(t, env, "anonymize", "--in", in, "--out", filepath.Join(dir, "o.csv"))
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--preset") {
		t.Fatalf("no pipeline: exit %d, %v", exitCode(err), err)
	}
}

func TestAnonymize_suggestWritesAConfigThatRuns(t *testing.T) {
	dir := needData(t, "synthea-csv")
	env := cliEnv(t)
	cfg := filepath.Join(t.TempDir(), "pipeline.yaml")
	in := filepath.Join(dir, "patients.csv")
	if _, _, err := runCmd(t, env, "anonymize", "--in", in, "--suggest", "--out", cfg); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(cfg)
	for _, want := range []string{"SSN:", "role: direct-identifier", "name: safe-harbor", "min_k: 5"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("suggested config lacks %q:\n%s", want, b)
		}
	}
	if _, err := anonymize.LoadConfig(strings.NewReader(string(b))); err != nil {
		t.Fatal(err)
	}
}

func TestAnonymize_fhirOneOutputPerTable(t *testing.T) {
	dir := needData(t, "synthea-fhir")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no FHIR bundles: the shared data changed")
	}
	env := cliEnv(t)
	out := t.TempDir()
	if _, _, err := runCmd(t, env, "anonymize", "--in", files[0], "--preset", "safe-harbor", "--out", out+"/"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Patient.csv", "Encounter.csv", "Observation.csv"} {
		if _, err := os.Stat(filepath.Join(out, want)); err != nil {
			t.Error(err)
		}
	}
}

func TestPlugins_listTrustUntrust(t *testing.T) {
	env := cliEnv(t)
	bin := filepath.Join(t.TempDir(), "redact-notes")
	if out, err := exec.Command("go", "build", "-o", bin, "./plugins/examples/redact-notes").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, _, err := runCmd(t, env, "plugins", "list", "--plugins", filepath.Dir(bin))
	if err != nil || !strings.Contains(out, "safe-harbor") || !strings.Contains(out, "untrusted") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, env, "plugins", "trust", bin)
	if err != nil || !strings.Contains(out, "trusted redact-notes") {
		t.Fatalf("trust: %v\n%s", err, out)
	}
	out, _, _ = runCmd(t, env, "plugins", "list")
	if !strings.Contains(out, "redact-notes") || !strings.Contains(out, "trusted") {
		t.Fatalf("list after trust:\n%s", out)
	}

	// A pipeline uses it by name.
	dir := t.TempDir()
	in := filepath.Join(dir, "notes.csv")
	if err := os.WriteFile(in, []byte("visit,note\nv1,Seen by Dr. Hickle; call 555-123-4567\nv2,all fine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(cfg, []byte("transforms:\n  - name: redact-notes\n    columns: [note]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "out.csv")
	if _, _, err := runCmd(t, env, "anonymize", "--in", in, "--config", cfg, "--out", dst); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dst)
	if strings.Contains(string(b), "555-123-4567") || strings.Contains(string(b), "Hickle") {
		t.Errorf("output:\n%s", b)
	}

	// A changed binary is refused.
	src, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, append(src, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, env, "anonymize", "--in", in, "--config", cfg, "--out", dst)
	if exitCode(err) != 5 || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("changed binary: exit %d, %v", exitCode(err), err)
	}

	if _, _, err := runCmd(t, env, "plugins", "untrust", "redact-notes"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, env, "plugins", "untrust", "redact-notes"); exitCode(err) != 4 {
		t.Fatalf("untrust twice: exit %d, %v", exitCode(err), err)
	}
}

func TestAnonymize_progressOnStderr(t *testing.T) {
	dir := needData(t, "synthea-csv")
	env := cliEnv(t)
	_, stderr, err := runCmd(t, env, "anonymize", "--in", filepath.Join(dir, "patients.csv"), "--preset", "safe-harbor",
		"--out", filepath.Join(t.TempDir(), "o.csv"), "--progress", "always")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"reading patients: 27 rows", "step 1/1 safe-harbor", "writing"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q: %q", want, stderr)
		}
	}
}

// A trusted third-party anonymizer takes part in publishing: `publish
// --config` runs a pipeline naming it, and what is listed is its output.
func TestPublish_withTrustedPluginStep(t *testing.T) {
	env := cliEnv(t)
	bin := filepath.Join(t.TempDir(), "redact-notes")
	if out, err := exec.Command("go", "build", "-o", bin, "./plugins/examples/redact-notes").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	mustRun(t, env, "plugins", "trust", bin)
	mustRun(t, env, "account", "new", "--name", "alice")
	mustRun(t, env, "chain", "fund", "alice", "1")
	dir := t.TempDir()
	in := filepath.Join(dir, "notes.csv")
	if err := os.WriteFile(in, []byte("visit,note\nv1,Seen by Dr. Hickle; call 555-123-4567\nv2,all fine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(cfg, []byte("transforms:\n  - name: redact-notes\n    columns: [note]\n  - name: safe-harbor\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	published := filepath.Join(dir, "published.csv")
	out := mustRun(t, env, "publish", "--as", "alice", "--in", in, "--config", cfg, "--title", "Visit notes", "--price", "0",
		"--terms", "GRU", "--save-copy", published, "--accept-risk", "50", "--accept-risk-words", "two test visits")
	if strings.TrimSpace(out) != "1" {
		t.Fatalf("publish printed %q", out)
	}
	b, _ := os.ReadFile(published)
	if len(b) == 0 || strings.Contains(string(b), "555-123-4567") || strings.Contains(string(b), "Hickle") {
		t.Errorf("published:\n%s", b)
	}

	// Untrusted again, the pipeline cannot run: nothing is listed.
	mustRun(t, env, "plugins", "untrust", "redact-notes")
	_, _, err := runCmd(t, env, "publish", "--as", "alice", "--in", in, "--config", cfg, "--title", "Visit notes", "--price", "0", "--terms", "GRU")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "redact-notes") {
		t.Fatalf("publish with an untrusted step: exit %d, %v", exitCode(err), err)
	}
}

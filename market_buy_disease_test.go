package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCLI_buyWarnsOfDiseaseMismatch: buying the DS "type 2 diabetes"
// dataset while stating "lung cancer" prints the mismatch and buys nothing,
// even with --yes; --buy-anyway buys; a matching statement buys with no
// warning; `sales` shows the seller the mismatch beside bob's statement
// only; publish's --disease needs DS terms.
func TestCLI_buyWarnsOfDiseaseMismatch(t *testing.T) {
	env := cliEnv(t)
	for _, n := range []string{"alice", "bob", "carol"} {
		mustRun(t, env, "account", "new", "--name", n)
		mustRun(t, env, "chain", "fund", n, "10")
	}
	_, _, err := runCmd(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--title", "P", "--price", "0.01", "--terms", "HMB", "--disease", "asthma")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "--disease") {
		t.Fatalf("publish --disease without DS: exit %d, %v", exitCode(err), err)
	}
	mustRun(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--title", "Diabetes cohort", "--price", "0.01", "--terms", "DS", "--disease", "type 2 diabetes")

	const warning = `research on "type 2 diabetes" only (DS terms), and you state "lung cancer"`
	for _, args := range [][]string{
		{"buy", "--as", "bob", "1", "--disease", "lung cancer"},
		{"buy", "--as", "bob", "1", "--disease", "lung cancer", "--yes"},
	} {
		_, stderr, err := runCmd(t, env, args...)
		if exitCode(err) != 2 || !strings.Contains(stderr, warning) {
			t.Fatalf("%v: exit %d, %v\n%s", args, exitCode(err), err, stderr)
		}
	}
	_, _, err = runCmd(t, env, "buy", "--as", "bob", "1", "--disease", "lung cancer", "--yes")
	if msg := userMessage(err); !strings.Contains(msg, "--buy-anyway") || !strings.Contains(msg, "nothing was bought") {
		t.Fatalf("the refusal does not say how to go on: %q", msg)
	}
	if lics := cliLicences(t, env, "bob"); len(lics) != 0 {
		t.Fatalf("the warning bought a licence: %+v", lics)
	}

	_, stderr, err := runCmd(t, env, "buy", "--as", "bob", "1", "--disease", "lung cancer", "--yes", "--buy-anyway")
	if err != nil || !strings.Contains(stderr, warning) {
		t.Fatalf("buy --buy-anyway: %v\n%s", err, stderr)
	}
	if lics := cliLicences(t, env, "bob"); len(lics) != 1 || lics[0].Statements == nil || lics[0].Statements.Disease != "lung cancer" {
		t.Fatalf("bob's licences after --buy-anyway: %+v", lics)
	}

	_, stderr, err = runCmd(t, env, "buy", "--as", "carol", "1", "--disease", "Type 2 Diabetes", "--yes")
	if err != nil || strings.Contains(stderr, "Warning") {
		t.Fatalf("matching statement: %v\n%s", err, stderr)
	}

	// The seller sees the mismatch beside bob's statement, not beside carol's.
	var sales struct {
		Datasets []struct {
			Statements []buyerStatementOut `json:"statements"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, env, "sales", "--as", "alice", "--json")), &sales); err != nil {
		t.Fatal(err)
	}
	if len(sales.Datasets) != 1 || len(sales.Datasets[0].Statements) != 2 {
		t.Fatalf("sales: %+v", sales)
	}
	for _, st := range sales.Datasets[0].Statements {
		if want := map[string]string{"lung cancer": "type 2 diabetes"}[st.Disease]; st.DiseaseMismatch != want {
			t.Errorf("statement %q: mismatch %q, want %q", st.Disease, st.DiseaseMismatch, want)
		}
	}
	if out := mustRun(t, env, "sales", "--as", "alice"); strings.Count(out, `does not match the DS disease "type 2 diabetes"`) != 1 {
		t.Errorf("sales table:\n%s", out)
	}
}

func cliLicences(t *testing.T, env map[string]string, as string) []licenceOut {
	t.Helper()
	var lics []licenceOut
	if err := json.Unmarshal([]byte(mustRun(t, env, "licences", "--as", as, "--json")), &lics); err != nil {
		t.Fatal(err)
	}
	return lics
}

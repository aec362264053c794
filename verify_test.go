package main

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

const cliODM = `<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" ODMVersion="1.3.2" FileType="Transactional" FileOID="F.1">
 <AdminData><SignatureDef OID="SIG.1" Methodology="Electronic"><Meaning>Approval</Meaning></SignatureDef></AdminData>
 <ClinicalData StudyOID="ST.1"><SubjectData SubjectKey="S-002"><StudyEventData StudyEventOID="SE.WEEK2">
  <FormData FormOID="F.AE"><AuditRecord><UserRef UserOID="U.INV"/><DateTimeStamp>2026-02-01T10:00:00Z</DateTimeStamp></AuditRecord>
   <Signature><UserRef UserOID="U.INV"/><SignatureRef SignatureOID="SIG.1"/><DateTimeStamp>2026-02-01T11:00:00Z</DateTimeStamp></Signature>
   <ItemGroupData ItemGroupOID="IG.AE"><ItemData ItemOID="IT.AETERM" Value="Nausea"/></ItemGroupData></FormData>
 </StudyEventData></SubjectData></ClinicalData></ODM>`

// The trial flow as a sponsor and an auditor script it, on the embedded chain.
func TestCLI_trialFlowAndVerify(t *testing.T) {
	env := cliEnv(t)
	dir := t.TempDir()
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

	id := strings.TrimSpace(mustRun("trial", "register", "--as", "carol", "--title", "Aspirin after minor stroke",
		"--id", "NCT01234567", "--protocol", file("protocol.pdf", "%PDF-1.7 protocol v1")))
	if !regexp.MustCompile(`^0x[0-9a-f]{64}$`).MatchString(id) {
		t.Fatalf("register printed %q", id)
	}
	if out := mustRun("trial", "record", "--as", "carol", "NCT01234567", "--type", "enrolment", "--subject", "S-001",
		"--data", `{"arm":"A"}`, "--meaning", "authored"); out != "1\n" {
		t.Errorf("record printed %q", out)
	}
	mustRun("trial", "record", "--as", "carol", id, "--type", "enrolment", "--subject", "S-001", "--data", `{"arm":"B"}`,
		"--meaning", "approved", "--corrects", "1", "--reason", "wrong arm transcribed")
	_, _, err := runCmd(t, env, "trial", "record", "--as", "carol", id, "--type", "consent", "--subject", "S-001", "--protocol", "2")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "protocol version 2 is not registered") {
		t.Errorf("consent to an unregistered protocol: exit %d, %v", exitCode(err), err)
	}
	_, _, err = runCmd(t, env, "trial", "record", "--as", "carol", id, "--type", "enrolment", "--subject", "jane@example.org")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "direct identifier") {
		t.Errorf("e-mail as subject: exit %d, %v", exitCode(err), err)
	}
	if out := mustRun("trial", "amend", "--as", "carol", id, "--protocol", file("protocol-v2.pdf", "%PDF-1.7 protocol v2")); !strings.HasPrefix(out, "protocol version 2") {
		t.Errorf("amend: %q", out)
	}
	mustRun("trial", "record", "--as", "carol", id, "--type", "re-consent", "--subject", "S-001", "--protocol", "2")
	if out := mustRun("trial", "import", "--as", "carol", id, "--recorder", "odm", "--in", file("study.xml", cliODM)); out != "recorded 1 steps: entries 5-5\n" {
		t.Errorf("import: %q", out)
	}
	bad := strings.Replace(cliODM, `FormOID="F.AE"`, ``, 1)
	_, _, err = runCmd(t, env, "trial", "import", "--as", "carol", id, "--recorder", "odm", "--in", file("bad.xml", bad))
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "ODM/ClinicalData[1]/SubjectData[1]/StudyEventData[1]/FormData[1]: FormOID missing") {
		t.Errorf("malformed ODM: exit %d, %v", exitCode(err), err)
	}
	if out := mustRun("trial", "anchor", "--as", "carol", id); !strings.Contains(out, "anchored tree size 6") {
		t.Errorf("anchor: %q", out)
	}

	var list []trialJSON
	if err := json.Unmarshal([]byte(mustRun("trial", "list", "--json")), &list); err != nil || len(list) != 1 || list[0].Entries != 6 || list[0].Anchored != 6 {
		t.Errorf("list: %+v, %v", list, err)
	}
	show := mustRun("trial", "show", "NCT01234567", "--type", "enrolment")
	if !strings.Contains(show, "1: wrong arm transcribed") || strings.Contains(show, "S-001") || strings.Contains(show, "adverse_event") {
		t.Errorf("show:\n%s", show)
	}

	audit := filepath.Join(dir, "audit.json")
	if out := mustRun("trial", "export", id, "--out", audit); !strings.Contains(out, "exported 6 entries") {
		t.Errorf("export: %q", out)
	}
	mustRun("trial", "export", id, "--out", filepath.Join(dir, "audit.csv"), "--format", "csv")
	out := mustRun("verify", "--bundle", audit)
	for _, want := range []string{"entry 5: ok (Adverse event", "checkpoint 6: ok", "anchor 6: ok", "protocol 2: ok", "verified: 6 entries"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	// Offline, the auditor pins the log key (a string or a file); without
	// it, verification fails with its own exit status.
	var exported struct {
		VerifierKey string `json:"verifier_key"`
	}
	raw0, _ := os.ReadFile(audit)
	if err := json.Unmarshal(raw0, &exported); err != nil {
		t.Fatal(err)
	}
	if out := mustRun("verify", "--bundle", audit, "--offline", "--quiet", "--key", exported.VerifierKey); strings.Contains(out, "entry 1") || !strings.Contains(out, "verified") {
		t.Errorf("verify --offline --quiet --key:\n%s", out)
	}
	if out := mustRun("verify", "--bundle", audit, "--offline", "--key", file("log.key", exported.VerifierKey+"\n")); !strings.Contains(out, "log key: ok (") {
		t.Errorf("verify --offline --key FILE:\n%s", out)
	}
	out, _, err = runCmd(t, env, "verify", "--bundle", audit, "--offline")
	if exitCode(err) != 7 || !strings.Contains(out, "log key: FAIL: not pinned") {
		t.Errorf("offline without --key: exit %d, %v\n%s", exitCode(err), err, out)
	}
	_, _, err = runCmd(t, env, "verify", "--bundle", audit, "--offline", "--key", "no-such-key")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "--key") {
		t.Errorf("--key that is neither a key nor a file: exit %d, %v", exitCode(err), err)
	}
	// Without verifier_key: everything else is still checked and reported.
	var nokey map[string]any
	if err := json.Unmarshal(raw0, &nokey); err != nil {
		t.Fatal(err)
	}
	delete(nokey, "verifier_key")
	nk, _ := json.Marshal(nokey)
	out, _, err = runCmd(t, env, "verify", "--bundle", file("nokey.json", string(nk)), "--offline")
	if exitCode(err) != 7 || !strings.Contains(out, "the checkpoint signatures could not be checked") ||
		!strings.Contains(out, "entry 5: ok") || !strings.Contains(out, ": 6 entries") {
		t.Errorf("export without verifier_key, offline: exit %d, %v\n%s", exitCode(err), err, out)
	}
	if out := mustRun("verify", "--bundle", file("nokey2.json", string(nk))); !strings.Contains(out, "verified: 6 entries") {
		t.Errorf("export without verifier_key, on chain (which holds the key):\n%s", out)
	}

	// Tampering with the export: verify fails and names the entry.
	raw, _ := os.ReadFile(audit)
	var x map[string]any
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	entries := x["entries"].([]any)
	e3 := entries[3].(map[string]any)
	e3["leaf"] = entries[2].(map[string]any)["leaf"]
	tampered, _ := json.Marshal(x)
	forged := file("tampered.json", string(tampered))
	out, _, err = runCmd(t, env, "verify", "--bundle", forged)
	if exitCode(err) != 7 || !strings.Contains(userMessage(err), "entry 3:") || !strings.Contains(out, "entry 3: FAIL") {
		t.Errorf("tampered export: exit %d, %v\n%s", exitCode(err), err, out)
	}
	_, _, err = runCmd(t, env, "verify", "--bundle", filepath.Join(dir, "nope.json"))
	if exitCode(err) != 4 {
		t.Errorf("missing bundle: exit %d, %v", exitCode(err), err)
	}
	_, _, err = runCmd(t, env, "verify", "--bundle", file("garbage.json", "not json"))
	if exitCode(err) != 2 {
		t.Errorf("not an export: exit %d, %v", exitCode(err), err)
	}

	// Omission: the log grows and is anchored again; the earlier export,
	// whole and genuine in itself, stops short of the chain's latest anchor.
	mustRun("trial", "record", "--as", "carol", id, "--type", "visit", "--subject", "S-001")
	mustRun("trial", "record", "--as", "carol", id, "--type", "visit", "--subject", "S-001")
	mustRun("trial", "anchor", "--as", "carol", id)
	out, _, err = runCmd(t, env, "verify", "--bundle", audit)
	if exitCode(err) != 7 || !regexp.MustCompile(`the chain holds an anchor of size 8 at block \d+; this export stops at 6: entries 6-7 are missing`).MatchString(out+userMessage(err)) {
		t.Errorf("cut export: exit %d, %v\n%s", exitCode(err), err, out)
	}
	// An export past the latest anchor verifies, with a warning.
	mustRun("trial", "record", "--as", "carol", id, "--type", "visit", "--subject", "S-001")
	mustRun("trial", "export", id, "--out", audit)
	if out := mustRun("verify", "--bundle", audit, "--quiet"); !strings.Contains(out, "log: WARNING: entry 8 is not anchored yet") || !strings.Contains(out, "verified with 1 warning") {
		t.Errorf("export past the anchor:\n%s", out)
	}
}

// The audit trail on a real geth --dev node over JSON-RPC: the log key is
// registered there, and an auditor's node on the same chain finds a cut
// export short of the chain's latest anchor.
func TestCLI_verifyAgainstGeth(t *testing.T) {
	g := chaintest.StartGeth(t)
	env := cliEnv(t)
	env[envChainRPC] = g.URL
	dir := t.TempDir()
	mustRun := func(env map[string]string, args ...string) string {
		t.Helper()
		out, stderr, err := runCmd(t, env, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		return out
	}
	out := mustRun(env, "account", "new", "--name", "carol")
	g.Fund(t, common.HexToAddress(strings.TrimSpace(out)), new(big.Int).Mul(big.NewInt(5), big.NewInt(1e18)))
	mustRun(env, "chain", "deploy", "--as", "carol")
	protocol := filepath.Join(dir, "protocol.pdf")
	if err := os.WriteFile(protocol, []byte("%PDF protocol"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(mustRun(env, "trial", "register", "--as", "carol", "--title", "On geth", "--id", "NCT09000009", "--protocol", protocol))
	mustRun(env, "trial", "record", "--as", "carol", id, "--type", "consent", "--subject", "S-001")
	mustRun(env, "trial", "anchor", "--as", "carol", id)
	early := filepath.Join(dir, "early.json")
	mustRun(env, "trial", "export", id, "--out", early)
	mustRun(env, "trial", "record", "--as", "carol", id, "--type", "enrolment", "--subject", "S-001")
	mustRun(env, "trial", "anchor", "--as", "carol", id)
	whole := filepath.Join(dir, "whole.json")
	mustRun(env, "trial", "export", id, "--out", whole)

	auditor := cliEnv(t)
	auditor[envChainRPC] = g.URL
	registry := chainStatus(t, env).Deployment.Contracts["TrialRegistry"]
	if out := mustRun(auditor, "verify", "--bundle", whole, "--registry", registry); !strings.Contains(out, "registered on chain with the trial") || !strings.Contains(out, "verified: 3 entries") {
		t.Errorf("whole export on geth:\n%s", out)
	}
	out, _, err := runCmd(t, auditor, "verify", "--bundle", early, "--registry", registry)
	if exitCode(err) != 7 || !regexp.MustCompile(`the chain holds an anchor of size 3 at block \d+; this export stops at 2: entry 2 is missing`).MatchString(out) {
		t.Errorf("cut export on geth: exit %d, %v\n%s", exitCode(err), err, out)
	}
}

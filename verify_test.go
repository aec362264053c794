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

// The trial flow as a sponsor and an auditor script it, on the embedded
// chain: each step below runs on what the ones before it left.
func TestCLI_trialFlowAndVerify(t *testing.T) {
	s := &trialScript{t: t, env: cliEnv(t), dir: t.TempDir()}
	s.mustRun("account", "new", "--name", "carol")
	s.mustRun("chain", "fund", "carol", "10")
	s.registerAndRecord()
	s.amendImportAndAnchor()
	s.listAndShow()
	audit := s.export()
	s.verifyOnChain(audit)
	s.verifyOffline(audit)
	s.verifyWithoutKey(audit)
	s.verifyTamperedAndBadInput(audit)
	s.verifyCutAndPastAnchor(audit)
}

// trialScript is a sponsor's and an auditor's command lines on one data dir.
type trialScript struct {
	t   *testing.T
	env map[string]string
	dir string
	id  string // the trial's id, once registered
}

// file writes a file in the script's directory and returns its path.
func (s *trialScript) file(name, content string) string {
	s.t.Helper()
	p := filepath.Join(s.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// mustRun runs a command that must succeed and returns its stdout.
func (s *trialScript) mustRun(args ...string) string {
	s.t.Helper()
	out, stderr, err := runCmd(s.t, s.env, args...)
	if err != nil {
		s.t.Fatalf("%v: %v\n%s", args, err, stderr)
	}
	return out
}

// wantExit runs a command that must fail with exit status code and a
// message holding msg (in the error, or on stdout when onStdout).
func (s *trialScript) wantExit(what string, code int, msg string, onStdout bool, args ...string) {
	s.t.Helper()
	out, _, err := runCmd(s.t, s.env, args...)
	where := userMessage(err)
	if onStdout {
		where = out
	}
	if exitCode(err) != code || !strings.Contains(where, msg) {
		s.t.Errorf("%s: exit %d (want %d), %v\n%s", what, exitCode(err), code, err, out)
	}
}

func (s *trialScript) registerAndRecord() {
	t := s.t
	s.id = strings.TrimSpace(s.mustRun("trial", "register", "--as", "carol", "--title", "Aspirin after minor stroke",
		"--id", "NCT01234567", "--protocol", s.file("protocol.pdf", "%PDF-1.7 protocol v1")))
	if !regexp.MustCompile(`^0x[0-9a-f]{64}$`).MatchString(s.id) {
		t.Fatalf("register printed %q", s.id)
	}
	if out := s.mustRun("trial", "record", "--as", "carol", "NCT01234567", "--type", "enrolment", "--subject", "S-001",
		"--data", `{"arm":"A"}`, "--meaning", "authored"); out != "1\n" {
		t.Errorf("record printed %q", out)
	}
	s.mustRun("trial", "record", "--as", "carol", s.id, "--type", "enrolment", "--subject", "S-001", "--data", `{"arm":"B"}`,
		"--meaning", "approved", "--corrects", "1", "--reason", "wrong arm transcribed")
	s.wantExit("consent to an unregistered protocol", 2, "protocol version 2 is not registered", false,
		"trial", "record", "--as", "carol", s.id, "--type", "consent", "--subject", "S-001", "--protocol", "2")
	s.wantExit("e-mail as subject", 2, "direct identifier", false,
		"trial", "record", "--as", "carol", s.id, "--type", "enrolment", "--subject", "jane@example.org")
}

func (s *trialScript) amendImportAndAnchor() {
	t := s.t
	if out := s.mustRun("trial", "amend", "--as", "carol", s.id, "--protocol", s.file("protocol-v2.pdf", "%PDF-1.7 protocol v2")); !strings.HasPrefix(out, "protocol version 2") {
		t.Errorf("amend: %q", out)
	}
	s.mustRun("trial", "record", "--as", "carol", s.id, "--type", "re-consent", "--subject", "S-001", "--protocol", "2")
	if out := s.mustRun("trial", "import", "--as", "carol", s.id, "--recorder", "odm", "--in", s.file("study.xml", cliODM)); out != "recorded 1 steps: entries 5-5\n" {
		t.Errorf("import: %q", out)
	}
	bad := strings.Replace(cliODM, `FormOID="F.AE"`, ``, 1)
	s.wantExit("malformed ODM", 2, "ODM/ClinicalData[1]/SubjectData[1]/StudyEventData[1]/FormData[1]: FormOID missing", false,
		"trial", "import", "--as", "carol", s.id, "--recorder", "odm", "--in", s.file("bad.xml", bad))
	if out := s.mustRun("trial", "anchor", "--as", "carol", s.id); !strings.Contains(out, "anchored tree size 6") {
		t.Errorf("anchor: %q", out)
	}
}

func (s *trialScript) listAndShow() {
	t := s.t
	var list []trialOut
	if err := json.Unmarshal([]byte(s.mustRun("trial", "list", "--json")), &list); err != nil || len(list) != 1 || list[0].Entries != 6 || list[0].Anchored != 6 {
		t.Errorf("list: %+v, %v", list, err)
	}
	show := s.mustRun("trial", "show", "NCT01234567", "--type", "enrolment")
	if !strings.Contains(show, "1: wrong arm transcribed") || strings.Contains(show, "S-001") || strings.Contains(show, "adverse_event") {
		t.Errorf("show:\n%s", show)
	}
}

// export writes the audit trail (and its CSV) and returns the JSON's path.
func (s *trialScript) export() string {
	audit := filepath.Join(s.dir, "audit.json")
	if out := s.mustRun("trial", "export", s.id, "--out", audit); !strings.Contains(out, "exported 6 entries") {
		s.t.Errorf("export: %q", out)
	}
	s.mustRun("trial", "export", s.id, "--out", filepath.Join(s.dir, "audit.csv"), "--format", "csv")
	return audit
}

func (s *trialScript) verifyOnChain(audit string) {
	out := s.mustRun("verify", "--bundle", audit)
	for _, want := range []string{"entry 5: ok (Adverse event", "checkpoint 6: ok", "anchor 6: ok", "protocol 2: ok", "verified: 6 entries"} {
		if !strings.Contains(out, want) {
			s.t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
}

// verifyOffline: offline, the auditor pins the log key (a string or a
// file); without it, verification fails with its own exit status.
func (s *trialScript) verifyOffline(audit string) {
	t := s.t
	var exported struct {
		VerifierKey string `json:"verifier_key"`
	}
	raw, _ := os.ReadFile(audit)
	if err := json.Unmarshal(raw, &exported); err != nil {
		t.Fatal(err)
	}
	if out := s.mustRun("verify", "--bundle", audit, "--offline", "--quiet", "--key", exported.VerifierKey); strings.Contains(out, "entry 1") || !strings.Contains(out, "verified") {
		t.Errorf("verify --offline --quiet --key:\n%s", out)
	}
	if out := s.mustRun("verify", "--bundle", audit, "--offline", "--key", s.file("log.key", exported.VerifierKey+"\n")); !strings.Contains(out, "log key: ok (") {
		t.Errorf("verify --offline --key FILE:\n%s", out)
	}
	s.wantExit("offline without --key", 7, "log key: FAIL: not pinned", true, "verify", "--bundle", audit, "--offline")
	s.wantExit("--key that is neither a key nor a file", 2, "--key", false, "verify", "--bundle", audit, "--offline", "--key", "no-such-key")
}

// verifyWithoutKey: an export without verifier_key still has everything
// else checked and reported.
func (s *trialScript) verifyWithoutKey(audit string) {
	t := s.t
	raw, _ := os.ReadFile(audit)
	var nokey map[string]any
	if err := json.Unmarshal(raw, &nokey); err != nil {
		t.Fatal(err)
	}
	delete(nokey, "verifier_key")
	nk, _ := json.Marshal(nokey)
	out, _, err := runCmd(t, s.env, "verify", "--bundle", s.file("nokey.json", string(nk)), "--offline")
	if exitCode(err) != 7 || !strings.Contains(out, "the checkpoint signatures could not be checked") ||
		!strings.Contains(out, "entry 5: ok") || !strings.Contains(out, ": 6 entries") {
		t.Errorf("export without verifier_key, offline: exit %d, %v\n%s", exitCode(err), err, out)
	}
	if out := s.mustRun("verify", "--bundle", s.file("nokey2.json", string(nk))); !strings.Contains(out, "verified: 6 entries") {
		t.Errorf("export without verifier_key, on chain (which holds the key):\n%s", out)
	}
}

// verifyTamperedAndBadInput: a changed export fails and names the entry;
// input that is not an export is not a failed verification.
func (s *trialScript) verifyTamperedAndBadInput(audit string) {
	t := s.t
	raw, _ := os.ReadFile(audit)
	var x map[string]any
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	entries := x["entries"].([]any)
	e3 := entries[3].(map[string]any)
	e3["leaf"] = entries[2].(map[string]any)["leaf"]
	tampered, _ := json.Marshal(x)
	forged := s.file("tampered.json", string(tampered))
	out, _, err := runCmd(t, s.env, "verify", "--bundle", forged)
	if exitCode(err) != 7 || !strings.Contains(userMessage(err), "entry 3:") || !strings.Contains(out, "entry 3: FAIL") {
		t.Errorf("tampered export: exit %d, %v\n%s", exitCode(err), err, out)
	}
	s.wantExit("missing bundle", 4, "", false, "verify", "--bundle", filepath.Join(s.dir, "nope.json"))
	s.wantExit("not an export", 2, "", false, "verify", "--bundle", s.file("garbage.json", "not json"))
}

// verifyCutAndPastAnchor: the log grows and is anchored again; the earlier
// export, whole and genuine in itself, stops short of the chain's latest
// anchor. An export past the latest anchor verifies, with a warning.
func (s *trialScript) verifyCutAndPastAnchor(audit string) {
	t := s.t
	s.mustRun("trial", "record", "--as", "carol", s.id, "--type", "visit", "--subject", "S-001")
	s.mustRun("trial", "record", "--as", "carol", s.id, "--type", "visit", "--subject", "S-001")
	s.mustRun("trial", "anchor", "--as", "carol", s.id)
	out, _, err := runCmd(t, s.env, "verify", "--bundle", audit)
	if exitCode(err) != 7 || !regexp.MustCompile(`the chain holds an anchor of size 8 at block \d+; this export stops at 6: entries 6-7 are missing`).MatchString(out+userMessage(err)) {
		t.Errorf("cut export: exit %d, %v\n%s", exitCode(err), err, out)
	}
	s.mustRun("trial", "record", "--as", "carol", s.id, "--type", "visit", "--subject", "S-001")
	s.mustRun("trial", "export", s.id, "--out", audit)
	if out := s.mustRun("verify", "--bundle", audit, "--quiet"); !strings.Contains(out, "log: WARNING: entry 8 is not anchored yet") || !strings.Contains(out, "verified with 1 warning") {
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

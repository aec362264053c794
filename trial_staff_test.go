package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// A trial team runs a visit through the CLI: the sponsor authorizes a
// coordinator and a monitor, the coordinator records a visit through the
// study design's form, the monitor queries one item, the coordinator
// answers with a correction, the monitor closes the query and verifies the
// correction, the sponsor locks the casebook and the coordinator's next
// entry is refused; each command says what was signed, by whom.
func TestCLI_trialTeamQueryAndLock(t *testing.T) {
	tc := &teamCLI{t: t, env: cliEnv(t)}
	mustRun, refused, signed := tc.mustRun, tc.refused, tc.signed
	mustRun("account", "new", "--name", "sponsor")
	coord := strings.TrimSpace(mustRun("account", "new", "--name", "crc"))
	mon := strings.TrimSpace(mustRun("account", "new", "--name", "mo"))
	mustRun("chain", "fund", "sponsor", "10")
	protocol := filepath.Join(t.TempDir(), "protocol.pdf")
	if err := os.WriteFile(protocol, []byte("%PDF-1.7 protocol v1"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(mustRun("trial", "register", "--as", "sponsor", "--title", "Team", "--id", "NCT07777777", "--protocol", protocol))
	design := `{"name":"Vitals","events":[{"oid":"SE.V1","name":"Visit 1","forms":["F.VS"]}],"forms":[{"oid":"F.VS","name":"Vital signs",` +
		`"items":[{"oid":"VS.SYSBP","label":"Systolic BP","type":"integer","unit":"mmHg","min":"60","max":"250","required":true}]}]}`
	if out := mustRun("trial", "record", id, "--as", "sponsor", "--type", "study_design", "--data", design); out != "1\n" {
		t.Fatalf("design: %q", out)
	}

	// Staff by local name and by address.
	signed(mustRun("trial", "staff", "add", "--trial", "NCT07777777", "--account", "crc", "--name", "Cora Coordinator", "--role", "coordinator", "--site", "site-1", "--as", "sponsor"),
		`^Entry 2 recorded: Staff authorization of Cora Coordinator \(`+coord+`\) as Study coordinator at site site-1, signed by 0x[0-9a-fA-F]{40} — meaning authored\n$`)
	signed(mustRun("trial", "staff", "add", id, "--account", mon, "--name", "Mo Monitor", "--role", "CRA", "--site", "site-1", "--as", "sponsor"),
		`^Entry 3 recorded: Staff authorization of Mo Monitor \(`+mon+`\) as Monitor at site site-1`)
	refused(2, `Role "nurse"`, "trial", "staff", "add", "--trial", id, "--account", "crc", "--name", "C", "--role", "nurse", "--as", "sponsor")
	refused(4, `No account named "nobody"`, "trial", "staff", "add", "--trial", id, "--account", "nobody", "--name", "N", "--role", "monitor", "--as", "sponsor")

	// The coordinator records with its own key, through the form.
	mustRun("trial", "record", id, "--as", "crc", "--type", "enrolment", "--subject", "S-001")
	if out := mustRun("trial", "record", id, "--as", "crc", "--type", "visit", "--subject", "S-001",
		"--data", `{"design":1,"event":"SE.V1","form":"F.VS","items":{"VS.SYSBP":210}}`); out != "5\n" {
		t.Fatalf("visit: %q", out)
	}
	refused(2, "Cora Coordinator), Study coordinator at site site-1, who may not sign a Data query", "trial", "query", "raise", "--trial", id, "--entry", "5", "--text", "?", "--as", "crc")

	signed(mustRun("trial", "query", "raise", "--trial", id, "--entry", "5", "--item", "VS.SYSBP", "--text", "210 mmHg: please check the source", "--as", "mo"),
		`^Entry 6 recorded: Data query on entry 5 \(item VS.SYSBP\) at site site-1, signed by Mo Monitor \(`+mon+`\) — meaning authored\n$`)
	ql := queryList(t, mustRun("trial", "query", "list", "--trial", id, "--open", "--json"))
	if len(ql.Queries) != 1 || ql.Queries[0].State != "open" || ql.OpenBySite["site-1"] != 1 || ql.OpenBySubject[ql.Queries[0].Subject] != 1 {
		t.Fatalf("open queries: %+v", ql)
	}

	refused(2, "--correct-data and --reason go together", "trial", "query", "answer", "--trial", id, "--query", "6", "--text", "x", "--correct-data", `{"VS.SYSBP":120}`, "--as", "crc")
	out := mustRun("trial", "query", "answer", "--trial", id, "--query", "6", "--text", "Transcription error: 120",
		"--correct-data", `{"VS.SYSBP":120}`, "--reason", "transcription error", "--as", "crc")
	signed(out, `^Entry 7 recorded: Visit / CRF data correcting entry 5 for subject S-[0-9a-f]{32} at site site-1 \(reason: transcription error\), signed by Cora Coordinator \(`+coord+`\) — meaning authored\n`+
		`Entry 8 recorded: Query answer to query 6 at site site-1, signed by Cora Coordinator`)
	signed(mustRun("trial", "query", "close", "--trial", id, "--query", "6", "--as", "mo"), `^Entry 9 recorded: Query closed: query 6 at site site-1, signed by Mo Monitor`)
	signed(mustRun("trial", "sdv", "--trial", id, "--entry", "7", "--item", "VS.SYSBP", "--as", "mo"), `^Entry 10 recorded: Source data verified on entry 7 \(item VS.SYSBP\)`)

	// The locked casebook refuses the coordinator's next entry.
	refused(2, "--subject ID to lock one casebook, or --all", "trial", "lock", "--trial", id, "--reason", "done", "--as", "sponsor")
	refused(2, "who may not sign a Casebook lock", "trial", "lock", "--trial", id, "--subject", "S-001", "--reason", "done", "--as", "crc")
	signed(mustRun("trial", "lock", "--trial", id, "--subject", "S-001", "--reason", "casebook complete", "--as", "sponsor"),
		`^Entry 11 recorded: Casebook lock for subject S-[0-9a-f]{32} at site site-1 \(reason: casebook complete\), signed by 0x`)
	refused(2, "which entry 11 locked", "trial", "record", id, "--as", "crc", "--type", "visit", "--subject", "S-001",
		"--data", `{"design":1,"event":"SE.V1","form":"F.VS","items":{"VS.SYSBP":118}}`)
	signed(mustRun("trial", "unlock", "--trial", id, "--subject", "S-001", "--reason", "late lab value", "--as", "sponsor"), `^Entry 12 recorded: Casebook unlock`)
	signed(mustRun("trial", "staff", "revoke", "--trial", id, "--account", "mo", "--role", "monitor", "--site", "site-1", "--reason", "left the CRO", "--as", "sponsor"),
		`^Entry 13 recorded: Staff revocation of Mo Monitor \(`+mon+`\) as Monitor at site site-1 \(reason: left the CRO\)`)
	refused(5, "not on the team", "trial", "sdv", "--trial", id, "--entry", "5", "--as", "mo")

	// The whole database, locked and unlocked by the sponsor.
	signed(mustRun("trial", "lock", id, "--all", "--reason", "database lock for analysis", "--as", "sponsor"),
		`^Entry 14 recorded: Database lock \(reason: database lock for analysis\), signed by 0x`)
	refused(2, "while the database is locked (entry 14)", "trial", "record", id, "--as", "crc", "--type", "enrolment", "--subject", "S-002")
	signed(mustRun("trial", "unlock", "--trial", id, "--all", "--reason", "late SAE follow-up", "--as", "sponsor"), `^Entry 15 recorded: Database unlock`)

	tc.checkStaffList(id, coord, mon)
	tc.checkQueries(id)
	tc.checkHelp()
}

// teamCLI runs the commands of a scripted session and checks what they
// print.
type teamCLI struct {
	t   *testing.T
	env map[string]string
}

func (tc *teamCLI) mustRun(args ...string) string {
	tc.t.Helper()
	out, stderr, err := runCmd(tc.t, tc.env, args...)
	if err != nil {
		tc.t.Fatalf("%v: %v\n%s", args, err, stderr)
	}
	return out
}

// refused checks that the command fails with exit and a message holding want.
func (tc *teamCLI) refused(exit int, want string, args ...string) {
	tc.t.Helper()
	out, _, err := runCmd(tc.t, tc.env, args...)
	if exitCode(err) != exit || !strings.Contains(userMessage(err), want) {
		tc.t.Errorf("%v: exit %d (want %d), %v, want %q; stdout %q", args, exitCode(err), exit, err, want, out)
	}
}

// signed checks what a command said it signed.
func (tc *teamCLI) signed(out, want string) {
	tc.t.Helper()
	if !regexp.MustCompile(want).MatchString(out) {
		tc.t.Errorf("printed %q, want %s", out, want)
	}
}

// checkStaffList: the coordinator in force since entry 2; the monitor
// authorized at 3 and revoked at 13.
func (tc *teamCLI) checkStaffList(id, coord, mon string) {
	t := tc.t
	var staff staffListOut
	if err := json.Unmarshal([]byte(tc.mustRun("trial", "staff", "list", "--trial", id, "--json")), &staff); err != nil {
		t.Fatal(err)
	}
	var now, history []string
	for _, s := range staff.Staff {
		now = append(now, fmt.Sprintf("%s %s %s %s since %d", s.Account.Hex(), s.Name, s.Role, s.Site, s.Since))
	}
	for _, h := range staff.History {
		history = append(history, fmt.Sprintf("%d %s %s %s %s %s %q %v", h.Entry, h.Change, h.Account.Hex(), h.Name, h.Role, h.Site, h.Reason, h.Time.IsZero()))
	}
	if want := []string{coord + " Cora Coordinator coordinator site-1 since 2"}; !slices.Equal(now, want) {
		t.Errorf("staff now: %q, want %q", now, want)
	}
	want := []string{"2 authorized " + coord + ` Cora Coordinator coordinator site-1 "" false`,
		"3 authorized " + mon + ` Mo Monitor monitor site-1 "" false`, "13 revoked " + mon + ` Mo Monitor monitor site-1 "left the CRO" false`}
	if !slices.Equal(history, want) {
		t.Errorf("staff history: %q, want %q", history, want)
	}
	if out := tc.mustRun("trial", "staff", "list", id); !strings.Contains(out, "Cora Coordinator") || !strings.Contains(out, "left the CRO") {
		t.Errorf("staff list:\n%s", out)
	}
}

// checkQueries: query 6 on item VS.SYSBP of entry 5, answered by entry 8
// with the correction 7 in the visit's form, closed by 9.
func (tc *teamCLI) checkQueries(id string) {
	t := tc.t
	ql := queryList(t, tc.mustRun("trial", "query", "list", "--trial", id, "--subject", "S-001", "--json"))
	if len(ql.Queries) != 1 || len(ql.Queries[0].Answers) != 1 || ql.Queries[0].Closed == nil || len(ql.OpenBySite) != 0 {
		t.Fatalf("queries: %+v", ql)
	}
	q, ans := ql.Queries[0], ql.Queries[0].Answers[0]
	got := fmt.Sprintf("%d on %d/%s at %s %s raised by %s; answer %d %q correction %v; closed %d",
		q.Query, q.Entry, q.Item, q.Site, q.State, q.Raised.Name, ans.Entry, ans.Text, deref(ans.Correction), q.Closed.Entry)
	if want := `6 on 5/VS.SYSBP at site-1 closed raised by Mo Monitor; answer 8 "Transcription error: 120" correction 7; closed 9`; got != want {
		t.Errorf("query: %s\nwant %s", got, want)
	}
	if ql := queryList(t, tc.mustRun("trial", "query", "list", "--trial", id, "--open", "--json")); len(ql.Queries) != 0 {
		t.Errorf("open after closing: %+v", ql)
	}
	if out := tc.mustRun("trial", "query", "list", "--trial", id); !strings.Contains(out, "corrected in entry 7") || !strings.Contains(out, "Open queries per site: none") {
		t.Errorf("query list:\n%s", out)
	}
	var shown struct {
		Steps []struct {
			Data json.RawMessage `json:"data"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(tc.mustRun("trial", "show", id, "--json")), &shown); err != nil || len(shown.Steps) != 16 {
		t.Fatalf("show: %v, %d steps", err, len(shown.Steps))
	}
	var fd marketplace.FormData
	if err := json.Unmarshal(shown.Steps[7].Data, &fd); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%d %s %s %d %s", fd.Design, fd.Event, fd.Form, len(fd.Items), fd.Items["VS.SYSBP"]); got != "1 SE.V1 F.VS 1 120" {
		t.Errorf("the correction is not in the visit's form: %s", got)
	}
}

func deref(p *uint64) any {
	if p == nil {
		return nil
	}
	return *p
}

// checkHelp: every team command explains itself with an example.
func (tc *teamCLI) checkHelp() {
	for _, args := range [][]string{{"staff", "add"}, {"staff", "revoke"}, {"staff", "list"}, {"query", "raise"}, {"query", "answer"},
		{"query", "close"}, {"query", "list"}, {"sdv"}, {"lock"}, {"unlock"}} {
		out, _, err := runCmd(tc.t, nil, append(append([]string{"trial"}, args...), "--help")...)
		if err != nil || !strings.Contains(out, "Usage:") || !strings.Contains(out, "Example") || !strings.Contains(out, "--trial") {
			tc.t.Errorf("trial %v --help: %v\n%s", args, err, out)
		}
	}
}

func queryList(t *testing.T, out string) queryListOut {
	t.Helper()
	var ql queryListOut
	if err := json.Unmarshal([]byte(out), &ql); err != nil {
		t.Fatalf("query list JSON: %v\n%s", err, out)
	}
	return ql
}

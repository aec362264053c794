package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// poolPipeline is a pool's pipeline for Synthea patients.csv rows (as in
// app's pool test): birth date to its decade and gender are the
// quasi-identifiers, Safe Harbor removes the identifiers.
const poolPipeline = `
suggest_roles: false
columns:
  BIRTHDATE: {role: quasi-identifier, hierarchy: {auto: date}}
  GENDER: {role: quasi-identifier}
  Id: {role: direct-identifier}
transforms:
  - name: generalize
    levels: {BIRTHDATE: 3}
  - name: safe-harbor
`

// poolFiles writes the pool's pipeline and one CSV file per patient of
// the Synthea export (rows, 1-based, of patients.csv).
func poolFiles(t *testing.T, rows ...int) (string, []string) {
	t.Helper()
	b, err := os.ReadFile(patientsCSV)
	if os.IsNotExist(err) {
		t.Skip("../shared/data absent: the Synthea export is needed")
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	dir := t.TempDir()
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = filepath.Join(dir, fmt.Sprintf("patient-%02d.csv", r))
		if err := os.WriteFile(out[i], []byte(lines[0]+"\n"+lines[r]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pipeline := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(pipeline, []byte(poolPipeline), 0o600); err != nil {
		t.Fatal(err)
	}
	return pipeline, out
}

// wantFail runs a command that must fail with exit code and a message
// holding want.
func (n *node) wantFail(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	_, stderr, got := n.run(t, args...)
	if got != code || !strings.Contains(stderr, want) {
		t.Fatalf("%s: exit %d, %s; want exit %d mentioning %q", strings.Join(args, " "), got, stderr, code, want)
	}
}

// TestPool_CLI: one geth --dev; the operator's hub node (alice), a node
// where six patients' accounts live, two researchers' nodes. alice creates
// the pool; the patients join through the hub from their records (the
// first sees what leaves the machine); k = 2 over the union keeps four
// and tells two why they wait; a stranger cannot release; version 1 sells
// twice; the payout round is posted; patient0 claims for itself and the
// hub claims for everyone else (--all); patient1 withdraws and version 2
// leaves them out; an auditor's node verifies the pool. The hub's server
// runs while other nodes talk to it and stops while the operator's
// commands hold its data dir.
func TestPool_CLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs geth")
	}
	// Rows: 1960s F (16, 5), 1960s M (18, 19), 1950s F (23), 1940s M (9).
	pipeline, files := poolFiles(t, 16, 5, 18, 19, 23, 9)
	bin := buildBinary(t, "")
	ns, addrs := deployedNodes(t, bin, "alice", "patient0", "bob", "carol")
	hub, pat, res1, res2 := ns[0], ns[1], ns[2], ns[3]

	hub.wantFail(t, 2, "k", "pool", "create", "--as", "alice", "--name", "x", "--config", pipeline, "--k", "1", "--price", "0.01", "--terms", "HMB")
	pool := strings.TrimSpace(hub.must(t, "pool", "create", "--as", "alice", "--name", "Synthea adults", "--description", "Synthetic patients, pooled.",
		"--config", pipeline, "--k", "2", "--fee-bps", "500", "--price", "0.01", "--terms", "HMB", "--duration", "365", "--seats", "2"))
	if !common.IsHexAddress(pool) {
		t.Fatalf("pool create printed %q", pool)
	}
	hub.must(t, "account", "new", "--name", "mallory")
	srv := hub.serve(t)

	if out := pat.must(t, "pool", "list", "--hub", hub.url); !strings.Contains(out, "Synthea adults") || !strings.Contains(out, pool) {
		t.Fatalf("pool list:\n%s", out)
	}
	pat.wantFail(t, 2, "--in", "pool", "join", pool, "--hub", hub.url, "--as", "patient0")
	pat.wantFail(t, 2, "pass --yes", "pool", "join", pool, "--hub", hub.url, "--in", files[0], "--as", "patient0")
	patients := []common.Address{addrs[1]}
	for i, f := range files {
		name := fmt.Sprintf("patient%d", i)
		if i > 0 {
			patients = append(patients, common.HexToAddress(strings.TrimSpace(pat.must(t, "account", "new", "--name", name))))
		}
		out, stderr, code := pat.run(t, "pool", "join", pool, "--hub", hub.url, "--in", f, "--as", name, "--yes")
		if code != 0 {
			t.Fatalf("%s joins: exit %d\n%s", name, code, stderr)
		}
		if i == 0 {
			t.Logf("pool join:\n%s%s", stderr, out)
			for _, part := range []string{"BIRTHDATE", "Stays on this machine", "patients.SSN", "5 %", "versions already sold stay licensed"} {
				if !strings.Contains(stderr, part) {
					t.Errorf("the join preview does not say %q:\n%s", part, stderr)
				}
			}
		}
	}
	srv.stop(t, syscall.SIGTERM)

	var u unionOut
	if err := json.Unmarshal([]byte(hub.must(t, "pool", "contributions", pool, "--json")), &u); err != nil {
		t.Fatal(err)
	}
	if u.Members != 6 || len(u.Kept) != 4 || len(u.Waiting) != 2 || !strings.Contains(u.Waiting[0].Reason, "fewer than") {
		t.Fatalf("contributions: %+v", u)
	}
	t.Logf("pool contributions:\n%s", hub.must(t, "pool", "contributions", pool))
	hub.wantFail(t, 5, addrs[0].Hex(), "pool", "release", pool, "--as", "mallory")
	listing := release(t, hub, pool, "version 1", "4 patients, 2 waiting")

	srv = hub.serve(t)
	res1.must(t, "buy", "--as", "bob", listing, "--yes")
	res2.must(t, "buy", "--as", "carol", listing, "--yes")
	srv.stop(t, syscall.SIGTERM)

	out := hub.must(t, "pool", "payout", pool, "--as", "alice")
	t.Logf("pool payout: %s", out)
	if !strings.HasPrefix(out, "round 1: 0.02 ETH in all to 5 accounts; collected 0.02 ETH") {
		t.Fatalf("payout: %s", out)
	}

	srv = hub.serve(t)
	out = pat.must(t, "pool", "claim", pool, "--as", "patient0")
	t.Logf("pool claim: %s", out)
	if !strings.HasPrefix(out, patients[0].Hex()+": paid ") {
		t.Fatalf("claim: %s", out)
	}
	st := poolStatus(t, pat, pool, "patient0")
	if !st.Active || len(st.Versions) != 1 || st.Round != 1 || st.Claimable != "0" || st.Claimed == "0" {
		t.Fatalf("patient0's standing: %+v", st)
	}
	srv.stop(t, syscall.SIGTERM)

	out = hub.must(t, "pool", "claim", pool, "--all", "--as", "alice")
	t.Logf("pool claim --all:\n%s", out)
	if n := strings.Count(out, ": paid "); n != 4 || !strings.Contains(out, addrs[0].Hex()) {
		t.Fatalf("the hub claimed for %d accounts, want 3 patients and the operator's fee:\n%s", n, out)
	}
	if out := hub.must(t, "pool", "claim", pool, "--all", "--as", "alice"); out != "" {
		t.Fatalf("a second --all paid again: %s", out)
	}

	srv = hub.serve(t)
	pat.must(t, "pool", "withdraw", pool, "--as", "patient1", "--yes")
	st = poolStatus(t, pat, pool, "patient1")
	if st.Active || st.Withdrawn == "" || len(st.Versions) != 1 {
		t.Fatalf("patient1 after withdrawing: %+v", st)
	}
	srv.stop(t, syscall.SIGTERM)
	release(t, hub, pool, "version 2", "2 patients")

	srv = hub.serve(t)
	if st := poolStatus(t, pat, pool, "patient0"); !strings.Contains(st.Waiting, "group of 1 patient") || len(st.Versions) != 1 {
		t.Fatalf("patient0 after version 2: %+v", st)
	}
	t.Logf("pool status:\n%s", pat.must(t, "pool", "status", pool, "--as", "patient0"))
	out = res1.must(t, "pool", "verify", pool, "--hub", hub.url)
	t.Logf("pool verify: %s", out)
	if !strings.HasSuffix(out, "OK\n") {
		t.Fatalf("verify:\n%s", out)
	}
	res1.wantFail(t, 4, "0x0000000000000000000000000000000000000001", "pool", "verify", "0x0000000000000000000000000000000000000001", "--hub", hub.url)
	srv.stop(t, syscall.SIGTERM)
}

// release releases pool's next version on the hub (its server stopped)
// and returns its listing id; the summary must hold each of want.
func release(t *testing.T, hub *node, pool string, want ...string) string {
	t.Helper()
	out, stderr, code := hub.run(t, "pool", "release", pool, "--as", "alice")
	if code != 0 {
		t.Fatalf("pool release: exit %d\n%s", code, stderr)
	}
	t.Logf("pool release:\n%s%s", stderr, out)
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Fatalf("pool release says %q, not %q", stderr, w)
		}
	}
	return strings.TrimSpace(out)
}

// poolStatus reads `pool status --json` of an account of n.
func poolStatus(t *testing.T, n *node, pool, as string) standingOut {
	t.Helper()
	var st standingOut
	if err := json.Unmarshal([]byte(n.must(t, "pool", "status", pool, "--as", as, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// The pool commands refuse a bad command line before opening anything,
// and name an unknown pool's missing hub.
func TestCLI_poolErrors(t *testing.T) {
	env := cliEnv(t)
	pool := "0x0000000000000000000000000000000000000001"
	for _, c := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"pool", "join", pool, "--hub", "http://127.0.0.1:1/", "--as", "p"}, 2, "--in"},
		{[]string{"pool", "join", "nope", "--in", "x.csv", "--as", "p"}, 2, "not a pool's contract address"},
		{[]string{"pool", "create", "--as", "a", "--name", "n", "--config", filepath.Join(t.TempDir(), "none.yaml"), "--price", "0.01", "--terms", "HMB"}, 2, "--config"},
		{[]string{"pool", "claim", pool, "--as", "a", "--all", "--for", "b"}, 2, "--all"},
		{[]string{"pool", "status", pool}, 2, "--as NAME and --account"},
		{[]string{"pool", "verify", pool}, 2, "name its hub"},
	} {
		_, _, err := runCmd(t, env, c.args...)
		if exitCode(err) != c.exit || !strings.Contains(userMessage(err), c.want) {
			t.Errorf("%v: exit %d, %v; want exit %d mentioning %q", c.args, exitCode(err), err, c.exit, c.want)
		}
	}
	if _, _, err := runCmd(t, env, "pool", "verify", pool); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("verify without a hub: %v", err)
	}
}

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
	p := &poolRun{hub: ns[0], pat: ns[1], res1: ns[2], res2: ns[3], alice: addrs[0]}

	p.hub.wantFail(t, 2, "Pool configuration: k: 1 is outside 2..1000", "pool", "create", "--as", "alice", "--name", "x", "--config", pipeline, "--k", "1", "--price", "0.01", "--terms", "HMB")
	p.pool = strings.TrimSpace(p.hub.must(t, "pool", "create", "--as", "alice", "--name", "Synthea adults", "--description", "Synthetic patients, pooled.",
		"--config", pipeline, "--k", "2", "--fee-bps", "500", "--price", "0.01", "--terms", "HMB", "--duration", "365", "--seats", "2"))
	if !common.IsHexAddress(p.pool) {
		t.Fatalf("pool create printed %q", p.pool)
	}
	p.hub.must(t, "account", "new", "--name", "mallory")

	p.join(t, addrs[1], files)
	listing := p.release(t, "version 1", "4 patients, 2 waiting")
	p.sellAndPay(t, listing)
	p.claim(t)
	p.withdrawAndVerify(t)
}

// poolRun is TestPool_CLI's nodes and pool.
type poolRun struct {
	hub, pat, res1, res2 *node
	alice                common.Address
	pool                 string
	patients             []common.Address
}

// join: the patients join through the hub, the first one seeing what
// leaves the machine; the union check keeps four and tells two why they
// wait.
func (p *poolRun) join(t *testing.T, patient0 common.Address, files []string) {
	srv := p.hub.serve(t)
	if out := p.pat.must(t, "pool", "list", "--hub", p.hub.url); !strings.Contains(out, "Synthea adults") || !strings.Contains(out, p.pool) {
		t.Fatalf("pool list:\n%s", out)
	}
	p.pat.wantFail(t, 2, "--in", "pool", "join", p.pool, "--hub", p.hub.url, "--as", "patient0")
	p.pat.wantFail(t, 2, "pass --yes", "pool", "join", p.pool, "--hub", p.hub.url, "--in", files[0], "--as", "patient0")
	p.patients = []common.Address{patient0}
	for i, f := range files {
		name := fmt.Sprintf("patient%d", i)
		if i > 0 {
			p.patients = append(p.patients, common.HexToAddress(strings.TrimSpace(p.pat.must(t, "account", "new", "--name", name))))
		}
		out, stderr, code := p.pat.run(t, "pool", "join", p.pool, "--hub", p.hub.url, "--in", f, "--as", name, "--yes")
		if code != 0 {
			t.Fatalf("%s joins: exit %d\n%s", name, code, stderr)
		}
		if i == 0 {
			t.Logf("pool join:\n%s%s", stderr, out)
			for _, part := range []string{"BIRTHDATE", "Never leaves this machine", "SSN", "5 %", "versions already sold stay licensed"} {
				if !strings.Contains(stderr, part) {
					t.Errorf("the join preview does not say %q:\n%s", part, stderr)
				}
			}
			never, _, _ := strings.Cut(stderr[strings.Index(stderr, "Never leaves"):], "\n")
			if strings.Contains(never, "GENDER") || strings.Contains(never, "MARITAL") {
				t.Errorf("the preview says a column sent never leaves: %s", never)
			}
		}
	}
	srv.stop(t, syscall.SIGTERM)

	var u unionOut
	if err := json.Unmarshal([]byte(p.hub.must(t, "pool", "contributions", p.pool, "--json")), &u); err != nil {
		t.Fatal(err)
	}
	if u.Members != 6 || len(u.Kept) != 4 || len(u.Waiting) != 2 || !strings.Contains(u.Waiting[0].Reason, "fewer than") {
		t.Fatalf("contributions: %+v", u)
	}
	t.Logf("pool contributions:\n%s", p.hub.must(t, "pool", "contributions", p.pool))
	p.hub.wantFail(t, 5, p.alice.Hex(), "pool", "release", p.pool, "--as", "mallory")
}

// sellAndPay: two researchers buy the version, the operator posts the
// payout round.
func (p *poolRun) sellAndPay(t *testing.T, listing string) {
	srv := p.hub.serve(t)
	p.res1.must(t, "buy", "--as", "bob", listing, "--yes")
	p.res2.must(t, "buy", "--as", "carol", listing, "--yes")
	srv.stop(t, syscall.SIGTERM)

	out := p.hub.must(t, "pool", "payout", p.pool, "--as", "alice")
	t.Logf("pool payout: %s", out)
	if !strings.HasPrefix(out, "round 1: 0.02 ETH in all to 5 accounts; collected 0.02 ETH") {
		t.Fatalf("payout: %s", out)
	}
}

// claim: patient0 claims for itself from its node, the hub for every
// other share (the operator's fee too), once.
func (p *poolRun) claim(t *testing.T) {
	srv := p.hub.serve(t)
	out := p.pat.must(t, "pool", "claim", p.pool, "--as", "patient0")
	t.Logf("pool claim: %s", out)
	if !strings.HasPrefix(out, p.patients[0].Hex()+": paid ") {
		t.Fatalf("claim: %s", out)
	}
	st := poolStatus(t, p.pat, p.pool, "patient0")
	if !st.Active || len(st.Versions) != 1 || st.Round != 1 || st.Claimable != "0" || st.Claimed == "0" {
		t.Fatalf("patient0's standing: %+v", st)
	}
	srv.stop(t, syscall.SIGTERM)

	out = p.hub.must(t, "pool", "claim", p.pool, "--all", "--as", "alice")
	t.Logf("pool claim --all:\n%s", out)
	if n := strings.Count(out, ": paid "); n != 4 || !strings.Contains(out, p.alice.Hex()) {
		t.Fatalf("the hub claimed for %d accounts, want 3 patients and the operator's fee:\n%s", n, out)
	}
	if out := p.hub.must(t, "pool", "claim", p.pool, "--all", "--as", "alice"); out != "" {
		t.Fatalf("a second --all paid again: %s", out)
	}
}

// withdrawAndVerify: patient1 withdraws, version 2 leaves them out and
// tells patient0 why it waits now; an auditor's node verifies the pool.
func (p *poolRun) withdrawAndVerify(t *testing.T) {
	srv := p.hub.serve(t)
	p.pat.must(t, "pool", "withdraw", p.pool, "--as", "patient1", "--yes")
	st := poolStatus(t, p.pat, p.pool, "patient1")
	if st.Active || st.Withdrawn == "" || len(st.Versions) != 1 {
		t.Fatalf("patient1 after withdrawing: %+v", st)
	}
	srv.stop(t, syscall.SIGTERM)
	p.release(t, "version 2", "2 patients")

	srv = p.hub.serve(t)
	if st := poolStatus(t, p.pat, p.pool, "patient0"); !strings.Contains(st.Waiting, "group of 1 patient") || len(st.Versions) != 1 {
		t.Fatalf("patient0 after version 2: %+v", st)
	}
	t.Logf("pool status:\n%s", p.pat.must(t, "pool", "status", p.pool, "--as", "patient0"))
	out := p.res1.must(t, "pool", "verify", p.pool, "--hub", p.hub.url)
	t.Logf("pool verify: %s", out)
	if !strings.HasSuffix(out, "OK\n") {
		t.Fatalf("verify:\n%s", out)
	}
	unknown := "0x0000000000000000000000000000000000000001"
	_, stderr, code := p.res1.run(t, "pool", "verify", unknown, "--hub", p.hub.url)
	t.Logf("pool verify of an unknown pool: exit %d, %s", code, stderr)
	if code != 4 || !strings.Contains(stderr, unknown) {
		t.Fatalf("verify of an unknown pool: exit %d, %s", code, stderr)
	}
	srv.stop(t, syscall.SIGTERM)
}

// release releases the pool's next version on the hub (its server
// stopped) and returns its listing id; the summary must hold each of want.
func (p *poolRun) release(t *testing.T, want ...string) string {
	t.Helper()
	out, stderr, code := p.hub.run(t, "pool", "release", p.pool, "--as", "alice")
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

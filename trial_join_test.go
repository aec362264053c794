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

// trialSteps reads `trial show TRIAL --json` on n: the trial's entries and
// steps.
func trialSteps(t *testing.T, n *node, trial string) (uint64, []marketplace.Step) {
	t.Helper()
	var out struct {
		Entries uint64             `json:"entries"`
		Steps   []marketplace.Step `json:"steps"`
	}
	if err := json.Unmarshal([]byte(n.must(t, "trial", "show", trial, "--json")), &out); err != nil {
		t.Fatal(err)
	}
	return out.Entries, out.Steps
}

// TestTrialJoin_twoNodes: one geth --dev, the sponsor's node A and node B
// where a coordinator's account lives, driven through the real binary. The
// sponsor registers a trial on A and authorizes the coordinator; A serves.
// B joins the trial and the coordinator records a visit on B, signed there;
// B shows the trial from A's export, verified against B's chain, and A's
// log holds the visit signed by the coordinator. An account on B the
// sponsor never authorized is refused.
func TestTrialJoin_twoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs geth")
	}
	bin := buildBinary(t, "")
	ns, addrs := deployedNodes(t, bin, "sam", "cora")
	a, b := ns[0], ns[1]
	protocol := filepath.Join(t.TempDir(), "protocol.pdf")
	if err := os.WriteFile(protocol, []byte("%PDF two nodes"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(a.must(t, "trial", "register", "--as", "sam", "--title", "Two-node trial", "--id", "NCT13300002", "--protocol", protocol))
	grant := fmt.Sprintf(`{"account":%q,"name":"Cora Coordinator","role":"coordinator","site":"A"}`, addrs[1].Hex())
	a.must(t, "trial", "record", id, "--as", "sam", "--type", "staff_authorization", "--data", grant)
	srvA := a.serve(t)

	b.must(t, "trial", "join", "--node", a.url, "--trial", id)
	idx := strings.TrimSpace(b.must(t, "trial", "record", id, "--as", "cora", "--type", "visit", "--subject", "S-001", "--data", `{"weight_kg":81}`))
	n, steps := trialSteps(t, b, "NCT13300002")
	if last := steps[len(steps)-1]; fmt.Sprint(last.Index) != idx || last.Who != addrs[1] || last.Name != "Cora Coordinator" || n != uint64(len(steps)) {
		t.Fatalf("B shows entry %s as %+v (%d entries)", idx, last, n)
	}
	if out := b.must(t, "trial", "join", "--node", a.url, "--trial", id, "--as", "cora"); !strings.Contains(out, "verified") {
		t.Errorf("join --as: %s", out)
	}

	eve := common.HexToAddress(strings.TrimSpace(b.must(t, "account", "new", "--name", "eve")))
	_, stderr, code := b.run(t, "trial", "record", id, "--as", "eve", "--type", "visit", "--subject", "S-001")
	if code == 0 || !strings.Contains(stderr, eve.Hex()+" is not on the team") {
		t.Fatalf("an account the sponsor never authorized: exit %d, %s", code, stderr)
	}

	srvA.stop(t, syscall.SIGTERM)
	n, steps = trialSteps(t, a, id)
	if last := steps[len(steps)-1]; fmt.Sprint(last.Index) != idx || last.Who != addrs[1] || n != uint64(len(steps)) {
		t.Fatalf("A's log: entry %s is %+v (%d entries)", idx, last, n)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// node is one medmarket data dir driven through the real binary.
type node struct {
	bin, dir, url string
	env           []string
}

func newNode(t *testing.T, bin, rpc string) *node {
	ui, public := freeAddr(t), freeAddr(t)
	n := &node{bin: bin, dir: t.TempDir(), url: "http://" + public + "/"}
	// The UI and the provider API listen apart; the provider URL the node
	// announces defaults to its public address.
	n.env = []string{"HOME=" + t.TempDir(), envData + "=" + n.dir, envPassphrase + "=secret", envLightScrypt + "=1",
		envChainRPC + "=" + rpc, envAddr + "=" + ui, envPublicAddr + "=" + public}
	return n
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// run runs one CLI command on the node's data dir and returns stdout and
// the exit code (stderr in the failure message).
func (n *node) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(n.bin, args...)
	cmd.Env = n.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func (n *node) must(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, code := n.run(t, args...)
	if code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", filepath.Base(n.dir), strings.Join(args, " "), code, stderr)
	}
	return out
}

// wantDownload downloads listing id as account as to out and checks that
// the file is want (the published bytes, not empty), byte for byte.
func (n *node) wantDownload(t *testing.T, as, id, out string, want []byte) {
	t.Helper()
	n.must(t, "download", "--as", as, id, "--out", out)
	got, _ := os.ReadFile(out)
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("%s downloaded %d bytes of listing %s on %s, want the %d published", as, len(got), id, filepath.Base(n.dir), len(want))
	}
}

// serve starts `medmarket serve` on the node's address and waits until it serves.
func (n *node) serve(t *testing.T) *server {
	t.Helper()
	cmd := exec.Command(n.bin, "serve")
	cmd.Env = n.env
	return startServer(t, cmd)
}

// deployedNodes starts geth and a node per account name, each holding
// that account funded with 10 ether (their addresses, in order); the first
// deploys the contracts and the others learn their addresses the way an
// operator would: the deployments file (addresses and deploy block) handed
// over.
func deployedNodes(t *testing.T, bin string, accounts ...string) ([]*node, []common.Address) {
	t.Helper()
	g := chaintest.StartGeth(t)
	ten := new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18))
	nodes, addrs := make([]*node, len(accounts)), make([]common.Address, len(accounts))
	for i := range nodes {
		nodes[i] = newNode(t, bin, g.URL)
	}
	for i, name := range accounts {
		addrs[i] = common.HexToAddress(strings.TrimSpace(nodes[i].must(t, "account", "new", "--name", name)))
		g.Fund(t, addrs[i], ten)
	}
	nodes[0].must(t, "chain", "deploy", "--as", accounts[0])
	dep, err := os.ReadFile(filepath.Join(nodes[0].dir, "deployments.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes[1:] {
		if err := os.WriteFile(filepath.Join(n.dir, "deployments.json"), dep, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return nodes, addrs
}

// TestTwoNodes: one geth --dev, node A (the patient's) and node B (the
// research team's) with separate data dirs. A publishes with its provider
// URL on chain; B's server indexes it in the background from chain events
// alone (the card comes from A's provider API, checked against the on-chain
// hash); B buys, and
// downloads from A. With A stopped B's download fails with "provider ...
// unreachable" (exit 6); after A restarts it succeeds.
//
// A publishes through its CLI before its server starts: the server holds
// the data dir, and publishing through a running server is the UI's job
// (the wizard calls the same app.Publish).
func TestTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs geth")
	}
	bin := buildBinary(t, "")
	ns, _ := deployedNodes(t, bin, "alice", "bob")
	a, b := ns[0], ns[1]

	published := filepath.Join(t.TempDir(), "published.csv")
	id := strings.TrimSpace(a.must(t, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor-k5",
		"--title", "Synthea patients from A", "--price", "0.01", "--terms", "HMB", "--save-copy", published))
	srvA := a.serve(t)

	// B's server indexes the chain in the background: its catalog page,
	// which reads the index and syncs nothing, comes to show the listing
	// with A's card (its title). B's CLI then sees it too.
	srvB := b.serve(t)
	waitFor(t, "B's server to index A's listing", 2*time.Minute, func() bool {
		return strings.Contains(httpGet(t, srvB.url+"catalog/?q=synthea"), "Synthea patients from A")
	})
	srvB.stop(t, syscall.SIGTERM)
	var found []listingOut
	if err := json.Unmarshal([]byte(b.must(t, "search", "synthea", "--json")), &found); err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Title != "Synthea patients from A" || found[0].Provider != a.url {
		t.Fatalf("B's catalog: %+v (A is %s)", found, a.url)
	}

	b.must(t, "buy", "--as", "bob", id, "--yes")
	out := filepath.Join(t.TempDir(), "data.csv")
	want, _ := os.ReadFile(published)
	b.wantDownload(t, "bob", id, out, want)

	srvA.stop(t, syscall.SIGTERM)
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := b.run(t, "download", "--as", "bob", id, "--out", out)
	if code != 6 || !strings.Contains(stderr, "provider "+a.url+" unreachable") {
		t.Fatalf("download with A stopped: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed download left the output")
	}
	a.serve(t)
	b.wantDownload(t, "bob", id, out, want) // after A restarted
}

// TestPublish_killedMidway kills the real process (SIGKILL, from the publish
// hook MEDMARKET_TEST_CRASH_AT) after the blob is stored and before the
// transaction, and after the transaction before the index write; the next
// commands on the same data dir find no half listing, no listing without
// its blob, and a catalog that converges from the chain.
func TestPublish_killedMidway(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, "")
	for _, step := range []string{"stored", "listed"} {
		t.Run(step, func(t *testing.T) {
			n := &node{bin: bin, dir: t.TempDir()}
			n.env = []string{"HOME=" + t.TempDir(), envData + "=" + n.dir, envPassphrase + "=secret", envLightScrypt + "=1"}
			for _, name := range []string{"alice", "bob"} {
				n.must(t, "account", "new", "--name", name)
				n.must(t, "chain", "fund", name, "10")
			}
			n.env = append(n.env, envCrashAt+"="+step)
			_, stderr, code := n.run(t, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor-k5",
				"--title", "Killed", "--price", "0.01", "--terms", "GRU")
			if code == 0 || !strings.Contains(stderr, "CRASH AT "+step) {
				t.Fatalf("publish was not killed at %s: exit %d\n%s", step, code, stderr)
			}
			n.env = n.env[:len(n.env)-1]
			var found []listingOut
			if err := json.Unmarshal([]byte(n.must(t, "search", "--json")), &found); err != nil {
				t.Fatal(err)
			}
			var sales struct {
				Drafts int `json:"drafts"`
			}
			if err := json.Unmarshal([]byte(n.must(t, "sales", "--as", "alice", "--json")), &sales); err != nil {
				t.Fatal(err)
			}
			switch step {
			case "stored":
				if len(found) != 0 || sales.Drafts != 1 {
					t.Fatalf("killed before the transaction: listings %+v, drafts %d", found, sales.Drafts)
				}
			case "listed":
				if len(found) != 1 || found[0].Title != "Killed" || sales.Drafts != 0 {
					t.Fatalf("killed after the transaction: listings %+v, drafts %d", found, sales.Drafts)
				}
				n.must(t, "buy", "--as", "bob", "1", "--yes")
				n.must(t, "download", "--as", "bob", "1", "--out", filepath.Join(t.TempDir(), "d.csv"))
			}
		})
	}
}

package main

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// TestHubQuota: a hub serving with MEDMARKET_HUB_MAX_UNLISTED=1; a patient
// node whose publish through the hub is killed after the upload, before
// the listing transaction (a draft on the patient's node naming the hub,
// an unlisted upload on the hub). The patient's next publish through the
// hub is refused by the quota, with the hub's message on the CLI.
func TestHubQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs geth")
	}
	bin := buildBinary(t, "")
	g := chaintest.StartGeth(t)
	hub, patient := newNode(t, bin, g.URL), newNode(t, bin, g.URL)
	ten := new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18))
	g.Fund(t, common.HexToAddress(strings.TrimSpace(hub.must(t, "account", "new", "--name", "operator"))), ten)
	alice := common.HexToAddress(strings.TrimSpace(patient.must(t, "account", "new", "--name", "alice")))
	g.Fund(t, alice, ten)
	hub.must(t, "chain", "deploy", "--as", "operator")
	dep, err := os.ReadFile(filepath.Join(hub.dir, "deployments.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(patient.dir, "deployments.json"), dep, 0o600)
	hub.env = append(hub.env, envHubMaxUnlisted+"=1")
	srv := hub.serve(t)

	publish := func(title string) (string, int) {
		_, stderr, code := patient.run(t, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor",
			"--title", title, "--price", "0.01", "--terms", "HMB", "--provider", hub.url)
		return stderr, code
	}
	patient.env = append(patient.env, envCrashAt+"=stored")
	if stderr, code := publish("Killed after the upload"); code == 0 || !strings.Contains(stderr, "CRASH AT stored") {
		t.Fatalf("publish was not killed after the upload: exit %d\n%s", code, stderr)
	}
	patient.env = patient.env[:len(patient.env)-1]
	var sales struct {
		Drafts int `json:"drafts"`
	}
	json.Unmarshal([]byte(patient.must(t, "sales", "--as", "alice", "--json")), &sales)
	if sales.Drafts != 1 {
		t.Fatalf("patient's drafts: %d, want 1", sales.Drafts)
	}

	stderr, code := publish("Over the quota")
	want := "hub quota: seller " + alice.Hex() + " has 1 unlisted uploads (limit 1); list or wait for them to expire"
	if code == 0 || !strings.Contains(stderr, want) || strings.Contains(strings.ToLower(stderr), "internal") {
		t.Fatalf("publish over the quota: exit %d\n%s\nwant %q", code, stderr, want)
	}
	if !strings.Contains(srv.stderr.String(), "upload refused") {
		t.Fatalf("hub log has no refusal:\n%s", srv.stderr)
	}

	// Discarding the draft withdraws the upload from the hub (a request
	// signed by the seller), which frees the quota.
	var drafts []draftOut
	json.Unmarshal([]byte(patient.must(t, "drafts", "list", "--as", "alice", "--json")), &drafts)
	if len(drafts) != 1 || drafts[0].Hub != hub.url {
		t.Fatalf("drafts: %+v, want one at %s", drafts, hub.url)
	}
	if out := patient.must(t, "drafts", "discard", "--as", "alice", drafts[0].ContentHash); !strings.Contains(out, "the hub "+hub.url+" deleted its copy") {
		t.Fatalf("discard: %s", out)
	}
	if !strings.Contains(srv.stderr.String(), "upload withdrawn") {
		t.Fatalf("hub log has no withdrawal:\n%s", srv.stderr)
	}
	if stderr, code := publish("After discarding"); code != 0 {
		t.Fatalf("publish after discarding the draft: exit %d\n%s", code, stderr)
	}
}

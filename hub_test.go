package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHub: one geth --dev; a hub node serving; a patient node that publishes
// through the hub with its own CLI (`publish --provider HUB`) and then is
// gone (its data dir deleted: no blob, no key, no server left); a
// researcher node that finds the listing from chain events, buys, downloads
// from the hub and decrypts the exact bytes the patient published.
func TestHub(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs geth")
	}
	bin := buildBinary(t, "")
	ns, addrs := deployedNodes(t, bin, "operator", "alice", "bob")
	hub, patient, researcher, alice := ns[0], ns[1], ns[2], addrs[1]
	srv := hub.serve(t)

	published := filepath.Join(t.TempDir(), "published.csv")
	id := strings.TrimSpace(patient.must(t, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor-k5",
		"--title", "Synthea patients via the hub", "--price", "0.01", "--terms", "HMB", "--provider", hub.url, "--save-copy", published))
	if err := os.RemoveAll(patient.dir); err != nil {
		t.Fatal(err)
	}

	var found []listingOut
	if err := json.Unmarshal([]byte(researcher.must(t, "search", "via the hub", "--json")), &found); err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Title != "Synthea patients via the hub" || found[0].Provider != hub.url || !strings.EqualFold(found[0].Seller, alice.Hex()) {
		t.Fatalf("researcher's catalog: %+v (hub %s, alice %s)", found, hub.url, alice.Hex())
	}
	if !strings.Contains(srv.stderr.String(), "hub upload stored") {
		t.Fatalf("hub log has no upload:\n%s", srv.stderr)
	}
	researcher.must(t, "buy", "--as", "bob", id, "--yes")
	// The researcher's node is offline now; the hub's market loop wraps the
	// key to bob's public key from the buy transaction meanwhile.
	waitFor(t, "the hub to pre-wrap the key to the buyer", time.Minute, func() bool {
		return strings.Contains(srv.stderr.String(), "dataset key pre-wrapped to buyer")
	})
	want, _ := os.ReadFile(published)
	researcher.wantDownload(t, "bob", id, filepath.Join(t.TempDir(), "data.csv"), want)
	if !strings.Contains(srv.stderr.String(), "prewrapped_key=true") {
		t.Fatalf("the hub did not serve the pre-wrapped key:\n%s", srv.stderr)
	}
}

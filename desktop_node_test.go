package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// TestDesktopNode_servesWhatItPublishes: the desktop window's node, composed
// as `desktop` composes it (without the window, which needs cgo), serves
// the provider API on its own listener and announces it; a listing
// published from it for "this node" is found, bought and downloaded by a
// second node through the announced URL. Before, the desktop mounted no
// provider API and announced http://127.0.0.1:8080/, which nothing served.
func TestDesktopNode_servesWhatItPublishes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs geth")
	}
	bin := buildBinary(t, "")
	ns, _ := deployedNodes(t, bin, "alice", "bob")
	desk, researcher := ns[0], ns[1]

	env := map[string]string{}
	for _, kv := range desk.env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	var stdout bytes.Buffer
	c := &cli{getenv: envMap(env), stdin: strings.NewReader(""), stdout: &stdout, stderr: io.Discard, defaultLevel: "warn"}
	n, err := openDesktopNode(t.Context(), c, listenConfig{}.resolve(c.getenv))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := n.Close(); err != nil {
			t.Errorf("close the desktop node: %v", err)
		}
	}()
	if n.App.PublicURL() != desk.url || !strings.Contains(stdout.String(), "announced as "+desk.url) {
		t.Fatalf("the desktop announces %s (stdout %q), want its provider listener %s", n.App.PublicURL(), stdout.String(), desk.url)
	}

	var published bytes.Buffer
	p, err := n.App.Publish(t.Context(), app.ByAccount("alice", "secret"), app.PublishRequest{
		Input: patientsCSV, Preset: "safe-harbor-k5", Title: "Published from the desktop",
		Price: big.NewInt(1e16), Terms: marketplace.Terms{Use: marketplace.HMB}, Copy: &published,
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Provider != desk.url {
		t.Fatalf("the listing names provider %s, want %s", p.Provider, desk.url)
	}

	id := strconv.FormatUint(p.ListingID, 10)
	var found []listingOut
	if err := json.Unmarshal([]byte(researcher.must(t, "search", "from the desktop", "--json")), &found); err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Provider != desk.url {
		t.Fatalf("the researcher's catalog: %+v, want one listing served by %s", found, desk.url)
	}
	researcher.must(t, "buy", "--as", "bob", id, "--yes")
	researcher.wantDownload(t, "bob", id, filepath.Join(t.TempDir(), "data.csv"), published.Bytes())
}

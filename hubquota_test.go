package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/vault"
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
	ns, addrs := deployedNodes(t, bin, "operator", "alice")
	hub, patient, alice := ns[0], ns[1], addrs[1]
	hub.env = append(hub.env, envHubMaxUnlisted+"=1")
	srv := hub.serve(t)

	publish := func(title string) (string, int) {
		_, stderr, code := patient.run(t, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor-k5",
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
	if err := json.Unmarshal([]byte(patient.must(t, "sales", "--as", "alice", "--json")), &sales); err != nil {
		t.Fatal(err)
	}
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
	if err := json.Unmarshal([]byte(patient.must(t, "drafts", "list", "--as", "alice", "--json")), &drafts); err != nil {
		t.Fatal(err)
	}
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

// TestCrashLeftovers_killedUploadAndPublish: real kill -9s. A publish
// killed between storing the dataset key and writing its draft leaves a
// blob and a key that nothing names; a hub killed while an upload streams
// in leaves a blobs/.put-* temp file. The next command that opens the data
// dir removes both, and keeps the listed dataset's blob.
func TestCrashLeftovers_killedUploadAndPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, "")
	n := newNode(t, bin, "")
	n.env = slices.DeleteFunc(n.env, func(s string) bool { return strings.HasPrefix(s, envChainRPC+"=") })
	n.must(t, "account", "new", "--name", "alice")
	n.must(t, "chain", "fund", "alice", "10")
	publish := func(title string, env ...string) (string, int) {
		n.env = append(n.env, env...)
		defer func() { n.env = n.env[:len(n.env)-len(env)] }()
		_, stderr, code := n.run(t, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor-k5",
			"--title", title, "--price", "0.01", "--terms", "HMB")
		return stderr, code
	}
	if stderr, code := publish("Listed"); code != 0 {
		t.Fatalf("publish: exit %d\n%s", code, stderr)
	}
	blobs := func() (stored, temp []string) { return blobFiles(filepath.Join(n.dir, "blobs")) }
	listed, _ := blobs()
	if len(listed) != 1 {
		t.Fatalf("blobs after one publish: %v", listed)
	}
	if stderr, code := publish("Killed after its key", envCrashAt+"="+app.StepKeyed); code == 0 || !strings.Contains(stderr, "CRASH AT keyed") {
		t.Fatalf("publish was not killed after storing the key: exit %d\n%s", code, stderr)
	}
	if stored, _ := blobs(); len(stored) != 2 {
		t.Fatalf("blobs after the kill: %v, want the listed one and the orphan", stored)
	}

	// A hub killed mid-upload: the envelope and 1 MiB of a 64 MiB blob sent.
	srv := n.serve(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("hub log:\n%s", srv.stderr)
		}
	})
	pw := startUpload(t, n.url, 64<<20, 1<<20)
	waitFor(t, "the upload's temp file", 2*time.Minute, func() bool {
		_, temp := blobs()
		if len(temp) == 0 {
			return false
		}
		fi, err := os.Stat(temp[0])
		return err == nil && fi.Size() >= 1<<20
	})
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Wait reports the kill.
	t.Logf("hub after the kill: %v", <-srv.done)
	pw.CloseWithError(errors.New("hub killed"))

	n.must(t, "hub", "list") // any command that opens the data dir
	stored, temp := blobs()
	if len(temp) != 0 || len(stored) != 1 || stored[0] != listed[0] {
		t.Fatalf("after the restart: blobs %v, temp files %v; want only %v", stored, temp, listed)
	}
	var found []listingOut
	if err := json.Unmarshal([]byte(n.must(t, "search", "--json")), &found); err != nil || len(found) != 1 {
		t.Fatalf("listings after the cleanup: %+v, %v", found, err)
	}
}

// blobFiles lists the blobs stored under dir and the temp files of uploads
// in progress (.put-*).
func blobFiles(dir string) (stored, temp []string) {
	// The walk skips what it cannot read, and so never fails.
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if strings.HasPrefix(d.Name(), ".put-") {
				temp = append(temp, p)
			} else {
				stored = append(stored, p)
			}
		}
		return nil
	})
	return stored, temp
}

// startUpload starts a signed hub upload of size bytes to the hub at url,
// sends the envelope and the first sent bytes, and stalls: the returned pipe
// ends the request.
func startUpload(t *testing.T, url string, size, sent int) *io.PipeWriter {
	t.Helper()
	var c provider.Client
	ctx := t.Context()
	ki, pub, err := c.NodeKey(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := vault.OpenKeystore(filepath.Join(t.TempDir(), "ks"), vault.LightScrypt())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Create("mallory", "pw"); err != nil {
		t.Fatal(err)
	}
	mallory, err := ks.Unlock("mallory", "pw")
	if err != nil {
		t.Fatal(err)
	}
	dk, _ := vault.NewDatasetKey()
	wrapped, err := vault.WrapKey(dk, pub)
	if err != nil {
		t.Fatal(err)
	}
	card, err := (&marketplace.DatasetCard{Version: marketplace.CardVersion, Title: "cut short", Rows: 1, Format: "csv",
		Columns: []marketplace.CardColumn{{Name: "a", Type: "string", Role: "insensitive"}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	su, err := provider.NewUpload(ki.ChainID, ki.Contract, common.HexToHash("0x01"), int64(size), card, wrapped, mallory, time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := json.Marshal(su)
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(url, "/")+"/"+provider.PathBlobs, io.MultiReader(bytes.NewReader(env), pr))
	req.ContentLength = int64(len(env)) + int64(size)
	req.Header.Set(provider.HeaderEnvelopeLength, strconv.Itoa(len(env)))
	go func() {
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close() // answered before the kill: the wait below fails
		}
	}()
	go func() {
		// Then the upload stalls. A write that fails shows as a temp file
		// short of 1 MB, which the wait below reports.
		_, _ = pw.Write(make([]byte, sent))
	}()
	return pw
}

package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/store"
)

// reopen closes a and opens its data dir again, as a restart does.
func reopen(t *testing.T, a *App) *App {
	t.Helper()
	dir := a.DataDir()
	if err := closeNow(a); err != nil {
		t.Fatal(err)
	}
	b, err := Open(context.Background(), Options{DataDir: dir, Version: "test", LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, b)
	return b
}

// TestOpen_cleansCrashLeftovers: what a kill -9 leaves is cleaned at the
// next start: a blob temp file of an upload cut short, and a blob with its
// dataset key but no draft (a kill between storing the key and the record),
// or a blob alone. A blob whose content is listed on chain (by anyone),
// listed datasets and drafts are kept. A crash during the cleanup leaves
// no record naming a missing blob, and the next start finishes it.
func TestOpen_cleansCrashLeftovers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := Open(ctx, Options{DataDir: dir, Version: "test", LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(ctx, n, "pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(ctx, n, ether("10")); err != nil {
			t.Fatal(err)
		}
	}
	listed := publishPatients(t, a, hmb, nil)
	a.SetPublishHook(func(step string) error {
		if step == StepStored {
			return errStopped
		}
		return nil
	})
	if _, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5",
		Title: "Draft", Price: ether("0.01"), Terms: hmb}); !errors.Is(err, errStopped) {
		t.Fatalf("publish stopped as a draft: %v", err)
	}
	a.SetPublishHook(nil)
	drafts, err := a.Drafts(ctx)
	if err != nil || len(drafts) != 1 {
		t.Fatalf("drafts %+v, %v", drafts, err)
	}
	draft := drafts[0]

	blob := func(a *App) common.Hash { return leftoverBlob(t, a) }
	withKey := func(a *App) common.Hash { return leftoverKeyedBlob(t, a) }
	orphanKey, orphanBlob, onChain := withKey(a), blob(a), withKey(a)
	// onChain: no record here, but bob listed its content on chain.
	listOthersContent(t, a, "bob", onChain, "http://127.0.0.1:1")
	tmp := filepath.Join(dir, "blobs", ".put-123456")
	if err := os.WriteFile(tmp, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}

	a = reopen(t, a)
	has := func(c common.Hash) (blob, key bool) {
		_, err := a.store.DatasetKey(ctx, c)
		return hasBlob(t, a, c), err == nil
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temp file of a cut upload is still there: %v", err)
	}
	for _, c := range []struct {
		name      string
		content   common.Hash
		blob, key bool
	}{
		{"blob and key with no record", orphanKey, false, false},
		{"blob alone", orphanBlob, false, false},
		{"no record, listed on chain by another account", onChain, true, true},
		{"listed dataset", listed.ContentHash, true, true},
		{"draft", draft.ContentHash, true, true},
	} {
		if b, k := has(c.content); b != c.blob || k != c.key {
			t.Errorf("%s: blob %v, key %v; want %v, %v", c.name, b, k, c.blob, c.key)
		}
	}
	var out bytes.Buffer
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), listed.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), listed.ListingID, DownloadRequest{Writer: &out}); err != nil {
		t.Fatalf("download of the listed dataset after the cleanup: %v", err)
	}

	// A crash in the cleanup, between the key and the blob.
	cleanupCrashLeavesOnlyTheBlob(t, a, draft.ContentHash)
}

// leftoverBlob stores a random blob no record names.
func leftoverBlob(t *testing.T, a *App) common.Hash {
	t.Helper()
	b := make([]byte, 1000)
	rand.Read(b)
	h, _, err := a.market.blobs.Put(t.Context(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return common.Hash(h)
}

// leftoverKeyedBlob stores a random blob with a dataset key, and no
// publish record.
func leftoverKeyedBlob(t *testing.T, a *App) common.Hash {
	t.Helper()
	c := leftoverBlob(t, a)
	if err := a.store.PutDatasetKey(t.Context(), store.DatasetKeyRecord{ContentHash: c, Wrapped: []byte{1}, Uploader: addr(t, a, "alice"), Created: a.now()}); err != nil {
		t.Fatal(err)
	}
	return c
}

// cleanupCrashLeavesOnlyTheBlob: a cleanup that crashes between the key
// and the blob of an orphan leaves the blob, which the next start removes;
// the draft stays.
func cleanupCrashLeavesOnlyTheBlob(t *testing.T, a *App, draft common.Hash) {
	t.Helper()
	ctx := t.Context()
	has := func(c common.Hash) (blob, key bool) {
		_, err := a.store.DatasetKey(ctx, c)
		return hasBlob(t, a, c), err == nil
	}
	orphan := leftoverKeyedBlob(t, a)
	crash := errors.New("crash")
	a.SetPublishHook(func(step string) error {
		if step == StepDropped {
			return crash
		}
		return nil
	})
	if err := a.cleanLeftovers(ctx); !errors.Is(err, crash) {
		t.Fatalf("cleanup with a crash: %v", err)
	}
	if b, k := has(orphan); !b || k {
		t.Fatalf("after the crash: blob %v, key %v; want the key gone first", b, k)
	}
	a = reopen(t, a)
	if b, k := has(orphan); b || k {
		t.Fatalf("after the next start: blob %v, key %v; want both gone", b, k)
	}
	if ds, _ := a.store.Drops(ctx); len(ds) != 0 {
		t.Fatalf("drop traces left: %+v", ds)
	}
	if _, err := a.store.Publish(ctx, draft); err != nil || marketplace.ErrorCode(err) != "" {
		t.Fatalf("the draft: %v", err)
	}
}

package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// TestHubAllowList_persists: approvals survive a reopen, approving again
// keeps the first time, denying removes, denying again is ENOTFOUND.
func TestHubAllowList_persists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := common.HexToAddress("0xa"), common.HexToAddress("0xb")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := s.AllowHubUploader(ctx, a, t0); err != nil {
		t.Fatal(err)
	}
	if ap, err := s.AllowHubUploader(ctx, a, t0.Add(time.Hour)); err != nil || !ap.Added.Equal(t0) {
		t.Fatalf("approving again: %+v, %v", ap, err)
	}
	s = reopenStore(t, s, path)
	for who, want := range map[common.Address]bool{a: true, b: false} {
		if ok, err := s.HubUploaderAllowed(ctx, who); err != nil || ok != want {
			t.Errorf("%s allowed: %v, %v; want %v", who.Hex(), ok, err, want)
		}
	}
	if aps, err := s.HubUploaders(ctx); err != nil || len(aps) != 1 || aps[0].Account != a {
		t.Fatalf("list: %+v, %v", aps, err)
	}
	if err := s.DenyHubUploader(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.DenyHubUploader(ctx, a); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("denying again: %v", err)
	}
	if ok, _ := s.HubUploaderAllowed(ctx, a); ok {
		t.Fatal("denied account still allowed")
	}
}

// TestDropOrphanKey: a key no publish record names is dropped with a drop
// trace; a key a record names is not (ECONFLICT).
func TestDropOrphanKey(t *testing.T) {
	ctx := context.Background()
	s := openTempStore(t)
	orphan, drafted := common.HexToHash("0x01"), common.HexToHash("0x02")
	for _, c := range []common.Hash{orphan, drafted} {
		if err := s.PutDatasetKey(ctx, DatasetKeyRecord{ContentHash: c, Wrapped: []byte{1}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutPublish(ctx, Publish{ContentHash: drafted, State: PublishPending}, nil); err != nil {
		t.Fatal(err)
	}
	if ks, err := s.DatasetKeys(ctx); err != nil || len(ks) != 2 {
		t.Fatalf("keys: %v, %v", ks, err)
	}
	if err := s.DropOrphanKey(ctx, drafted, time.Now()); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("dropping a drafted key: %v", err)
	}
	if err := s.DropOrphanKey(ctx, orphan, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DatasetKey(ctx, orphan); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("orphan key after the drop: %v", err)
	}
	if ds, err := s.Drops(ctx); err != nil || len(ds) != 1 || ds[0].ContentHash != orphan {
		t.Fatalf("drops: %+v, %v", ds, err)
	}
	if err := s.DropOrphanKey(ctx, orphan, time.Now()); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("dropping again: %v", err)
	}
}

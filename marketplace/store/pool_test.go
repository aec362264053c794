package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// TestPools_recordsSurviveAReopen: operated pools, memberships and a
// release in flight are durable; missing ones are ENOTFOUND; a finished
// release is forgotten.
func TestPools_recordsSurviveAReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	pool, patient := common.HexToAddress("0x1001"), common.HexToAddress("0xa")
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	if err := s.PutOperatedPool(ctx, OperatedPool{Contract: pool}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("a pool without its key: %v", err)
	}
	if err := s.PutOperatedPool(ctx, OperatedPool{Contract: pool, Chain: 1337, Wrapped: []byte{1}, Created: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMembership(ctx, Membership{Pool: pool, Account: patient, Hub: "http://127.0.0.1:1/", Joined: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPendingRelease(ctx, PendingRelease{Pool: pool, ContentHash: common.HexToHash("0xc"), Release: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	s = reopenStore(t, s, path)
	if p, err := s.OperatedPool(ctx, pool); err != nil || p.Chain != 1337 || !p.Created.Equal(t0) {
		t.Errorf("operated pool %+v, %v", p, err)
	}
	if ps, err := s.OperatedPools(ctx); err != nil || len(ps) != 1 {
		t.Errorf("operated pools %+v, %v", ps, err)
	}
	if m, err := s.Membership(ctx, pool, patient); err != nil || m.Hub != "http://127.0.0.1:1/" || !m.Withdrawn.IsZero() {
		t.Errorf("membership %+v, %v", m, err)
	}
	if _, err := s.Membership(ctx, pool, common.HexToAddress("0xb")); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("a stranger's membership: %v", err)
	}
	if r, err := s.PendingRelease(ctx, pool); err != nil || r.ContentHash != common.HexToHash("0xc") {
		t.Errorf("pending release %+v, %v", r, err)
	}
	if err := s.DeletePendingRelease(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PendingRelease(ctx, pool); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("a finished release is still pending: %v", err)
	}
	if err := s.DeletePendingRelease(ctx, pool); err != nil {
		t.Errorf("forgetting twice: %v", err)
	}
}

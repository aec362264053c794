package store

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// A batch of nonces is recorded in one go, each refused as UseNonce would:
// used before, repeated within the batch, expired or malformed.
func TestUseNonces_eachAsUseNonce(t *testing.T) {
	s := openTempStore(t)
	ctx := context.Background()
	now := time.Now()
	a, b := common.HexToAddress("0x01"), common.HexToAddress("0x02")
	if err := s.UseNonce(ctx, a, "old", now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	exp := now.Add(time.Minute)
	errs := s.UseNonces(ctx, []NonceUse{{a, "n1", exp}, {a, "old", exp}, {a, "n1", exp}, {b, "n1", exp}, {a, "n2", now}, {a, "", exp}}, now)
	want := []string{"", marketplace.EFORBIDDEN, marketplace.EFORBIDDEN, "", marketplace.EFORBIDDEN, marketplace.EINVALID}
	for i, w := range want {
		if marketplace.ErrorCode(errs[i]) != w {
			t.Errorf("use %d: %v, want code %q", i, errs[i], w)
		}
	}
	if err := s.UseNonce(ctx, b, "n1", exp, now); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("a nonce of the batch used again: %v", err)
	}
}

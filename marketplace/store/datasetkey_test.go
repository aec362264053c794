package store

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

func TestBuyerKey_perListingAndBuyer(t *testing.T) {
	s := openTempStore(t)
	ctx := context.Background()
	bob, carol := common.HexToAddress("0xb0b"), common.HexToAddress("0xca201")
	if err := s.PutBuyerKey(ctx, BuyerKey{ListingID: 7, Buyer: bob, Wrapped: []byte("w7")}); err != nil {
		t.Fatal(err)
	}
	if k, err := s.BuyerKey(ctx, 7, bob); err != nil || string(k.Wrapped) != "w7" {
		t.Fatalf("bob's key: %+v, %v", k, err)
	}
	for _, c := range []struct {
		id  uint64
		who common.Address
	}{{7, carol}, {70, bob}, {0, bob}} {
		if _, err := s.BuyerKey(ctx, c.id, c.who); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
			t.Fatalf("listing %d, %s: %v", c.id, c.who.Hex(), err)
		}
	}
	if err := s.PutBuyerKey(ctx, BuyerKey{ListingID: 7, Buyer: bob}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("empty key: %v", err)
	}
	if n, err := s.PrewrapBlock(ctx); n != 0 || err != nil {
		t.Fatalf("fresh cursor: %d, %v", n, err)
	}
	if err := s.SetPrewrapBlock(ctx, 42); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PrewrapBlock(ctx); n != 42 || err != nil {
		t.Fatalf("cursor: %d, %v", n, err)
	}
}

package store

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

func TestStatements_buyerAndProviderRecordsApart(t *testing.T) {
	ctx := context.Background()
	s := openTempStore(t)
	buyer := common.HexToAddress("0xb0")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := Statement{ListingID: 7, Buyer: buyer, TxHash: common.HexToHash("0x01"),
		Statements: marketplace.Statements{Disease: "asthma", Approval: "IRB-1"}, Created: now, Provider: "http://p/"}
	if err := s.PutMyStatement(ctx, st); err != nil {
		t.Fatal(err)
	}
	got, err := s.MyStatement(ctx, 7, buyer)
	if err != nil || got.Disease != "asthma" || got.Approval != "IRB-1" || got.TxHash != st.TxHash {
		t.Fatalf("MyStatement = %+v, %v", got, err)
	}
	if u, _ := s.UndeliveredStatements(ctx); len(u) != 1 {
		t.Fatalf("undelivered = %d, want 1", len(u))
	}
	st.Delivered = now
	if err := s.PutMyStatement(ctx, st); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UndeliveredStatements(ctx); len(u) != 0 {
		t.Fatalf("undelivered after delivery = %d, want 0", len(u))
	}
	// The provider's side is separate, and refuses the same buy twice.
	if l, _ := s.Statements(ctx, 7); len(l) != 0 {
		t.Fatalf("provider statements before any: %d", len(l))
	}
	if err := s.AddStatement(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := s.AddStatement(ctx, st); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("second AddStatement: %v, want ECONFLICT", err)
	}
	st2 := st
	st2.TxHash = common.HexToHash("0x02")
	if err := s.AddStatement(ctx, st2); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Statements(ctx, 7); len(l) != 2 {
		t.Fatalf("provider statements = %d, want 2", len(l))
	}
	if l, _ := s.Statements(ctx, 70); len(l) != 0 {
		t.Fatalf("listing 70 statements = %d, want 0", len(l))
	}
	if _, err := s.MyStatement(ctx, 8, buyer); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("MyStatement(8) = %v, want ENOTFOUND", err)
	}
}

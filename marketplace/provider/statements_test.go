package provider

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// stmtBackend keeps statements in memory on top of memBackend.
type stmtBackend struct {
	*memBackend
	seller    common.Address
	purchases map[common.Hash]common.Address // buy tx -> buyer
	kept      []RecordedStatement
}

func (b *stmtBackend) CheckPurchase(ctx context.Context, id uint64, buyer common.Address, tx common.Hash) error {
	if b.purchases[tx] != buyer {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "tx %s is no purchase by %s", tx.Hex(), buyer.Hex())
	}
	return nil
}
func (b *stmtBackend) Seller(ctx context.Context, id uint64) (common.Address, error) {
	return b.seller, nil
}
func (b *stmtBackend) AddStatement(ctx context.Context, s RecordedStatement) error {
	for _, k := range b.kept {
		if k.ListingID == s.ListingID && k.Buyer == s.Buyer && k.TxHash == s.TxHash {
			return marketplace.Errorf(marketplace.ECONFLICT, "already recorded")
		}
	}
	b.kept = append(b.kept, s)
	return nil
}
func (b *stmtBackend) Statements(ctx context.Context, id uint64) ([]RecordedStatement, error) {
	return b.kept, nil
}

func TestStatements_deliveredSignedAndQueriedBySeller(t *testing.T) {
	ctx := context.Background()
	s := testSigners(t, "bob", "mallory", "seller")
	bob, mallory, seller := s[0], s[1], s[2]
	dk, _ := vault.NewDatasetKey()
	node, _ := vault.LoadOrCreateNodeKey(filepath.Join(t.TempDir(), "node.key"))
	buyTx, malloryTx := common.HexToHash("0xb1"), common.HexToHash("0xb2")
	be := &stmtBackend{
		memBackend: &memBackend{key: dk, licensed: map[common.Address]bool{bob.Address(): true}, nonces: map[string]bool{}},
		seller:     seller.Address(),
		purchases:  map[common.Hash]common.Address{buyTx: bob.Address(), malloryTx: mallory.Address()},
	}
	contract := common.HexToAddress("0xc0")
	p := &Provider{ChainID: 7, Contract: contract, Key: node.PublicKey(), Backend: be}
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()
	var c Client

	stmt := Statement{ChainID: 7, Contract: contract, ListingID: 1, Buyer: bob.Address(), TxHash: buyTx,
		Statements: marketplace.Statements{Disease: "asthma\nchain: 8", Approval: "IRB-2026-17"}}
	ss, err := SignStatement(stmt, bob)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeliverStatement(ctx, srv.URL, ss); err != nil {
		t.Fatal(err)
	}
	if len(be.kept) != 1 || be.kept[0].Disease != "asthma\nchain: 8" || be.kept[0].Received.IsZero() {
		t.Fatalf("kept = %+v", be.kept)
	}
	if err := c.DeliverStatement(ctx, srv.URL, ss); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("replay: %v, want ECONFLICT", err)
	}

	refused := map[string]SignedStatement{}
	forged, _ := SignStatement(stmt, mallory) // names bob, signed by mallory
	refused["signed by another account"] = forged
	tampered := ss
	tampered.Disease = "diabetes"
	refused["statement changed after signing"] = tampered
	own := stmt
	own.Buyer, own.TxHash = mallory.Address(), malloryTx
	refused["signer holds no licence"], _ = SignStatement(own, mallory)
	other := stmt
	other.TxHash = common.HexToHash("0xb3")
	refused["not a purchase by the buyer"], _ = SignStatement(other, bob)
	chain := stmt
	chain.ChainID = 8
	refused["other chain"], _ = SignStatement(chain, bob)
	for name, s := range refused {
		if err := c.DeliverStatement(ctx, srv.URL, s); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
			t.Errorf("%s: %v, want EFORBIDDEN", name, err)
		}
	}
	if len(be.kept) != 1 {
		t.Fatalf("kept %d statements, want 1", len(be.kept))
	}

	q, err := NewStatementsQuery(7, contract, 1, seller, time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Statements(ctx, srv.URL, q)
	if err != nil || len(got) != 1 || got[0].Buyer != bob.Address() || got[0].Approval != "IRB-2026-17" {
		t.Fatalf("seller's query: %+v, %v", got, err)
	}
	if _, err := c.Statements(ctx, srv.URL, q); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("replayed query: %v, want EFORBIDDEN", err)
	}
	nq, _ := NewStatementsQuery(7, contract, 1, mallory, time.Now(), time.Minute)
	if _, err := c.Statements(ctx, srv.URL, nq); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("query by a non-seller: %v, want EFORBIDDEN", err)
	}
}

package catalog

import (
	"context"
	"log/slog"
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// TestIndexer_onTheEmbeddedChain runs the publisher's path on the node's real default chain:
// list, index the receipt at once, buy, let the indexer catch up, re-index, compare.
func TestIndexer_onTheEmbeddedChain(t *testing.T) {
	ctx := context.Background()
	b := chaintest.Embedded(t)
	c := b.Chain
	seller := b.NewAccount(t, ether)
	buyer := b.NewAccount(t, ether)
	addr, tx, err := bind.DeployContract(seller, common.FromHex(contracts.DataLicenseMarketMetaData.Bin), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	dr, err := c.WaitMined(ctx, tx.Hash())
	if err != nil {
		t.Fatal(err)
	}
	bound := market.Instance(c, addr)
	cards := &MemCards{}
	cat := openCatalog(t)
	ix, err := New(Config{Chain: c, Market: addr, Catalog: cat, Cards: cards, FromBlock: dr.BlockNumber.Uint64(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	send := func(from *bind.TransactOpts, data []byte, value *big.Int) (r *types.Receipt) {
		t.Helper()
		o := *from
		o.Value = value
		tx, err := bind.Transact(bound, &o, data)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = c.WaitMined(ctx, tx.Hash()); err != nil {
			t.Fatal(err)
		}
		return r
	}

	card := testCard("Embedded chain cohort", "embedded")
	h := cards.Put(mustEncode(t, card))
	blob := crypto.Keccak256Hash([]byte("blob"))
	salt := contracts.NewSalt()
	send(seller, market.PackCommit(contracts.Commitment(seller.From, blob, salt)), nil)
	r := send(seller, market.PackList(blob, salt, milliEther(3), marketplace.Terms{Use: marketplace.HMB, DurationDays: 365, Seats: 1}.Pack(), h, testProvider), nil)
	if err := ix.IndexTx(ctx, r); err != nil {
		t.Fatal(err)
	}
	got := search(t, cat, marketplace.CatalogFilter{Query: "embedded"})
	if len(got) != 1 {
		t.Fatalf("listing not in the catalog right after IndexTx: %v", got)
	}
	l, _ := cat.Listing(ctx, got[0])
	if l.ListedAt.Unix() <= 0 || l.CardStatus != marketplace.CardVerified {
		t.Errorf("listing from receipt: %+v", l)
	}
	send(buyer, market.PackBuy(new(big.Int).SetUint64(l.ID)), milliEther(3))
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if l, _ := cat.Listing(ctx, l.ID); l.Sales != 1 {
		t.Errorf("sales = %d, want 1", l.Sales)
	}
	d := digest(t, cat)
	if _, err := ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if digest(t, cat) != d {
		t.Errorf("re-index differs from the catalog built with IndexTx")
	}
	if ids := search(t, cat, marketplace.CatalogFilter{Query: "cohort"}); !slices.Equal(ids, got) {
		t.Errorf("after re-index: %v", ids)
	}
}

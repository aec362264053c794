package catalog

import (
	"context"
	"crypto/ecdsa"
	"log/slog"
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/store"
)

// seller is an account with its key, to send listings and sign cards.
type seller struct {
	key  *ecdsa.PrivateKey
	opts *bind.TransactOpts
}

func newSeller(t *testing.T, b chaintest.Backend) seller {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s := seller{key: key, opts: bind.NewKeyedTransactor(key, big.NewInt(chain.EmbeddedChainID))}
	b.Fund(t, s.opts.From, ether)
	return s
}

// signed returns c signed by s for the content hash, encoded.
func (s seller) signed(t *testing.T, c marketplace.DatasetCard, market common.Address, content common.Hash) []byte {
	t.Helper()
	c.Signature = nil
	h, err := c.UnsignedHash()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := crypto.Sign(accounts.TextHash(marketplace.CardSignatureMessage(chain.EmbeddedChainID, market, content, h)), s.key)
	if err != nil {
		t.Fatal(err)
	}
	sig[crypto.RecoveryIDOffset] += 27
	c.Signature = sig
	return mustEncode(t, &c)
}

// commit commits s's listing of content on the chain (a block of its own) and returns the salt.
func commit(t *testing.T, c chain.Chain, addr common.Address, s seller, content common.Hash) common.Hash {
	t.Helper()
	salt := contracts.NewSalt()
	if _, err := chain.Transact(context.Background(), c, s.opts, &addr, nil, market.PackCommit(contracts.Commitment(s.opts.From, content, salt))); err != nil {
		t.Fatal(err)
	}
	return salt
}

// vetEnv is an embedded chain with the market deployed by alice, a second
// funded seller (mallory) and an indexer over a fresh catalog, from the
// deployment block on.
type vetEnv struct {
	c              chain.Chain
	addr           common.Address
	alice, mallory seller
	cards          *MemCards
	cat            *store.Catalog
	ix             *Indexer
}

func newVetEnv(t *testing.T) *vetEnv {
	t.Helper()
	ctx := context.Background()
	b := chaintest.Embedded(t)
	v := &vetEnv{c: b.Chain, alice: newSeller(t, b), mallory: newSeller(t, b), cards: &MemCards{}, cat: openCatalog(t)}
	addr, tx, err := bind.DeployContract(v.alice.opts, common.FromHex(contracts.DataLicenseMarketMetaData.Bin), v.c, nil)
	if err != nil {
		t.Fatal(err)
	}
	dr, err := v.c.WaitMined(ctx, tx.Hash())
	if err != nil {
		t.Fatal(err)
	}
	v.addr = addr
	v.ix, err = New(Config{Chain: v.c, Market: addr, ChainID: chain.EmbeddedChainID, Catalog: v.cat, Cards: v.cards,
		FromBlock: dr.BlockNumber.Uint64(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// list lists content (committed with salt) as s for price under HMB terms
// with card hash meta, and indexes the receipt at once, as the node that
// sent it does; it returns the receipt and the Listed event.
func (v *vetEnv) list(t *testing.T, s seller, content, salt, meta common.Hash, price *big.Int) (*types.Receipt, *contracts.DataLicenseMarketListed) {
	t.Helper()
	ctx := context.Background()
	r, err := chain.Transact(ctx, v.c, s.opts, &v.addr, nil, market.PackList(content, salt, price, marketplace.Terms{Use: marketplace.HMB}.Pack(), meta, testProvider))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.ix.IndexTx(ctx, r); err != nil {
		t.Fatal(err)
	}
	ev, err := market.UnpackListedEvent(r.Logs[0])
	if err != nil {
		t.Fatal(err)
	}
	return r, ev
}

// TestIndexer_hidesCloneListings, on the embedded chain with two sellers:
// alice's listing is shown; mallory's listings of alice's content hash are
// flagged, whether they name alice's card (signed by alice, not by the
// listing's seller) or a card mallory signed herself (a copy of a dataset
// listed first by another seller), and whether the card is found at once
// or later (RetryCards); an unsigned card is flagged; alice relisting her
// own dataset is shown; re-indexing decides the same.
func TestIndexer_hidesCloneListings(t *testing.T) {
	ctx := context.Background()
	v := newVetEnv(t)
	c, addr, alice, mallory, cards, cat, ix := v.c, v.addr, v.alice, v.mallory, v.cards, v.cat, v.ix
	list := func(s seller, content, meta common.Hash, price int64) uint64 {
		t.Helper()
		_, ev := v.list(t, s, content, commit(t, c, addr, s, content), meta, milliEther(price))
		return ev.Id.Uint64()
	}
	status := func(id uint64) marketplace.CardStatus {
		t.Helper()
		l, err := cat.Listing(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return l.CardStatus
	}

	content := crypto.Keccak256Hash([]byte("alice's blob"))
	card := *testCard("Alice's cohort", "cohort")
	aliceCard := cards.Put(alice.signed(t, card, addr, content))
	orig := list(alice, content, aliceCard, 5)
	naive := list(mallory, content, aliceCard, 0)
	ownCard := cards.Put(mallory.signed(t, card, addr, content))
	determined := list(mallory, content, ownCard, 0)
	// A copy whose card shows up only later, settled by RetryCards.
	card.Title = "Alice's cohort, cheaper"
	laterCard := mallory.signed(t, card, addr, content)
	later := list(mallory, content, marketplace.CardHash(laterCard), 0)
	cards.Put(laterCard)
	if _, err := ix.RetryCards(ctx); err != nil {
		t.Fatal(err)
	}
	// An unsigned card, of a dataset of its own.
	card.Title = "Unsigned"
	unsigned := list(mallory, crypto.Keccak256Hash([]byte("mallory's blob")), cards.Put(mustEncode(t, &card)), 1)
	// A card signed for another content hash than the one listed.
	other := crypto.Keccak256Hash([]byte("mallory's other blob"))
	card.Title = "Signed for another dataset"
	wrongContent := list(mallory, other, cards.Put(mallory.signed(t, card, addr, content)), 1)
	relist := list(alice, content, aliceCard, 4)

	for id, want := range map[uint64]marketplace.CardStatus{
		orig: marketplace.CardVerified, naive: marketplace.CardMismatch, determined: marketplace.CardMismatch,
		later: marketplace.CardMismatch, unsigned: marketplace.CardMismatch, wrongContent: marketplace.CardMismatch,
		relist: marketplace.CardVerified,
	} {
		if got := status(id); got != want {
			t.Errorf("listing %d: card %s, want %s", id, got, want)
		}
	}
	if ids := search(t, cat, marketplace.CatalogFilter{Query: "cohort"}); !slices.Equal(ids, []uint64{relist, orig}) {
		t.Errorf("search shows %v, want alice's listings %v only", ids, []uint64{relist, orig})
	}
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	d := digest(t, cat)
	if _, err := ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if digest(t, cat) != d {
		t.Error("re-index decides otherwise than the incremental index")
	}
}

// TestIndexer_frontRunnerLosesToTheEarlierCommit, on the embedded chain (one transaction per
// block): alice commits to her dataset at block N; mallory, having seen alice's pending list
// transaction, commits to its content hash at N+2 and gets her copy listed at N+3, before
// alice's listing at N+4. The first-lister rule goes by commit block: alice's listing is shown,
// mallory's hidden, whether the node indexed mallory's copy (and showed it) before alice's
// listing was mined, or indexes both at once; re-indexing builds the same catalog.
func TestIndexer_frontRunnerLosesToTheEarlierCommit(t *testing.T) {
	ctx := context.Background()
	v := newVetEnv(t)
	c, addr, alice, mallory, cards, cat, ix := v.c, v.addr, v.alice, v.mallory, v.cards, v.cat, v.ix
	head := func() uint64 {
		t.Helper()
		n, err := c.BlockNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	list := func(s seller, content, salt, meta common.Hash) (id, block, commitBlock uint64) {
		t.Helper()
		r, ev := v.list(t, s, content, salt, meta, milliEther(5))
		return ev.Id.Uint64(), r.BlockNumber.Uint64(), ev.CommitBlock.Uint64()
	}

	content := crypto.Keccak256Hash([]byte("alice's blob"))
	card := *testCard("Alice's cohort", "cohort")
	aliceCard := cards.Put(alice.signed(t, card, addr, content))
	aliceSalt := commit(t, c, addr, alice, content)
	n := head()
	commit(t, c, addr, alice, crypto.Keccak256Hash([]byte("another dataset of alice's"))) // N+1
	// Mallory re-signs alice's card as hers, behind her own provider.
	malloryCard := cards.Put(mallory.signed(t, card, addr, content))
	mallorySalt := commit(t, c, addr, mallory, content) // N+2
	copyID, copyBlock, copyCommit := list(mallory, content, mallorySalt, malloryCard)
	if ids := search(t, cat, marketplace.CatalogFilter{Query: "cohort"}); !slices.Equal(ids, []uint64{copyID}) {
		t.Fatalf("before alice's listing is mined, search shows %v, want mallory's %d (nothing to tell it from)", ids, copyID)
	}
	origID, origBlock, origCommit := list(alice, content, aliceSalt, aliceCard)
	if origCommit != n || copyCommit != n+2 || copyBlock != n+3 || origBlock != n+4 {
		t.Fatalf("blocks: alice commits %d lists %d, mallory commits %d lists %d; want %d, %d, %d, %d",
			origCommit, origBlock, copyCommit, copyBlock, n, n+4, n+2, n+3)
	}

	wantShown := func(when string) {
		t.Helper()
		for id, want := range map[uint64]marketplace.CardStatus{origID: marketplace.CardVerified, copyID: marketplace.CardMismatch} {
			l, err := cat.Listing(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if l.CardStatus != want {
				t.Errorf("%s: listing %d: card %s, want %s", when, id, l.CardStatus, want)
			}
		}
		if ids := search(t, cat, marketplace.CatalogFilter{Query: "cohort"}); !slices.Equal(ids, []uint64{origID}) {
			t.Errorf("%s: search shows %v, want alice's listing %d only", when, ids, origID)
		}
	}
	wantShown("copy indexed first")
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	wantShown("sync")
	d := digest(t, cat)
	if _, err := ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	wantShown("re-index")
	if digest(t, cat) != d {
		t.Error("re-index builds another catalog than indexing the copy first")
	}
}

package catalog

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/store"
)

var ether = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

func milliEther(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e15)) }

// simMarket is a simulated chain with the market deployed and funded accounts.
type simMarket struct {
	t           testing.TB
	sim         *simulated.Backend
	client      simulated.Client
	addr        common.Address
	deployBlock uint64
	bound       *bind.BoundContract
	seller      *bind.TransactOpts
	buyer       *bind.TransactOpts
	buyer2      *bind.TransactOpts
	cards       *MemCards
}

// market is the binding the tests pack their transactions with (the indexer keeps its own).
var market = contracts.NewDataLicenseMarket()

func newSimMarket(t testing.TB, extraAccounts int) *simMarket {
	t.Helper()
	keys := chaintest.NewKeys(t, 3+extraAccounts)
	m := &simMarket{t: t, cards: &MemCards{}}
	m.sim = chaintest.NewSimulated(t, new(big.Int).Mul(big.NewInt(1000), ether), chaintest.Addresses(keys)...)
	m.client = m.sim.Client()
	chainID := chaintest.ChainID(t, m.client)
	opts := func(k *ecdsa.PrivateKey) *bind.TransactOpts { return bind.NewKeyedTransactor(k, chainID) }
	m.seller, m.buyer, m.buyer2 = opts(keys[0]), opts(keys[1]), opts(keys[2])
	addr, tx, err := bind.DeployContract(m.seller, common.FromHex(contracts.DataLicenseMarketMetaData.Bin), m.client, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.sim.Commit()
	r := m.receipt(tx)
	m.addr, m.deployBlock = addr, r.BlockNumber.Uint64()
	m.bound = market.Instance(m.client, addr)
	return m
}

func (m *simMarket) receipt(tx *types.Transaction) *types.Receipt {
	m.t.Helper()
	r, err := m.client.TransactionReceipt(context.Background(), tx.Hash())
	if err != nil {
		m.t.Fatal(err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		m.t.Fatalf("transaction %s failed", tx.Hash())
	}
	return r
}

// send transacts and mines one block.
func (m *simMarket) send(from *bind.TransactOpts, data []byte, value *big.Int) *types.Receipt {
	m.t.Helper()
	o := *from
	o.Value = value
	tx, err := bind.Transact(m.bound, &o, data)
	if err != nil {
		m.t.Fatalf("transact: %v", contracts.DecodeRevert(err))
	}
	m.sim.Commit()
	return m.receipt(tx)
}

// commit commits from's listing of content with a fresh salt and returns the salt. It mines
// one more block after the commit: the simulated chain estimates gas at the latest block, and
// list must run in a later block than its commit.
func (m *simMarket) commit(from *bind.TransactOpts, content common.Hash) common.Hash {
	m.t.Helper()
	salt := contracts.NewSalt()
	m.send(from, market.PackCommit(contracts.Commitment(from.From, content, salt)), nil)
	m.sim.Commit()
	return salt
}

// card returns a dataset card numbered n.
func testCard(title string, tags ...string) *marketplace.DatasetCard {
	return &marketplace.DatasetCard{Version: marketplace.CardVersion, Title: title, Description: "Test dataset: " + title,
		Tags: tags, Publisher: "Test Clinic",
		Columns: []marketplace.CardColumn{{Name: "age_band", Type: "string", Role: "quasi-identifier"}, {Name: "hba1c", Type: "decimal", Role: "sensitive"}},
		Rows:    100, DataTypes: []string{"observations"}, Format: "csv"}
}

// list lists a dataset with card c, published to the card source unless hidden, and returns
// the receipt and listing id.
func (m *simMarket) list(c *marketplace.DatasetCard, price *big.Int, terms marketplace.Terms, publish bool) (*types.Receipt, uint64) {
	m.t.Helper()
	enc, err := c.Encode()
	if err != nil {
		m.t.Fatal(err)
	}
	h := marketplace.CardHash(enc)
	if publish {
		m.cards.Put(enc)
	}
	content := crypto.Keccak256Hash([]byte(c.Title))
	r := m.send(m.seller, market.PackList(content, m.commit(m.seller, content), price, terms.Pack(), h, testProvider), nil)
	evs, err := newDecoder().decode(m.addr, derefLogs(r.Logs))
	if err != nil || len(evs) != 1 {
		m.t.Fatalf("list receipt: %v %v", evs, err)
	}
	return r, evs[0].ListingID
}

func derefLogs(ls []*types.Log) []types.Log {
	out := make([]types.Log, len(ls))
	for i, l := range ls {
		out[i] = *l
	}
	return out
}

func (m *simMarket) buy(from *bind.TransactOpts, id uint64, price *big.Int) *types.Receipt {
	return m.send(from, market.PackBuy(new(big.Int).SetUint64(id)), price)
}

func openCatalog(t testing.TB) *store.Catalog {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	c, err := s.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (m *simMarket) indexer(t testing.TB, c *store.Catalog, cards CardSource) *Indexer {
	t.Helper()
	ix, err := New(Config{Chain: m.client, Market: m.addr, Catalog: c, Cards: cards, FromBlock: m.deployBlock, ChunkSize: 4,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func digest(t testing.TB, c *store.Catalog) [32]byte {
	t.Helper()
	d, err := c.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func search(t testing.TB, c *store.Catalog, f marketplace.CatalogFilter) []uint64 {
	t.Helper()
	ls, _, err := c.SearchCatalog(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	ids := []uint64{}
	for _, l := range ls {
		ids = append(ids, l.ID)
	}
	return ids
}

// TestIndexer_buildsTheCatalogFromChainEvents lists, buys, reprices and delists on a simulated
// chain and checks the catalog the indexer builds: listings joined with their verified cards,
// sales counted, prices and delistings applied, a missing card pending and a wrong one flagged.
func TestIndexer_buildsTheCatalogFromChainEvents(t *testing.T) {
	ctx := context.Background()
	m := newSimMarket(t, 0)
	terms := marketplace.Terms{Use: marketplace.HMB | marketplace.NCU, DurationDays: 30, Seats: 2}
	_, diabetes := m.list(testCard("Diabetes cohort", "diabetes"), milliEther(10), terms, true)
	_, asthma := m.list(testCard("Asthma registry", "asthma"), milliEther(20), marketplace.Terms{Use: marketplace.GRU}, true)
	_, hidden := m.list(testCard("Card not served yet", "later"), milliEther(5), terms, false)
	// A card whose bytes the source serves under the listed hash, but which hash to something else.
	wrong := testCard("Tampered card", "tampered")
	_, tampered := m.list(wrong, milliEther(5), terms, true)
	enc, _ := wrong.Encode()
	l, _ := wrong.Hash()
	m.cards.PutAs(l, append(enc, ' '))

	m.buy(m.buyer, diabetes, milliEther(10))
	m.buy(m.buyer2, diabetes, milliEther(10))
	m.send(m.seller, market.PackSetPrice(new(big.Int).SetUint64(asthma), milliEther(30)), nil)
	m.buy(m.buyer, asthma, milliEther(30))
	m.send(m.seller, market.PackDelist(new(big.Int).SetUint64(asthma)), nil)

	c := openCatalog(t)
	ix := m.indexer(t, c, m.cards)
	next, err := ix.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := m.client.BlockNumber(ctx)
	if next != head+1 {
		t.Errorf("Sync returned next %d, head is %d", next, head)
	}

	wantIndexedListings(t, c, m.seller.From, terms, diabetes, asthma, hidden, tampered)
	if ids := search(t, c, marketplace.CatalogFilter{}); !slices.Equal(ids, []uint64{diabetes}) {
		t.Errorf("catalog shows %v, want only the verified active listing %d", ids, diabetes)
	}
	if ids := search(t, c, marketplace.CatalogFilter{Query: "asthma", IncludeDelisted: true}); !slices.Equal(ids, []uint64{asthma}) {
		t.Errorf("delisted search = %v", ids)
	}

	// The missing card turns up: RetryCards settles it.
	m.cards.Put(mustEncode(t, testCard("Card not served yet", "later")))
	if n, err := ix.RetryCards(ctx); err != nil || n != 1 {
		t.Fatalf("RetryCards = %d, %v", n, err)
	}
	if ids := search(t, c, marketplace.CatalogFilter{Query: "later"}); !slices.Equal(ids, []uint64{hidden}) {
		t.Errorf("after retry: %v", ids)
	}
}

// wantIndexedListings checks the listings of TestIndexer_buildsTheCatalogFromChainEvents as
// indexed: diabetes verified, bought twice, with its position; asthma repriced, bought once and
// delisted; hidden's card pending; tampered's card flagged.
func wantIndexedListings(t *testing.T, c *store.Catalog, seller common.Address, terms marketplace.Terms, diabetes, asthma, hidden, tampered uint64) {
	t.Helper()
	ctx := context.Background()
	got, err := c.Listing(ctx, diabetes)
	if err != nil {
		t.Fatal(err)
	}
	if got.CardStatus != marketplace.CardVerified || got.Card.Title != "Diabetes cohort" || got.Sales != 2 ||
		got.Price.Cmp(milliEther(10)) != 0 || got.Terms != terms || !got.Active || got.Seller != seller {
		t.Errorf("diabetes listing = %+v", got)
	}
	if got.ListedAt.IsZero() || got.ListedAt.Unix() == 0 || got.TxHash == (common.Hash{}) || got.Block == 0 {
		t.Errorf("listing position not recorded: block %d, time %v, tx %s", got.Block, got.ListedAt, got.TxHash)
	}
	got, _ = c.Listing(ctx, asthma)
	if got.Active || got.Sales != 1 || got.Price.Cmp(milliEther(30)) != 0 {
		t.Errorf("asthma listing = %+v", got)
	}
	if got, _ := c.Listing(ctx, hidden); got.CardStatus != marketplace.CardPending {
		t.Errorf("unserved card: status %q, want pending", got.CardStatus)
	}
	if got, _ := c.Listing(ctx, tampered); got.CardStatus != marketplace.CardMismatch || got.Card != nil {
		t.Errorf("tampered card: status %q, want mismatch", got.CardStatus)
	}
}

func mustEncode(t testing.TB, c *marketplace.DatasetCard) []byte {
	t.Helper()
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReindex_equalsIncrementalIndex indexes a chain as it grows, a few blocks at a time, then
// drops the catalog and re-indexes from the deployment block; a second node indexes it all at
// once. All three catalogs are identical, and syncing again changes nothing.
func TestReindex_equalsIncrementalIndex(t *testing.T) {
	ctx := context.Background()
	m := newSimMarket(t, 0)
	c := openCatalog(t)
	ix := m.indexer(t, c, m.cards)
	var ids []uint64
	for i := 0; i < 12; i++ {
		_, id := m.list(testCard(fmt.Sprintf("Dataset %d", i), "bulk"), milliEther(int64(1+i%4)), marketplace.Terms{Use: marketplace.HMB}, true)
		ids = append(ids, id)
		switch i % 4 {
		case 1:
			m.buy(m.buyer, ids[i-1], milliEther(1))
		case 2:
			m.send(m.seller, market.PackSetPrice(new(big.Int).SetUint64(id), milliEther(7)), nil)
		case 3:
			m.send(m.seller, market.PackDelist(new(big.Int).SetUint64(ids[i-1])), nil)
		}
		if i%3 == 0 {
			if _, err := ix.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	incremental := digest(t, c)
	before := search(t, c, marketplace.CatalogFilter{IncludeDelisted: true, Sort: marketplace.SortPriceAsc, Limit: 100})
	if len(before) != 12 {
		t.Fatalf("incremental catalog has %d listings, want 12", len(before))
	}

	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if digest(t, c) != incremental {
		t.Errorf("syncing again changed the catalog")
	}

	if _, err := ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if digest(t, c) != incremental {
		t.Errorf("re-indexed catalog differs from the incremental one")
	}
	after := search(t, c, marketplace.CatalogFilter{IncludeDelisted: true, Sort: marketplace.SortPriceAsc, Limit: 100})
	if !slices.Equal(before, after) {
		t.Errorf("search after reindex = %v, before %v", after, before)
	}

	other := openCatalog(t)
	if _, err := m.indexer(t, other, m.cards).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if digest(t, other) != incremental {
		t.Errorf("another node's catalog differs")
	}

	// Re-applying an already indexed range through the store changes nothing either.
	logs, err := m.client.FilterLogs(ctx, filterAll(m))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := ix.prepare(ctx, logs)
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := c.CatalogCursor(ctx)
	if err := c.ApplyBlocks(ctx, m.deployBlock, cur-1, evs); err != nil {
		t.Fatal(err)
	}
	if digest(t, c) != incremental {
		t.Errorf("re-applying the indexed range changed the catalog")
	}
}

// TestIndexTx_showsOwnListingAtOnceAndIndexerSkipsIt: the publisher indexes its listing from the
// receipt before the indexer has seen the block; the indexer then passes over it without
// applying it twice, and the catalog equals a plain re-index.
func TestIndexTx_showsOwnListingAtOnceAndIndexerSkipsIt(t *testing.T) {
	ctx := context.Background()
	m := newSimMarket(t, 0)
	c := openCatalog(t)
	ix := m.indexer(t, c, m.cards)
	m.list(testCard("Earlier", "x"), milliEther(1), marketplace.Terms{Use: marketplace.GRU}, true)
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	m.list(testCard("Not yet indexed", "x"), milliEther(1), marketplace.Terms{Use: marketplace.GRU}, true)

	r, id := m.list(testCard("Fresh from the publisher", "fresh"), milliEther(2), marketplace.Terms{Use: marketplace.HMB}, true)
	if err := ix.IndexTx(ctx, r); err != nil {
		t.Fatal(err)
	}
	if ids := search(t, c, marketplace.CatalogFilter{Query: "fresh"}); !slices.Equal(ids, []uint64{id}) {
		t.Fatalf("own listing not searchable right after IndexTx: %v", ids)
	}
	// Its own purchase receipt too (a buyer's node), applied once even if indexed twice.
	br := m.buy(m.buyer, id, milliEther(2))
	for range 2 {
		if err := ix.IndexTx(ctx, br); err != nil {
			t.Fatal(err)
		}
	}
	if l, _ := c.Listing(ctx, id); l.Sales != 1 {
		t.Errorf("sales after IndexTx of the purchase = %d, want 1", l.Sales)
	}
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if l, _ := c.Listing(ctx, id); l.Sales != 1 {
		t.Errorf("sales after the indexer caught up = %d, want 1", l.Sales)
	}
	if ids := search(t, c, marketplace.CatalogFilter{Query: "indexed"}); len(ids) != 1 {
		t.Errorf("the listing between the cursor and IndexTx's block is missing: %v", ids)
	}
	got := digest(t, c)
	if _, err := ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if digest(t, c) != got {
		t.Errorf("catalog built with IndexTx differs from a re-index")
	}
	// A failed transaction's receipt changes nothing.
	if err := ix.IndexTx(ctx, &types.Receipt{Status: types.ReceiptStatusFailed}); err != nil {
		t.Errorf("failed receipt: %v", err)
	}
}

// TestSync_leavesUnconfirmedBlocks: with a confirmation depth of 3, the newest three blocks are
// not indexed until more blocks bury them.
func TestSync_leavesUnconfirmedBlocks(t *testing.T) {
	ctx := context.Background()
	m := newSimMarket(t, 0)
	c := openCatalog(t)
	ix, err := New(Config{Chain: m.client, Market: m.addr, Catalog: c, Cards: m.cards, FromBlock: m.deployBlock, Confirmations: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, id := m.list(testCard("Deep enough later", "x"), milliEther(1), marketplace.Terms{Use: marketplace.GRU}, true)
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Listing(ctx, id); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("unconfirmed listing indexed: %v", err)
	}
	for range 3 {
		m.sim.Commit()
	}
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Listing(ctx, id); err != nil {
		t.Errorf("confirmed listing not indexed: %v", err)
	}
}

func TestNew_namesMissingConfig(t *testing.T) {
	for _, tt := range []struct {
		cfg   Config
		field string
	}{
		{Config{}, "chain"},
	} {
		if _, err := New(tt.cfg); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("New(%+v) = %v, want EINVALID naming %s", tt.cfg, err, tt.field)
		}
	}
}

func filterAll(m *simMarket) ethereum.FilterQuery {
	return ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(m.deployBlock), Addresses: []common.Address{m.addr}, Topics: Topics()}
}

// TestRun_followsHeads: Run indexes what is there, then each new head, until cancelled.
func TestRun_followsHeads(t *testing.T) {
	m := newSimMarket(t, 0)
	c := openCatalog(t)
	ix := m.indexer(t, c, m.cards)
	ix.cfg.PollInterval = time.Hour // only heads wake it
	_, first := m.list(testCard("Before Run", "x"), milliEther(1), marketplace.Terms{Use: marketplace.GRU}, true)
	ctx, cancel := context.WithCancel(context.Background())
	heads := make(chan uint64)
	done := make(chan error, 1)
	go func() { done <- ix.Run(ctx, heads) }()
	r, second := m.list(testCard("After Run", "x"), milliEther(1), marketplace.Terms{Use: marketplace.GRU}, true)
	heads <- r.BlockNumber.Uint64()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, e1 := c.Listing(context.Background(), first)
		_, e2 := c.Listing(context.Background(), second)
		if e1 == nil && e2 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run did not index: %v, %v", e1, e2)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}

// testProvider is the provider URL test listings carry.
const testProvider = "http://127.0.0.1:8080/"

package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// closeStore closes s, failing the test if the close fails.
func closeStore(tb testing.TB, s *Store) {
	tb.Helper()
	if err := s.Close(); err != nil {
		tb.Error(err)
	}
}

// openTempStore opens a store in a fresh temporary directory, closed when
// the test ends.
func openTempStore(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(filepath.Join(tb.TempDir(), "db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { closeStore(tb, s) })
	return s
}

func openCatalog(t testing.TB) (*Store, *Catalog, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The tests that reopen the store have closed it already.
		if err := s.Close(); err != nil && !errors.Is(err, buntdb.ErrDatabaseClosed) {
			t.Error(err)
		}
	})
	c, err := s.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	return s, c, path
}

// reopenStore closes s and opens the store at path again (closed when the
// test ends), as a node restarting does.
func reopenStore(t testing.TB, s *Store, path string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore(t, s2) })
	return s2
}

// reopen is reopenStore with the reopened store's catalog.
func reopen(t testing.TB, s *Store, path string) (*Store, *Catalog) {
	t.Helper()
	s2 := reopenStore(t, s, path)
	c2, err := s2.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	return s2, c2
}

// fixture builds a small hand-made catalog whose search results are easy to state.
type fixture struct {
	c        *Catalog
	listings map[uint64]*marketplace.Listing
}

var (
	alice = common.HexToAddress("0xa11ce")
	bob   = common.HexToAddress("0xb0b")
	milli = big.NewInt(1e15)
)

func card(title, desc string, tags, cols []string, rows uint64, types []string, publisher string) *marketplace.DatasetCard {
	var cc []marketplace.CardColumn
	for _, n := range cols {
		cc = append(cc, marketplace.CardColumn{Name: n, Type: "string", Role: "insensitive"})
	}
	return &marketplace.DatasetCard{Version: 1, Title: title, Description: desc, Tags: tags, Publisher: publisher,
		Columns: cc, Rows: rows, DataTypes: types, Format: "csv"}
}

func listing(id uint64, seller common.Address, priceMilli int64, use marketplace.DUO, c *marketplace.DatasetCard) *marketplace.Listing {
	h, _ := c.Hash()
	return &marketplace.Listing{ID: id, Seller: seller, ContentHash: common.BigToHash(big.NewInt(int64(id) + 1000)),
		Price: new(big.Int).Mul(big.NewInt(priceMilli), milli), Terms: marketplace.Terms{Use: use, DurationDays: 365, Seats: 1},
		MetadataHash: h, Provider: "http://127.0.0.1:8080/", Block: 10 * id, TxHash: common.BigToHash(big.NewInt(int64(id))), ListedAt: time.Unix(int64(1e9+id), 0).UTC(),
		Active: true, Card: c, CardStatus: marketplace.CardVerified}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	_, c, _ := openCatalog(t)
	ls := []*marketplace.Listing{
		listing(1, alice, 10, marketplace.HMB, card("Diabetes outcomes Massachusetts", "HbA1c and insulin use over five years.",
			[]string{"diabetes", "synthea"}, []string{"age", "hba1c", "insulin_dose"}, 1200, []string{"patients", "observations"}, "Riverside Group")),
		listing(2, alice, 50, marketplace.HMB|marketplace.NCU, card("Asthma in children", "Spirometry for pediatric asthma; some patients have diabetes.",
			[]string{"asthma", "pediatric"}, []string{"age", "fev1"}, 300, []string{"patients", "observations", "conditions"}, "Riverside Group")),
		listing(3, bob, 5, marketplace.GRU, card("Hypertension registry", "Blood pressure readings.",
			[]string{"hypertension", "cardiology"}, []string{"systolic", "diastolic"}, 50000, []string{"observations"}, "Lakeside Hospital")),
		listing(4, bob, 20, marketplace.HMB|marketplace.IRB, card("Type 2 diabetic cohort", "Metformin and statins.",
			[]string{"cardiology"}, []string{"diabetes_type", "metformin"}, 8000, []string{"medications", "conditions"}, "lakeside hospital")),
		listing(5, alice, 20, marketplace.DS|marketplace.IRB, card("COPD readmissions", "Readmission within 30 days.",
			[]string{"copd"}, []string{"readmitted_30d"}, 900, []string{"encounters"}, "")),
	}
	var evs []marketplace.ListingEvent
	f := &fixture{c: c, listings: map[uint64]*marketplace.Listing{}}
	for _, l := range ls {
		f.listings[l.ID] = l
		evs = append(evs, listedEvent(l))
	}
	// Sales: 3 sells twice, 1 once; 5 is delisted; 2's price goes up to 60.
	evs = append(evs,
		marketplace.ListingEvent{Kind: marketplace.EventPurchased, ListingID: 3, Block: 60, Price: big.NewInt(5)},
		marketplace.ListingEvent{Kind: marketplace.EventPurchased, ListingID: 3, Block: 61, Price: big.NewInt(5)},
		marketplace.ListingEvent{Kind: marketplace.EventPurchased, ListingID: 1, Block: 62, Price: big.NewInt(5)},
		marketplace.ListingEvent{Kind: marketplace.EventDelisted, ListingID: 5, Block: 63},
		marketplace.ListingEvent{Kind: marketplace.EventPriceChanged, ListingID: 2, Block: 64, Price: new(big.Int).Mul(big.NewInt(60), milli)},
	)
	if err := c.ApplyBlocks(context.Background(), 0, 70, evs); err != nil {
		t.Fatal(err)
	}
	return f
}

func ids(ls []*marketplace.Listing) []uint64 {
	out := []uint64{}
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

func TestSearchCatalog_filtersSortsAndPages(t *testing.T) {
	f := newFixture(t)
	pm := func(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), milli) }
	tests := []struct {
		name   string
		filter marketplace.CatalogFilter
		want   []uint64
		total  int
	}{
		{"all active, newest first", marketplace.CatalogFilter{}, []uint64{4, 3, 2, 1}, 4},
		{"include delisted", marketplace.CatalogFilter{IncludeDelisted: true}, []uint64{5, 4, 3, 2, 1}, 5},
		{"price ascending", marketplace.CatalogFilter{Sort: marketplace.SortPriceAsc}, []uint64{3, 1, 4, 2}, 4},
		{"price descending", marketplace.CatalogFilter{Sort: marketplace.SortPriceDesc}, []uint64{2, 4, 1, 3}, 4},
		{"sales", marketplace.CatalogFilter{Sort: marketplace.SortSales}, []uint64{3, 1, 4, 2}, 4},
		{"price range", marketplace.CatalogFilter{PriceMin: pm(10), PriceMax: pm(20), Sort: marketplace.SortPriceAsc}, []uint64{1, 4}, 2},
		{"price range descending", marketplace.CatalogFilter{PriceMin: pm(10), PriceMax: pm(20), Sort: marketplace.SortPriceDesc}, []uint64{4, 1}, 2},
		{"price max only", marketplace.CatalogFilter{PriceMax: pm(10)}, []uint64{3, 1}, 2},
		{"duo HMB", marketplace.CatalogFilter{Terms: marketplace.HMB}, []uint64{4, 2, 1}, 3},
		{"duo HMB+IRB", marketplace.CatalogFilter{Terms: marketplace.HMB | marketplace.IRB}, []uint64{4}, 1},
		{"rows", marketplace.CatalogFilter{RowsMin: 1200}, []uint64{4, 3, 1}, 3},
		{"data types all required", marketplace.CatalogFilter{DataTypes: []string{"patients", "conditions"}}, []uint64{2}, 1},
		{"publisher case-insensitive", marketplace.CatalogFilter{Publisher: "LAKESIDE hospital"}, []uint64{4, 3}, 2},
		{"seller", marketplace.CatalogFilter{Seller: &alice}, []uint64{2, 1}, 2},
		{"seller incl. delisted", marketplace.CatalogFilter{Seller: &alice, IncludeDelisted: true}, []uint64{5, 2, 1}, 3},
		{"page 2", marketplace.CatalogFilter{Limit: 2, Offset: 2}, []uint64{2, 1}, 4},
		{"page past end", marketplace.CatalogFilter{Limit: 2, Offset: 10}, []uint64{}, 4},
		{"text: title, then column, then description", marketplace.CatalogFilter{Query: "diabetes "}, []uint64{1, 4, 2}, 3},
		{"text: prefix while typing", marketplace.CatalogFilter{Query: "diabet"}, []uint64{1, 4, 2}, 3},
		{"text: all words must match", marketplace.CatalogFilter{Query: "diabetes insulin"}, []uint64{1}, 1},
		{"text: column names", marketplace.CatalogFilter{Query: "systolic "}, []uint64{3}, 1},
		{"text: tags", marketplace.CatalogFilter{Query: "cardiology "}, []uint64{4, 3}, 2},
		{"text: case and punctuation", marketplace.CatalogFilter{Query: "  HbA1c, "}, []uint64{1}, 1},
		{"text: no match", marketplace.CatalogFilter{Query: "leukemia"}, []uint64{}, 0},
		{"text: delisted hidden", marketplace.CatalogFilter{Query: "copd"}, []uint64{}, 0},
		{"text: delisted shown", marketplace.CatalogFilter{Query: "copd", IncludeDelisted: true}, []uint64{5}, 1},
		{"text + filter + sort", marketplace.CatalogFilter{Query: "diabet", Sort: marketplace.SortPriceDesc, PriceMax: pm(50)}, []uint64{4, 1}, 2},
		{"text + sort by sales", marketplace.CatalogFilter{Query: "cardiology", Sort: marketplace.SortSales}, []uint64{3, 4}, 2},
		{"stop words only: newest", marketplace.CatalogFilter{Query: "the of "}, []uint64{4, 3, 2, 1}, 4},
		{"stop word being typed is a prefix", marketplace.CatalogFilter{Query: "diabetes in"}, []uint64{1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := f.c.SearchCatalog(context.Background(), tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) || total != tt.total {
				t.Errorf("got %v (total %d), want %v (total %d)", ids(got), total, tt.want, tt.total)
			}
		})
	}
}

func TestSearchCatalog_returnsListingsAsIndexed(t *testing.T) {
	f := newFixture(t)
	l, err := f.c.Listing(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if l.Price.Cmp(new(big.Int).Mul(big.NewInt(60), milli)) != 0 || !l.Active || l.Card.Title != "Asthma in children" {
		t.Errorf("listing 2 = %+v", l)
	}
	l, _ = f.c.Listing(context.Background(), 3)
	if l.Sales != 2 {
		t.Errorf("listing 3 sales = %d, want 2", l.Sales)
	}
	l, _ = f.c.Listing(context.Background(), 5)
	if l.Active {
		t.Errorf("listing 5 still active after Delisted")
	}
	if _, err := f.c.Listing(context.Background(), 99); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("unknown listing: %v, want ENOTFOUND", err)
	}
}

func TestSearchCatalog_badFilterIsEINVALIDNamingTheField(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		filter marketplace.CatalogFilter
		field  string
	}{
		{marketplace.CatalogFilter{Limit: -1}, "limit"},
		{marketplace.CatalogFilter{Offset: -1}, "offset"},
		{marketplace.CatalogFilter{Sort: "popular"}, "sort"},
		{marketplace.CatalogFilter{PriceMin: big.NewInt(2), PriceMax: big.NewInt(1)}, "price_min"},
		{marketplace.CatalogFilter{DataTypes: []string{"dreams"}}, "data_types"},
	} {
		_, _, err := f.c.SearchCatalog(context.Background(), tt.filter)
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%+v: %v, want EINVALID naming %s", tt.filter, err, tt.field)
		}
	}
}

// TestSearchCatalog_agreesWithBruteForce checks both search strategies (candidate lookups and
// index walks) against a plain filter-and-sort over a generated catalog, for random filters.
func TestSearchCatalog_agreesWithBruteForce(t *testing.T) {
	_, c, _ := openCatalog(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1500
	var all []*marketplace.Listing
	var evs []marketplace.ListingEvent
	for id := uint64(1); id <= n; id++ {
		l := genListing(r, id)
		all = append(all, l)
		evs = append(evs, listedEvent(l))
	}
	if err := c.ApplyBlocks(ctx, 0, 100+n, evs); err != nil {
		t.Fatal(err)
	}
	// Sales, delistings and price changes in later blocks.
	evs = nil
	block := uint64(200 + n)
	for i := 0; i < 600; i++ {
		l := all[r.IntN(n)]
		ev := marketplace.ListingEvent{ListingID: l.ID, Block: block}
		block++
		switch r.IntN(6) {
		case 0:
			ev.Kind = marketplace.EventDelisted
			l.Active = false
		case 1:
			ev.Kind, ev.Price = marketplace.EventPriceChanged, big.NewInt(int64(r.IntN(3))*1e15)
			l.Price = ev.Price
		default:
			ev.Kind = marketplace.EventPurchased
			l.Sales++
		}
		evs = append(evs, ev)
	}
	if err := c.ApplyBlocks(ctx, 101+n, block, evs); err != nil {
		t.Fatal(err)
	}

	toks := map[uint64]map[string]byte{}
	for _, l := range all {
		toks[l.ID] = cardTokens(l.Terms.Use, l.Card)
	}
	queries := []string{"", "", "diabetes", "diab", "cancer ", "asthma pediatric", "hba1c", "patient", "synthea", "blood pressure", "in", "zzz"}
	sorts := append([]string{""}, marketplace.CatalogSorts()...)
	for i := 0; i < 300; i++ {
		f := marketplace.CatalogFilter{Query: pick(r, queries), Sort: pick(r, sorts), Limit: 1 + r.IntN(30), Offset: r.IntN(3) * 10}
		if f.Sort == marketplace.SortRelevance && f.Query == "" {
			f.Sort = ""
		}
		if r.IntN(3) == 0 {
			f.Terms = pick(r, []marketplace.DUO{marketplace.HMB, marketplace.NCU, marketplace.IRB | marketplace.DS})
		}
		if r.IntN(3) == 0 {
			f.PriceMin = big.NewInt(int64(r.IntN(1000)) * 1e15)
		}
		if r.IntN(3) == 0 {
			f.PriceMax = big.NewInt(int64(1000+r.IntN(1000)) * 1e15)
		}
		if r.IntN(4) == 0 {
			f.RowsMin = uint64(r.IntN(500_000))
		}
		if r.IntN(4) == 0 {
			f.DataTypes = []string{pick(r, marketplace.DataTypes()[:6])}
		}
		if r.IntN(6) == 0 {
			f.Publisher = pick(r, genPublishers)
		}
		if r.IntN(8) == 0 {
			s := pick(r, genSellers)
			f.Seller = &s
		}
		f.IncludeDelisted = r.IntN(4) == 0
		got, total, err := c.SearchCatalog(ctx, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		want, wantTotal := bruteForce(all, toks, f)
		if total != wantTotal || !slices.Equal(ids(got), want) {
			t.Fatalf("filter %+v:\n got %v (total %d)\nwant %v (total %d)", f, ids(got), total, want, wantTotal)
		}
	}
}

// bruteForce is the specification of SearchCatalog's results, without indexes.
func bruteForce(all []*marketplace.Listing, cardToks map[uint64]map[string]byte, f marketplace.CatalogFilter) ([]uint64, int) {
	f, _ = f.Normalize()
	terms := parseQuery(f.Query)
	var hits []bruteHit
	for _, l := range all {
		if !bruteFilterKeeps(l, f) {
			continue
		}
		if score, ok := bruteScore(cardToks[l.ID], terms); ok {
			hits = append(hits, bruteHit{l, score})
		}
	}
	sortBy := f.Sort
	if sortBy == marketplace.SortRelevance && len(terms) == 0 {
		sortBy = marketplace.SortNewest
	}
	slices.SortFunc(hits, func(a, b bruteHit) int { return bruteCompare(a, b, sortBy) })
	out := []uint64{}
	for i := f.Offset; i < len(hits) && i < f.Offset+f.Limit; i++ {
		out = append(out, hits[i].l.ID)
	}
	return out, len(hits)
}

// bruteHit is a listing bruteForce keeps, with its text score.
type bruteHit struct {
	l     *marketplace.Listing
	score float32
}

// bruteFilterKeeps reports whether l passes f's filters other than the query text.
func bruteFilterKeeps(l *marketplace.Listing, f marketplace.CatalogFilter) bool {
	if !l.Active && !f.IncludeDelisted || l.Terms.Use&f.Terms != f.Terms ||
		f.PriceMin != nil && l.Price.Cmp(f.PriceMin) < 0 || f.PriceMax != nil && l.Price.Cmp(f.PriceMax) > 0 ||
		l.Card.Rows < f.RowsMin || f.Seller != nil && *f.Seller != l.Seller ||
		f.Publisher != "" && !strings.EqualFold(strings.TrimSpace(f.Publisher), strings.TrimSpace(l.Card.Publisher)) {
		return false
	}
	for _, dt := range f.DataTypes {
		if !slices.Contains(l.Card.DataTypes, dt) {
			return false
		}
	}
	return true
}

// bruteScore is the text score of a card's tokens for the query terms: each term adds the
// weight of its best matching token; ok is false when a term matches none.
func bruteScore(toks map[string]byte, terms []queryTerm) (score float32, ok bool) {
	ok = true
	for _, qt := range terms {
		var best float32
		for w, mask := range toks {
			wt := fieldWeight(mask)
			switch {
			case w == qt.word:
			case qt.prefix && strings.HasPrefix(w, qt.word):
				wt *= prefixMatchPenalty
			default:
				continue
			}
			best = max(best, wt)
		}
		ok = ok && best > 0
		score += best
	}
	return score, ok
}

// bruteCompare orders two hits as sortBy says.
func bruteCompare(a, b bruteHit, sortBy string) int {
	newest := cmp.Compare(b.l.Block, a.l.Block)
	switch sortBy {
	case marketplace.SortRelevance:
		return cmp.Or(cmp.Compare(b.score, a.score), newest)
	case marketplace.SortPriceAsc:
		return cmp.Or(a.l.Price.Cmp(b.l.Price), cmp.Compare(a.l.ID, b.l.ID))
	case marketplace.SortPriceDesc:
		return cmp.Or(b.l.Price.Cmp(a.l.Price), cmp.Compare(b.l.ID, a.l.ID))
	case marketplace.SortSales:
		return cmp.Or(cmp.Compare(b.l.Sales, a.l.Sales), cmp.Compare(b.l.ID, a.l.ID))
	}
	return newest
}

func TestApplyBlocks_isIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before, _ := f.c.Digest(ctx)
	// The fixture's whole range again, and an overlapping one: nothing changes.
	l := f.listings[1]
	again := []marketplace.ListingEvent{listedEvent(l), {Kind: marketplace.EventPurchased, ListingID: 3, Block: 60}}
	if err := f.c.ApplyBlocks(ctx, 0, 70, again); err != nil {
		t.Fatal(err)
	}
	if after, _ := f.c.Digest(ctx); after != before {
		t.Errorf("re-applying blocks changed the catalog")
	}
	if n, _ := f.c.CatalogCount(ctx); n != 5 {
		t.Errorf("count = %d, want 5", n)
	}
	if cur, _ := f.c.CatalogCursor(ctx); cur != 71 {
		t.Errorf("cursor = %d, want 71", cur)
	}
}

func TestApplyEvents_aheadOfTheIndexerAppliesOnce(t *testing.T) {
	ctx := context.Background()
	l := listing(1, alice, 10, marketplace.HMB, card("Own listing", "", nil, []string{"a1"}, 10, nil, ""))
	l.Block = 20
	buy := marketplace.ListingEvent{Kind: marketplace.EventPurchased, ListingID: 1, Block: 21}
	price := marketplace.ListingEvent{Kind: marketplace.EventPriceChanged, ListingID: 1, Block: 22, Price: big.NewInt(7)}
	all := []marketplace.ListingEvent{listedEvent(l), buy, price}

	// Reference: the indexer alone.
	_, ref, _ := openCatalog(t)
	if err := ref.ApplyBlocks(ctx, 0, 30, all); err != nil {
		t.Fatal(err)
	}
	want, _ := ref.Digest(ctx)

	_, c, _ := openCatalog(t)
	if err := c.ApplyBlocks(ctx, 0, 9, nil); err != nil {
		t.Fatal(err)
	}
	// The publisher indexes its receipt at once; the listing is searchable before the indexer
	// reaches block 20.
	if err := c.ApplyEvents(ctx, []marketplace.ListingEvent{listedEvent(l)}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := c.SearchCatalog(ctx, marketplace.CatalogFilter{Query: "own"}); len(got) != 1 {
		t.Fatalf("own listing not searchable right after ApplyEvents")
	}
	// A purchase receipt too, twice (a retry): applied once.
	for range 2 {
		if err := c.ApplyEvents(ctx, []marketplace.ListingEvent{buy}); err != nil {
			t.Fatal(err)
		}
	}
	// The indexer catches up over all of it.
	if err := c.ApplyBlocks(ctx, 10, 30, all); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Digest(ctx)
	if got != want {
		gl, _ := c.Listing(ctx, 1)
		t.Errorf("catalog differs from the indexer-only one: %+v", gl)
	}
	// Marks are gone once the cursor passed them.
	_ = c.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys(catEventPrefix+"*", func(k, _ string) bool {
			t.Errorf("mark %s left behind", k)
			return true
		})
	})
}

func TestApplyEvents_olderPriceChangeDoesNotOverrideNewer(t *testing.T) {
	ctx := context.Background()
	_, c, _ := openCatalog(t)
	l := listing(1, alice, 10, marketplace.HMB, card("Prices", "", nil, []string{"a1"}, 10, nil, ""))
	if err := c.ApplyBlocks(ctx, 0, 10, []marketplace.ListingEvent{listedEvent(l)}); err != nil {
		t.Fatal(err)
	}
	newer := marketplace.ListingEvent{Kind: marketplace.EventPriceChanged, ListingID: 1, Block: 30, Price: big.NewInt(30)}
	older := marketplace.ListingEvent{Kind: marketplace.EventPriceChanged, ListingID: 1, Block: 20, Price: big.NewInt(20)}
	if err := c.ApplyEvents(ctx, []marketplace.ListingEvent{newer}); err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyBlocks(ctx, 11, 40, []marketplace.ListingEvent{older, newer}); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Listing(ctx, 1)
	if got.Price.Int64() != 30 {
		t.Errorf("price = %s, want 30 (the newer change)", got.Price)
	}
	res, _, _ := c.SearchCatalog(ctx, marketplace.CatalogFilter{PriceMin: big.NewInt(30), PriceMax: big.NewInt(30)})
	if len(res) != 1 {
		t.Errorf("summary price not updated")
	}
}

func TestApplyEvents_unknownListingLeftForTheIndexer(t *testing.T) {
	ctx := context.Background()
	_, c, _ := openCatalog(t)
	buy := marketplace.ListingEvent{Kind: marketplace.EventPurchased, ListingID: 1, Block: 21}
	if err := c.ApplyEvents(ctx, []marketplace.ListingEvent{buy}); err != nil {
		t.Fatal(err)
	}
	l := listing(1, alice, 10, marketplace.HMB, card("Later", "", nil, []string{"a1"}, 10, nil, ""))
	if err := c.ApplyBlocks(ctx, 0, 30, []marketplace.ListingEvent{listedEvent(l), buy}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Listing(ctx, 1); got.Sales != 1 {
		t.Errorf("sales = %d, want 1", got.Sales)
	}
}

func TestApplyBlocks_refusesGapsAndDisorder(t *testing.T) {
	ctx := context.Background()
	_, c, _ := openCatalog(t)
	if err := c.ApplyBlocks(ctx, 5, 10, nil); err != nil {
		t.Fatal(err) // an empty catalog may start anywhere (the deployment block)
	}
	if err := c.ApplyBlocks(ctx, 20, 30, nil); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("gap: %v, want EINVALID", err)
	}
	a := marketplace.ListingEvent{Kind: marketplace.EventDelisted, ListingID: 1, Block: 12, LogIndex: 1}
	b := marketplace.ListingEvent{Kind: marketplace.EventDelisted, ListingID: 1, Block: 12, LogIndex: 0}
	if err := c.ApplyBlocks(ctx, 11, 15, []marketplace.ListingEvent{a, b}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("disorder: %v, want EINVALID", err)
	}
	if err := c.ApplyBlocks(ctx, 11, 11, []marketplace.ListingEvent{a}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("event outside range: %v, want EINVALID", err)
	}
	if cur, _ := c.CatalogCursor(ctx); cur != 11 {
		t.Errorf("cursor moved by refused batches: %d", cur)
	}
}

func TestResetCatalog_dropsTheCatalogOnly(t *testing.T) {
	s, c, _ := openCatalog(t)
	ctx := context.Background()
	if _, err := s.StartNode(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	l := listing(1, alice, 10, marketplace.HMB, card("Gone soon", "", nil, []string{"a1"}, 10, nil, ""))
	if err := c.ApplyBlocks(ctx, 0, 10, []marketplace.ListingEvent{listedEvent(l)}); err != nil {
		t.Fatal(err)
	}
	if err := c.ResetCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Len(ctx); n != 1 {
		t.Errorf("store has %d keys after reset, want 1 (the node record)", n)
	}
	if cur, _ := c.CatalogCursor(ctx); cur != 0 {
		t.Errorf("cursor = %d after reset", cur)
	}
	if got, total, _ := c.SearchCatalog(ctx, marketplace.CatalogFilter{Query: "gone"}); len(got)+total != 0 {
		t.Errorf("search finds %d after reset", total)
	}
}

func TestSetCard_settlesPendingCards(t *testing.T) {
	ctx := context.Background()
	_, c, _ := openCatalog(t)
	good := listing(1, alice, 10, marketplace.HMB, card("Fetched later", "", nil, []string{"a1"}, 10, nil, ""))
	bad := listing(2, alice, 10, marketplace.HMB, card("Tampered", "", nil, []string{"a1"}, 10, nil, ""))
	goodCard, _ := good.Card.Encode()
	for _, l := range []*marketplace.Listing{good, bad} {
		l.Card, l.CardStatus = nil, marketplace.CardPending
	}
	if err := c.ApplyBlocks(ctx, 0, 30, []marketplace.ListingEvent{listedEvent(good), listedEvent(bad)}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := c.SearchCatalog(ctx, marketplace.CatalogFilter{}); len(got) != 0 {
		t.Errorf("pending listings are searchable: %v", ids(got))
	}
	if p, _ := c.PendingCards(ctx); !slices.Equal(p, []uint64{1, 2}) {
		t.Errorf("pending = %v", p)
	}
	if l, err := c.SetCard(ctx, 1, goodCard); err != nil || l.CardStatus != marketplace.CardVerified {
		t.Fatalf("SetCard good: %+v, %v", l, err)
	}
	if l, err := c.SetCard(ctx, 2, goodCard); err != nil || l.CardStatus != marketplace.CardMismatch {
		t.Fatalf("SetCard wrong card: %+v, %v", l, err)
	}
	if p, _ := c.PendingCards(ctx); len(p) != 0 {
		t.Errorf("still pending: %v", p)
	}
	got, _, _ := c.SearchCatalog(ctx, marketplace.CatalogFilter{Query: "fetched"})
	if !slices.Equal(ids(got), []uint64{1}) {
		t.Errorf("search after SetCard = %v, want [1]", ids(got))
	}
	if got, _, _ := c.SearchCatalog(ctx, marketplace.CatalogFilter{}); !slices.Equal(ids(got), []uint64{1}) {
		t.Errorf("mismatched card listed: %v", ids(got))
	}
	if _, err := c.SetCard(ctx, 9, goodCard); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("unknown listing: %v", err)
	}
}

func TestCatalog_survivesReopen(t *testing.T) {
	ctx := context.Background()
	s, c, path := openCatalog(t)
	r := rand.New(rand.NewPCG(3, 4))
	var evs []marketplace.ListingEvent
	for id := uint64(1); id <= 50; id++ {
		evs = append(evs, listedEvent(genListing(r, id)))
	}
	if err := c.ApplyBlocks(ctx, 0, 200, evs); err != nil {
		t.Fatal(err)
	}
	want, _, _ := c.SearchCatalog(ctx, marketplace.CatalogFilter{Sort: marketplace.SortPriceAsc})
	d1, _ := c.Digest(ctx)
	s2, c2 := reopen(t, s, path)
	if _, err := s2.Catalog(); err != nil {
		t.Fatalf("second Catalog(): %v", err)
	}
	got, _, err := c2.SearchCatalog(ctx, marketplace.CatalogFilter{Sort: marketplace.SortPriceAsc})
	if err != nil || !slices.Equal(ids(got), ids(want)) {
		t.Errorf("after reopen: %v, %v; want %v", ids(got), err, ids(want))
	}
	if d2, _ := c2.Digest(ctx); d2 != d1 {
		t.Errorf("digest changed across reopen")
	}
}

func TestTokenize(t *testing.T) {
	var got []string
	tokenize("The HbA1c (mmol/mol) of Type-2 diabetics, São Paulo; x y2 "+strings.Repeat("z", 50), func(s string) { got = append(got, s) })
	want := []string{"hba1c", "mmol", "mol", "type", "diabetics", "são", "paulo", "y2", strings.Repeat("z", 40)}
	if !slices.Equal(got, want) {
		t.Errorf("tokenize = %q\nwant %q", got, want)
	}
	q := parseQuery("Diabetes diab")
	if len(q) != 2 || q[0].prefix || !q[1].prefix {
		t.Errorf("parseQuery = %+v", q)
	}
	if q := parseQuery("diabetes an"); len(q) != 2 || q[1].word != "an" || !q[1].prefix {
		t.Errorf("stop word being typed not a prefix term: %+v", q)
	}
	if q := parseQuery("asthma "); len(q) != 1 || q[0].prefix {
		t.Errorf("finished word matched as prefix: %+v", q)
	}
}

// TestCatalog_searchWhileIndexing: searches run while batches are applied (run with -race); every
// search sees a consistent count.
func TestCatalog_searchWhileIndexing(t *testing.T) {
	ctx := context.Background()
	_, c, _ := openCatalog(t)
	r := rand.New(rand.NewPCG(5, 6))
	done := make(chan struct{})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			last := 0
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				_, total, err := c.SearchCatalog(ctx, marketplace.CatalogFilter{Query: "patients", Sort: marketplace.SortPriceAsc})
				if err != nil || total < last {
					errs <- fmt.Errorf("search: total %d after %d, %v", total, last, err)
					return
				}
				last = total
			}
		}()
	}
	for batch := uint64(0); batch < 20; batch++ {
		var evs []marketplace.ListingEvent
		for id := batch*10 + 1; id <= batch*10+10; id++ {
			l := genListing(r, id)
			evs = append(evs, listedEvent(l))
		}
		if err := c.ApplyBlocks(ctx, 100+batch*10+1, 100+batch*10+10, evs); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestCatalog_emptySearchFindsNothing(t *testing.T) {
	_, c, _ := openCatalog(t)
	ls, total, err := c.SearchCatalog(t.Context(), marketplace.CatalogFilter{Query: "diabetes"})
	if err != nil || total != 0 || len(ls) != 0 {
		t.Fatalf("empty catalog: %v, %d, %v", ls, total, err)
	}
	ls, total, err = c.SearchCatalog(t.Context(), marketplace.CatalogFilter{})
	if err != nil || total != 0 || len(ls) != 0 {
		t.Fatalf("empty catalog, no query: %v, %d, %v", ls, total, err)
	}
}

func TestCatalog_keepsTheProviderThroughUpdatesAndReopen(t *testing.T) {
	s, c, path := openCatalog(t)
	ctx := t.Context()
	l := listing(1, alice, 10, marketplace.HMB, card("Provider kept", "d", []string{"t"}, []string{"c"}, 10, []string{"patients"}, "P"))
	l.Provider = "https://hub.example.org/medmarket/"
	if err := c.ApplyBlocks(ctx, 1, 10, []marketplace.ListingEvent{listedEvent(l)}); err != nil {
		t.Fatal(err)
	}
	evs := []marketplace.ListingEvent{
		{Kind: marketplace.EventPriceChanged, ListingID: 1, Block: 12, Price: big.NewInt(5)},
		{Kind: marketplace.EventPurchased, ListingID: 1, Block: 13, Buyer: bob},
	}
	if err := c.ApplyBlocks(ctx, 11, 20, evs); err != nil {
		t.Fatal(err)
	}
	check := func(c *Catalog) {
		t.Helper()
		got, err := c.Listing(ctx, 1)
		if err != nil || got.Provider != l.Provider || got.Sales != 1 || got.Price.Int64() != 5 {
			t.Fatalf("listing %+v, %v", got, err)
		}
		ls, _, err := c.SearchCatalog(ctx, marketplace.CatalogFilter{Query: "provider"})
		if err != nil || len(ls) != 1 || ls[0].Provider != l.Provider {
			t.Fatalf("search: %+v, %v", ls, err)
		}
	}
	check(c)
	_, c2 := reopen(t, s, path)
	check(c2)
}

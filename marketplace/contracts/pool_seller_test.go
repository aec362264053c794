package contracts

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
)

// commitThroughPool has the operator commit the pool's listing of content (the commitment names
// the pool contract as the seller) and seals a block after it, so a list can follow; it returns
// the salt.
func (p *poolChain) commitThroughPool(content [32]byte) common.Hash {
	p.tb.Helper()
	salt := NewSalt()
	p.mustSend(p.sponsor, p.poolC, p.pool.PackCommit(Commitment(p.addr, content, salt)), nil)
	p.sim.Commit() // the list must run in a later block than its commit
	return salt
}

// listThroughPool has the operator commit and list content at wei under hmbTerms with the pool
// contract as the seller, and returns the list receipt and the listing id.
func (p *poolChain) listThroughPool(content [32]byte, wei *big.Int) (*types.Receipt, *big.Int) {
	p.tb.Helper()
	salt := p.commitThroughPool(content)
	r := p.mustSend(p.sponsor, p.poolC, p.pool.PackList(content, salt, wei, hmbTerms.Pack(), hash("card"), testProvider), nil)
	return r, p.listedEvent(r).Id
}

func (p *poolChain) totalReceived() *big.Int {
	p.tb.Helper()
	return call(p.testChain, p.poolC, p.pool.PackTotalReceived(), p.pool.UnpackTotalReceived)
}

func (p *poolChain) listingOf(id *big.Int) ListingOutput {
	p.tb.Helper()
	return call(p.testChain, p.marketC, p.market.PackListing(id), p.market.UnpackListing)
}

func TestPoolSeller_onlyTheOperatorManagesListings(t *testing.T) {
	p := newPoolChain(t)
	notOperator := "NotOperator(caller " + p.stranger.addr.Hex() + ")"
	salt := NewSalt()
	_, err := p.send(p.stranger, p.poolC, p.pool.PackCommit(Commitment(p.addr, hash("v1"), salt)), nil)
	wantRefusal(t, err, marketplace.EFORBIDDEN, notOperator)

	_, id := p.listThroughPool(hash("v1"), price)
	for name, data := range map[string][]byte{
		"list":     p.pool.PackList(hash("v2"), salt, price, hmbTerms.Pack(), hash("card"), testProvider),
		"delist":   p.pool.PackDelist(id),
		"setPrice": p.pool.PackSetPrice(id, big.NewInt(1)),
	} {
		_, err := p.send(p.stranger, p.poolC, data, nil)
		if wantRefusal(t, err, marketplace.EFORBIDDEN, notOperator); t.Failed() {
			t.Fatalf("a stranger's %s", name)
		}
	}
	// The operator's account is not the seller: only through the pool does it manage the listing.
	_, err = p.send(p.sponsor, p.marketC, p.market.PackSetPrice(id, big.NewInt(1)), nil)
	wantRefusal(t, err, marketplace.EFORBIDDEN, fmt.Sprintf("NotSeller(id %v, caller %s)", id, p.sponsor.addr.Hex()))
	_, err = p.send(p.sponsor, p.marketC, p.market.PackDelist(id), nil)
	wantRefusal(t, err, marketplace.EFORBIDDEN, fmt.Sprintf("NotSeller(id %v, caller %s)", id, p.sponsor.addr.Hex()))
	// Nor does a commitment of the operator's own account let the pool list.
	opSalt := p.commit(p.sponsor, hash("v3"))
	_, err = p.send(p.sponsor, p.poolC, p.pool.PackList(hash("v3"), opSalt, price, hmbTerms.Pack(), hash("card"), testProvider), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("NotCommitted(seller %s, contentHash %s)", p.addr.Hex(), common.Hash(hash("v3")).Hex()))

	newPrice := new(big.Int).Mul(price, big.NewInt(3))
	r := p.mustSend(p.sponsor, p.poolC, p.pool.PackSetPrice(id, newPrice), nil)
	if ev, err := p.market.UnpackPriceChangedEvent(r.Logs[0]); err != nil || ev.Id.Cmp(id) != 0 || ev.Price.Cmp(newPrice) != 0 {
		t.Errorf("PriceChanged = %+v, %v", ev, err)
	}
	if got := p.listingOf(id); got.Price.Cmp(newPrice) != 0 || !got.Active {
		t.Errorf("listing after setPrice = %+v", got)
	}
	p.mustSend(p.sponsor, p.poolC, p.pool.PackDelist(id), nil)
	if got := p.listingOf(id); got.Active {
		t.Error("listing still active after the pool delisted it")
	}
	_, err = p.buy(p.buyer, id, newPrice)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("ListingInactive(id %v)", id))
}

// sellTwice lists a version through the pool and has buyer and buyer2 buy it; it returns the
// listing id and what the two sales owe the pool.
func (p *poolChain) sellTwice() (id, sales *big.Int) {
	p.tb.Helper()
	_, id = p.listThroughPool(hash("version 1"), price)
	for _, b := range []*account{p.buyer, p.buyer2} {
		if _, err := p.buy(b, id, price); err != nil {
			p.tb.Fatal(err)
		}
		if !p.hasLicence(id, b) {
			p.tb.Fatalf("%s holds no licence after buying", b.addr.Hex())
		}
	}
	return id, new(big.Int).Mul(price, big.NewInt(2))
}

func TestPoolSeller_aListingThroughThePoolNamesThePoolAsSeller(t *testing.T) {
	p := newPoolChain(t)
	if got := call(p.testChain, p.poolC, p.pool.PackMarket(), p.pool.UnpackMarket); got != p.marketC.Address() {
		t.Fatalf("market = %s, want %s", got.Hex(), p.marketC.Address().Hex())
	}
	content := hash("version 1")
	salt := p.commitThroughPool(content)
	listData := p.pool.PackList(content, salt, price, hmbTerms.Pack(), hash("card"), testProvider)
	returned, err := bind.Call(p.poolC, &bind.CallOpts{Context: p.ctx, From: p.sponsor.addr}, listData, p.pool.UnpackList)
	if err != nil {
		t.Fatal(DecodeRevert(err))
	}
	r := p.mustSend(p.sponsor, p.poolC, listData, nil)
	ev := p.listedEvent(r)
	if ev.Seller != p.addr || ev.ContentHash != content || ev.Price.Cmp(price) != 0 || ev.Provider != testProvider {
		t.Fatalf("Listed = %+v, want seller %s (the pool)", ev, p.addr.Hex())
	}
	if ev.Id.Cmp(returned) != 0 {
		t.Errorf("list returned id %v, Listed says %v", returned, ev.Id)
	}
	if len(r.Logs) != 1 {
		t.Errorf("%d logs, want the market's Listed only", len(r.Logs))
	}
	if got := p.listingOf(ev.Id); got.Seller != p.addr {
		t.Errorf("listing seller = %s, want the pool", got.Seller.Hex())
	}
}

// TestPoolSeller_anyoneCollectsExactlyTheSales: two buyers' payments are credited to the pool, and
// a stranger's collect moves exactly them into the pool; the operator never holds them.
func TestPoolSeller_anyoneCollectsExactlyTheSales(t *testing.T) {
	p := newPoolChain(t)
	operatorBefore := p.balance(p.sponsor.addr)
	_, sales := p.sellTwice()
	if got := p.withdrawable(p.addr); got.Cmp(sales) != 0 {
		t.Fatalf("market owes the pool %v, want the two sales %v", got, sales)
	}
	if got := p.totalReceived(); got.Sign() != 0 {
		t.Fatalf("totalReceived before collect = %v", got)
	}
	if got := call(p.testChain, p.poolC, p.pool.PackCollect(), p.pool.UnpackCollect); got.Cmp(sales) != 0 {
		t.Errorf("collect returns %v, want %v", got, sales)
	}
	operatorSpent := new(big.Int).Sub(operatorBefore, p.balance(p.sponsor.addr)) // listing gas

	strangerBefore := p.balance(p.stranger.addr)
	r := p.mustSend(p.stranger, p.poolC, p.pool.PackCollect(), nil)
	if got := p.totalReceived(); got.Cmp(sales) != 0 {
		t.Errorf("totalReceived after collect = %v, want exactly the sales %v", got, sales)
	}
	if got := p.balance(p.addr); got.Cmp(sales) != 0 {
		t.Errorf("pool balance = %v, want %v", got, sales)
	}
	if p.withdrawable(p.addr).Sign() != 0 || p.balance(p.marketC.Address()).Sign() != 0 {
		t.Error("the market still holds the pool's money after collect")
	}
	if got := new(big.Int).Sub(strangerBefore, p.balance(p.stranger.addr)); got.Cmp(gasCost(r)) != 0 {
		t.Errorf("the collector's balance changed by %v, want only its gas %v", got, gasCost(r))
	}
	if got := new(big.Int).Sub(operatorBefore, p.balance(p.sponsor.addr)); got.Cmp(operatorSpent) != 0 {
		t.Errorf("the operator's balance moved by %v on collect (it spent %v on listing gas before)", got, operatorSpent)
	}
	if len(r.Logs) != 2 {
		t.Fatalf("collect: %d logs, want the market's Withdrawn and the pool's Received", len(r.Logs))
	}
	if w, err := p.market.UnpackWithdrawnEvent(r.Logs[0]); err != nil || w.Seller != p.addr || w.Amount.Cmp(sales) != 0 {
		t.Errorf("Withdrawn = %+v, %v", w, err)
	}
	if rc, err := p.pool.UnpackReceivedEvent(r.Logs[1]); err != nil || rc.From != p.marketC.Address() || rc.Amount.Cmp(sales) != 0 {
		t.Errorf("Received = %+v, %v", rc, err)
	}
	_, err := p.send(p.stranger, p.poolC, p.pool.PackCollect(), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, "NothingToCollect()")
}

// TestPoolSeller_collectedSalesFundARound: a round paid from collected sales pays a contributor;
// a round above what was collected waits for the next collect.
func TestPoolSeller_collectedSalesFundARound(t *testing.T) {
	p := newPoolChain(t)
	id, sales := p.sellTwice()
	p.mustSend(p.stranger, p.poolC, p.pool.PackCollect(), nil)
	if got := call(p.testChain, p.poolC, p.pool.PackRound(), p.pool.UnpackRound); got != 0 {
		t.Errorf("round before the first = %d, want 0", got)
	}
	share1 := new(big.Int).Div(new(big.Int).Mul(sales, big.NewInt(3)), big.NewInt(5))
	share2 := new(big.Int).Sub(sales, share1)
	tree := mustTree(t, ent(p.member.addr, share1), ent(p.member2.addr, share2))
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	if got := call(p.testChain, p.poolC, p.pool.PackCumulativeTotal(), p.pool.UnpackCumulativeTotal); got.Cmp(sales) != 0 {
		t.Errorf("cumulativeTotal = %v, want %v", got, sales)
	}
	if got := p.totalReceived(); got.Cmp(sales) != 0 {
		t.Errorf("totalReceived after postRound = %v, want it unchanged %v", got, sales)
	}
	before := p.balance(p.member.addr)
	if _, err := p.claim(p.stranger, tree, p.member.addr); err != nil {
		t.Fatal(err)
	}
	if got := new(big.Int).Sub(p.balance(p.member.addr), before); got.Cmp(share1) != 0 {
		t.Errorf("contributor received %v, want %v", got, share1)
	}

	tree2 := mustTree(t, ent(p.member.addr, share1), ent(p.member2.addr, new(big.Int).Add(share2, price)))
	if _, err := p.buy(p.buyer, id, price); err != nil { // a renewal, not yet collected
		t.Fatal(err)
	}
	_, err := p.post(tree2)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("Underfunded(cumulativeTotal %v, funded %v)", tree2.Total(), sales))
	p.mustSend(p.member, p.poolC, p.pool.PackCollect(), nil)
	if _, err := p.post(tree2); err != nil {
		t.Fatalf("a round covered once the sale was collected: %v", err)
	}
	// The three counters share a storage slot: each reads back what it should.
	p.fund(p.buyer2, big.NewInt(5)) // a deposit after the round leaves the round's figures alone
	if got := call(p.testChain, p.poolC, p.pool.PackRound(), p.pool.UnpackRound); got != 2 {
		t.Errorf("round = %d, want 2", got)
	}
	if got := call(p.testChain, p.poolC, p.pool.PackCumulativeTotal(), p.pool.UnpackCumulativeTotal); got.Cmp(tree2.Total()) != 0 {
		t.Errorf("cumulativeTotal = %v, want %v", got, tree2.Total())
	}
	if got, want := p.totalReceived(), new(big.Int).Add(new(big.Int).Mul(price, big.NewInt(3)), big.NewInt(5)); got.Cmp(want) != 0 {
		t.Errorf("totalReceived = %v, want %v", got, want)
	}
}

// TestPoolSeller_collectReenteredFromAPaymentIsHarmless: collect runs inside another payment (a
// seller's market withdraw, then a pool claim) and the collected account tries it twice: every
// account gets exactly its money once and the pool counts exactly its sales.
func TestPoolSeller_collectReenteredFromAPaymentIsHarmless(t *testing.T) {
	p := newPoolChain(t)
	rc := NewReentrantCollector()
	addr := p.deploy(ReentrantCollectorMetaData.Bin, rc.PackConstructor(p.marketC.Address(), p.addr))
	rcC := rc.Instance(p.client, addr)

	// The collector sells a dataset of its own; the pool sells one twice.
	salt := NewSalt()
	p.mustSend(p.stranger, rcC, rc.PackCommit(Commitment(addr, hash("own"), salt)), nil)
	p.sim.Commit()
	own := p.listedEvent(p.mustSend(p.stranger, rcC, rc.PackList(hash("own"), salt, price, hmbTerms.Pack()), nil)).Id
	p.mustSend(p.buyer, p.marketC, p.market.PackBuy(own), price)
	_, poolID := p.listThroughPool(hash("version 1"), price)
	p.mustSend(p.buyer, p.marketC, p.market.PackBuy(poolID), price)
	p.mustSend(p.buyer2, p.marketC, p.market.PackBuy(poolID), price)
	sales := new(big.Int).Mul(price, big.NewInt(2))

	// 1. While the market pays the collector its sale, it makes the pool collect, twice.
	p.mustSend(p.stranger, rcC, rc.PackArm(), nil)
	p.mustSend(p.stranger, rcC, rc.PackWithdraw(), nil)
	if got := call(p.testChain, rcC, rc.PackReceived(), rc.UnpackReceived); got.Cmp(price) != 0 {
		t.Errorf("collector received %v, want exactly its sale %v", got, price)
	}
	if got := call(p.testChain, rcC, rc.PackCollected(), rc.UnpackCollected); got.Cmp(sales) != 0 {
		t.Fatalf("the re-entrant collect returned %v, want the pool's sales %v (the attack did not run)", got, sales)
	}
	wantSecondCollectRefused(t, p, rc, rcC)
	if got := p.totalReceived(); got.Cmp(sales) != 0 {
		t.Errorf("totalReceived = %v, want exactly the sales %v", got, sales)
	}
	if p.balance(p.marketC.Address()).Sign() != 0 || p.withdrawable(p.addr).Sign() != 0 || p.withdrawable(addr).Sign() != 0 {
		t.Error("money left in the market")
	}

	// 2. While the pool pays the collector a claim, it makes the pool collect a new sale, twice.
	tree := mustTree(t, ent(addr, price), ent(p.member.addr, price))
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	p.mustSend(p.buyer, p.marketC, p.market.PackBuy(poolID), price) // a renewal, not yet collected
	p.mustSend(p.stranger, rcC, rc.PackArm(), nil)
	r, err := p.claim(p.stranger, tree, addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range r.Logs {
		if _, err := p.pool.UnpackPaymentDeferredEvent(l); err == nil {
			t.Fatal("the claim's payment was refused: the collector's receive reverted")
		}
	}
	if got := call(p.testChain, rcC, rc.PackReceived(), rc.UnpackReceived); got.Cmp(sales) != 0 {
		t.Errorf("collector received %v in all, want its sale and its entitlement %v", got, sales)
	}
	if got := call(p.testChain, rcC, rc.PackCollected(), rc.UnpackCollected); got.Cmp(price) != 0 {
		t.Errorf("the collect inside the claim returned %v, want the new sale %v", got, price)
	}
	wantSecondCollectRefused(t, p, rc, rcC)
	if got := p.claimed(addr); got.Cmp(price) != 0 || p.owed(addr).Sign() != 0 {
		t.Errorf("claimed = %v, owed = %v; want %v and 0", got, p.owed(addr), price)
	}
	threeSales := new(big.Int).Mul(price, big.NewInt(3))
	if got := p.totalReceived(); got.Cmp(threeSales) != 0 {
		t.Errorf("totalReceived = %v, want the three sales %v", got, threeSales)
	}
	if got, want := p.balance(p.addr), new(big.Int).Sub(threeSales, price); got.Cmp(want) != 0 {
		t.Errorf("pool balance = %v, want the sales minus the claim, %v", got, want)
	}
}

// wantSecondCollectRefused checks that the collector's second re-entrant collect found nothing.
func wantSecondCollectRefused(t *testing.T, p *poolChain, rc *ReentrantCollector, rcC *bind.BoundContract) {
	t.Helper()
	if call(p.testChain, rcC, rc.PackSecondCollectSucceeded(), rc.UnpackSecondCollectSucceeded) {
		t.Error("a second collect in the same payment succeeded")
	}
	data := call(p.testChain, rcC, rc.PackSecondCollectError(), rc.UnpackSecondCollectError)
	if re, ok := UnpackRevert(data); !ok || re.Error() != "NothingToCollect()" {
		t.Errorf("the second collect refused with %v (%x), want NothingToCollect()", re, data)
	}
}

func TestPoolSeller_refusesAnAddressWithoutAMarket(t *testing.T) {
	p := newPoolChain(t)
	for _, m := range []common.Address{{}, p.seller.addr} {
		_, _, err := bind.DeployContract(p.deployer.opts, common.FromHex(PoolPayoutsMetaData.Bin), p.client, p.pool.PackConstructor(p.sponsor.addr, m))
		wantRefusal(t, DecodeRevert(err), marketplace.EINVALID, "InvalidMarket()")
	}
}

package contracts

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

const day = 24 * time.Hour

var (
	price     = new(big.Int).Div(ether, big.NewInt(100)) // 0.01 ether
	hmbTerms  = marketplace.Terms{Use: marketplace.HMB | marketplace.NCU | marketplace.IRB, DurationDays: 30, Seats: 2}
	perpetual = marketplace.Terms{Use: marketplace.GRU}
)

func hash(s string) [32]byte { return crypto.Keccak256Hash([]byte(s)) }

// list lists a dataset from a (committing first) and returns its id, read from the Listed event.
func (c *testChain) list(a *account, p *big.Int, terms marketplace.Terms) *big.Int {
	c.tb.Helper()
	r := c.mustSend(a, c.marketC, c.market.PackList(hash("blob"), c.commit(a, hash("blob")), p, terms.Pack(), hash("card"), testProvider), nil)
	return c.listedEvent(r).Id
}

// commit commits a's listing of content with a fresh salt, in a block of its own, and returns
// the salt (commitAt: and the commit's block).
func (c *testChain) commit(a *account, content [32]byte) common.Hash {
	c.tb.Helper()
	salt, _ := c.commitAt(a, content)
	return salt
}

func (c *testChain) commitAt(a *account, content [32]byte) (common.Hash, *big.Int) {
	c.tb.Helper()
	salt := NewSalt()
	r := c.mustSend(a, c.marketC, c.market.PackCommit(Commitment(a.addr, content, salt)), nil)
	c.sim.Commit() // the simulated chain estimates gas at the latest block: list must come later
	return salt, r.BlockNumber
}

func (c *testChain) listedEvent(r *types.Receipt) *DataLicenseMarketListed {
	c.tb.Helper()
	for _, l := range r.Logs {
		if ev, err := c.market.UnpackListedEvent(l); err == nil {
			return ev
		}
	}
	c.tb.Fatal("no Listed event")
	return nil
}

func (c *testChain) buy(a *account, id, value *big.Int) (*types.Receipt, error) {
	c.tb.Helper()
	return c.send(a, c.marketC, c.market.PackBuy(id), value)
}

func (c *testChain) hasLicence(id *big.Int, who *account) bool {
	c.tb.Helper()
	return call(c, c.marketC, c.market.PackHasLicence(id, who.addr), c.market.UnpackHasLicence)
}

func (c *testChain) licence(id *big.Int, holder *account) LicenceOutput {
	c.tb.Helper()
	return call(c, c.marketC, c.market.PackLicence(id, holder.addr), c.market.UnpackLicence)
}

func (c *testChain) withdrawable(a common.Address) *big.Int {
	c.tb.Helper()
	return call(c, c.marketC, c.market.PackWithdrawable(a), c.market.UnpackWithdrawable)
}

// wantRefusal fails unless err is the contract refusal want, as RevertError formats it
// ("WrongPrice(want 1, got 2)"), carried by a *marketplace.Error with the given code.
func wantRefusal(t *testing.T, err error, code, want string) {
	t.Helper()
	var re *RevertError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want refusal %s", err, want)
	}
	if re.Error() != want {
		t.Errorf("refusal = %s, want %s", re, want)
	}
	if got := marketplace.ErrorCode(err); got != code {
		t.Errorf("code = %s, want %s (err %v)", got, code, err)
	}
}

func TestList_emitsCatalogDataAndStoresWhatBuyNeeds(t *testing.T) {
	c := newTestChain(t)
	salt, commitBlock := c.commitAt(c.seller, hash("blob"))
	r := c.mustSend(c.seller, c.marketC, c.market.PackList(hash("blob"), salt, price, hmbTerms.Pack(), hash("card"), testProvider), nil)
	ev := c.listedEvent(r)
	if ev.Id.Cmp(big.NewInt(1)) != 0 || ev.Seller != c.seller.addr || ev.ContentHash != hash("blob") ||
		ev.Price.Cmp(price) != 0 || ev.Terms.Cmp(hmbTerms.Pack()) != 0 || ev.MetadataHash != hash("card") ||
		ev.CommitBlock.Cmp(commitBlock) != 0 || ev.CommitBlock.Cmp(r.BlockNumber) >= 0 {
		t.Fatalf("Listed = %+v (commit block want %v)", ev, commitBlock)
	}
	terms, err := marketplace.UnpackTerms(ev.Terms)
	if err != nil || terms != hmbTerms {
		t.Errorf("terms from event = %v, %v; want %v", terms, err, hmbTerms)
	}
	got := call(c, c.marketC, c.market.PackListing(ev.Id), c.market.UnpackListing)
	want := ListingOutput{Seller: c.seller.addr, Price: price, DurationDays: 30, Seats: 2, Active: true}
	if got.Seller != want.Seller || got.Price.Cmp(want.Price) != 0 || got.DurationDays != want.DurationDays ||
		got.Seats != want.Seats || got.Active != want.Active {
		t.Errorf("listing = %+v, want %+v", got, want)
	}
	if id2 := c.list(c.seller, price, hmbTerms); id2.Cmp(big.NewInt(2)) != 0 {
		t.Errorf("second listing id = %v, want 2", id2)
	}
	next := call(c, c.marketC, c.market.PackNextListingId(), c.market.UnpackNextListingId)
	if next.Cmp(big.NewInt(3)) != 0 {
		t.Errorf("nextListingId = %v, want 3", next)
	}
}

func TestList_refusesBadInput(t *testing.T) {
	c := newTestChain(t)
	_, err := c.send(c.seller, c.marketC, c.market.PackList([32]byte{}, c.commit(c.seller, [32]byte{}), price, hmbTerms.Pack(), hash("card"), testProvider), nil)
	wantRefusal(t, err, marketplace.EINVALID, "InvalidContentHash()")

	reserved := new(big.Int).Lsh(big.NewInt(1), 112)
	salt := c.commit(c.seller, hash("blob"))
	_, err = c.send(c.seller, c.marketC, c.market.PackList(hash("blob"), salt, price, reserved, hash("card"), testProvider), nil)
	wantRefusal(t, err, marketplace.EINVALID, fmt.Sprintf("InvalidTerms(terms %v)", reserved))

	for _, provider := range []string{"", strings.Repeat("x", 513)} {
		_, err = c.send(c.seller, c.marketC, c.market.PackList(hash("blob"), salt, price, hmbTerms.Pack(), hash("card"), provider), nil)
		wantRefusal(t, err, marketplace.EINVALID, "InvalidProvider()")
	}
}

func TestBuy_recordsLicenceAndCreditsSeller(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	before := c.balance(c.buyer.addr)
	r, err := c.buy(c.buyer, id, price)
	if err != nil {
		t.Fatal(err)
	}
	now := c.now()
	wantExpiry := now + 30*86400

	var ev *DataLicenseMarketLicencePurchased
	for _, l := range r.Logs {
		if e, err := c.market.UnpackLicencePurchasedEvent(l); err == nil {
			ev = e
		}
	}
	if ev == nil || ev.Id.Cmp(id) != 0 || ev.Buyer != c.buyer.addr || ev.Seller != c.seller.addr ||
		ev.Price.Cmp(price) != 0 || ev.ExpiresAt != wantExpiry || ev.Seats != 2 {
		t.Fatalf("LicencePurchased = %+v, want expiry %d", ev, wantExpiry)
	}
	if got := c.licence(id, c.buyer); got != (LicenceOutput{ExpiresAt: wantExpiry, Seats: 2}) {
		t.Errorf("licence = %+v", got)
	}
	if !c.hasLicence(id, c.buyer) || c.hasLicence(id, c.stranger) || c.hasLicence(id, c.seller) {
		t.Error("hasLicence: want true for the buyer only")
	}
	if got := c.withdrawable(c.seller.addr); got.Cmp(price) != 0 {
		t.Errorf("withdrawable = %v, want %v", got, price)
	}
	spent := new(big.Int).Sub(before, c.balance(c.buyer.addr))
	if want := new(big.Int).Add(price, gasCost(r)); spent.Cmp(want) != 0 {
		t.Errorf("buyer spent %v, want price+gas %v", spent, want)
	}
}

func TestBuy_refusals(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	gone := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.seller, c.marketC, c.market.PackDelist(gone), nil)
	perp := c.list(c.seller, price, perpetual)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(perp), price)

	for _, tc := range []struct {
		name  string
		id    *big.Int
		value *big.Int
		code  string
		want  string
	}{
		{"too little", id, big.NewInt(1), marketplace.EINVALID, fmt.Sprintf("WrongPrice(want %v, got 1)", price)},
		{"nothing", id, nil, marketplace.EINVALID, fmt.Sprintf("WrongPrice(want %v, got 0)", price)},
		{"too much", id, eth(1), marketplace.EINVALID, fmt.Sprintf("WrongPrice(want %v, got %v)", price, eth(1))},
		{"unknown listing", big.NewInt(99), price, marketplace.ENOTFOUND, "UnknownListing(id 99)"},
		{"delisted", gone, price, marketplace.ECONFLICT, fmt.Sprintf("ListingInactive(id %v)", gone)},
		{"perpetual held", perp, price, marketplace.ECONFLICT, fmt.Sprintf("AlreadyLicensed(id %v, holder %s)", perp, c.buyer.addr.Hex())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := c.balance(c.buyer.addr)
			_, err := c.buy(c.buyer, tc.id, tc.value)
			wantRefusal(t, err, tc.code, tc.want)
			if after := c.balance(c.buyer.addr); after.Cmp(before) != 0 {
				t.Errorf("a refused purchase cost %v", new(big.Int).Sub(before, after))
			}
		})
	}
	if got := c.withdrawable(c.seller.addr); got.Cmp(price) != 0 {
		t.Errorf("withdrawable after refusals = %v, want the one sale %v", got, price)
	}
}

func TestLicence_expires(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	exp := c.licence(id, c.buyer).ExpiresAt

	c.advance(29 * day)
	if !c.hasLicence(id, c.buyer) {
		t.Fatalf("licence lapsed early: now %d, expiry %d", c.now(), exp)
	}
	c.advance(day + time.Second)
	if c.now() < exp {
		t.Fatalf("clock %d not past expiry %d", c.now(), exp)
	}
	if c.hasLicence(id, c.buyer) {
		t.Fatal("licence still valid after expiry")
	}
}

func TestBuy_renewsAfterExpiry(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	c.advance(45 * day)
	if c.hasLicence(id, c.buyer) {
		t.Fatal("licence valid after expiry")
	}
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	// The new period starts at the renewal, not at the old expiry.
	if got, want := c.licence(id, c.buyer).ExpiresAt, c.now()+30*86400; got != want {
		t.Errorf("renewed expiry = %d, want %d", got, want)
	}
	if !c.hasLicence(id, c.buyer) {
		t.Error("renewed licence not valid")
	}
	if got := c.withdrawable(c.seller.addr); got.Cmp(new(big.Int).Mul(price, big.NewInt(2))) != 0 {
		t.Errorf("withdrawable = %v, want two sales", got)
	}
}

func TestBuy_whileValidExtendsFromCurrentExpiry(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	first := c.licence(id, c.buyer).ExpiresAt
	c.advance(10 * day)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	if got, want := c.licence(id, c.buyer).ExpiresAt, first+30*86400; got != want {
		t.Errorf("extended expiry = %d, want old expiry + 30 days = %d", got, want)
	}
}

func TestBuy_perpetualNeverExpires(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, perpetual)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	if got := c.licence(id, c.buyer).ExpiresAt; got != ^uint64(0) {
		t.Errorf("perpetual expiry = %d", got)
	}
	c.advance(3650 * day)
	if !c.hasLicence(id, c.buyer) {
		t.Error("perpetual licence expired")
	}
}

func TestBuy_freeListing(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, new(big.Int), hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), nil)
	if !c.hasLicence(id, c.buyer) {
		t.Error("free licence not recorded")
	}
	if got := c.withdrawable(c.seller.addr); got.Sign() != 0 {
		t.Errorf("withdrawable = %v after a free sale", got)
	}
}

func TestSeats_addUpToLimitAndRemove(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms) // 2 seats
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)

	r := c.mustSend(c.buyer, c.marketC, c.market.PackAddSeat(id, c.member.addr), nil)
	ev, err := c.market.UnpackSeatAddedEvent(r.Logs[0])
	if err != nil || ev.Id.Cmp(id) != 0 || ev.Holder != c.buyer.addr || ev.Member != c.member.addr {
		t.Fatalf("SeatAdded = %+v, %v", ev, err)
	}
	c.mustSend(c.buyer, c.marketC, c.market.PackAddSeat(id, c.member2.addr), nil)
	if !c.hasLicence(id, c.member) || !c.hasLicence(id, c.member2) {
		t.Fatal("seated members have no licence")
	}
	if got := c.licence(id, c.buyer); got.SeatsUsed != 2 || got.Seats != 2 {
		t.Errorf("licence = %+v, want 2 of 2 seats used", got)
	}
	holder := call(c, c.marketC, c.market.PackSeatHolder(id, c.member.addr), c.market.UnpackSeatHolder)
	if holder != c.buyer.addr {
		t.Errorf("seatHolder = %s", holder)
	}

	_, err = c.send(c.buyer, c.marketC, c.market.PackAddSeat(id, c.stranger.addr), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("NoSeatsLeft(id %v, seats 2)", id))

	r = c.mustSend(c.buyer, c.marketC, c.market.PackRemoveSeat(id, c.member.addr), nil)
	if ev, err := c.market.UnpackSeatRemovedEvent(r.Logs[0]); err != nil || ev.Member != c.member.addr || ev.Holder != c.buyer.addr {
		t.Fatalf("SeatRemoved = %+v, %v", ev, err)
	}
	if c.hasLicence(id, c.member) {
		t.Error("removed member keeps access")
	}
	if !c.hasLicence(id, c.member2) {
		t.Error("other member lost access")
	}
	// The freed seat can be given to someone else.
	c.mustSend(c.buyer, c.marketC, c.market.PackAddSeat(id, c.stranger.addr), nil)
	if !c.hasLicence(id, c.stranger) {
		t.Error("new member has no access")
	}
}

func TestSeats_refusals(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	c.mustSend(c.buyer2, c.marketC, c.market.PackBuy(id), price)
	c.mustSend(c.buyer, c.marketC, c.market.PackAddSeat(id, c.member.addr), nil)

	for _, tc := range []struct {
		name string
		from *account
		data []byte
		code string
		want string
	}{
		{"add without licence", c.stranger, c.market.PackAddSeat(id, c.member2.addr), marketplace.EFORBIDDEN,
			fmt.Sprintf("NotHolder(id %v, caller %s)", id, c.stranger.addr.Hex())},
		{"remove without licence", c.stranger, c.market.PackRemoveSeat(id, c.member.addr), marketplace.EFORBIDDEN,
			fmt.Sprintf("NotHolder(id %v, caller %s)", id, c.stranger.addr.Hex())},
		{"member seated elsewhere", c.buyer2, c.market.PackAddSeat(id, c.member.addr), marketplace.ECONFLICT,
			fmt.Sprintf("SeatTaken(id %v, member %s, holder %s)", id, c.member.addr.Hex(), c.buyer.addr.Hex())},
		{"seat twice", c.buyer, c.market.PackAddSeat(id, c.member.addr), marketplace.ECONFLICT,
			fmt.Sprintf("SeatTaken(id %v, member %s, holder %s)", id, c.member.addr.Hex(), c.buyer.addr.Hex())},
		{"seat self", c.buyer, c.market.PackAddSeat(id, c.buyer.addr), marketplace.EINVALID,
			fmt.Sprintf("InvalidMember(member %s)", c.buyer.addr.Hex())},
		{"seat zero address", c.buyer, c.market.PackAddSeat(id, common.Address{}), marketplace.EINVALID,
			fmt.Sprintf("InvalidMember(member %s)", common.Address{}.Hex())},
		{"remove someone else's member", c.buyer2, c.market.PackRemoveSeat(id, c.member.addr), marketplace.ENOTFOUND,
			fmt.Sprintf("NotSeatMember(id %v, member %s)", id, c.member.addr.Hex())},
		{"remove non-member", c.buyer, c.market.PackRemoveSeat(id, c.member2.addr), marketplace.ENOTFOUND,
			fmt.Sprintf("NotSeatMember(id %v, member %s)", id, c.member2.addr.Hex())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.send(tc.from, c.marketC, tc.data, nil)
			wantRefusal(t, err, tc.code, tc.want)
		})
	}
}

func TestSeats_followTheHoldersLicence(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	c.mustSend(c.buyer, c.marketC, c.market.PackAddSeat(id, c.member.addr), nil)
	exp := c.licence(id, c.buyer).ExpiresAt

	c.advance(31 * day)
	if c.hasLicence(id, c.member) {
		t.Fatal("member keeps access after the holder's licence expired")
	}
	_, err := c.send(c.buyer, c.marketC, c.market.PackAddSeat(id, c.member2.addr), nil)
	wantRefusal(t, err, marketplace.EFORBIDDEN, fmt.Sprintf("LicenceExpired(id %v, holder %s, expiredAt %d)", id, c.buyer.addr.Hex(), exp))

	// Renewal brings the seated member back.
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	if !c.hasLicence(id, c.member) {
		t.Error("member has no access after renewal")
	}
}

func TestDelist_stopsSalesAndKeepsLicences(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	c.mustSend(c.buyer, c.marketC, c.market.PackAddSeat(id, c.member.addr), nil)

	_, err := c.send(c.stranger, c.marketC, c.market.PackDelist(id), nil)
	wantRefusal(t, err, marketplace.EFORBIDDEN, fmt.Sprintf("NotSeller(id %v, caller %s)", id, c.stranger.addr.Hex()))
	_, err = c.send(c.seller, c.marketC, c.market.PackDelist(big.NewInt(42)), nil)
	wantRefusal(t, err, marketplace.ENOTFOUND, "UnknownListing(id 42)")

	r := c.mustSend(c.seller, c.marketC, c.market.PackDelist(id), nil)
	if ev, err := c.market.UnpackDelistedEvent(r.Logs[0]); err != nil || ev.Id.Cmp(id) != 0 {
		t.Fatalf("Delisted = %+v, %v", ev, err)
	}
	if call(c, c.marketC, c.market.PackListing(id), c.market.UnpackListing).Active {
		t.Error("listing still active")
	}
	_, err = c.buy(c.buyer2, id, price)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("ListingInactive(id %v)", id))
	_, err = c.send(c.seller, c.marketC, c.market.PackDelist(id), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("ListingInactive(id %v)", id))

	if !c.hasLicence(id, c.buyer) || !c.hasLicence(id, c.member) {
		t.Error("delisting revoked existing licences")
	}
	// Seats can still be managed on a delisted listing's licence.
	c.mustSend(c.buyer, c.marketC, c.market.PackRemoveSeat(id, c.member.addr), nil)
	c.mustSend(c.buyer, c.marketC, c.market.PackAddSeat(id, c.member2.addr), nil)
	c.advance(31 * day)
	if c.hasLicence(id, c.buyer) {
		t.Error("licence outlived its expiry after delisting")
	}
}

func TestSetPrice_appliesToLaterSales(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)

	newPrice := new(big.Int).Mul(price, big.NewInt(3))
	_, err := c.send(c.stranger, c.marketC, c.market.PackSetPrice(id, newPrice), nil)
	wantRefusal(t, err, marketplace.EFORBIDDEN, fmt.Sprintf("NotSeller(id %v, caller %s)", id, c.stranger.addr.Hex()))
	_, err = c.send(c.seller, c.marketC, c.market.PackSetPrice(big.NewInt(7), newPrice), nil)
	wantRefusal(t, err, marketplace.ENOTFOUND, "UnknownListing(id 7)")

	r := c.mustSend(c.seller, c.marketC, c.market.PackSetPrice(id, newPrice), nil)
	if ev, err := c.market.UnpackPriceChangedEvent(r.Logs[0]); err != nil || ev.Price.Cmp(newPrice) != 0 {
		t.Fatalf("PriceChanged = %+v, %v", ev, err)
	}
	_, err = c.buy(c.buyer2, id, price)
	wantRefusal(t, err, marketplace.EINVALID, fmt.Sprintf("WrongPrice(want %v, got %v)", newPrice, price))
	c.mustSend(c.buyer2, c.marketC, c.market.PackBuy(id), newPrice)
	if got, want := c.withdrawable(c.seller.addr), new(big.Int).Add(price, newPrice); got.Cmp(want) != 0 {
		t.Errorf("withdrawable = %v, want %v", got, want)
	}

	c.mustSend(c.seller, c.marketC, c.market.PackDelist(id), nil)
	_, err = c.send(c.seller, c.marketC, c.market.PackSetPrice(id, price), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("ListingInactive(id %v)", id))
}

func TestWithdraw_paysSellerEverythingOnce(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	c.mustSend(c.buyer2, c.marketC, c.market.PackBuy(id), price)
	owed := new(big.Int).Mul(price, big.NewInt(2))

	_, err := c.send(c.stranger, c.marketC, c.market.PackWithdraw(), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("NothingToWithdraw(seller %s)", c.stranger.addr.Hex()))

	if got := c.balance(c.marketC.Address()); got.Cmp(owed) != 0 {
		t.Fatalf("market holds %v, want %v", got, owed)
	}
	before := c.balance(c.seller.addr)
	r := c.mustSend(c.seller, c.marketC, c.market.PackWithdraw(), nil)
	gained := new(big.Int).Sub(c.balance(c.seller.addr), before)
	if want := new(big.Int).Sub(owed, gasCost(r)); gained.Cmp(want) != 0 {
		t.Errorf("seller gained %v, want %v owed minus %v gas", gained, want, gasCost(r))
	}
	ev, err := c.market.UnpackWithdrawnEvent(r.Logs[0])
	if err != nil || ev.Seller != c.seller.addr || ev.Amount.Cmp(owed) != 0 {
		t.Errorf("Withdrawn = %+v, %v", ev, err)
	}
	if c.withdrawable(c.seller.addr).Sign() != 0 || c.balance(c.marketC.Address()).Sign() != 0 {
		t.Error("balance left after withdraw")
	}
	_, err = c.send(c.seller, c.marketC, c.market.PackWithdraw(), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("NothingToWithdraw(seller %s)", c.seller.addr.Hex()))
}

// sellerContract is a test contract that sells on the market itself
// (ReentrantSeller, RefusingSeller): the payee of the withdraw tests.
type sellerContract interface {
	PackConstructor(market common.Address) []byte
	Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract
	PackCommit(commitment [32]byte) []byte
	PackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int) []byte
}

// contractSeller deploys s (creation bytecode bin) against the market and
// has it commit to and list content at price under hmbTerms (a stranger
// sends its transactions); it returns the contract's address, its bound
// instance and the listing id.
func (c *testChain) contractSeller(s sellerContract, bin string, content common.Hash) (common.Address, *bind.BoundContract, *big.Int) {
	c.tb.Helper()
	addr := c.deploy(bin, s.PackConstructor(c.marketC.Address()))
	sc := s.Instance(c.client, addr)
	salt := NewSalt()
	c.mustSend(c.stranger, sc, s.PackCommit(Commitment(addr, content, salt)), nil)
	c.sim.Commit()
	r := c.mustSend(c.stranger, sc, s.PackList(content, salt, price, hmbTerms.Pack()), nil)
	return addr, sc, c.listedEvent(r).Id
}

func TestWithdraw_reentrantReceiverGetsPaidOnce(t *testing.T) {
	c := newTestChain(t)
	attacker := NewReentrantSeller()
	addr, ac, id := c.contractSeller(attacker, ReentrantSellerMetaData.Bin, hash("bait"))
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
	c.mustSend(c.buyer2, c.marketC, c.market.PackBuy(id), price)
	// An honest seller's money sits in the same contract.
	honest := c.list(c.seller, price, hmbTerms)
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(honest), price)
	owed := new(big.Int).Mul(price, big.NewInt(2))

	c.mustSend(c.stranger, ac, attacker.PackWithdraw(), nil)

	if got := call(c, ac, attacker.PackReceived(), attacker.UnpackReceived); got.Cmp(owed) != 0 {
		t.Errorf("attacker received %v, want exactly its %v", got, owed)
	}
	if n := call(c, ac, attacker.PackReentries(), attacker.UnpackReentries); n.Cmp(common.Big1) != 0 {
		t.Fatalf("re-entries = %v, want 1 (the attack did not run)", n)
	}
	if call(c, ac, attacker.PackReentrySucceeded(), attacker.UnpackReentrySucceeded) {
		t.Error("re-entrant withdraw succeeded")
	}
	data := call(c, ac, attacker.PackReentryError(), attacker.UnpackReentryError)
	re, ok := UnpackRevert(data)
	if !ok || re.Error() != fmt.Sprintf("NothingToWithdraw(seller %s)", addr.Hex()) {
		t.Errorf("re-entrant call refused with %v (%x)", re, data)
	}
	if got := c.balance(c.marketC.Address()); got.Cmp(price) != 0 {
		t.Errorf("market holds %v, want the honest seller's %v", got, price)
	}
	if got := c.withdrawable(c.seller.addr); got.Cmp(price) != 0 {
		t.Errorf("honest seller's balance = %v", got)
	}
}

func TestWithdraw_refusedTransferKeepsBalance(t *testing.T) {
	c := newTestChain(t)
	refuser := NewRefusingSeller()
	addr, rc, id := c.contractSeller(refuser, RefusingSellerMetaData.Bin, hash("x"))
	c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)

	_, err := c.send(c.stranger, rc, refuser.PackWithdraw(), nil)
	wantRefusal(t, err, marketplace.EUNAVAILABLE, fmt.Sprintf("TransferFailed(to %s, amount %v)", addr.Hex(), price))
	if got := c.withdrawable(addr); got.Cmp(price) != 0 {
		t.Errorf("withdrawable after a refused transfer = %v, want %v", got, price)
	}
}

func TestList_needsTheSendersCommitInAnEarlierBlock(t *testing.T) {
	c := newTestChain(t)
	blob := hash("blob")
	listData := func(salt common.Hash) []byte {
		return c.market.PackList(blob, salt, price, hmbTerms.Pack(), hash("card"), testProvider)
	}
	notCommitted := func(a *account) string {
		return fmt.Sprintf("NotCommitted(seller %s, contentHash %s)", a.addr.Hex(), common.Hash(blob).Hex())
	}

	t.Run("without a commit", func(t *testing.T) {
		_, err := c.send(c.seller, c.marketC, listData(NewSalt()), nil)
		wantRefusal(t, err, marketplace.ECONFLICT, notCommitted(c.seller))
	})

	t.Run("with another salt than committed", func(t *testing.T) {
		c.commit(c.seller, blob)
		_, err := c.send(c.seller, c.marketC, listData(NewSalt()), nil)
		wantRefusal(t, err, marketplace.ECONFLICT, notCommitted(c.seller))
	})

	t.Run("in the commit's block", func(t *testing.T) {
		// The simulated chain estimates at the latest block: a list estimated while the commit
		// is pending finds no commit; once the commit is the latest block, the list would be in
		// its block.
		salt := NewSalt()
		opts := *c.seller.opts
		opts.Context = c.ctx
		if _, err := bind.Transact(c.marketC, &opts, c.market.PackCommit(Commitment(c.seller.addr, blob, salt))); err != nil {
			t.Fatal(err)
		}
		head, err := c.client.BlockNumber(c.ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.send(c.seller, c.marketC, listData(salt), nil)
		wantRefusal(t, err, marketplace.ECONFLICT, notCommitted(c.seller))
		c.sim.Commit() // the commit is mined...
		_, err = c.send(c.seller, c.marketC, listData(salt), nil)
		wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("CommitNotMined(contentHash %s, blockNumber %d)", common.Hash(blob).Hex(), head+1))
		c.sim.Commit() // ...and a block later the list goes through
		r := c.mustSend(c.seller, c.marketC, listData(salt), nil)
		if got := c.listedEvent(r).CommitBlock; got.Uint64() != head+1 {
			t.Errorf("Listed.commitBlock = %v, want %d", got, head+1)
		}
	})

	t.Run("another account's commitment", func(t *testing.T) {
		// The stranger copies the seller's commitment transaction (same commitment) and the
		// seller's later list transaction: the commitment names the seller, so it lists nothing
		// for the stranger; the stranger's own commitment would have to come later.
		salt := NewSalt()
		commitment := Commitment(c.seller.addr, blob, salt)
		c.mustSend(c.seller, c.marketC, c.market.PackCommit(commitment), nil)
		c.sim.Commit()
		_, err := c.send(c.stranger, c.marketC, listData(salt), nil)
		wantRefusal(t, err, marketplace.ECONFLICT, notCommitted(c.stranger))
		_, err = c.send(c.stranger, c.marketC, c.market.PackCommit(commitment), nil)
		at := call(c, c.marketC, c.market.PackCommitBlock(commitment), c.market.UnpackCommitBlock)
		wantRefusal(t, err, marketplace.ECONFLICT, fmt.Sprintf("AlreadyCommitted(commitment %s, blockNumber %v)", commitment.Hex(), at))
		c.mustSend(c.seller, c.marketC, listData(salt), nil)
	})
}

func TestCommitment_isWhatTheContractChecks(t *testing.T) {
	c := newTestChain(t)
	salt := NewSalt()
	commitment := Commitment(c.seller.addr, hash("blob"), salt)
	r := c.mustSend(c.seller, c.marketC, c.market.PackCommit(commitment), nil)
	c.sim.Commit()
	if got := call(c, c.marketC, c.market.PackCommitBlock(commitment), c.market.UnpackCommitBlock); got.Cmp(r.BlockNumber) != 0 {
		t.Errorf("commitBlock = %v, want %v", got, r.BlockNumber)
	}
	// The list goes through only if Commitment is the contract's keccak256(abi.encode(...)).
	c.mustSend(c.seller, c.marketC, c.market.PackList(hash("blob"), salt, price, hmbTerms.Pack(), hash("card"), testProvider), nil)
}

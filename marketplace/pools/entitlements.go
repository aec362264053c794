package pools

import (
	"bytes"
	"fmt"
	"math/big"
	"math/bits"
	"slices"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// Sale is a LicencePurchased event that paid the pool's contract: the listing sold, the price
// paid, and where the event is on chain (which identifies it).
type Sale struct {
	ListingID uint64
	Price     *big.Int // wei
	Block     uint64
	LogIndex  uint
}

// Entitlements returns every account's cumulative entitlement from the sales up to and including
// block upToBlock, sorted by account, zero amounts left out: what a payout round posts.
//
// The maths is integer and deterministic, so any node computes the same amounts from the same log
// and events. For each counted sale of one of st's releases (sales of other listings are not this
// pool's and are ignored): fee = price * FeeBasisPoints / 10000, with the fee of the configuration
// version the release was built with; rest = price - fee; member i of the release gets
// floor(rest * records_i / sum of the release's records); what rounding leaves (at most one wei
// per member) and the fee go to the operator. A patient who withdrew keeps what the versions that
// held them earn. The entitlements add up to the counted sales exactly.
//
// EINVALID for a sale without a price, with a negative one, or counted twice (same block and log
// index).
func Entitlements(st *State, sales []Sale, upToBlock uint64) ([]Entitlement, error) {
	byListing := make(map[uint64]int, len(st.Releases))
	for i, r := range st.Releases {
		byListing[r.ListingID] = i
	}
	shares := make([]*releaseShares, len(st.Releases))
	operator := new(big.Int)
	seen := map[[2]uint64]bool{}
	for _, s := range sales {
		if s.Block > upToBlock {
			continue
		}
		i, ours := byListing[s.ListingID]
		if !ours {
			continue
		}
		if err := checkSale(s, seen); err != nil {
			return nil, err
		}
		r := st.Releases[i]
		cfg := st.Configs[r.ConfigVersion]
		if cfg == nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Pool release version %d names configuration version %d, which the pool does not hold.", r.Version, r.ConfigVersion)
		}
		if shares[i] == nil {
			shares[i] = newReleaseShares(r)
		}
		fee := new(big.Int).Mul(s.Price, big.NewInt(int64(cfg.FeeBasisPoints)))
		fee.Quo(fee, big.NewInt(10_000))
		rest := new(big.Int).Sub(s.Price, fee)
		dust := shares[i].add(rest)
		operator.Add(operator, fee).Add(operator, dust)
	}
	return sumEntitlements(st, shares, operator), nil
}

func checkSale(s Sale, seen map[[2]uint64]bool) error {
	switch {
	case s.Price == nil || s.Price.Sign() < 0:
		return marketplace.Errorf(marketplace.EINVALID, "Pool sale of listing %d at block %d: no price, or a negative one.", s.ListingID, s.Block)
	case seen[[2]uint64{s.Block, uint64(s.LogIndex)}]:
		return marketplace.Errorf(marketplace.EINVALID, "Pool sale of listing %d at block %d, log %d: counted twice.", s.ListingID, s.Block, s.LogIndex)
	}
	seen[[2]uint64{s.Block, uint64(s.LogIndex)}] = true
	return nil
}

// sumEntitlements adds up every release's shares per account, and the operator's amount.
func sumEntitlements(st *State, shares []*releaseShares, operator *big.Int) []Entitlement {
	total := map[common.Address]*big.Int{}
	add := func(a common.Address, v *big.Int) {
		if v.Sign() == 0 {
			return
		}
		if t, ok := total[a]; ok {
			t.Add(t, v)
		} else {
			total[a] = new(big.Int).Set(v)
		}
	}
	for i, sh := range shares {
		if sh == nil {
			continue
		}
		for j, m := range st.Releases[i].Members {
			add(m.Account, sh.amount(j))
		}
	}
	if st.Config != nil {
		add(st.Config.Operator, operator)
	}
	out := make([]Entitlement, 0, len(total))
	for a, v := range total {
		out = append(out, Entitlement{Account: a, Cumulative: v})
	}
	slices.SortFunc(out, func(a, b Entitlement) int { return bytes.Compare(a.Account[:], b.Account[:]) })
	return out
}

// releaseShares accumulates the members' shares of one release's sales. Amounts below 2^64 wei
// (about 18 ether) take a fast path in 128-bit integers; larger ones use big.Int.
type releaseShares struct {
	records []uint64
	sum     uint64
	fast    []u128
	slow    []*big.Int // nil until a sale needs it
}

type u128 struct{ hi, lo uint64 }

func newReleaseShares(r *Release) *releaseShares {
	sh := &releaseShares{records: make([]uint64, len(r.Members)), fast: make([]u128, len(r.Members))}
	for i, m := range r.Members {
		sh.records[i] = uint64(m.Records)
		sh.sum += uint64(m.Records)
	}
	return sh
}

// add shares rest among the members by records, rounding down, and returns what rounding left.
func (sh *releaseShares) add(rest *big.Int) *big.Int {
	if sh.sum == 0 {
		return new(big.Int).Set(rest)
	}
	if rest.IsUint64() {
		r := rest.Uint64()
		var given uint64
		for i, n := range sh.records {
			// r*n/sum <= r < 2^64, so the high word of r*n is below sum and Div64 cannot overflow.
			hi, lo := bits.Mul64(r, n)
			q, _ := bits.Div64(hi, lo, sh.sum)
			given += q
			var carry uint64
			sh.fast[i].lo, carry = bits.Add64(sh.fast[i].lo, q, 0)
			sh.fast[i].hi += carry
		}
		return new(big.Int).SetUint64(r - given)
	}
	if sh.slow == nil {
		sh.slow = make([]*big.Int, len(sh.records))
		for i := range sh.slow {
			sh.slow[i] = new(big.Int)
		}
	}
	sum := new(big.Int).SetUint64(sh.sum)
	dust := new(big.Int).Set(rest)
	q := new(big.Int)
	for i, n := range sh.records {
		q.Mul(rest, new(big.Int).SetUint64(n))
		q.Quo(q, sum)
		sh.slow[i].Add(sh.slow[i], q)
		dust.Sub(dust, q)
	}
	return dust
}

// amount is member i's total share.
func (sh *releaseShares) amount(i int) *big.Int {
	v := new(big.Int).SetUint64(sh.fast[i].hi)
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(sh.fast[i].lo))
	if sh.slow != nil {
		v.Add(v, sh.slow[i])
	}
	return v
}

// Discrepancy is an account whose computed and published entitlements differ. A nil amount is
// absent on that side.
type Discrepancy struct {
	Account   common.Address
	Computed  *big.Int
	Published *big.Int
}

// String says what differs, for a person: "0xAbc…: computed 5 wei, published 7 wei".
func (d Discrepancy) String() string {
	side := func(v *big.Int) string {
		if v == nil {
			return "absent"
		}
		return v.String() + " wei"
	}
	return fmt.Sprintf("%s: computed %s, published %s", d.Account.Hex(), side(d.Computed), side(d.Published))
}

// Compare returns the accounts whose entitlements differ between computed and published, sorted
// by account; empty when they agree. A zero amount and an absent one agree (Entitlements leaves
// zero amounts out). An account listed twice on one side counts with its total.
func Compare(computed, published []Entitlement) []Discrepancy {
	c, p := totals(computed), totals(published)
	var out []Discrepancy
	for a, cv := range c {
		pv := p[a]
		if amountOf(cv).Cmp(amountOf(pv)) != 0 {
			out = append(out, Discrepancy{Account: a, Computed: cv, Published: pv})
		}
	}
	for a, pv := range p {
		if _, ok := c[a]; !ok && pv.Sign() != 0 {
			out = append(out, Discrepancy{Account: a, Published: pv})
		}
	}
	slices.SortFunc(out, func(a, b Discrepancy) int { return bytes.Compare(a.Account[:], b.Account[:]) })
	return out
}

// totals sums es per account (a nil amount counts as zero).
func totals(es []Entitlement) map[common.Address]*big.Int {
	m := make(map[common.Address]*big.Int, len(es))
	for _, e := range es {
		t, ok := m[e.Account]
		if !ok {
			t = new(big.Int)
			m[e.Account] = t
		}
		t.Add(t, amountOf(e.Cumulative))
	}
	return m
}

// amountOf is v, or zero for nil.
func amountOf(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}

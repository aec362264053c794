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

// poolGasCase measures one PoolPayouts operation under mainnet rules.
type poolGasCase struct {
	name    string
	target  uint64 // 0: reported only
	measure func(t *testing.T) *types.Receipt
}

// postRoundGas posts a first round for n contributors, then a second one, and returns the second
// (the first round's root slot goes from zero, every later one is the case a pool lives in).
func postRoundGas(t *testing.T, n int, second bool) *types.Receipt {
	p := newPoolChain(t)
	es := contributors(n, uint64(n))
	tree := mustTree(t, es...)
	p.fund(p.buyer, new(big.Int).Mul(tree.Total(), big.NewInt(2)))
	r, err := p.post(tree)
	if err != nil || !second {
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := range es {
		es[i].Cumulative = new(big.Int).Mul(es[i].Cumulative, big.NewInt(2))
	}
	r, err = p.post(mustTree(t, es...))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// claimGas posts a round for n contributors and returns the receipt of a third party's claim for
// one of them. existing: the contributor's account already exists on chain (holds ether), as a
// patient's who ever transacted does; otherwise the payment creates it (25,000 gas more, EIP-161).
// second: the claim after a second round (the claimed slot goes non-zero to non-zero).
func claimGas(t *testing.T, n int, existing, second bool) *types.Receipt {
	p := newPoolChain(t)
	es := contributors(n, uint64(n))
	tree := mustTree(t, es...)
	who := es[n/2].Account
	if proof, err := tree.Proof(who); err != nil || len(proof) != bitsFor(n) {
		t.Fatalf("proof of depth %d (%v), want %d", len(proof), err, bitsFor(n))
	}
	if existing {
		p.pay(p.deployer, who, big.NewInt(1))
	}
	p.fund(p.buyer, new(big.Int).Mul(tree.Total(), big.NewInt(2)))
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	r, err := p.claim(p.stranger, tree, who)
	if err != nil {
		t.Fatal(err)
	}
	if !second {
		return r
	}
	for i := range es {
		es[i].Cumulative = new(big.Int).Mul(es[i].Cumulative, big.NewInt(2))
	}
	tree = mustTree(t, es...)
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	r, err = p.claim(p.stranger, tree, who)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// bitsFor is the depth of a tree of n leaves: ceil(log2 n).
func bitsFor(n int) int {
	d := 0
	for 1<<d < n {
		d++
	}
	return d
}

// deployPoolGas returns the receipt of a PoolPayouts deployment.
func deployPoolGas(t *testing.T) *types.Receipt {
	c := newTestChain(t)
	_, tx, err := bind.DeployContract(c.deployer.opts, common.FromHex(PoolPayoutsMetaData.Bin), c.client,
		NewPoolPayouts().PackConstructor(c.sponsor.addr, c.marketC.Address()))
	if err != nil {
		t.Fatal(DecodeRevert(err))
	}
	c.sim.Commit()
	return c.receipt(tx)
}

// gasTerms are a real listing's terms, every field non-zero (as the market's list scenario).
var gasTerms = marketplace.Terms{Use: marketplace.HMB | marketplace.NCU | marketplace.IRB | marketplace.PUB, DurationDays: 365, Seats: 5}

// listGas lists two versions, through the pool or directly from the operator's account with the
// same arguments, and returns the second list (the listing counter and the market's account are
// warm as in a pool's life; the first listing of a chain pays the same).
func listGas(t *testing.T, throughPool bool) *types.Receipt {
	p := newPoolChain(t)
	var r *types.Receipt
	for n := range 2 {
		content, salt := hash(fmt.Sprint("version ", n)), hash(fmt.Sprint("salt ", n)) // fixed: calldata gas depends on the bytes
		if throughPool {
			p.mustSend(p.sponsor, p.poolC, p.pool.PackCommit(Commitment(p.addr, content, salt)), nil)
			p.sim.Commit()
			r = p.mustSend(p.sponsor, p.poolC, p.pool.PackList(content, salt, price, gasTerms.Pack(), hash("card"), testProvider), nil)
		} else {
			p.mustSend(p.sponsor, p.marketC, p.market.PackCommit(Commitment(p.sponsor.addr, content, salt)), nil)
			p.sim.Commit()
			r = p.mustSend(p.sponsor, p.marketC, p.market.PackList(content, salt, price, gasTerms.Pack(), hash("card"), testProvider), nil)
		}
	}
	return r
}

// commitGas returns a commit through the pool, or directly from the operator's account.
func commitGas(t *testing.T, throughPool bool) *types.Receipt {
	p := newPoolChain(t)
	salt := hash("salt") // fixed: calldata gas depends on the commitment's bytes
	if throughPool {
		return p.mustSend(p.sponsor, p.poolC, p.pool.PackCommit(Commitment(p.addr, hash("v"), salt)), nil)
	}
	return p.mustSend(p.sponsor, p.marketC, p.market.PackCommit(Commitment(p.sponsor.addr, hash("v"), salt)), nil)
}

// collectGas sells a pool's listing twice and returns a stranger's collect: the pool's first
// (totalReceived goes from zero), or a later one (it grows).
func collectGas(t *testing.T, later bool) *types.Receipt {
	p := newPoolChain(t)
	id, _ := p.sellTwice()
	r := p.mustSend(p.stranger, p.poolC, p.pool.PackCollect(), nil)
	if !later {
		return r
	}
	p.mustSend(p.buyer, p.marketC, p.market.PackBuy(id), price)
	return p.mustSend(p.stranger, p.poolC, p.pool.PackCollect(), nil)
}

var poolGasCases = []poolGasCase{
	{"deploy PoolPayouts", 0, deployPoolGas},
	{"pool.commit", 50_000, func(t *testing.T) *types.Receipt { return commitGas(t, true) }},
	{"market.commit from the operator's account (comparison)", 0, func(t *testing.T) *types.Receipt { return commitGas(t, false) }},
	{"pool.list (after its commit)", 100_000, func(t *testing.T) *types.Receipt { return listGas(t, true) }},
	{"market.list from the operator's account, same arguments (comparison)", 0, func(t *testing.T) *types.Receipt { return listGas(t, false) }},
	{"collect, the pool's first (two sales)", 0, func(t *testing.T) *types.Receipt { return collectGas(t, false) }},
	{"collect, a later one", 0, func(t *testing.T) *types.Receipt { return collectGas(t, true) }},
	{"postRound, first round of a pool that received nothing (total 0)", 60_000, func(t *testing.T) *types.Receipt {
		p := newPoolChain(t)
		tree := mustTree(t, ent(p.member.addr, new(big.Int)), ent(p.member2.addr, new(big.Int)))
		r, err := p.post(tree)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}},
	{"postRound, 2 contributors, first round", 60_000, func(t *testing.T) *types.Receipt { return postRoundGas(t, 2, false) }},
	{"postRound, 2 contributors, later round", 60_000, func(t *testing.T) *types.Receipt { return postRoundGas(t, 2, true) }},
	{"postRound, 100,000 contributors, first round", 60_000, func(t *testing.T) *types.Receipt { return postRoundGas(t, 100_000, false) }},
	{"postRound, 100,000 contributors, later round", 60_000, func(t *testing.T) *types.Receipt { return postRoundGas(t, 100_000, true) }},
	{"claim, 100,000 contributors (depth 17), first claim", 70_000, func(t *testing.T) *types.Receipt { return claimGas(t, 100_000, true, false) }},
	{"claim, 100,000 contributors (depth 17), later round", 70_000, func(t *testing.T) *types.Receipt { return claimGas(t, 100_000, true, true) }},
	{"claim, 100,000 contributors (depth 17), first claim, account new on chain", 0, func(t *testing.T) *types.Receipt { return claimGas(t, 100_000, false, false) }},
}

// TestPoolGas_withinTargets holds PoolPayouts to the gas targets under mainnet rules and
// logs the figures (gas is deterministic: no timing):
//
//	go test -count=1 -run TestPoolGas -v ./marketplace/contracts/
func TestPoolGas_withinTargets(t *testing.T) {
	for _, c := range poolGasCases {
		t.Run(c.name, func(t *testing.T) {
			gas := c.measure(t).GasUsed
			t.Logf("%s: %d gas", c.name, gas)
			if c.target != 0 && gas > c.target {
				t.Errorf("%s uses %d gas, target %d", c.name, gas, c.target)
			}
		})
	}
}

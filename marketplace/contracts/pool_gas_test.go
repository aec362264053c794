package contracts

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"
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

var poolGasCases = []poolGasCase{
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

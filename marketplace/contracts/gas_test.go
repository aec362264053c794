package contracts

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

// gasScenario prepares a chain for one operation and returns a step that performs it once more,
// returning the receipt of the measured transaction. Steps are repeatable, and every repetition
// is the case the target is about.
type gasScenario struct {
	name   string
	target uint64 // 0: no target, reported only
	setup  func(c *testChain) (step func() *types.Receipt)
}

var gasScenarios = []gasScenario{
	{"list", 100_000, func(c *testChain) func() *types.Receipt {
		// A listing with every field non-zero, as a real one is.
		terms := marketplace.Terms{Use: marketplace.HMB | marketplace.NCU | marketplace.IRB | marketplace.PUB, DurationDays: 365, Seats: 5}
		n := 0
		return func() *types.Receipt {
			n++
			blob := hash(string(rune(n)))
			salt := c.commit(c.seller, blob)
			return c.mustSend(c.seller, c.marketC, c.market.PackList(blob, salt, price, terms.Pack(), hash("card"), testProvider), nil)
		}
	}},
	{"commit", 50_000, func(c *testChain) func() *types.Receipt {
		n := 0
		return func() *types.Receipt {
			n++
			return c.mustSend(c.seller, c.marketC, c.market.PackCommit(Commitment(c.seller.addr, hash(fmt.Sprint("commit-", n)), NewSalt())), nil)
		}
	}},
	{"buy", 80_000, func(c *testChain) func() *types.Receipt {
		// The costliest first purchase: a new licence, and a seller with nothing pending
		// (its balance slot goes from zero to non-zero), so the seller withdraws after each.
		return func() *types.Receipt {
			id := c.list(c.seller, price, hmbTerms)
			r := c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
			c.mustSend(c.seller, c.marketC, c.market.PackWithdraw(), nil)
			return r
		}
	}},
	{"addSeat", 0, func(c *testChain) func() *types.Receipt {
		id := c.list(c.seller, price, marketplace.Terms{Use: marketplace.HMB, DurationDays: 365, Seats: ^uint16(0)})
		c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
		return func() *types.Receipt {
			return c.mustSend(c.buyer, c.marketC, c.market.PackAddSeat(id, newAddress(c.tb)), nil)
		}
	}},
	{"register (with a 135-byte log key)", 0, func(c *testChain) func() *types.Receipt {
		n := 0
		return func() *types.Receipt {
			n++
			return c.mustSend(c.sponsor, c.regC, c.registry.PackRegister(hash(fmt.Sprint("NCT-register-", n)), hash("protocol"), testLogKey), nil)
		}
	}},
	{"anchor", 40_000, func(c *testChain) func() *types.Receipt {
		// A later checkpoint: the trial already has an anchor, which this one grows.
		trial := hash("NCT-bench")
		c.mustSend(c.sponsor, c.regC, c.registry.PackRegister(trial, hash("protocol"), testLogKey), nil)
		size := uint64(1)
		c.mustSend(c.sponsor, c.regC, c.registry.PackAnchor(trial, size, hash("root1")), nil)
		return func() *types.Receipt {
			size += 17
			root := crypto.Keccak256Hash(new(big.Int).SetUint64(size).Bytes())
			return c.mustSend(c.sponsor, c.regC, c.registry.PackAnchor(trial, size, root), nil)
		}
	}},
	{"withdraw", 35_000, func(c *testChain) func() *types.Receipt {
		id := c.list(c.seller, price, hmbTerms)
		return func() *types.Receipt {
			c.mustSend(c.buyer, c.marketC, c.market.PackBuy(id), price)
			return c.mustSend(c.seller, c.marketC, c.market.PackWithdraw(), nil)
		}
	}},
}

func newAddress(tb testing.TB) common.Address {
	key, err := crypto.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return crypto.PubkeyToAddress(key.PublicKey)
}

// TestGas_withinTargets holds the contracts to the gas targets under mainnet rules (gas is
// deterministic, so this is no timing test). BenchmarkGas reports the figures.
func TestGas_withinTargets(t *testing.T) {
	for _, s := range gasScenarios {
		t.Run(s.name, func(t *testing.T) {
			c := newTestChain(t)
			step := s.setup(c)
			step()
			gas := step().GasUsed
			t.Logf("%s: %d gas", s.name, gas)
			if s.target != 0 && gas > s.target {
				t.Errorf("%s uses %d gas, target %d", s.name, gas, s.target)
			}
		})
	}
}

// BenchmarkGas reports each operation's gas under mainnet rules as gas/op:
//
//	go test -run xxx -bench Gas ./marketplace/contracts/
func BenchmarkGas(b *testing.B) {
	for _, s := range gasScenarios {
		b.Run(s.name, func(b *testing.B) {
			c := newTestChain(b)
			step := s.setup(c)
			step() // warm-up: the first of a kind may differ (first anchor, first listing)
			var gas uint64
			for b.Loop() {
				gas = step().GasUsed
			}
			b.ReportMetric(float64(gas), "gas/op")
		})
	}
}

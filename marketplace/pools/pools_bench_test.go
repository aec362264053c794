package pools

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// benchState is a pool of 10,000 contributors and 10 releases, each holding a random 90 % of
// them with 1 to 500 records, and 200 sales of its listings at prices around 0.01 to 1 ether.
func benchState(b *testing.B) (*State, []Sale) {
	b.Helper()
	const contributors, releases, nSales = 10_000, 10, 200
	r := rand.New(rand.NewPCG(10_000, 10))
	st := &State{Configs: map[int]*Config{1: testConfig(1)}}
	st.Config = st.Configs[1]
	accounts := make([]common.Address, contributors)
	for i := range accounts {
		accounts[i] = common.BigToAddress(new(big.Int).SetUint64(r.Uint64() | 1))
	}
	for v := 1; v <= releases; v++ {
		var cands []Candidate
		for _, i := range r.Perm(contributors)[:contributors*9/10] {
			cands = append(cands, Candidate{Account: accounts[i], Records: 1 + r.IntN(500)})
		}
		ms, _ := CheckUnion(cands, 1)
		st.Releases = append(st.Releases, &Release{Version: v, ConfigVersion: 1, ListingID: uint64(100 + v), Members: ms})
	}
	sales := make([]Sale, nSales)
	for i := range sales {
		price := new(big.Int).Mul(big.NewInt(1e16), big.NewInt(int64(1+r.IntN(100))))
		sales[i] = Sale{ListingID: uint64(101 + r.IntN(releases)), Price: price, Block: uint64(i + 1), LogIndex: 0}
	}
	return st, sales
}

// BenchmarkEntitlements computes the entitlements of a payout round of 10,000 contributors (10
// releases, 200 sales), without the tree.
func BenchmarkEntitlements(b *testing.B) {
	st, sales := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Entitlements(st, sales, 1_000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEntitlementsAndTree computes a payout round of 10,000 contributors (10 releases, 200
// sales) and builds its tree: what the operator does per round, and any node that verifies it.
func BenchmarkEntitlementsAndTree(b *testing.B) {
	st, sales := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		es, err := Entitlements(st, sales, 1_000)
		if err != nil {
			b.Fatal(err)
		}
		tree, err := BuildTree(es)
		if err != nil {
			b.Fatal(err)
		}
		if tree.Len() != 10_001 {
			b.Fatalf("%d leaves", tree.Len())
		}
	}
}

// BenchmarkReplay replays a log of 10,000 signed consents and a release holding them all: each
// consent's signature is recovered, each member checked, the contributions' root computed.
func BenchmarkReplay(b *testing.B) {
	const members = 10_000
	cfg := testConfig(1)
	leaves := [][]byte{leaf(b, Entry{Kind: KindConfig, Config: cfg})}
	ms := make([]Member, members)
	for i := range members {
		c := signedConsent(b, testKey(b, i), cfg, contribution(i, 0), 1+i%50, testT0)
		leaves = append(leaves, leaf(b, Entry{Kind: KindJoined, Consent: c}))
		ms[i] = Member{Account: c.Account, Contribution: c.Contribution, Records: c.Records}
	}
	ms, _ = CheckUnion(candidatesOf(ms), 1)
	leaves = append(leaves, leaf(b, Entry{Kind: KindReleased, Release: release(1, cfg, 1, ms, testT0)}))
	b.ReportAllocs()
	for b.Loop() {
		st, err := Replay(leaves)
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Active) != members || len(st.Releases) != 1 {
			b.Fatalf("%d active, %d releases", len(st.Active), len(st.Releases))
		}
	}
}

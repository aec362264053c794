package pools

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// workedExample is a pool with two versions under two configurations (fees 10 % and 5 %), one
// patient (2) who withdrew after version 1, and one (3) who joined for version 2; its sales, and
// the entitlements worked out by hand in TestEntitlements_workedExample.
func workedExample(t *testing.T) (*State, []Sale) {
	cfg2 := testConfig(2)
	cfg2.FeeBasisPoints = 500
	l := newPoolLog(t).
		join(1, 1, contribution(1, 0), 10).
		join(2, 1, contribution(2, 0), 20).
		release(1, 1, 7, member(t, 1, contribution(1, 0), 10), member(t, 2, contribution(2, 0), 20)).
		config(cfg2).
		withdraw(2).
		join(3, 2, contribution(3, 0), 5).
		join(1, 2, contribution(1, 1), 12).
		release(2, 2, 9, member(t, 1, contribution(1, 1), 12), member(t, 3, contribution(3, 0), 5))
	st, err := Replay(l.leaves())
	if err != nil {
		t.Fatal(err)
	}
	sales := []Sale{
		{ListingID: 7, Price: big.NewInt(1000), Block: 10},
		{ListingID: 7, Price: big.NewInt(1001), Block: 20},
		{ListingID: 9, Price: big.NewInt(2000), Block: 30},
		{ListingID: 7, Price: big.NewInt(3000), Block: 40},
		{ListingID: 9, Price: big.NewInt(5000), Block: 51},  // after the round's block
		{ListingID: 99, Price: big.NewInt(7777), Block: 15}, // another seller's listing
	}
	return st, sales
}

func TestEntitlements_workedExample(t *testing.T) {
	st, sales := workedExample(t)
	got, err := Entitlements(st, sales, 50)
	if err != nil {
		t.Fatal(err)
	}
	// Version 1 (fee 10 %, records 10 and 20 of 30):
	//   1000 wei: fee 100, rest 900: patient 1 300, patient 2 600.
	//   1001 wei: fee 100 (100.1 rounded down), rest 901: patient 1 300 (300.3), patient 2 600
	//             (600.7), one wei of dust to the operator.
	//   3000 wei (after patient 2 withdrew; version 1 still holds them): fee 300, rest 2700:
	//             patient 1 900, patient 2 1800.
	// Version 2 (fee 5 %, records 12 and 5 of 17):
	//   2000 wei: fee 100, rest 1900: patient 1 1341 (1341.2), patient 3 558 (558.8), one wei of
	//             dust.
	// The 5000 wei sale is after block 50 and listing 99 is not the pool's.
	want := map[common.Address]int64{
		testKey(t, 1).Address(): 300 + 300 + 900 + 1341,
		testKey(t, 2).Address(): 600 + 600 + 1800,
		testKey(t, 3).Address(): 558,
		st.Config.Operator:      100 + 101 + 300 + 101,
	}
	if len(got) != len(want) {
		t.Fatalf("%d entitlements, want %d: %v", len(got), len(want), got)
	}
	sum := new(big.Int)
	for i, e := range got {
		if i > 0 && got[i-1].Account.Cmp(e.Account) >= 0 {
			t.Error("entitlements not sorted by account")
		}
		if w, ok := want[e.Account]; !ok || e.Cumulative.Int64() != w {
			t.Errorf("%s: %s wei, want %d", e.Account.Hex(), e.Cumulative, w)
		}
		sum.Add(sum, e.Cumulative)
	}
	if sum.Int64() != 1000+1001+2000+3000 {
		t.Errorf("entitlements add up to %s, the counted sales to 7001", sum)
	}
}

func TestEntitlements_refusesBadSales(t *testing.T) {
	st, _ := workedExample(t)
	cases := map[string][]Sale{
		"no price":       {{ListingID: 7, Block: 1}},
		"negative price": {{ListingID: 7, Price: big.NewInt(-1), Block: 1}},
		"counted twice":  {{ListingID: 7, Price: big.NewInt(1), Block: 1, LogIndex: 2}, {ListingID: 9, Price: big.NewInt(1), Block: 1, LogIndex: 2}},
	}
	for name, sales := range cases {
		if _, err := Entitlements(st, sales, 100); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

// randomState is a pool of up to 5 releases of up to 60 members each (accounts drawn from 100,
// so members recur across releases) with random fees, and up to 80 sales of its listings and
// others', prices up to 2^100 wei (both sides of the 64-bit fast path).
func randomState(r *rand.Rand) (*State, []Sale) {
	st := &State{Configs: map[int]*Config{}}
	for v := 1; v <= 1+r.IntN(3); v++ {
		c := testConfig(v)
		c.FeeBasisPoints = uint16(r.IntN(MaxFeeBasisPoints + 1))
		st.Configs[v], st.Config = c, c
	}
	for v := 1; v <= 1+r.IntN(5); v++ {
		var cands []Candidate
		for _, n := range r.Perm(100)[:1+r.IntN(60)] {
			cands = append(cands, Candidate{Account: common.BigToAddress(big.NewInt(int64(n + 1))), Records: 1 + r.IntN(100)})
		}
		ms, _ := CheckUnion(cands, 1)
		st.Releases = append(st.Releases, &Release{Version: v, ConfigVersion: 1 + r.IntN(len(st.Configs)), ListingID: uint64(10 + v), Members: ms})
	}
	var sales []Sale
	for i := range r.IntN(80) {
		price := new(big.Int).Lsh(new(big.Int).SetUint64(r.Uint64()), uint(r.IntN(37)))
		price.Rsh(price, uint(r.IntN(64)))
		sales = append(sales, Sale{ListingID: uint64(10 + r.IntN(len(st.Releases)+2)), Price: price, Block: uint64(r.IntN(100)), LogIndex: uint(i)})
	}
	return st, sales
}

// naiveEntitlements is the rule of Entitlements written as plainly as possible, in big.Int only.
func naiveEntitlements(st *State, sales []Sale, upTo uint64) map[common.Address]*big.Int {
	out := map[common.Address]*big.Int{}
	add := func(a common.Address, v *big.Int) {
		if out[a] == nil {
			out[a] = new(big.Int)
		}
		out[a].Add(out[a], v)
	}
	for _, s := range sales {
		r := st.Release(s.ListingID)
		if r == nil || s.Block > upTo {
			continue
		}
		fee := new(big.Int).Div(new(big.Int).Mul(s.Price, big.NewInt(int64(st.Configs[r.ConfigVersion].FeeBasisPoints))), big.NewInt(10000))
		rest := new(big.Int).Sub(s.Price, fee)
		total := big.NewInt(0)
		for _, m := range r.Members {
			total.Add(total, big.NewInt(int64(m.Records)))
		}
		given := new(big.Int)
		for _, m := range r.Members {
			share := new(big.Int).Div(new(big.Int).Mul(rest, big.NewInt(int64(m.Records))), total)
			add(m.Account, share)
			given.Add(given, share)
		}
		add(st.Config.Operator, fee)
		add(st.Config.Operator, rest.Sub(rest, given))
	}
	return out
}

func TestEntitlements_addUpToTheSalesExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2026))
	for iter := range 300 {
		st, sales := randomState(r)
		upTo := uint64(r.IntN(110))
		got, err := Entitlements(st, sales, upTo)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveEntitlements(st, sales, upTo)
		sum, counted := new(big.Int), new(big.Int)
		for _, e := range got {
			if e.Cumulative.Sign() <= 0 {
				t.Fatalf("iteration %d: %s has %s wei; zero amounts are left out", iter, e.Account.Hex(), e.Cumulative)
			}
			if w := want[e.Account]; w == nil || w.Cmp(e.Cumulative) != 0 {
				t.Fatalf("iteration %d: %s has %s wei, the plain rule gives %v", iter, e.Account.Hex(), e.Cumulative, w)
			}
			sum.Add(sum, e.Cumulative)
		}
		for _, s := range sales {
			if s.Block <= upTo && st.Release(s.ListingID) != nil {
				counted.Add(counted, s.Price)
			}
		}
		if sum.Cmp(counted) != 0 {
			t.Fatalf("iteration %d: entitlements add up to %s wei, the counted sales to %s", iter, sum, counted)
		}
	}
}

func TestCompare_namesEachDifferingAccount(t *testing.T) {
	a, b, c, d := common.HexToAddress("0x0a"), common.HexToAddress("0x0b"), common.HexToAddress("0x0c"), common.HexToAddress("0x0d")
	computed := []Entitlement{{a, big.NewInt(1)}, {b, big.NewInt(2)}, {c, big.NewInt(3)}}
	published := []Entitlement{{d, big.NewInt(0)}, {c, big.NewInt(3)}, {b, big.NewInt(5)}, {common.HexToAddress("0x0e"), big.NewInt(4)}}
	got := Compare(computed, published)
	want := []string{
		"0x000000000000000000000000000000000000000A: computed 1 wei, published absent",
		"0x000000000000000000000000000000000000000b: computed 2 wei, published 5 wei",
		"0x000000000000000000000000000000000000000E: computed absent, published 4 wei",
	}
	if len(got) != len(want) {
		t.Fatalf("%d discrepancies, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("discrepancy %d: %q, want %q", i, got[i], want[i])
		}
	}
	if d := Compare(computed, computed); len(d) != 0 {
		t.Errorf("equal sides differ: %v", d)
	}
}

func TestVerifyRound_okAndNamingATamperedContributor(t *testing.T) {
	st, sales := workedExample(t)
	es, err := Entitlements(st, sales, 50)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := BuildTree(es)
	if err != nil {
		t.Fatal(err)
	}
	round := &Round{Number: 1, UpToBlock: 50, Root: tree.Root(), Total: tree.Total(), At: testT0}
	check, err := VerifyRound(st, round, sales, es)
	if err != nil {
		t.Fatal(err)
	}
	if !check.OK || len(check.Discrepancies) != 0 || check.ComputedTotal.Int64() != 7001 {
		t.Fatalf("honest round: %+v", check)
	}

	// The operator gives patient 2 one wei less and itself one more: same total, another root.
	patient2 := testKey(t, 2).Address()
	tampered := make([]Entitlement, len(es))
	for i, e := range es {
		tampered[i] = Entitlement{e.Account, new(big.Int).Set(e.Cumulative)}
		switch e.Account {
		case patient2:
			tampered[i].Cumulative.Sub(tampered[i].Cumulative, big.NewInt(1))
		case st.Config.Operator:
			tampered[i].Cumulative.Add(tampered[i].Cumulative, big.NewInt(1))
		}
	}
	bad, err := BuildTree(tampered)
	if err != nil {
		t.Fatal(err)
	}
	round.Root = bad.Root()
	check, err = VerifyRound(st, round, sales, tampered)
	if err != nil {
		t.Fatal(err)
	}
	if check.OK || check.Root == check.ComputedRoot || check.Total.Cmp(check.ComputedTotal) != 0 {
		t.Errorf("tampered round: OK %v, root %x computed %x, totals %s %s", check.OK, check.Root, check.ComputedRoot, check.Total, check.ComputedTotal)
	}
	if len(check.Discrepancies) != 2 {
		t.Fatalf("discrepancies %v, want patient 2 and the operator", check.Discrepancies)
	}
	for _, d := range check.Discrepancies {
		if d.Account != patient2 && d.Account != st.Config.Operator {
			t.Errorf("discrepancy names %s", d.Account.Hex())
		}
	}

	// Without published entitlements the root and total still say the round is wrong.
	check, err = VerifyRound(st, round, sales, nil)
	if err != nil || check.OK {
		t.Errorf("tampered round without entitlements: OK %v, err %v", check.OK, err)
	}
	round.Root, round.Total = tree.Root(), big.NewInt(7000)
	if check, _ := VerifyRound(st, round, sales, nil); check.OK {
		t.Error("a round with a wrong total is OK")
	}
}

func TestVerifyRound_noSalesComputesTheZeroRoot(t *testing.T) {
	st, _ := workedExample(t)
	check, err := VerifyRound(st, &Round{Number: 1, UpToBlock: 5, Root: common.Hash{1}, Total: new(big.Int)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if check.OK || check.ComputedRoot != ([32]byte{}) || check.ComputedTotal.Sign() != 0 {
		t.Errorf("%+v", check)
	}
}

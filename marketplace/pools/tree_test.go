package pools

import (
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

// entitlements returns n entitlements with distinct pseudo-random accounts (seeded) and amounts
// 0, 1, 2, ... wei times 10^12.
func entitlements(n int, seed uint64) []Entitlement {
	r := rand.New(rand.NewPCG(seed, 0))
	out := make([]Entitlement, n)
	for i := range out {
		var a common.Address
		for j := range a {
			a[j] = byte(r.Uint32())
		}
		out[i] = Entitlement{Account: a, Cumulative: new(big.Int).Mul(big.NewInt(int64(i)), big.NewInt(1e12))}
	}
	return out
}

func TestBuildTree_everyProofVerifies(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 100, 257} {
		es := entitlements(n, uint64(n))
		tree, err := BuildTree(es)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			proof, err := tree.Proof(e.Account)
			if err != nil {
				t.Fatal(err)
			}
			if !VerifyProof(tree.Root(), e, proof) {
				t.Fatalf("n=%d: proof of %s does not verify", n, e.Account.Hex())
			}
			wrong := Entitlement{Account: e.Account, Cumulative: new(big.Int).Add(e.Cumulative, big.NewInt(1))}
			if VerifyProof(tree.Root(), wrong, proof) {
				t.Fatalf("n=%d: proof verifies a wrong amount", n)
			}
		}
	}
}

func TestBuildTree_proofDepth(t *testing.T) {
	tree, err := BuildTree(entitlements(100_000, 1))
	if err != nil {
		t.Fatal(err)
	}
	proof, err := tree.Proof(tree.entries[0].Account)
	if err != nil {
		t.Fatal(err)
	}
	if len(proof) != 17 {
		t.Errorf("proof depth %d at 100,000 leaves, want 17", len(proof))
	}
}

func TestBuildTree_orderDoesNotMatter(t *testing.T) {
	es := entitlements(50, 7)
	a, err := BuildTree(es)
	if err != nil {
		t.Fatal(err)
	}
	rev := slices.Clone(es)
	slices.Reverse(rev)
	b, err := BuildTree(rev)
	if err != nil {
		t.Fatal(err)
	}
	if a.Root() != b.Root() {
		t.Error("the root depends on the order of the entitlements")
	}
	if want := big.NewInt(49 * 50 / 2 * 1e12); a.Total().Cmp(want) != 0 {
		t.Errorf("total %s, want %s", a.Total(), want)
	}
}

func TestBuildTree_refuses(t *testing.T) {
	a := common.HexToAddress("0x0000000000000000000000000000000000000001")
	cases := map[string][]Entitlement{
		"empty":         nil,
		"duplicate":     {{a, big.NewInt(1)}, {common.HexToAddress("0x02"), big.NewInt(1)}, {a, big.NewInt(2)}},
		"zero account":  {{common.Address{}, big.NewInt(1)}},
		"nil amount":    {{a, nil}},
		"negative":      {{a, big.NewInt(-1)}},
		"above uint256": {{a, new(big.Int).Lsh(big.NewInt(1), 256)}},
	}
	for name, es := range cases {
		if _, err := BuildTree(es); err == nil {
			t.Errorf("%s: built", name)
		}
	}
	if _, err := BuildTree([]Entitlement{{a, new(big.Int)}}); err != nil {
		t.Errorf("a zero amount is refused: %v", err)
	}
}

func TestTree_proofOfStranger(t *testing.T) {
	tree, err := BuildTree(entitlements(10, 3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Proof(common.HexToAddress("0x99")); !errors.Is(err, ErrNotInTree) {
		t.Errorf("err = %v, want ErrNotInTree", err)
	}
}

// TestLeaf_standardMerkleTree checks the leaf against its definition spelled out independently:
// keccak256(bytes.concat(keccak256(abi.encode(address, uint256)))).
func TestLeaf_standardMerkleTree(t *testing.T) {
	a := common.HexToAddress("0x1111111111111111111111111111111111111111")
	amount := big.NewInt(5e18)
	enc := append(common.LeftPadBytes(a.Bytes(), 32), common.LeftPadBytes(amount.Bytes(), 32)...)
	want := crypto.Keccak256Hash(crypto.Keccak256(enc))
	if got := Leaf(Entitlement{a, amount}); got != want {
		t.Errorf("leaf %x, want %x", got, want)
	}
	// Two leaves: the root is their sorted-pair hash.
	b := common.HexToAddress("0x2222222222222222222222222222222222222222")
	tree, err := BuildTree([]Entitlement{{b, big.NewInt(1)}, {a, amount}})
	if err != nil {
		t.Fatal(err)
	}
	la, lb := Leaf(Entitlement{a, amount}), Leaf(Entitlement{b, big.NewInt(1)})
	if tree.Root() != hashPair(lb, la) || hashPair(la, lb) != hashPair(lb, la) {
		t.Error("two-leaf root is not the sorted-pair hash of the leaves")
	}
}

func TestEntitlementJSON_amountAsDecimalString(t *testing.T) {
	e := Entitlement{Account: common.HexToAddress("0x0a"), Cumulative: new(big.Int).Lsh(big.NewInt(1), 100)}
	b, err := json.Marshal([]Entitlement{e})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"account":"0x000000000000000000000000000000000000000a","cumulative":"1267650600228229401496703205376"}]`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var back []Entitlement
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || back[0].Account != e.Account || back[0].Cumulative.Cmp(e.Cumulative) != 0 {
		t.Errorf("round trip: %v", back)
	}
	for _, bad := range []string{`{"account":"0x000000000000000000000000000000000000000a","cumulative":5}`, `{"account":"0x000000000000000000000000000000000000000a","cumulative":"5e3"}`, `{"account":"0x000000000000000000000000000000000000000a","amount":"5"}`} {
		var e Entitlement
		if err := e.UnmarshalJSON([]byte(bad)); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", bad, err)
		}
	}
}

package pools

import (
	"errors"
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

func members(n int) []Member {
	ms := make([]Member, n)
	for i := range ms {
		ms[i] = Member{Account: common.BigToAddress(big.NewInt(int64(1000 - i))), Contribution: contribution(i, 0), Records: i + 1}
	}
	return ms
}

func TestContributionsRoot_everyProofVerifies(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 8, 9, 100} {
		ms := members(n)
		root := ContributionsRoot(ms)
		for _, m := range ms {
			proof, err := ContributionProof(ms, m.Account)
			if err != nil {
				t.Fatal(err)
			}
			if !VerifyContribution(root, m, proof) {
				t.Fatalf("n=%d: proof of %s does not verify", n, m.Account.Hex())
			}
			wrong := m
			wrong.Records++
			if VerifyContribution(root, wrong, proof) {
				t.Fatalf("n=%d: a proof verifies a wrong record count", n)
			}
		}
	}
	if _, err := ContributionProof(members(3), common.HexToAddress("0x01")); !errors.Is(err, ErrNotInTree) {
		t.Errorf("proof of a stranger: err = %v", err)
	}
}

func TestContributionsRoot_leafAndOrder(t *testing.T) {
	m := Member{Account: common.HexToAddress("0x1111111111111111111111111111111111111111"), Contribution: common.Hash{0xcc}, Records: 7}
	enc := append(append(common.LeftPadBytes(m.Account.Bytes(), 32), m.Contribution[:]...), common.LeftPadBytes([]byte{7}, 32)...)
	if want := crypto.Keccak256Hash(crypto.Keccak256(enc)); MemberLeaf(m) != want {
		t.Errorf("leaf %x, want keccak256(keccak256(abi.encode(account, contribution, records))) %x", MemberLeaf(m), want)
	}
	ms := members(10)
	rev := slices.Clone(ms)
	slices.Reverse(rev)
	if ContributionsRoot(ms) != ContributionsRoot(rev) {
		t.Error("the root depends on the members' order")
	}
	if ContributionsRoot(nil) != ([32]byte{}) {
		t.Error("no members: root is not zero")
	}
	if ContributionsRoot([]Member{m}) != MemberLeaf(m) {
		t.Error("one member: root is not its leaf")
	}
}

package pools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

// Entitlement is what a contributor is owed in total since the pool began, in wei: a payout round
// posts every contributor's cumulative entitlement, and a claim pays the difference with what the
// contributor was already paid.
type Entitlement struct {
	Account    common.Address `json:"account"`
	Cumulative *big.Int       `json:"cumulative"` // wei; JSON as a decimal string
}

type entitlementJSON struct {
	Account    common.Address `json:"account"`
	Cumulative *string        `json:"cumulative"`
}

// MarshalJSON writes e with its amount as a decimal string (JSON numbers lose precision in most
// readers).
func (e Entitlement) MarshalJSON() ([]byte, error) {
	j := entitlementJSON{Account: e.Account}
	if e.Cumulative != nil {
		s := e.Cumulative.String()
		j.Cumulative = &s
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads an entitlement strictly: unknown fields, and an amount that is not a decimal
// string, are refused (EINVALID).
func (e *Entitlement) UnmarshalJSON(b []byte) error {
	var j entitlementJSON
	if err := strictJSON(b, &j); err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "Entitlement: malformed JSON: %v.", err)
	}
	*e = Entitlement{Account: j.Account}
	if j.Cumulative != nil {
		v, ok := new(big.Int).SetString(*j.Cumulative, 10)
		if !ok {
			return marketplace.Errorf(marketplace.EINVALID, "Entitlement of %s: amount %q is not a decimal number of wei.", j.Account.Hex(), *j.Cumulative)
		}
		e.Cumulative = v
	}
	return nil
}

// ErrNotInTree is returned by Tree.Proof for an account the tree has no leaf for.
var ErrNotInTree = errors.New("account not in the payout tree")

// maxUint256 bounds a cumulative amount: the contract takes a uint256.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Tree is the Merkle tree of one payout round's entitlements. levels[0] holds the leaves in account
// order; each higher level hashes pairs of the one below, an odd last node moving up unchanged;
// the last level holds the root.
type Tree struct {
	entries []Entitlement
	levels  [][][32]byte
}

// BuildTree builds the tree of entitlements, deterministically: the result depends on the set of
// entitlements, not their order. It refuses an empty set, a zero account, an account listed twice
// and an amount that is nil, negative or above 2^256-1; zero amounts are allowed.
func BuildTree(entitlements []Entitlement) (*Tree, error) {
	if len(entitlements) == 0 {
		return nil, errors.New("payout tree: no entitlements")
	}
	entries := slices.Clone(entitlements)
	slices.SortFunc(entries, func(a, b Entitlement) int { return bytes.Compare(a.Account[:], b.Account[:]) })
	leaves := make([][32]byte, len(entries))
	for i, e := range entries {
		if err := checkEntitlement(e); err != nil {
			return nil, fmt.Errorf("payout tree: %w", err)
		}
		if i > 0 && entries[i-1].Account == e.Account {
			return nil, fmt.Errorf("payout tree: account %s listed twice", e.Account.Hex())
		}
		leaves[i] = Leaf(e)
	}
	levels := [][][32]byte{leaves}
	for level := leaves; len(level) > 1; {
		next := make([][32]byte, (len(level)+1)/2)
		for i := range next {
			if 2*i+1 < len(level) {
				next[i] = hashPair(level[2*i], level[2*i+1])
			} else {
				next[i] = level[2*i]
			}
		}
		levels = append(levels, next)
		level = next
	}
	return &Tree{entries: entries, levels: levels}, nil
}

func checkEntitlement(e Entitlement) error {
	switch {
	case e.Account == (common.Address{}):
		return errors.New("the zero account cannot be paid")
	case e.Cumulative == nil:
		return fmt.Errorf("account %s: no amount", e.Account.Hex())
	case e.Cumulative.Sign() < 0:
		return fmt.Errorf("account %s: negative amount %s", e.Account.Hex(), e.Cumulative)
	case e.Cumulative.Cmp(maxUint256) > 0:
		return fmt.Errorf("account %s: amount %s above 2^256-1", e.Account.Hex(), e.Cumulative)
	}
	return nil
}

// Root is the root the operator posts with PoolPayouts.postRound.
func (t *Tree) Root() [32]byte {
	return t.levels[len(t.levels)-1][0]
}

// Len is the number of entitlements (leaves).
func (t *Tree) Len() int { return len(t.entries) }

// Total is the sum of the entitlements: the cumulativeTotal posted with the root.
func (t *Tree) Total() *big.Int {
	sum := new(big.Int)
	for _, e := range t.entries {
		sum.Add(sum, e.Cumulative)
	}
	return sum
}

// Entitlement returns account's entitlement in the tree.
func (t *Tree) Entitlement(account common.Address) (Entitlement, error) {
	i, err := t.index(account)
	if err != nil {
		return Entitlement{}, err
	}
	e := t.entries[i]
	return Entitlement{Account: e.Account, Cumulative: new(big.Int).Set(e.Cumulative)}, nil
}

// Proof returns the siblings from account's leaf up to the root, the proof PoolPayouts.claim takes.
func (t *Tree) Proof(account common.Address) ([][32]byte, error) {
	i, err := t.index(account)
	if err != nil {
		return nil, err
	}
	var proof [][32]byte
	for _, level := range t.levels[:len(t.levels)-1] {
		if sibling := i ^ 1; sibling < len(level) {
			proof = append(proof, level[sibling])
		}
		i /= 2
	}
	return proof, nil
}

func (t *Tree) index(account common.Address) (int, error) {
	i, found := slices.BinarySearchFunc(t.entries, account, func(e Entitlement, a common.Address) int {
		return bytes.Compare(e.Account[:], a[:])
	})
	if !found {
		return 0, fmt.Errorf("%w: %s", ErrNotInTree, account.Hex())
	}
	return i, nil
}

// VerifyProof reports whether proof leads from e's leaf to root, as PoolPayouts.claim checks it.
func VerifyProof(root [32]byte, e Entitlement, proof [][32]byte) bool {
	if e.Cumulative == nil || e.Cumulative.Sign() < 0 || e.Cumulative.Cmp(maxUint256) > 0 {
		return false
	}
	h := Leaf(e)
	for _, s := range proof {
		h = hashPair(h, s)
	}
	return h == root
}

// Leaf is e's leaf: keccak256(keccak256(abi.encode(account, cumulative))). e.Cumulative must be
// within 0..2^256-1.
func Leaf(e Entitlement) [32]byte {
	var enc [64]byte
	copy(enc[12:32], e.Account[:])
	e.Cumulative.FillBytes(enc[32:])
	inner := crypto.Keccak256(enc[:])
	return crypto.Keccak256Hash(inner)
}

// hashPair hashes two nodes in sorted order, so a proof needs no left/right flags.
func hashPair(a, b [32]byte) [32]byte {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	return crypto.Keccak256Hash(a[:], b[:])
}

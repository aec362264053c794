package pools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

// Member is a contribution held by a released version: the contributor, the contribution, and
// how many of its records the version kept (its weight in the version's revenue).
type Member struct {
	Account      common.Address `json:"account"`
	Contribution common.Hash    `json:"contribution"`
	Records      int            `json:"records"`
}

// Waiting is a contribution a version left out, with the reason told to its contributor.
type Waiting struct {
	Account      common.Address `json:"account"`
	Contribution common.Hash    `json:"contribution"`
	Reason       string         `json:"reason"`
}

// Release is a version of the pool's cohort, listed for sale: which configuration built it, its
// listing, and exactly which contributions it holds.
type Release struct {
	Version       int         `json:"version"` // 1, 2, ...
	ConfigVersion int         `json:"config_version"`
	ListingID     uint64      `json:"listing_id"`
	ContentHash   common.Hash `json:"content_hash"` // the listing's content hash
	// Members are the contributions the version holds, sorted by account, one per account.
	Members []Member `json:"members"`
	// Root is ContributionsRoot(Members), written in the listing's metadata.
	Root    common.Hash `json:"root"`
	Waiting []Waiting   `json:"waiting,omitempty"`
	At      time.Time   `json:"at"`
}

// Validate checks r on its own (Replay checks it against the log): version, configuration,
// members sorted by account with records, the root of its members, and the reasons of those
// waiting.
func (r *Release) Validate() error {
	switch {
	case r.Version < 1:
		return releaseInvalid("version", "%d; versions start at 1", r.Version)
	case r.ConfigVersion < 1:
		return releaseInvalid("config_version", "%d; configuration versions start at 1", r.ConfigVersion)
	case r.ContentHash == (common.Hash{}):
		return releaseInvalid("content_hash", "the listing's content hash is required")
	case len(r.Members) == 0:
		return releaseInvalid("members", "a version holds at least one contribution")
	case r.At.IsZero():
		return releaseInvalid("at", "the time of the release is required")
	}
	for i, m := range r.Members {
		switch {
		case m.Account == (common.Address{}):
			return releaseInvalid("members", "member %d has no account", i)
		case m.Records < 1:
			return releaseInvalid("members", "member %s keeps %d records; a member keeps at least one", m.Account.Hex(), m.Records)
		case i > 0 && bytes.Compare(r.Members[i-1].Account[:], m.Account[:]) >= 0:
			return releaseInvalid("members", "not sorted by account, or %s listed twice", m.Account.Hex())
		}
	}
	for _, w := range r.Waiting {
		if strings.TrimSpace(w.Reason) == "" {
			return releaseInvalid("waiting", "%s waits without a reason", w.Account.Hex())
		}
	}
	if got := ContributionsRoot(r.Members); got != r.Root {
		return releaseInvalid("root", "%x is not the root of the members, %x", r.Root[:], got[:])
	}
	return nil
}

func releaseInvalid(field, format string, args ...any) error {
	return marketplace.Errorf(marketplace.EINVALID, "Pool release: %s: %s.", field, fmt.Sprintf(format, args...))
}

// ContributionsRoot is the Merkle root of the contributions a version holds, as written in the
// listing's metadata. It is built like the payout tree (tree.go): the members sorted by account,
// each leaf keccak256(keccak256(abi.encode(address account, bytes32 contribution, uint256
// records))) (OpenZeppelin's standard-merkle-tree leaf), inner nodes the keccak256 of their two
// children in sorted order, an odd last node moving up unchanged. No members: the zero hash.
func ContributionsRoot(ms []Member) [32]byte {
	if len(ms) == 0 {
		return [32]byte{}
	}
	sorted := ms
	if !slices.IsSortedFunc(ms, compareMembers) {
		sorted = slices.SortedFunc(slices.Values(ms), compareMembers)
	}
	level := make([][32]byte, len(sorted))
	for i, m := range sorted {
		level[i] = MemberLeaf(m)
	}
	return merkleRoot(level)
}

func compareMembers(a, b Member) int { return bytes.Compare(a.Account[:], b.Account[:]) }

// MemberLeaf is m's leaf in ContributionsRoot. m.Records must not be negative.
func MemberLeaf(m Member) [32]byte {
	var enc [96]byte
	copy(enc[12:32], m.Account[:])
	copy(enc[32:64], m.Contribution[:])
	new(big.Int).SetInt64(int64(m.Records)).FillBytes(enc[64:])
	return crypto.Keccak256Hash(crypto.Keccak256(enc[:]))
}

// ContributionProof returns the siblings from account's leaf up to ContributionsRoot(ms): what a
// patient's node checks that a version holds its contribution with (VerifyContribution).
// ErrNotInTree when no member is account.
func ContributionProof(ms []Member, account common.Address) ([][32]byte, error) {
	sorted := slices.SortedFunc(slices.Values(ms), compareMembers)
	i, found := slices.BinarySearchFunc(sorted, account, func(m Member, a common.Address) int {
		return bytes.Compare(m.Account[:], a[:])
	})
	if !found {
		return nil, fmt.Errorf("%w: %s", ErrNotInTree, account.Hex())
	}
	level := make([][32]byte, len(sorted))
	for j, m := range sorted {
		level[j] = MemberLeaf(m)
	}
	var proof [][32]byte
	for len(level) > 1 {
		if sibling := i ^ 1; sibling < len(level) {
			proof = append(proof, level[sibling])
		}
		next := make([][32]byte, (len(level)+1)/2)
		for j := range next {
			if 2*j+1 < len(level) {
				next[j] = hashPair(level[2*j], level[2*j+1])
			} else {
				next[j] = level[2*j]
			}
		}
		level, i = next, i/2
	}
	return proof, nil
}

// VerifyContribution reports whether proof leads from m's leaf to root, the contributions root of
// a version.
func VerifyContribution(root [32]byte, m Member, proof [][32]byte) bool {
	if m.Records < 0 {
		return false
	}
	h := MemberLeaf(m)
	for _, s := range proof {
		h = hashPair(h, s)
	}
	return h == root
}

// merkleRoot hashes level up to its root, in place: pairs in sorted order, an odd last node
// moving up unchanged.
func merkleRoot(level [][32]byte) [32]byte {
	for len(level) > 1 {
		n := (len(level) + 1) / 2
		for i := range n {
			if 2*i+1 < len(level) {
				level[i] = hashPair(level[2*i], level[2*i+1])
			} else {
				level[i] = level[2*i]
			}
		}
		level = level[:n]
	}
	return level[0]
}

// Round is a payout round posted to the pool's contract: the root of every contributor's
// cumulative entitlement from the sales up to and including block UpToBlock, and their total.
type Round struct {
	Number    uint64      `json:"number"` // 1, 2, ...
	UpToBlock uint64      `json:"up_to_block"`
	Root      common.Hash `json:"root"`
	Total     *big.Int    `json:"total"` // wei; JSON as a decimal string
	At        time.Time   `json:"at"`
}

type roundFields Round

type roundJSON struct {
	*roundFields
	Total *string `json:"total"`
}

// MarshalJSON writes r with Total as a decimal string and At in UTC.
func (r Round) MarshalJSON() ([]byte, error) {
	f := roundFields(r)
	f.At = f.At.UTC()
	var total *string
	if r.Total != nil {
		s := r.Total.String()
		total = &s
	}
	return json.Marshal(roundJSON{roundFields: &f, Total: total})
}

// UnmarshalJSON reads a round strictly (unknown fields refused).
func (r *Round) UnmarshalJSON(b []byte) error {
	var f roundFields
	w := roundJSON{roundFields: &f}
	if err := strictJSON(b, &w); err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "Pool round: malformed JSON: %v.", err)
	}
	*r = Round(f)
	r.Total = nil
	if w.Total != nil {
		t, ok := new(big.Int).SetString(*w.Total, 10)
		if !ok {
			return marketplace.Errorf(marketplace.EINVALID, "Pool round: total %q is not a decimal number of wei.", *w.Total)
		}
		r.Total = t
	}
	return nil
}

// Validate checks r on its own (Replay checks it against the rounds before it).
func (r *Round) Validate() error {
	switch {
	case r.Number < 1:
		return roundInvalid("number", "rounds start at 1")
	case r.Root == (common.Hash{}):
		return roundInvalid("root", "required")
	case r.Total == nil || r.Total.Sign() < 0:
		return roundInvalid("total", "a number of wei, zero or more, is required")
	case r.Total.Cmp(maxUint256) > 0:
		return roundInvalid("total", "%s is above 2^256-1", r.Total)
	case r.At.IsZero():
		return roundInvalid("at", "the time of the round is required")
	}
	return nil
}

func roundInvalid(field, format string, args ...any) error {
	return marketplace.Errorf(marketplace.EINVALID, "Pool round: %s: %s.", field, fmt.Sprintf(format, args...))
}

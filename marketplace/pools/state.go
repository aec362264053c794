package pools

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// State is a pool replayed from its log: what any node that holds the log knows of the pool.
type State struct {
	// Config is the latest configuration; Configs holds every version by number.
	Config  *Config
	Configs map[int]*Config
	// Active is the current consent of each member: a later join replaces an earlier one.
	Active map[common.Address]*Consent
	// Withdrawn holds when each account that is not a member now withdrew (an account that
	// joins again leaves it).
	Withdrawn map[common.Address]time.Time
	// Releases and Rounds are in log order: Releases[i].Version == i+1, Rounds[i].Number == i+1.
	Releases []*Release
	Rounds   []*Round

	hashes   map[int][32]byte // Config.Hash of each version, computed once
	listings map[uint64]int   // the version of each released listing
	entries  int              // the entries applied
}

// Replay rebuilds a pool's state from its log leaves (Entry.Marshal), checking every rule; a
// violation is an EINVALID error naming the entry's index and the reason:
//   - entry 0 is the configuration of version 1; each later configuration increments the version
//     and keeps Chain, Contract and Operator;
//   - a consent verifies, names this chain and pool, and an existing configuration version with
//     its hash;
//   - a consent is signed after the account's current consent and after its withdrawal, if any
//     (so that an old signed consent appended again brings back no one);
//   - a withdrawal verifies, names this chain and pool, and an active member, is signed after the
//     member's consent, and the member is then no longer active (and may join again with a new
//     consent);
//   - a release's version is the next one, its configuration exists, its listing is not an
//     earlier release's, its members are all active with their current contribution, consented to
//     the configuration version the release is built with (its pipeline made their contribution;
//     its fee is what they agreed to), and keep between 1 and the contribution's records, there
//     are at least the configuration's k of them,
//     and its root is ContributionsRoot(Members);
//   - a round's number is the next one, and neither its UpToBlock nor its Total is below the
//     previous round's.
func Replay(leaves [][]byte) (*State, error) {
	st := &State{
		Configs:   map[int]*Config{},
		Active:    map[common.Address]*Consent{},
		Withdrawn: map[common.Address]time.Time{},
		hashes:    map[int][32]byte{},
		listings:  map[uint64]int{},
	}
	for _, leaf := range leaves {
		if err := st.Append(leaf); err != nil {
			return nil, err
		}
	}
	if st.Config == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Pool log: empty; a pool's log starts with its configuration.")
	}
	return st, nil
}

// Append applies the log's next leaf to a state Replay returned, checking
// every rule Replay checks; a leaf that breaks one is refused (EINVALID)
// and leaves st as it was. A hub keeps its pools' states up to date this
// way, rather than replaying a whole log per entry.
func (st *State) Append(leaf []byte) error {
	i := st.entries
	e, err := ParseEntry(leaf)
	if err != nil {
		return entryErr(i, err)
	}
	if err := st.apply(e, i, st.listings); err != nil {
		return err
	}
	st.entries++
	return nil
}

// Entries returns the number of entries applied.
func (st *State) Entries() int { return st.entries }

// apply applies entry i to st, after checking it against st (a refused
// entry changes nothing).
func (st *State) apply(e Entry, i int, listings map[uint64]int) error {
	if i == 0 && e.Kind != KindConfig {
		return entryInvalid(i, "a %q entry; a pool's log starts with its configuration", e.Kind)
	}
	switch e.Kind {
	case KindConfig:
		return st.applyConfig(e.Config, i)
	case KindJoined:
		return st.applyConsent(e.Consent, i)
	case KindWithdrawn:
		return st.applyWithdrawal(e.Withdrawal, i)
	case KindReleased:
		return st.applyRelease(e.Release, i, listings)
	default:
		return st.applyRound(e.Round, i)
	}
}

// entryErr names entry i in err's message. The message is the user's; err's code is kept
// (EINVALID for everything ParseEntry and Verify refuse).
func entryErr(i int, err error) error {
	return marketplace.Errorf(marketplace.ErrorCode(err), "Pool log entry %d: %s", i, marketplace.ErrorMessage(err))
}

func entryInvalid(i int, format string, args ...any) error {
	return marketplace.Errorf(marketplace.EINVALID, "Pool log entry %d: %s.", i, fmt.Sprintf(format, args...))
}

func (st *State) applyConfig(c *Config, i int) error {
	if st.Config == nil {
		if c.Version != 1 {
			return entryInvalid(i, "the first configuration has version %d, want 1", c.Version)
		}
	} else {
		prev := st.Config
		switch {
		case c.Version != prev.Version+1:
			return entryInvalid(i, "configuration version %d follows version %d; want %d", c.Version, prev.Version, prev.Version+1)
		case c.Chain != prev.Chain:
			return entryInvalid(i, "configuration version %d moves the pool to chain %d from %d", c.Version, c.Chain, prev.Chain)
		case c.Contract != prev.Contract:
			return entryInvalid(i, "configuration version %d changes the pool's contract to %s from %s", c.Version, c.Contract.Hex(), prev.Contract.Hex())
		case c.Operator != prev.Operator:
			return entryInvalid(i, "configuration version %d changes the operator to %s from %s", c.Version, c.Operator.Hex(), prev.Operator.Hex())
		}
	}
	st.Config = c
	st.Configs[c.Version] = c
	st.hashes[c.Version] = c.Hash()
	return nil
}

// checkPool checks that a signed entry names this pool's chain and contract.
func (st *State) checkPool(i int, what string, chain uint64, pool common.Address) error {
	switch {
	case chain != st.Config.Chain:
		return entryInvalid(i, "the %s is for chain %d, the pool is on chain %d", what, chain, st.Config.Chain)
	case pool != st.Config.Contract:
		return entryInvalid(i, "the %s is for pool %s, not this pool %s", what, pool.Hex(), st.Config.Contract.Hex())
	}
	return nil
}

func (st *State) applyConsent(c *Consent, i int) error {
	if err := c.Verify(); err != nil {
		return entryErr(i, err)
	}
	if err := st.checkPool(i, "consent", c.Chain, c.Pool); err != nil {
		return err
	}
	h, ok := st.hashes[c.ConfigVersion]
	if !ok {
		return entryInvalid(i, "the consent names configuration version %d, which the log does not hold (latest %d)", c.ConfigVersion, st.Config.Version)
	}
	if c.ConfigHash != h {
		return entryInvalid(i, "the consent names configuration version %d with hash %x, but that version's hash is %x", c.ConfigVersion, c.ConfigHash[:], h[:])
	}
	// A consent is newer than what it replaces: an old consent appended again cannot bring back a
	// patient who withdrew, nor an earlier contribution.
	if cur, ok := st.Active[c.Account]; ok && !c.At.After(cur.At) {
		return entryInvalid(i, "the consent of %s was signed at %s, not after their current consent (%s)", c.Account.Hex(), utc(c.At), utc(cur.At))
	}
	if w, ok := st.Withdrawn[c.Account]; ok && !c.At.After(w) {
		return entryInvalid(i, "the consent of %s was signed at %s, not after their withdrawal (%s)", c.Account.Hex(), utc(c.At), utc(w))
	}
	st.Active[c.Account] = c
	delete(st.Withdrawn, c.Account)
	return nil
}

func (st *State) applyWithdrawal(w *Withdrawal, i int) error {
	if err := w.Verify(); err != nil {
		return entryErr(i, err)
	}
	if err := st.checkPool(i, "withdrawal", w.Chain, w.Pool); err != nil {
		return err
	}
	cur, ok := st.Active[w.Account]
	if !ok {
		return entryInvalid(i, "%s withdraws but is not a member", w.Account.Hex())
	}
	// A withdrawal is newer than the consent it ends: an old withdrawal appended again cannot
	// exclude a patient who joined since.
	if !w.At.After(cur.At) {
		return entryInvalid(i, "the withdrawal of %s was signed at %s, not after their consent (%s)", w.Account.Hex(), utc(w.At), utc(cur.At))
	}
	delete(st.Active, w.Account)
	st.Withdrawn[w.Account] = w.At
	return nil
}

func (st *State) applyRelease(r *Release, i int, listings map[uint64]int) error {
	if want := len(st.Releases) + 1; r.Version != want {
		return entryInvalid(i, "release version %d; want %d", r.Version, want)
	}
	cfg, ok := st.Configs[r.ConfigVersion]
	if !ok {
		return entryInvalid(i, "release version %d names configuration version %d, which the log does not hold", r.Version, r.ConfigVersion)
	}
	if v, dup := listings[r.ListingID]; dup {
		return entryInvalid(i, "release version %d names listing %d, already release version %d's", r.Version, r.ListingID, v)
	}
	if len(r.Members) < cfg.K {
		return entryInvalid(i, "release version %d holds %d contributions, fewer than the pool's k = %d", r.Version, len(r.Members), cfg.K)
	}
	for _, m := range r.Members {
		c, ok := st.Active[m.Account]
		switch {
		case !ok:
			return entryInvalid(i, "release version %d holds %s, who is not a member", r.Version, m.Account.Hex())
		case !bytes.Equal(c.Contribution[:], m.Contribution[:]):
			return entryInvalid(i, "release version %d holds contribution %x of %s, whose current contribution is %x", r.Version, m.Contribution[:], m.Account.Hex(), c.Contribution[:])
		case c.ConfigVersion != r.ConfigVersion:
			return entryInvalid(i, "release version %d is built with configuration version %d, but %s consented to version %d", r.Version, r.ConfigVersion, m.Account.Hex(), c.ConfigVersion)
		case m.Records > c.Records:
			return entryInvalid(i, "release version %d keeps %d records of %s, whose contribution holds %d", r.Version, m.Records, m.Account.Hex(), c.Records)
		}
	}
	listings[r.ListingID] = r.Version
	st.Releases = append(st.Releases, r)
	return nil
}

func (st *State) applyRound(r *Round, i int) error {
	if want := uint64(len(st.Rounds)) + 1; r.Number != want {
		return entryInvalid(i, "round %d; want %d", r.Number, want)
	}
	if n := len(st.Rounds); n > 0 {
		prev := st.Rounds[n-1]
		if r.UpToBlock < prev.UpToBlock {
			return entryInvalid(i, "round %d counts sales up to block %d, before round %d's block %d", r.Number, r.UpToBlock, prev.Number, prev.UpToBlock)
		}
		if r.Total.Cmp(prev.Total) < 0 {
			return entryInvalid(i, "round %d's total %s wei is below round %d's %s: cumulative totals never decrease", r.Number, r.Total, prev.Number, prev.Total)
		}
	}
	st.Rounds = append(st.Rounds, r)
	return nil
}

// Release returns the release of listing id, or nil when no release of the pool is that listing.
func (st *State) Release(listingID uint64) *Release {
	for _, r := range st.Releases {
		if r.ListingID == listingID {
			return r
		}
	}
	return nil
}

// Consents returns the active consents to configuration version v, sorted by account: the
// contributions a release built with v may hold.
func (st *State) Consents(v int) []*Consent {
	var out []*Consent
	for _, c := range st.Active {
		if c.ConfigVersion == v {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *Consent) int { return bytes.Compare(a.Account[:], b.Account[:]) })
	return out
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

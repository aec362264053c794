package app

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/pools"
)

// Anyone checks a pool from its hub's log and the chain alone: the log is
// a signed, tamper-evident ledger bundle (verified offline: signatures,
// consistency, inclusion of every entry), its entries replay under the
// pool's rules (every consent and withdrawal signed by its patient), and
// every payout round posted on chain is recomputed from the log and the
// chain's sales. A patient's standing in a pool (which versions hold
// their record, what they are owed, what they can claim) is read the same
// way, so it never rests on the hub's word.

// PoolStanding is an account's place in a pool.
type PoolStanding struct {
	Config  pools.Config
	Account common.Address
	// Active says the account's contribution is in the pool now; Withdrawn
	// when it withdrew (zero otherwise).
	Active    bool
	Withdrawn string
	// Versions are the released versions holding its record; Listings
	// their listings, in the same order.
	Versions []int
	Listings []uint64
	// Waiting is why the latest version left it out, if it did.
	Waiting string
	// Round is the latest payout round on chain; Entitled the account's
	// cumulative share in it, Claimed what it was paid, Claimable the rest.
	Round                        uint64
	Entitled, Claimed, Claimable *big.Int
	Releases                     int // versions released
	Members                      int // patients in the pool now
}

// PoolCheck is the outcome of verifying a pool.
type PoolCheck struct {
	Pool     common.Address
	Name     string
	LogSize  uint64
	LogState string // the ledger report's summary
	Rounds   []pools.RoundCheck
	// OnChain is the number of rounds the pool's contract holds; the log
	// may hold one more, not posted yet.
	OnChain uint64
	// Problems says what is wrong, in words; empty when OK.
	Problems []string
}

// OK reports whether nothing is wrong.
func (c PoolCheck) OK() bool { return len(c.Problems) == 0 }

// readPoolLog fetches a pool's log from its hub, verifies the bundle
// offline and replays it. pinned, when set, is the log key the log must
// be signed with (the one a patient saw when joining).
func (a *App) readPoolLog(ctx context.Context, hub string, pool common.Address, pinned string) (*pools.State, *ledger.Bundle, *ledger.Report, error) {
	var raw []byte
	if _, err := a.store.OperatedPool(ctx, pool); err == nil && (hub == "" || hub == a.PublicURL()) {
		// This node is the hub: its own log, whether or not it serves now.
		var buf bytes.Buffer
		if err := (providerBackend{a}).PoolLog(ctx, pool, &buf); err != nil {
			return nil, nil, nil, err
		}
		raw, hub = buf.Bytes(), "this node"
	} else if raw, err = a.poolClient().Log(ctx, hub, pool); err != nil {
		return nil, nil, nil, err
	}
	b, err := ledger.ReadBundle(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, nil, marketplace.Wrap(marketplace.EINVALID, err, "Hub %s sent no valid pool log", hub)
	}
	if want := a.poolLogID(pool); b.LogID != want {
		return nil, nil, nil, marketplace.Errorf(marketplace.EINVALID, "Hub %s sent the log %s, not pool %s's (%s).", hub, b.LogID, pool.Hex(), want)
	}
	if pinned != "" && b.VerifierKey != pinned {
		return nil, b, nil, marketplace.Errorf(marketplace.EINVALID, "Hub %s now signs pool %s's log with another key than when you joined (%s): its history may have been rewritten.", hub, pool.Hex(), pinned)
	}
	rep, err := ledger.Verify(ctx, b, ledger.VerifyOptions{VerifierKey: b.VerifierKey})
	if err != nil {
		return nil, b, rep, marketplace.Wrap(marketplace.EINVALID, err, "Pool %s's log from %s does not verify", pool.Hex(), hub)
	}
	leaves := make([][]byte, len(b.Entries))
	for i, e := range b.Entries {
		leaves[i] = e.Leaf
	}
	st, err := pools.Replay(leaves)
	if err != nil {
		return nil, b, rep, err
	}
	if st.Config.Contract != pool {
		return nil, b, rep, marketplace.Errorf(marketplace.EINVALID, "Hub %s's log is of pool %s, not %s.", hub, st.Config.Contract.Hex(), pool.Hex())
	}
	return st, b, rep, nil
}

// hubOf is the hub to ask about pool: the one given, else the one of this
// node's pool or of account's membership.
func (a *App) hubOf(ctx context.Context, hub string, pool, account common.Address) (string, error) {
	if hub != "" {
		return hub, nil
	}
	if _, err := a.store.OperatedPool(ctx, pool); err == nil {
		return "", nil // this node: read locally
	}
	if m, err := a.store.Membership(ctx, pool, account); err == nil {
		return m.Hub, nil
	}
	ms, err := a.store.Memberships(ctx)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.Pool == pool {
			return m.Hub, nil
		}
	}
	return "", marketplace.Errorf(marketplace.EINVALID, "Pool %s: name its hub (--hub URL).", pool.Hex())
}

// PoolStandingOf reads account's standing in pool from the pool's log (at
// hub, or the hub this node knows) and the chain.
func (a *App) PoolStandingOf(ctx context.Context, hub string, pool, account common.Address) (PoolStanding, error) {
	hub, err := a.hubOf(ctx, hub, pool, account)
	if err != nil {
		return PoolStanding{}, err
	}
	var pinned string
	if m, err := a.store.Membership(ctx, pool, account); err == nil {
		pinned = m.LogKey
	}
	st, _, _, err := a.readPoolLog(ctx, hub, pool, pinned)
	if err != nil {
		return PoolStanding{}, err
	}
	out := PoolStanding{Config: *st.Config, Account: account, Releases: len(st.Releases), Members: len(st.Active),
		Entitled: new(big.Int), Claimed: new(big.Int), Claimable: new(big.Int)}
	_, out.Active = st.Active[account]
	if w, ok := st.Withdrawn[account]; ok {
		out.Withdrawn = w.UTC().Format("2006-01-02 15:04 UTC")
	}
	for _, r := range st.Releases {
		if slices.ContainsFunc(r.Members, func(m pools.Member) bool { return m.Account == account }) {
			out.Versions = append(out.Versions, r.Version)
			out.Listings = append(out.Listings, r.ListingID)
		}
	}
	if n := len(st.Releases); n > 0 {
		for _, w := range st.Releases[n-1].Waiting {
			if w.Account == account {
				out.Waiting = w.Reason
			}
		}
	}
	pp := contracts.NewPoolPayouts()
	if out.Claimed, err = callAt(ctx, a, pool, pp.PackClaimed(account), pp.UnpackClaimed); err != nil {
		return out, err
	}
	tree, n, err := a.postedTree(ctx, hub, pool, account)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return out, nil // no round yet
	}
	if err != nil {
		return out, err
	}
	out.Round = n
	if e, err := tree.Entitlement(account); err == nil {
		out.Entitled = e.Cumulative
		if d := new(big.Int).Sub(e.Cumulative, out.Claimed); d.Sign() > 0 {
			out.Claimable = d
		}
	}
	return out, nil
}

// VerifyPool checks a pool from its hub's log and the chain: the log
// verifies and replays, the rounds on chain are the log's, and each
// round's root and total are what the log and the chain's sales give
// (naming every contributor whose published share differs).
func (a *App) VerifyPool(ctx context.Context, hub string, pool common.Address) (PoolCheck, error) {
	hub, err := a.hubOf(ctx, hub, pool, common.Address{})
	if err != nil {
		return PoolCheck{}, err
	}
	out := PoolCheck{Pool: pool}
	st, b, rep, err := a.readPoolLog(ctx, hub, pool, "")
	if b != nil {
		out.LogSize = b.TreeSize
	}
	if rep != nil {
		out.LogState = rep.Summary()
	}
	if err != nil {
		if marketplace.ErrorCode(err) == marketplace.EINVALID {
			out.Problems = append(out.Problems, marketplace.ErrorMessage(err))
			return out, nil
		}
		return out, err
	}
	out.Name = st.Config.Name
	posted, err := a.postedRounds(ctx, pool)
	if err != nil {
		return out, err
	}
	out.OnChain = uint64(len(posted))
	head, err := a.chain.BlockNumber(ctx)
	if err != nil {
		return out, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the chain's head from %s", a.chain.Endpoint())
	}
	sales, err := a.poolSales(ctx, pool, head)
	if err != nil {
		return out, err
	}
	switch {
	case len(posted) > len(st.Rounds):
		out.Problems = append(out.Problems, "the pool's contract holds rounds the log does not")
	case len(st.Rounds)-len(posted) > 1:
		out.Problems = append(out.Problems, "the log holds more than one round not posted on chain")
	}
	for i, r := range st.Rounds {
		if i < len(posted) && (posted[i].root != r.Root || posted[i].total.Cmp(r.Total) != 0) {
			out.Problems = append(out.Problems, fmt.Sprintf("round %d: the contract holds another root or total than the log", r.Number))
		}
		var published []pools.Entitlement
		if rr, err := a.poolRound(ctx, hub, pool, common.Address{}, r.Number); err == nil {
			published = rr.Entitlements
		}
		rc, err := pools.VerifyRound(st, r, sales, published)
		if err != nil {
			return out, err
		}
		out.Rounds = append(out.Rounds, rc)
		if !rc.OK {
			out.Problems = append(out.Problems, roundProblem(rc))
		}
	}
	return out, nil
}

// roundProblem says what is wrong with a round.
func roundProblem(rc pools.RoundCheck) string {
	msg := fmt.Sprintf("round %d: posted root %s, total %s wei; the log and the chain's sales give root %s, total %s wei",
		rc.Round, common.Hash(rc.Root).Hex(), rc.Total, common.Hash(rc.ComputedRoot).Hex(), rc.ComputedTotal)
	for _, d := range rc.Discrepancies {
		msg += "; " + d.String()
	}
	return msg
}

// postedRound is a RoundPosted event.
type postedRound struct {
	root  [32]byte
	total *big.Int
}

// postedRounds reads the rounds posted to pool's contract, in order.
func (a *App) postedRounds(ctx context.Context, pool common.Address) ([]postedRound, error) {
	pp := contracts.NewPoolPayouts()
	ev := pp.GetABI().Events["RoundPosted"]
	logs, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(a.deployment.DeployBlock),
		Addresses: []common.Address{pool}, Topics: [][]common.Hash{{ev.ID}}})
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read pool %s's rounds from %s", pool.Hex(), a.chain.Endpoint())
	}
	var out []postedRound
	for i := range logs {
		e, err := pp.UnpackRoundPostedEvent(&logs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, postedRound{root: e.Root, total: e.CumulativeTotal})
	}
	return out, nil
}

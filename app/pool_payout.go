package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/pools"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// PoolRoundReply is a payout round with every contributor's entitlement.
type PoolRoundReply = provider.RoundReply

// Revenue is shared at a flat cost per payout round: the operator's node
// collects the pool's sales from the market into the pool's contract,
// computes every contributor's cumulative entitlement from the pool log
// and the chain's sale events (pools.Entitlements: deterministic, so any
// node recomputes it), records the round in the pool log with the
// entitlements kept beside it, and posts the tree's root on chain. Each
// contributor (or anyone for them: a hub for its offline patients) then
// claims the difference since their last claim with a proof.
//
// Crash safety: the round enters the log before the transaction; a round
// in the log but not on chain is posted by the next payout first.

// StepRoundLogged is the publish hook's step between a payout round's
// entry in the pool log and its transaction (crash tests).
const StepRoundLogged = "round logged"

// PoolPayout is a posted payout round.
type PoolPayout struct {
	Round        pools.Round
	Contributors int
	Collected    *big.Int // wei moved from the market into the pool by this payout
	TxHash       common.Hash
	GasUsed      uint64 // of postRound
	CollectGas   uint64
}

// PoolClaim is a claim paid to a contributor.
type PoolClaim struct {
	Account    common.Address
	Round      uint64
	Cumulative *big.Int // the account's entitlement in the round
	Paid       *big.Int // what this claim paid: Cumulative minus what was paid before
	TxHash     common.Hash
	GasUsed    uint64
}

// PostPoolPayout posts the next payout round of a pool this node runs, as
// its operator: collect the sales, compute the entitlements up to the last
// block whose sales are collected, log the round, post its root. ECONFLICT
// when nothing was sold since the last round.
func (a *App) PostPoolPayout(ctx context.Context, who Actor, pool common.Address) (PoolPayout, error) {
	sg, release, err := a.asOperator(ctx, who, pool, "posts its payout rounds")
	if err != nil {
		return PoolPayout{}, err
	}
	defer release()
	pp := contracts.NewPoolPayouts()
	var out PoolPayout
	err = a.withPoolLog(ctx, pool, func(pl *poolLog) error {
		posted, err := callAt(ctx, a, pool, pp.PackRound(), pp.UnpackRound)
		if err != nil {
			return err
		}
		if n := uint64(len(pl.st.Rounds)); posted < n {
			// Logged before a crash, not posted: post it as logged.
			r := pl.st.Rounds[posted]
			out.Round = *r
			return a.postRound(ctx, sg, pool, r, &out)
		}
		upTo, err := a.collectPool(ctx, sg, pool, &out)
		if err != nil {
			return err
		}
		sales, err := a.poolSales(ctx, pool, upTo)
		if err != nil {
			return err
		}
		ents, err := pools.Entitlements(pl.st, sales, upTo)
		if err != nil {
			return err
		}
		if len(ents) == 0 {
			return marketplace.Errorf(marketplace.ECONFLICT, "Pool %s has sold nothing yet: there is nothing to pay out.", pl.st.Config.Name)
		}
		tree, err := pools.BuildTree(ents)
		if err != nil {
			return err
		}
		if n := len(pl.st.Rounds); n > 0 && pl.st.Rounds[n-1].Total.Cmp(tree.Total()) == 0 {
			return marketplace.Errorf(marketplace.ECONFLICT, "Pool %s sold nothing since payout round %d: there is nothing new to pay out.", pl.st.Config.Name, n)
		}
		r := &pools.Round{Number: uint64(len(pl.st.Rounds)) + 1, UpToBlock: upTo, Root: tree.Root(), Total: tree.Total(), At: a.now().UTC().Truncate(1e9)}
		ej, err := json.Marshal(ents)
		if err != nil {
			return err
		}
		if err := a.store.PutPoolRound(ctx, pool, r.Number, ej); err != nil {
			return err
		}
		if _, err := a.appendPoolEntry(ctx, pool, pl, pools.Entry{Kind: pools.KindRound, Round: r}); err != nil {
			return err
		}
		if err := a.publishStep(StepRoundLogged); err != nil {
			return err
		}
		out.Round, out.Contributors = *r, len(ents)
		return a.postRound(ctx, sg, pool, r, &out)
	})
	return out, err
}

// collectPool moves the pool's sales from the market into its contract
// and returns the last block whose sales are all in the contract.
func (a *App) collectPool(ctx context.Context, sg *vault.Signer, pool common.Address, out *PoolPayout) (uint64, error) {
	head, err := a.chain.BlockNumber(ctx)
	if err != nil {
		return 0, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the chain's head from %s", a.chain.Endpoint())
	}
	// Every sale up to head was credited before this read: none left
	// means all of them are in the pool.
	owed, err := call(ctx, a, a.market.abi.PackWithdrawable(pool), a.market.abi.UnpackWithdrawable)
	if err != nil {
		return 0, err
	}
	out.Collected = new(big.Int)
	if owed.Sign() == 0 {
		return head, nil
	}
	r, err := a.sendTo(ctx, sg, pool, nil, contracts.NewPoolPayouts().PackCollect())
	if err != nil {
		return 0, marketplace.Wrap(marketplace.ErrorCode(err), err, "Cannot collect the pool's sales")
	}
	out.CollectGas = r.GasUsed
	for _, lg := range r.Logs {
		if ev, err := contracts.NewPoolPayouts().UnpackReceivedEvent(lg); err == nil {
			out.Collected.Add(out.Collected, ev.Amount)
		}
	}
	// Sales in the collect's block after it are not collected: count up
	// to the block before (what that block sold before it waits a round).
	return r.BlockNumber.Uint64() - 1, nil
}

// postRound sends a logged round's root and total to the pool's contract.
func (a *App) postRound(ctx context.Context, sg *vault.Signer, pool common.Address, r *pools.Round, out *PoolPayout) error {
	tx, err := a.sendTo(ctx, sg, pool, nil, contracts.NewPoolPayouts().PackPostRound(r.Root, r.Total))
	if err != nil {
		return marketplace.Wrap(marketplace.ErrorCode(err), err, "Payout round %d is in the pool's log but not on chain; post it again", r.Number)
	}
	out.TxHash, out.GasUsed = tx.TxHash, tx.GasUsed
	a.log.Info("pool payout posted", "pool", pool, "round", r.Number, "total", r.Total, "gas", tx.GasUsed)
	return nil
}

// poolSales returns the sales that paid pool up to block `to`, from the
// market's LicencePurchased events naming it as seller.
func (a *App) poolSales(ctx context.Context, pool common.Address, to uint64) ([]pools.Sale, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return nil, err
	}
	ev := a.market.abi.GetABI().Events["LicencePurchased"]
	logs, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(a.deployment.DeployBlock), ToBlock: new(big.Int).SetUint64(to),
		Addresses: []common.Address{addr}, Topics: [][]common.Hash{{ev.ID}, nil, nil, {common.BytesToHash(pool[:])}}})
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the market's sales from %s", a.chain.Endpoint())
	}
	out := make([]pools.Sale, 0, len(logs))
	for i := range logs {
		e, err := a.market.abi.UnpackLicencePurchasedEvent(&logs[i])
		if err != nil {
			return nil, fmt.Errorf("sale event in block %d: %w", logs[i].BlockNumber, err)
		}
		out = append(out, pools.Sale{ListingID: e.Id.Uint64(), Price: e.Price, Block: logs[i].BlockNumber, LogIndex: logs[i].Index})
	}
	return out, nil
}

// ClaimFromPool pays account its share of pool's revenue up to the latest
// payout round, in a transaction paid by who (the account itself, or
// anyone for it: the money goes to the account). The entitlements come
// from the pool's hub (hub; empty: this node's own pool, or the
// membership's hub) and must give the root posted on chain.
func (a *App) ClaimFromPool(ctx context.Context, who Actor, hub string, pool, account common.Address) (PoolClaim, error) {
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return PoolClaim{}, err
	}
	defer release()
	if account == (common.Address{}) {
		account = sg.Address()
	}
	tree, n, err := a.postedTree(ctx, hub, pool, account)
	if err != nil {
		return PoolClaim{Account: account}, err
	}
	return a.claimShare(ctx, sg, pool, tree, n, account)
}

// ClaimAllFromPool claims, in transactions paid by who, every share of
// pool's latest payout round with something left to claim (a hub for its
// offline patients): one unlock and one tree for all. It returns the
// claims paid, the round and the number of shares; the first failure
// stops it, with the claims paid before.
func (a *App) ClaimAllFromPool(ctx context.Context, who Actor, hub string, pool common.Address) ([]PoolClaim, uint64, int, error) {
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return nil, 0, 0, err
	}
	defer release()
	tree, n, shares, err := a.poolShares(ctx, hub, pool)
	if err != nil {
		return nil, 0, 0, err
	}
	var out []PoolClaim
	for _, s := range shares {
		if s.Claimable.Sign() == 0 {
			continue
		}
		c, err := a.claimShare(ctx, sg, pool, tree, n, s.Account)
		if err != nil {
			return out, n, len(shares), fmt.Errorf("claim for %s: %w", s.Account.Hex(), err)
		}
		out = append(out, c)
	}
	return out, n, len(shares), nil
}

// claimShare pays account its share in round n's tree less what it was
// paid, as sg. ENOTFOUND when it has no share, ECONFLICT when nothing is
// left to claim.
func (a *App) claimShare(ctx context.Context, sg *vault.Signer, pool common.Address, tree *pools.Tree, n uint64, account common.Address) (PoolClaim, error) {
	out := PoolClaim{Account: account}
	pp := contracts.NewPoolPayouts()
	e, err := tree.Entitlement(account)
	if err != nil {
		return out, marketplace.Errorf(marketplace.ENOTFOUND, "Account %s has no share in pool %s's payout round %d.", account.Hex(), pool.Hex(), n)
	}
	paid, err := callAt(ctx, a, pool, pp.PackClaimed(account), pp.UnpackClaimed)
	if err != nil {
		return out, err
	}
	out.Round, out.Cumulative = n, e.Cumulative
	if e.Cumulative.Cmp(paid) <= 0 {
		return out, marketplace.Errorf(marketplace.ECONFLICT, "Nothing to claim: %s was paid %s wei of pool %s, its whole share up to round %d.", account.Hex(), paid, pool.Hex(), n)
	}
	proof, err := tree.Proof(account)
	if err != nil {
		return out, err
	}
	r, err := a.sendTo(ctx, sg, pool, nil, pp.PackClaim(account, e.Cumulative, proof))
	if err != nil {
		return out, err
	}
	out.Paid = new(big.Int).Sub(e.Cumulative, paid)
	out.TxHash, out.GasUsed = r.TxHash, r.GasUsed
	a.log.Info("pool claim paid", "pool", pool, "account", account, "round", n, "paid", out.Paid, "gas", r.GasUsed)
	return out, nil
}

// postedTree returns the payout tree of pool's latest round posted on
// chain, from the entitlements its hub publishes, checked against the
// posted root.
func (a *App) postedTree(ctx context.Context, hub string, pool, account common.Address) (*pools.Tree, uint64, error) {
	tree, n, _, err := a.postedEntitlements(ctx, hub, pool, account)
	return tree, n, err
}

// postedEntitlements is postedTree with the round's entitlements.
func (a *App) postedEntitlements(ctx context.Context, hub string, pool, account common.Address) (*pools.Tree, uint64, []pools.Entitlement, error) {
	pp := contracts.NewPoolPayouts()
	n, err := callAt(ctx, a, pool, pp.PackRound(), pp.UnpackRound)
	if err != nil {
		return nil, 0, nil, err
	}
	if n == 0 {
		return nil, 0, nil, marketplace.Errorf(marketplace.ENOTFOUND, "Pool %s has posted no payout round yet.", pool.Hex())
	}
	root, err := callAt(ctx, a, pool, pp.PackRoot(), pp.UnpackRoot)
	if err != nil {
		return nil, 0, nil, err
	}
	rr, err := a.poolRound(ctx, hub, pool, account, n)
	if err != nil {
		return nil, 0, nil, err
	}
	tree, err := pools.BuildTree(rr.Entitlements)
	if err != nil {
		return nil, 0, nil, marketplace.Wrap(marketplace.EINVALID, err, "The hub's entitlements of round %d do not make a payout tree", n)
	}
	if tree.Root() != root {
		return nil, 0, nil, marketplace.Errorf(marketplace.EINVALID,
			"The hub's entitlements of round %d give root %x, the pool's contract holds %x: run `medmarket pool verify` to see whose share differs.", n, tree.Root(), root)
	}
	return tree, n, rr.Entitlements, nil
}

// PoolShare is an account's share in a pool's latest payout round.
type PoolShare struct {
	Account common.Address
	// Entitled is the account's cumulative share in the round, Claimed
	// what it was paid, Claimable the rest.
	Entitled, Claimed, Claimable *big.Int
}

// PoolShares lists every account's share in pool's latest payout round
// posted on chain (the entitlements from the pool's hub, or this node when
// it runs the pool, checked against the posted root), in account order,
// with what each was paid and can still claim: whom a hub claims for.
func (a *App) PoolShares(ctx context.Context, hub string, pool common.Address) (uint64, []PoolShare, error) {
	_, n, shares, err := a.poolShares(ctx, hub, pool)
	return n, shares, err
}

// poolShares is PoolShares with the round's payout tree.
func (a *App) poolShares(ctx context.Context, hub string, pool common.Address) (*pools.Tree, uint64, []PoolShare, error) {
	tree, n, ents, err := a.postedEntitlements(ctx, hub, pool, common.Address{})
	if err != nil {
		return nil, 0, nil, err
	}
	slices.SortFunc(ents, func(x, y pools.Entitlement) int { return bytes.Compare(x.Account[:], y.Account[:]) })
	pp := contracts.NewPoolPayouts()
	out := make([]PoolShare, 0, len(ents))
	for _, e := range ents {
		paid, err := callAt(ctx, a, pool, pp.PackClaimed(e.Account), pp.UnpackClaimed)
		if err != nil {
			return nil, n, nil, err
		}
		s := PoolShare{Account: e.Account, Entitled: e.Cumulative, Claimed: paid, Claimable: new(big.Int)}
		if d := new(big.Int).Sub(e.Cumulative, paid); d.Sign() > 0 {
			s.Claimable = d
		}
		out = append(out, s)
	}
	return tree, n, out, nil
}

// poolRound fetches round n's entitlements: from this node when it runs
// the pool, else from hub (or the hub of account's membership).
func (a *App) poolRound(ctx context.Context, hub string, pool, account common.Address, n uint64) (PoolRoundReply, error) {
	if _, err := a.store.OperatedPool(ctx, pool); err == nil {
		return providerBackend{a}.PoolRound(ctx, pool, n)
	}
	if hub == "" {
		m, err := a.store.Membership(ctx, pool, account)
		if err != nil {
			return PoolRoundReply{}, marketplace.Wrap(marketplace.EINVALID, err, "Name the pool's hub (--hub URL)")
		}
		hub = m.Hub
	}
	return a.poolClient().Round(ctx, hub, pool, n)
}

package app

import (
	"context"
	"crypto/sha256"
	"io"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/pools"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// A patient joins a pool from their own node: the node reads the pool's
// configuration from its hub and checks it against the chain (the pool's
// contract sells on this node's market and is run by the operator the
// configuration names), runs the pool's pipeline over the patient's
// records here (transformForPool), encrypts the result to the pool's key,
// and uploads it with the patient's consent signed by the account that
// will be paid. The patient's node keeps the membership; the pool's log on
// the hub records the consent.

// PoolInfo is a pool as a hub describes it.
type PoolInfo = provider.PoolInfo

// PoolJoinRequest names a pool, its hub and the patient's records.
type PoolJoinRequest struct {
	Hub  string
	Pool common.Address
	// Path is a records file (CSV, FHIR Bundle, or a folder of them), or
	// Reader with Name.
	Path   string
	Reader io.Reader
	Name   string
	// ConfigVersion, when set, is the configuration the patient was shown:
	// a pool whose configuration changed since is refused (ECONFLICT), so
	// nobody consents to what they did not see.
	ConfigVersion int
}

// PoolPreview is what joining would send and earn, shown before joining.
type PoolPreview struct {
	Pool       PoolInfo
	Disclosure PoolDisclosure
}

// Joined is a patient's contribution, accepted by the pool's hub.
type Joined struct {
	Membership store.Membership
	Index      uint64 // the consent's entry in the pool log
}

// PoolsAt lists the pools the hub at hub hosts.
func (a *App) PoolsAt(ctx context.Context, hub string) ([]PoolInfo, error) {
	return a.poolClient().Pools(ctx, hub)
}

func (a *App) poolClient() provider.PoolClient { return provider.PoolClient{Client: &a.market.client} }

// poolAt reads a pool's configuration from its hub and checks it against
// the chain: same chain, the pool's contract sells on this node's market
// and names the configuration's operator.
func (a *App) poolAt(ctx context.Context, hub string, pool common.Address) (PoolInfo, error) {
	info, err := a.poolClient().Pool(ctx, hub, pool)
	if err != nil {
		return info, err
	}
	cfg := info.Config
	if err := cfg.Validate(); err != nil {
		return info, marketplace.Wrap(marketplace.EINVALID, err, "Hub %s describes pool %s wrongly", hub, pool.Hex())
	}
	if cfg.Contract != pool || cfg.Chain != a.chainID.Uint64() {
		return info, marketplace.Errorf(marketplace.EINVALID, "Hub %s describes pool %s on chain %d, not pool %s on this chain (%s).",
			hub, cfg.Contract.Hex(), cfg.Chain, pool.Hex(), a.chainID)
	}
	market, err := a.marketAddr()
	if err != nil {
		return info, err
	}
	pp := contracts.NewPoolPayouts()
	op, err := callAt(ctx, a, pool, pp.PackOperator(), pp.UnpackOperator)
	if err != nil {
		return info, marketplace.Wrap(marketplace.EINVALID, err, "Pool %s is not a pool contract on this chain", pool.Hex())
	}
	sells, err := callAt(ctx, a, pool, pp.PackMarket(), pp.UnpackMarket)
	if err != nil {
		return info, marketplace.Wrap(marketplace.EINVALID, err, "Pool %s is not a pool contract on this chain", pool.Hex())
	}
	if op != cfg.Operator || sells != market {
		return info, marketplace.Errorf(marketplace.EINVALID,
			"Pool %s on chain is run by %s for market %s; its hub says operator %s on market %s: not joined.", pool.Hex(), op.Hex(), sells.Hex(), cfg.Operator.Hex(), market.Hex())
	}
	return info, nil
}

// PreviewPoolJoin runs the pool's pipeline over the patient's records here
// and says what joining would send: nothing leaves the machine.
func (a *App) PreviewPoolJoin(ctx context.Context, req PoolJoinRequest) (PoolPreview, error) {
	info, c, err := a.contributionFor(ctx, req)
	if err != nil {
		return PoolPreview{}, err
	}
	return PoolPreview{Pool: info, Disclosure: c.disclosure}, nil
}

func (a *App) contributionFor(ctx context.Context, req PoolJoinRequest) (PoolInfo, *contribution, error) {
	info, err := a.poolAt(ctx, req.Hub, req.Pool)
	if err != nil {
		return info, nil, err
	}
	if req.ConfigVersion != 0 && req.ConfigVersion != info.Config.Version {
		return info, nil, marketplace.Errorf(marketplace.ECONFLICT,
			"Pool %s changed its configuration (version %d, you saw %d): look at what it collects again before joining.", info.Config.Name, info.Config.Version, req.ConfigVersion)
	}
	c, err := a.transformForPool(ctx, info.Config.Pipeline, records{Path: req.Path, Reader: req.Reader, Name: req.Name})
	return info, c, err
}

// JoinPool contributes the patient's records to a pool as who (the
// account that consents and is paid).
func (a *App) JoinPool(ctx context.Context, who Actor, req PoolJoinRequest) (Joined, error) {
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return Joined{}, err
	}
	defer release()
	info, c, err := a.contributionFor(ctx, req)
	if err != nil {
		return Joined{}, err
	}
	cfg := info.Config
	ct, err := vault.EncryptTo(cfg.Recipient, c.pkg)
	if err != nil {
		return Joined{}, err
	}
	consent := pools.Consent{Chain: cfg.Chain, Pool: cfg.Contract, ConfigVersion: cfg.Version, ConfigHash: cfg.Hash(),
		Account: sg.Address(), Contribution: sha256.Sum256(ct), Records: c.disclosure.Records, At: a.now().UTC().Truncate(1e9)}
	if err := consent.Sign(sg); err != nil {
		return Joined{}, err
	}
	rep, err := a.poolClient().Contribute(ctx, req.Hub, consent, ct)
	if err != nil {
		return Joined{}, err
	}
	// The hub's word is not enough: its signed log must hold the consent.
	st, b, _, err := a.readPoolLog(ctx, req.Hub, cfg.Contract, "")
	if err != nil {
		return Joined{}, err
	}
	if cur, ok := st.Active[sg.Address()]; !ok || cur.Contribution != consent.Contribution {
		return Joined{}, marketplace.Errorf(marketplace.EINVALID, "Hub %s acknowledged the contribution, but the pool's log does not hold it.", req.Hub)
	}
	m := store.Membership{Pool: cfg.Contract, Chain: cfg.Chain, Name: cfg.Name, Hub: strings.TrimSpace(req.Hub), Account: sg.Address(),
		Contribution: consent.Contribution, Records: consent.Records, Joined: consent.At, LogKey: b.VerifierKey}
	if err := a.store.PutMembership(ctx, m); err != nil {
		return Joined{}, err
	}
	a.log.Info("joined pool", "pool", cfg.Contract, "account", sg.Address(), "records", consent.Records, "index", rep.Index)
	return Joined{Membership: m, Index: rep.Index}, nil
}

// WithdrawFromPool withdraws who's consent: the pool's next versions leave
// the patient out; versions already released stay licensed to their
// buyers, and keep paying the patient their share.
func (a *App) WithdrawFromPool(ctx context.Context, who Actor, pool common.Address) (store.Membership, error) {
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return store.Membership{}, err
	}
	defer release()
	m, err := a.store.Membership(ctx, pool, sg.Address())
	if err != nil {
		return m, err
	}
	w := pools.Withdrawal{Chain: m.Chain, Pool: pool, Account: sg.Address(), At: a.now().UTC().Truncate(1e9)}
	if err := w.Sign(sg); err != nil {
		return m, err
	}
	if _, err := a.poolClient().Withdraw(ctx, m.Hub, w); err != nil {
		return m, err
	}
	m.Withdrawn = w.At
	return m, a.store.PutMembership(ctx, m)
}

// Memberships lists this node's patients' pools.
func (a *App) Memberships(ctx context.Context) ([]store.Membership, error) {
	return a.store.Memberships(ctx)
}

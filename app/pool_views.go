package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace/pools"
	"github.com/medmarket/medmarket/marketplace/store"
)

// The UI and the CLI import app, marketplace and anonymize only: the pool
// types they show are named here.

// PoolConfig is a pool's configuration (what patients consent to).
type PoolConfig = pools.Config

// PoolMember is a contribution a version holds or the union check keeps.
type PoolMember = pools.Member

// PoolWaiting is a contribution the union check leaves out, with why.
type PoolWaiting = pools.Waiting

// PoolVersion is a released version of a pool.
type PoolVersion = pools.Release

// PoolMembership is a pool a patient of this node joined.
type PoolMembership = store.Membership

// OperatedPool is a pool this node runs, as its operator sees it.
type OperatedPool struct {
	Info PoolInfo
	// Versions are the released versions, oldest first.
	Versions []PoolVersion
	// Withdrawn are the patients who withdrew and are not members now,
	// oldest withdrawal first.
	Withdrawn []PoolWithdrawn
}

// PoolWithdrawn is a patient who withdrew from a pool, and when.
type PoolWithdrawn struct {
	Account common.Address
	At      time.Time
}

// OperatedPools lists the pools this node runs (as their hub), by
// contract address.
func (a *App) OperatedPools(ctx context.Context) ([]PoolInfo, error) {
	return providerBackend{a}.PoolInfos(ctx)
}

// OperatedPoolOf describes a pool this node runs: its configuration and
// counts, its versions and its withdrawals. ENOTFOUND for another pool.
func (a *App) OperatedPoolOf(ctx context.Context, pool common.Address) (OperatedPool, error) {
	var out OperatedPool
	info, err := providerBackend{a}.PoolInfo(ctx, pool)
	if err != nil {
		return out, err
	}
	out.Info = info
	err = a.withPoolLog(ctx, pool, func(pl *poolLog) error {
		for _, r := range pl.st.Releases {
			out.Versions = append(out.Versions, *r)
		}
		for acct, at := range pl.st.Withdrawn {
			out.Withdrawn = append(out.Withdrawn, PoolWithdrawn{Account: acct, At: at})
		}
		return nil
	})
	slices.SortFunc(out.Withdrawn, func(x, y PoolWithdrawn) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return strings.Compare(x.Account.Hex(), y.Account.Hex())
	})
	return out, err
}

package app

import (
	"context"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
)

func (a *App) licence(ctx context.Context, id uint64, holder common.Address) (marketplace.Licence, error) {
	out, err := call(ctx, a, a.market.abi.PackLicence(new(big.Int).SetUint64(id), holder), a.market.abi.UnpackLicence)
	if err != nil {
		return marketplace.Licence{}, err
	}
	return marketplace.Licence{ListingID: id, Holder: holder, ExpiresAt: out.ExpiresAt, Seats: out.Seats, SeatsUsed: out.SeatsUsed}, nil
}

// HasLicence reports whether who may use listing id now (holder of an
// unexpired licence or seated member) as providers judge it: the contract's
// hasLicence says so and the licence that entitles who has not expired by
// this node's clock either (see licenceStatus).
func (a *App) HasLicence(ctx context.Context, id uint64, who common.Address) (bool, error) {
	st, err := a.licenceStatus(ctx, id, who)
	if err != nil {
		return false, err
	}
	return st.UsableAt(a.now()), nil
}

// chainHasLicence asks the contract alone whether who may use listing id:
// it judges by the time of the chain's latest block.
func (a *App) chainHasLicence(ctx context.Context, id uint64, who common.Address) (bool, error) {
	return call(ctx, a, a.market.abi.PackHasLicence(new(big.Int).SetUint64(id), who), a.market.abi.UnpackHasLicence)
}

// licenceStatus asks the contract whether who may use listing id
// (hasLicence, judged by the latest block's time) and reads the expiry of
// the licence that entitles who: its own, or that of the holder whose seat
// it uses. Callers compare that expiry with the clock too, since the
// embedded chain seals blocks only on transactions and its head's time
// lags the clock while idle.
func (a *App) licenceStatus(ctx context.Context, id uint64, who common.Address) (provider.LicenceStatus, error) {
	var st provider.LicenceStatus
	ok, err := a.chainHasLicence(ctx, id, who)
	if err != nil || !ok {
		return st, err
	}
	st.Valid = true
	own, err := a.licence(ctx, id, who)
	if err != nil {
		return st, err
	}
	st.ExpiresAt = own.ExpiresAt
	holder, err := call(ctx, a, a.market.abi.PackSeatHolder(new(big.Int).SetUint64(id), who), a.market.abi.UnpackSeatHolder)
	if err != nil {
		return st, err
	}
	if holder != (common.Address{}) {
		lic, err := a.licence(ctx, id, holder)
		if err != nil {
			return st, err
		}
		st.ExpiresAt = max(st.ExpiresAt, lic.ExpiresAt)
	}
	return st, nil
}

// LicenceView is a licence as "My licences" shows it.
type LicenceView struct {
	marketplace.Licence
	Listing *marketplace.Listing // nil if the catalog does not know it
	Valid   bool                 // usable now, by the chain and this node's clock (HasLicence)
	// SeatOf is the holder whose licence seats this account (for a seat;
	// zero for the account's own licence).
	SeatOf common.Address
	// Members are the accounts seated on an own licence.
	Members []common.Address
	// Statement is what the account stated at its last purchase through
	// this node (nil for a seat, or when nothing was stated).
	Statement *store.Statement
}

// Licences returns the licences account holds or is seated on, from the
// contract's events and its current state, newest purchase first.
func (a *App) Licences(ctx context.Context, account common.Address) ([]LicenceView, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return nil, err
	}
	ev := a.market.abi.GetABI().Events
	acct := common.BytesToHash(account.Bytes())
	logs := func(topics [][]common.Hash) ([]types.Log, error) {
		ls, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(a.deployment.DeployBlock),
			Addresses: []common.Address{addr}, Topics: topics})
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the market's events from %s", a.chain.Endpoint())
		}
		return ls, nil
	}
	bought, err := logs([][]common.Hash{{ev["LicencePurchased"].ID}, nil, {acct}})
	if err != nil {
		return nil, err
	}
	seats, err := logs([][]common.Hash{{ev["SeatAdded"].ID, ev["SeatRemoved"].ID}})
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for i := len(bought) - 1; i >= 0; i-- {
		id := bought[i].Topics[1].Big().Uint64()
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	// Fold seat events: members[id][holder] and seatOf[id] (this account's seat).
	type key struct {
		id     uint64
		holder common.Address
	}
	members := map[key][]common.Address{}
	seatOf := map[uint64]common.Address{}
	for _, lg := range seats {
		id := lg.Topics[1].Big().Uint64()
		holder, member := common.BytesToAddress(lg.Topics[2].Bytes()), common.BytesToAddress(lg.Topics[3].Bytes())
		k := key{id, holder}
		if lg.Topics[0] == ev["SeatAdded"].ID {
			members[k] = append(members[k], member)
			if member == account {
				seatOf[id] = holder
			}
		} else {
			members[k] = slices.DeleteFunc(members[k], func(m common.Address) bool { return m == member })
			if member == account && seatOf[id] == holder {
				delete(seatOf, id)
			}
		}
	}
	var out []LicenceView
	add := func(id uint64, holder, seat common.Address) error {
		lic, err := a.licence(ctx, id, holder)
		if err != nil {
			return err
		}
		v := LicenceView{Licence: lic, SeatOf: seat, Members: members[key{id, holder}]}
		if v.Valid, err = a.HasLicence(ctx, id, account); err != nil {
			return err
		}
		v.Listing, _ = a.market.catalog.Listing(ctx, id)
		if seat == (common.Address{}) {
			if st, err := a.store.MyStatement(ctx, id, holder); err == nil {
				v.Statement = &st
			}
		}
		out = append(out, v)
		return nil
	}
	for _, id := range ids {
		if err := add(id, account, common.Address{}); err != nil {
			return nil, err
		}
	}
	for id, holder := range seatOf {
		if err := add(id, holder, holder); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddSeat seats member on the actor's licence to listing id. The contract's
// refusal (no seats left, expired licence, seat taken) comes back with its reason.
func (a *App) AddSeat(ctx context.Context, who Actor, id uint64, member common.Address) error {
	return a.send(ctx, who, nil, a.market.abi.PackAddSeat(new(big.Int).SetUint64(id), member), "seat added", "listing", id, "member", member)
}

// RemoveSeat takes member's seat on the actor's licence to listing id away;
// the member can no longer download.
func (a *App) RemoveSeat(ctx context.Context, who Actor, id uint64, member common.Address) error {
	return a.send(ctx, who, nil, a.market.abi.PackRemoveSeat(new(big.Int).SetUint64(id), member), "seat removed", "listing", id, "member", member)
}

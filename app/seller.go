package app

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// SetPrice changes the price of future sales of the actor's listing id
// (seller only, active listings only: the contract's refusal otherwise).
func (a *App) SetPrice(ctx context.Context, who Actor, id uint64, wei *big.Int) error {
	if wei == nil || wei.Sign() < 0 {
		return marketplace.Errorf(marketplace.EINVALID, "Price: must be 0 or more.")
	}
	return a.send(ctx, who, nil, a.market.abi.PackSetPrice(new(big.Int).SetUint64(id), wei), "price changed", "listing", id, "wei", wei)
}

// Delist stops sales of the actor's listing id (final; licences sold stay valid).
func (a *App) Delist(ctx context.Context, who Actor, id uint64) error {
	return a.send(ctx, who, nil, a.market.abi.PackDelist(new(big.Int).SetUint64(id)), "delisted", "listing", id)
}

// Withdraw pays the actor everything its sales earned and returns the
// amount in wei; ECONFLICT when there is nothing to withdraw.
func (a *App) Withdraw(ctx context.Context, who Actor) (*big.Int, error) {
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return nil, err
	}
	defer release()
	amount, err := a.Withdrawable(ctx, sg.Address())
	if err != nil {
		return nil, err
	}
	if amount.Sign() == 0 {
		return nil, marketplace.Errorf(marketplace.ECONFLICT, "Nothing to withdraw: %s has no earnings waiting.", sg.Address().Hex())
	}
	if _, err := a.transact(ctx, sg, nil, a.market.abi.PackWithdraw()); err != nil {
		return nil, err
	}
	a.log.Info("earnings withdrawn", "seller", sg.Address(), "wei", amount)
	return amount, nil
}

// Withdrawable returns what seller may withdraw now, in wei.
func (a *App) Withdrawable(ctx context.Context, seller common.Address) (*big.Int, error) {
	return call(ctx, a, a.market.abi.PackWithdrawable(seller), a.market.abi.UnpackWithdrawable)
}

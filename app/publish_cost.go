package app

import (
	"context"
	"crypto/rand"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// PublishPreview estimates what listing will cost the seller: the gas of
// the commit and list transactions x gas price (the platform takes no fee).
// The list transaction cannot be estimated before its commit is mined: its
// gas is the contract's bound for a listing (listGasBound) plus its calldata.
// The price and terms are checked as Publish checks them.
func (a *App) PublishPreview(ctx context.Context, seller common.Address, price *big.Int, terms marketplace.Terms, providerChoice string) (CostPreview, error) {
	req := PublishRequest{Price: price, Terms: terms, Provider: providerChoice}
	providerURL, err := a.checkListing(ctx, &req)
	if err != nil {
		return CostPreview{}, err
	}
	var content, meta common.Hash
	rand.Read(content[:])
	rand.Read(meta[:])
	cost, err := a.estimate(ctx, seller, nil, a.market.abi.PackCommit(contracts.Commitment(seller, content, meta)))
	if err != nil {
		return CostPreview{}, err
	}
	listGas := listGasBound + 16*uint64(len(a.market.abi.PackList(content, meta, price, terms.Pack(), meta, providerURL)))
	cost.Gas += listGas
	extra := new(big.Int).Mul(new(big.Int).SetUint64(listGas), cost.GasPrice)
	cost.GasCost = new(big.Int).Add(cost.GasCost, extra)
	cost.Total = new(big.Int).Add(cost.Total, extra)
	return cost, nil
}

// listGasBound bounds a list transaction's gas apart from its calldata (the
// gas test holds the contract to 100,000 with a short provider URL).
const listGasBound = 100_000

package app

import (
	"context"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/store"
)

// MyDataset is one of a seller's listings with its sales.
type MyDataset struct {
	Listing *marketplace.Listing
	Buyers  []common.Address // distinct buyers, in order of first purchase
	Sales   uint64           // purchases, renewals included
	Earned  *big.Int         // total paid for it, in wei
	// Statements are what buyers stated at their purchases (DS, IRB, COL),
	// as delivered to the listing's provider, oldest first.
	Statements []BuyerStatement
	// StatementsProblem says why Statements may be incomplete (the hub
	// could not be asked), or "".
	StatementsProblem string
}

// StatementsOf returns the statements of one buyer, oldest first.
func (d MyDataset) StatementsOf(buyer common.Address) []BuyerStatement {
	var out []BuyerStatement
	for _, s := range d.Statements {
		if s.Buyer == buyer {
			out = append(out, s)
		}
	}
	return out
}

// MySales is "My datasets": a seller's listings, sales and money.
type MySales struct {
	Datasets     []MyDataset
	Earned       *big.Int        // all sales, in wei
	Withdrawable *big.Int        // waiting to be withdrawn, in wei
	Drafts       []store.Publish // publishes stored on this node but not (yet) listed
}

// MyDatasets returns the seller's listings (delisted ones too) with sales
// counts, buyers' addresses and earnings from LicencePurchased events, and
// what it may withdraw.
func (a *App) MyDatasets(ctx context.Context, seller common.Address) (MySales, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return MySales{}, err
	}
	out := MySales{Earned: new(big.Int)}
	ev := a.market.abi.GetABI().Events["LicencePurchased"]
	logs, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(a.deployment.DeployBlock),
		Addresses: []common.Address{addr}, Topics: [][]common.Hash{{ev.ID}, nil, nil, {common.BytesToHash(seller.Bytes())}}})
	if err != nil {
		return out, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the market's events from %s", a.chain.Endpoint())
	}
	byID := map[uint64]*MyDataset{}
	var order []uint64
	get := func(id uint64) *MyDataset {
		d, ok := byID[id]
		if !ok {
			d = &MyDataset{Earned: new(big.Int)}
			d.Listing, _ = a.market.catalog.Listing(ctx, id)
			byID[id] = d
			order = append(order, id)
		}
		return d
	}
	f := marketplace.CatalogFilter{Seller: &seller, IncludeDelisted: true, Sort: marketplace.SortNewest, Limit: marketplace.MaxCatalogLimit}
	for {
		page, total, err := a.Search(ctx, f)
		if err != nil {
			return out, err
		}
		for _, l := range page {
			get(l.ID)
		}
		f.Offset += len(page)
		if len(page) == 0 || f.Offset >= total {
			break
		}
	}
	for _, lg := range logs {
		p, err := a.market.abi.UnpackLicencePurchasedEvent(&lg)
		if err != nil {
			continue
		}
		d := get(p.Id.Uint64())
		d.Sales++
		d.Earned.Add(d.Earned, p.Price)
		out.Earned.Add(out.Earned, p.Price)
		if !slices.Contains(d.Buyers, p.Buyer) {
			d.Buyers = append(d.Buyers, p.Buyer)
		}
	}
	for _, id := range order {
		d := byID[id]
		if d.Listing != nil && d.Listing.Seller == seller {
			d.Statements, d.StatementsProblem = a.buyerStatements(ctx, seller, d.Listing)
		}
		out.Datasets = append(out.Datasets, *d)
	}
	if out.Withdrawable, err = a.Withdrawable(ctx, seller); err != nil {
		return out, err
	}
	pubs, err := a.store.Publishes(ctx)
	if err != nil {
		return out, err
	}
	for _, p := range pubs {
		if p.State == store.PublishPending && p.Seller == seller {
			out.Drafts = append(out.Drafts, p)
		}
	}
	return out, nil
}

package app

// A buyer's statements (DUO DS, IRB, COL): signed at purchase, kept on the
// buyer's node, delivered to the listing's provider, shown to the seller.

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// BuyerStatement is what one buyer stated at one purchase, signed by it.
type BuyerStatement struct {
	Buyer  common.Address
	TxHash common.Hash // the buy transaction
	marketplace.Statements
	Received time.Time // when the provider received it
}

// recordStatement signs what the buyer stated at the purchase tx of
// listing l, keeps it on this node, and delivers it to the listing's
// provider (a failed delivery is kept for a retry, not returned).
func (a *App) recordStatement(ctx context.Context, sg *vault.Signer, l *marketplace.Listing, tx common.Hash, st marketplace.Statements) (store.Statement, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return store.Statement{}, err
	}
	ss, err := provider.SignStatement(provider.Statement{ChainID: a.chainID.Uint64(), Contract: addr, ListingID: l.ID,
		Buyer: sg.Address(), TxHash: tx, Statements: st}, sg)
	if err != nil {
		return store.Statement{}, err
	}
	rec := store.Statement{ListingID: l.ID, Buyer: sg.Address(), TxHash: tx, Statements: st, Signature: ss.Signature,
		Created: a.now().UTC(), Provider: l.Provider}
	if err := a.store.PutMyStatement(ctx, rec); err != nil {
		return rec, err
	}
	_ = a.deliverStatement(ctx, &rec) // kept in rec and the store whatever happens; undelivered ones are retried
	return rec, nil
}

// statementDeliveryTimeout bounds one delivery of a statement to a provider:
// the first is part of the buy, so a provider that does not answer delays
// the buyer by at most this (the statement is retried later).
const statementDeliveryTimeout = 5 * time.Second

// deliverStatement sends a kept statement to its listing's provider (in
// process when this node provides the listing) and records the outcome in
// rec and the store. A provider that already has it counts as delivered.
func (a *App) deliverStatement(ctx context.Context, rec *store.Statement) error {
	err := func() error {
		addr, err := a.marketAddr()
		if err != nil {
			return err
		}
		_, p, err := a.ready()
		if err != nil {
			return err
		}
		l, err := a.Listing(ctx, rec.ListingID)
		if err != nil {
			return err
		}
		ss := provider.SignedStatement{Statement: provider.Statement{ChainID: a.chainID.Uint64(), Contract: addr,
			ListingID: rec.ListingID, Buyer: rec.Buyer, TxHash: rec.TxHash, Statements: rec.Statements}, Signature: rec.Signature}
		if a.providesHere(ctx, l) {
			err = p.RecordStatement(ctx, ss)
		} else {
			rec.Provider = l.Provider
			dctx, cancel := context.WithTimeout(ctx, statementDeliveryTimeout)
			defer cancel()
			err = a.market.client.DeliverStatement(dctx, l.Provider, ss)
		}
		if marketplace.ErrorCode(err) == marketplace.ECONFLICT {
			err = nil // delivered before (the answer was lost)
		}
		return err
	}()
	now := a.now().UTC()
	rec.Attempted = now
	if err != nil {
		rec.LastError = marketplace.ErrorMessage(err)
		code := marketplace.ErrorCode(err)
		rec.Refused = code != marketplace.EUNAVAILABLE && code != marketplace.EINTERNAL && ctx.Err() == nil
		a.log.Warn("buyer's statement not delivered to the provider; will retry", "listing", rec.ListingID, "buyer", rec.Buyer,
			"provider", rec.Provider, "refused", rec.Refused, "err", err)
	} else {
		rec.Delivered, rec.LastError, rec.Refused = now, "", false
		a.log.Info("buyer's statement delivered to the provider", "listing", rec.ListingID, "buyer", rec.Buyer, "provider", rec.Provider)
	}
	if perr := a.store.PutMyStatement(ctx, *rec); perr != nil {
		a.log.Error("record statement delivery", "listing", rec.ListingID, "buyer", rec.Buyer, "err", perr)
	}
	return err
}

// statementRetryEvery spaces the market loop's retries of a statement delivery.
const statementRetryEvery = time.Minute

// DeliverStatements retries the deliveries of this node's buyers'
// statements that failed because the provider could not be reached (the
// last attempt at least a minute ago) and returns how many got through;
// RunMarket calls it. A statement the provider refused waits for the
// buyer's next download.
func (a *App) DeliverStatements(ctx context.Context) (int, error) {
	recs, err := a.store.UndeliveredStatements(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range recs {
		if recs[i].Refused || a.now().Sub(recs[i].Attempted) < statementRetryEvery {
			continue
		}
		if a.deliverStatement(ctx, &recs[i]) == nil {
			n++
		}
	}
	return n, nil
}

// CheckPurchase checks on chain that tx is a mined purchase of listing id
// by buyer: its receipt holds the market's LicencePurchased event for them.
func (b providerBackend) CheckPurchase(ctx context.Context, id uint64, buyer common.Address, tx common.Hash) error {
	addr, err := b.a.marketAddr()
	if err != nil {
		return err
	}
	r, err := b.a.chain.TransactionReceipt(ctx, tx)
	if errors.Is(err, ethereum.NotFound) {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "Statement refused: transaction %s is not mined on chain %s.", tx.Hex(), b.a.chainID)
	}
	if err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read transaction %s from %s", tx.Hex(), b.a.chain.Endpoint())
	}
	for _, lg := range r.Logs {
		if lg.Address != addr {
			continue
		}
		if p, err := b.a.market.abi.UnpackLicencePurchasedEvent(lg); err == nil && p.Id.Uint64() == id && p.Buyer == buyer {
			return nil
		}
	}
	return marketplace.Errorf(marketplace.EFORBIDDEN, "Statement refused: transaction %s is not a purchase of listing %d by %s.", tx.Hex(), id, buyer.Hex())
}

// Seller returns the seller of listing id as the contract records it.
func (b providerBackend) Seller(ctx context.Context, id uint64) (common.Address, error) {
	on, err := call(ctx, b.a, b.a.market.abi.PackListing(new(big.Int).SetUint64(id)), b.a.market.abi.UnpackListing)
	if err != nil {
		return common.Address{}, err
	}
	if on.Seller == (common.Address{}) {
		return common.Address{}, marketplace.Errorf(marketplace.ENOTFOUND, "Listing %d does not exist on chain %s.", id, b.a.chainID)
	}
	return on.Seller, nil
}

// AddStatement keeps a buyer's checked statement (ECONFLICT for a replay).
func (b providerBackend) AddStatement(ctx context.Context, s provider.RecordedStatement) error {
	return b.a.store.AddStatement(ctx, store.Statement{ListingID: s.ListingID, Buyer: s.Buyer, TxHash: s.TxHash,
		Statements: s.Statements, Signature: s.Signature, Created: s.Received})
}

// Statements returns the buyers' statements kept for listing id.
func (b providerBackend) Statements(ctx context.Context, id uint64) ([]provider.RecordedStatement, error) {
	recs, err := b.a.store.Statements(ctx, id)
	if err != nil {
		return nil, err
	}
	addr, _ := b.a.marketAddr()
	out := make([]provider.RecordedStatement, 0, len(recs))
	for _, r := range recs {
		out = append(out, provider.RecordedStatement{SignedStatement: provider.SignedStatement{
			Statement: provider.Statement{ChainID: b.a.chainID.Uint64(), Contract: addr, ListingID: r.ListingID, Buyer: r.Buyer,
				TxHash: r.TxHash, Statements: r.Statements}, Signature: r.Signature}, Received: r.Created})
	}
	return out, nil
}

// buyerStatements returns the statements buyers delivered for the seller's
// listing l: from this node's store when it provides the listing, else
// from the hub that does, with a query signed by the seller (its key must
// be unlocked on this node: a signed-in session). Each statement from a hub
// is checked against the buyer's signature. The string says why the list
// may be incomplete.
func (a *App) buyerStatements(ctx context.Context, seller common.Address, l *marketplace.Listing) ([]BuyerStatement, string) {
	_, p, err := a.ready()
	if err != nil {
		return nil, marketplace.ErrorMessage(err)
	}
	var recs []provider.RecordedStatement
	if a.providesHere(ctx, l) {
		sb, ok := p.Backend.(provider.StatementBackend)
		if !ok {
			return nil, ""
		}
		if recs, err = sb.Statements(ctx, l.ID); err != nil {
			return nil, marketplace.ErrorMessage(err)
		}
	} else {
		if l.Provider == "" {
			return nil, ""
		}
		sg := a.unlockedSigner(seller)
		if sg == nil {
			return nil, fmt.Sprintf("Buyers' statements are kept by the hub %s: sign in as %s to fetch them.", l.Provider, seller.Hex())
		}
		q, err := provider.NewStatementsQuery(a.chainID.Uint64(), p.Contract, l.ID, sg, a.now(), provider.MaxRequestLifetime/2)
		if err != nil {
			return nil, marketplace.ErrorMessage(err)
		}
		qctx, cancel := context.WithTimeout(ctx, statementDeliveryTimeout)
		defer cancel()
		if recs, err = a.market.client.Statements(qctx, l.Provider, q); err != nil {
			return nil, "Cannot fetch buyers' statements: " + marketplace.ErrorMessage(err)
		}
	}
	var out []BuyerStatement
	for _, r := range recs {
		if r.ListingID != l.ID || r.ChainID != p.ChainID || r.Contract != p.Contract {
			continue
		}
		if pub, err := vault.RecoverPersonalKey(r.Message(), r.Signature); err != nil || crypto.PubkeyToAddress(*pub) != r.Buyer {
			a.log.Warn("buyer's statement with a bad signature dropped", "listing", l.ID, "buyer", r.Buyer, "provider", l.Provider)
			continue
		}
		out = append(out, BuyerStatement{Buyer: r.Buyer, TxHash: r.TxHash, Statements: r.Statements, Received: r.Received})
	}
	return out, ""
}

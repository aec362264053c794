package app

import (
	"context"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/store"
)

// BuyQuote is what a buyer sees before buying: the listing, its terms in
// plain words, what the buyer must state, and the cost.
type BuyQuote struct {
	Listing *marketplace.Listing
	Terms   []TermLine
	// Needs lists the statements the terms require at purchase: "disease"
	// (DS), "approval" (IRB), "collaborator" (COL).
	Needs []string
	Cost  CostPreview
}

// BuyPreview quotes a purchase of listing id by buyer: price, gas estimate x
// gas price, terms in plain words. ENOTFOUND for an unknown listing; the
// contract's refusal (delisted: ECONFLICT/EINVALID with the reason) when a
// buy would fail; EFORBIDDEN when the listing's provider does not serve it
// (see checkServed), EUNAVAILABLE when the provider cannot be asked.
func (a *App) BuyPreview(ctx context.Context, buyer common.Address, id uint64) (BuyQuote, error) {
	l, err := a.Listing(ctx, id)
	if err != nil {
		return BuyQuote{}, err
	}
	q := BuyQuote{Listing: l, Needs: needs(l.Terms)}
	var detail map[string]string
	if l.Card != nil {
		detail = l.Card.TermsDetail
	}
	q.Terms = TermsInWords(l.Terms, detail)
	if !l.Active {
		return q, marketplace.Errorf(marketplace.ECONFLICT, "Listing %d is delisted: it can no longer be bought.", id)
	}
	if err := a.checkServed(ctx, l); err != nil {
		return q, err
	}
	q.Cost, err = a.estimate(ctx, buyer, l.Price, a.market.abi.PackBuy(new(big.Int).SetUint64(id)))
	return q, err
}

func needs(t marketplace.Terms) []string {
	var n []string
	if t.Use&marketplace.DS != 0 {
		n = append(n, "disease")
	}
	if t.Use&marketplace.IRB != 0 {
		n = append(n, "approval")
	}
	if t.Use&marketplace.COL != 0 {
		n = append(n, "collaborator")
	}
	return n
}

// BuyConfirmation is what the buyer states when buying.
type BuyConfirmation struct {
	AcceptTerms  bool   // the buyer accepts the licence terms; required
	Disease      string // the disease researched; required by DS
	Approval     string // the ethics approval (IRB reference); required by IRB
	Collaborator string // the collaborator named; required by COL
}

// statements returns what the buyer stated, trimmed.
func (c BuyConfirmation) statements() marketplace.Statements {
	return marketplace.Statements{Disease: strings.TrimSpace(c.Disease), Approval: strings.TrimSpace(c.Approval),
		Collaborator: strings.TrimSpace(c.Collaborator)}
}

// Purchase is a completed buy.
type Purchase struct {
	Licence marketplace.Licence
	TxHash  common.Hash
	GasUsed uint64
	Paid    *big.Int // the price, in wei
	// Statement is the record of what the buyer stated (nil when nothing
	// was): kept on this node, signed, and delivered to the listing's
	// provider (Delivered zero when that failed; it is retried).
	Statement *store.Statement
}

// Buy buys (or renews) a licence to listing id for the actor: one `buy`
// transaction paying the exact current price. EINVALID when the terms are
// not accepted or a statement the terms require is missing (naming it);
// the contract's refusal otherwise (delisted, wrong price, already
// licensed perpetually); EINVALID with the figures when the account cannot pay.
// Right before the transaction the listing's provider is asked whether it
// serves the listing's buyers: EFORBIDDEN naming the reason when it does not
// (a copy of another seller's listing, data no longer held), EUNAVAILABLE
// when it cannot be reached; nothing is sent then.
//
// What the buyer states (disease, approval, collaborator) is kept with the
// purchase on this node and, signed by the buyer and bound to the buy
// transaction, delivered to the listing's provider for the data's
// controller. A provider that cannot be reached does not fail the buy: the
// delivery is logged and retried (next download, market loop).
func (a *App) Buy(ctx context.Context, who Actor, id uint64, conf BuyConfirmation) (Purchase, error) {
	l, err := a.Listing(ctx, id)
	if err != nil {
		return Purchase{}, err
	}
	if !conf.AcceptTerms {
		return Purchase{}, marketplace.Errorf(marketplace.EINVALID, "Terms: accept the licence terms (%s) to buy.", l.Terms)
	}
	for _, n := range needs(l.Terms) {
		v := map[string]string{"disease": conf.Disease, "approval": conf.Approval, "collaborator": conf.Collaborator}[n]
		if strings.TrimSpace(v) == "" {
			return Purchase{}, marketplace.Errorf(marketplace.EINVALID, "%s: the terms (%s) require you to state it.", strings.ToUpper(n[:1])+n[1:], l.Terms.Use)
		}
	}
	if err := conf.statements().Validate(); err != nil {
		return Purchase{}, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return Purchase{}, err
	}
	defer release()
	// The price on chain, not the catalog's copy: a buy pays exactly it.
	on, err := call(ctx, a, a.market.abi.PackListing(new(big.Int).SetUint64(id)), a.market.abi.UnpackListing)
	if err != nil {
		return Purchase{}, err
	}
	if !on.Active {
		return Purchase{}, marketplace.Errorf(marketplace.ECONFLICT, "Listing %d is delisted: it can no longer be bought.", id)
	}
	// Last, right before paying: the listing's provider serves its buyers.
	if err := a.checkServed(ctx, l); err != nil {
		return Purchase{}, err
	}
	r, err := a.transact(ctx, sg, on.Price, a.market.abi.PackBuy(new(big.Int).SetUint64(id)))
	if err != nil {
		return Purchase{}, err
	}
	lic, err := a.licence(ctx, id, sg.Address())
	if err != nil {
		return Purchase{}, err
	}
	a.log.Info("licence bought", "listing", id, "buyer", sg.Address(), "price", on.Price, "tx", r.TxHash)
	p := Purchase{Licence: lic, TxHash: r.TxHash, GasUsed: r.GasUsed, Paid: on.Price}
	if st := conf.statements(); !st.IsZero() {
		rec, err := a.recordStatement(ctx, sg, l, r.TxHash, st)
		if err != nil {
			// The licence is bought: report it, and say in the log what was lost.
			a.log.Error("buyer's statement not recorded", "listing", id, "buyer", sg.Address(), "tx", r.TxHash, "err", err)
		} else {
			p.Statement = &rec
		}
	}
	return p, nil
}

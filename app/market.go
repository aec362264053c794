package app

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/catalog"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// market is the marketplace state of an App: the node key, the blob store,
// the catalog and its indexer, and this node's provider.
type market struct {
	mu        sync.Mutex
	nodeKey   *vault.NodeKey
	blobs     *vault.Blobs
	catalog   *store.Catalog
	indexer   *catalog.Indexer // nil until the contracts are deployed
	provider  *provider.Provider
	handler   http.Handler // provider.Handler
	client    provider.Client
	publicURL string
	abi       *contracts.DataLicenseMarket

	// prewrapMu serializes PrewrapKeys (the market loop and tests).
	prewrapMu sync.Mutex

	// hook, when set (tests), is called between the steps of a publish;
	// an error stops the publish there, as a crash would.
	hook func(step string) error
}

// Publish steps a test hook sees.
const (
	StepStored    = "stored"    // blob, wrapped key and pending record are durable; no transaction yet
	StepCommitted = "committed" // the commit transaction is mined; the list transaction not sent
	StepListed    = "listed"    // the listing transaction is mined; not yet indexed nor marked listed
)

// DefaultPublicURL is the provider URL a node announces when none is set:
// serve's default provider listener (the UI, on 8080, serves no provider API).
const DefaultPublicURL = "http://127.0.0.1:8081/"

// openMarket opens the node key, the blob store and the catalog. Called by Open.
func (a *App) openMarket(ctx context.Context) error {
	m := &a.market
	var err error
	if m.nodeKey, err = vault.LoadOrCreateNodeKey(filepath.Join(a.dataDir, "node.key")); err != nil {
		return err
	}
	if m.blobs, err = vault.OpenBlobs(filepath.Join(a.dataDir, "blobs")); err != nil {
		return err
	}
	if m.catalog, err = a.store.Catalog(); err != nil {
		return err
	}
	m.abi = contracts.NewDataLicenseMarket()
	m.publicURL = DefaultPublicURL
	m.client.PublicOnly = !a.allowPrivate
	return nil
}

// SetPublicURL sets the URL at which other nodes reach this node's provider
// API (serve's --public-url): it goes on chain with every listing published
// through this node. EINVALID for anything but an absolute http(s) URL.
func (a *App) SetPublicURL(u string) error {
	if err := marketplace.ValidateProviderURL(u); err != nil {
		return err
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	a.market.mu.Lock()
	defer a.market.mu.Unlock()
	a.market.publicURL = u
	return nil
}

// PublicURL returns this node's provider URL.
func (a *App) PublicURL() string {
	a.market.mu.Lock()
	defer a.market.mu.Unlock()
	return a.market.publicURL
}

// NodeAddress returns the address of the node key (the provider's identity).
func (a *App) NodeAddress() common.Address { return a.market.nodeKey.Address() }

// marketAddr returns the DataLicenseMarket address, or ENOTFOUND before deployment.
func (a *App) marketAddr() (common.Address, error) {
	if a.deployment != nil {
		if addr, ok := a.deployment.Contracts[MarketContract]; ok {
			return addr, nil
		}
	}
	return common.Address{}, marketplace.Errorf(marketplace.ENOTFOUND,
		"The marketplace contract is not deployed on chain %s (medmarket chain deploy --as NAME).", a.chainID)
}

// ready returns the indexer and provider, built on first use once the
// contracts are known.
func (a *App) ready() (*catalog.Indexer, *provider.Provider, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return nil, nil, err
	}
	m := &a.market
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.indexer == nil {
		cards := catalog.CardFunc(func(ctx context.Context, l *marketplace.Listing) ([]byte, error) {
			if b, err := a.store.Card(ctx, l.MetadataHash); err == nil {
				return b, nil
			}
			if l.Provider == "" {
				return nil, marketplace.Errorf(marketplace.ENOTFOUND, "Listing %d names no provider.", l.ID)
			}
			return m.client.Card(ctx, l.Provider, l.MetadataHash)
		})
		ix, err := catalog.New(catalog.Config{Chain: a.chain, Market: addr, ChainID: a.chainID.Uint64(), Catalog: m.catalog, Cards: cards,
			Logger: a.log, FromBlock: a.deployment.DeployBlock, CardTimeout: 3 * time.Second})
		if err != nil {
			return nil, nil, err
		}
		m.indexer = ix
		m.provider = &provider.Provider{ChainID: a.chainID.Uint64(), Contract: addr, Key: m.nodeKey.PublicKey(),
			Backend: providerBackend{a}, Now: a.now}
		m.handler = m.provider.Handler(a.log)
	}
	return m.indexer, m.provider, nil
}

// Actor is who acts on the marketplace: a signed-in UI session, or an
// account unlocked for one call (the CLI).
type Actor struct {
	token      string
	name, pass string
	signer     *vault.Signer
}

// BySession acts as the account of a UI session (its token).
func BySession(token string) Actor { return Actor{token: token} }

// ByAccount unlocks the named keystore account for the call and locks it after.
func ByAccount(name, passphrase string) Actor { return Actor{name: name, pass: passphrase} }

// BySigner acts with an already unlocked signer; the caller locks it.
func BySigner(s *vault.Signer) Actor { return Actor{signer: s} }

// signer resolves an actor; release locks a key unlocked for this call.
func (a *App) signer(ctx context.Context, who Actor) (sg *vault.Signer, release func(), err error) {
	switch {
	case who.signer != nil:
		return who.signer, func() {}, nil
	case who.token != "":
		sg, err := a.sessionSigner(ctx, who.token)
		return sg, func() {}, err
	case who.name != "":
		sg, err := a.unlock(ctx, who.name, who.pass)
		if err != nil {
			return nil, nil, err
		}
		return sg, sg.Lock, nil
	}
	return nil, nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Sign in (or name an account) to do this.")
}

// transact sends calldata to the market contract as sg, waits for it to be
// mined and applies its events to the catalog at once. Contract refusals
// come back as marketplace errors with the reason.
func (a *App) transact(ctx context.Context, sg *vault.Signer, value *big.Int, data []byte) (*types.Receipt, error) {
	r, err := a.sendTx(ctx, sg, value, data)
	if err != nil {
		return r, err
	}
	if ix, _, err := a.ready(); err == nil {
		if err := ix.IndexTx(ctx, r); err != nil {
			a.log.Warn("index own transaction", "tx", r.TxHash, "err", err)
		}
	}
	return r, nil
}

// sendTx sends calldata to the market contract as sg and waits for it to be mined.
func (a *App) sendTx(ctx context.Context, sg *vault.Signer, value *big.Int, data []byte) (*types.Receipt, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return nil, err
	}
	r, err := chain.Transact(ctx, a.chain, sg.TransactOpts(ctx, a.chainID), &addr, value, data)
	if err != nil {
		return r, contracts.DecodeRevert(err)
	}
	return r, nil
}

// call reads the market contract.
func call[T any](ctx context.Context, a *App, data []byte, unpack func([]byte) (T, error)) (T, error) {
	var zero T
	addr, err := a.marketAddr()
	if err != nil {
		return zero, err
	}
	v, err := bind.Call(a.market.abi.Instance(a.chain, addr), &bind.CallOpts{Context: ctx}, data, unpack)
	if err != nil {
		return zero, contracts.DecodeRevert(err)
	}
	return v, nil
}

// CostPreview is what a transaction will cost before it is sent: the gas
// the node estimates times the current gas price, plus the value paid. The
// platform takes no fee.
type CostPreview struct {
	Gas      uint64   // estimated gas
	GasPrice *big.Int // wei per gas now
	GasCost  *big.Int // Gas x GasPrice, in wei
	Value    *big.Int // paid to the contract (the price), in wei
	Total    *big.Int // GasCost + Value
	Fee      *big.Int // platform fee: 0
}

// estimate previews the cost of sending data with value from `from`.
func (a *App) estimate(ctx context.Context, from common.Address, value *big.Int, data []byte) (CostPreview, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return CostPreview{}, err
	}
	if value == nil {
		value = new(big.Int)
	}
	gas, err := a.chain.EstimateGas(ctx, ethereum.CallMsg{From: from, To: &addr, Value: value, Data: data})
	if err != nil {
		return CostPreview{}, contracts.DecodeRevert(err)
	}
	price, err := a.chain.SuggestGasPrice(ctx)
	if err != nil {
		return CostPreview{}, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the gas price from %s", a.chain.Endpoint())
	}
	cost := new(big.Int).Mul(new(big.Int).SetUint64(gas), price)
	return CostPreview{Gas: gas, GasPrice: price, GasCost: cost, Value: value,
		Total: new(big.Int).Add(cost, value), Fee: new(big.Int)}, nil
}

// SyncCatalog brings the catalog up to the chain's head (the CLI calls it
// before a search; serve keeps it current with RunMarket).
func (a *App) SyncCatalog(ctx context.Context) error {
	ix, _, err := a.ready()
	if err != nil {
		return err
	}
	if _, err := ix.Sync(ctx); err != nil {
		return err
	}
	a.reconcilePublishes(ctx)
	if _, err := ix.RetryCards(ctx); err != nil {
		a.log.Warn("retry cards", "err", err)
	}
	return nil
}

// Search returns one page of catalog listings matching f and the number of
// matches (see marketplace.CatalogService.SearchCatalog); EINVALID names a
// bad filter field.
func (a *App) Search(ctx context.Context, f marketplace.CatalogFilter) ([]*marketplace.Listing, int, error) {
	return a.market.catalog.SearchCatalog(ctx, f)
}

// Listing returns a listing by id, whatever its state; ENOTFOUND when the
// catalog has not seen it (it syncs with the chain once before saying so).
func (a *App) Listing(ctx context.Context, id uint64) (*marketplace.Listing, error) {
	l, err := a.market.catalog.Listing(ctx, id)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		if serr := a.SyncCatalog(ctx); serr == nil {
			l, err = a.market.catalog.Listing(ctx, id)
		}
	}
	return l, err
}

// TermLine is one licence condition in plain words.
type TermLine struct {
	Code   string // DUO shorthand ("HMB"), or "" for duration and seats
	Text   string // "health or medical or biomedical research"
	Detail string // from the card: the disease for DS...
}

// TermsInWords explains a listing's terms, each DUO code with its label and
// the card's detail, then duration and seats.
func TermsInWords(t marketplace.Terms, detail map[string]string) []TermLine {
	var out []TermLine
	for _, c := range t.Use.Codes() {
		out = append(out, TermLine{Code: c.Short(), Text: c.Label() + " (" + c.OntologyID() + ")", Detail: detail[c.Short()]})
	}
	dur := "the licence never expires"
	if t.DurationDays > 0 {
		dur = fmt.Sprintf("the licence lasts %d days from purchase (buying again renews it)", t.DurationDays)
	}
	out = append(out, TermLine{Text: dur}, TermLine{Text: fmt.Sprintf("the holder may seat %d team members", t.Seats)})
	return out
}

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

func (a *App) send(ctx context.Context, who Actor, value *big.Int, data []byte, msg string, args ...any) error {
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return err
	}
	defer release()
	if _, err := a.transact(ctx, sg, value, data); err != nil {
		return err
	}
	a.log.Info(msg, append(args, "account", sg.Address())...)
	return nil
}

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

// unlockedSigner returns the key of account if a session on this node has
// it unlocked, else nil.
func (a *App) unlockedSigner(account common.Address) *vault.Signer {
	a.signers.mu.Lock()
	defer a.signers.mu.Unlock()
	for _, sg := range a.signers.m {
		if sg.Address() == account {
			return sg
		}
	}
	return nil
}

// RunMarket keeps the catalog in step with the chain (and settles pending
// publishes) until ctx ends; serve runs it in the background. It returns
// ctx.Err() once all its work has stopped, or at once when the contracts are
// not deployed.
func (a *App) RunMarket(ctx context.Context) error {
	ix, _, err := a.ready()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	heads := make(chan uint64, 16)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := a.chain.WatchHeads(ctx, heads); err != nil && ctx.Err() == nil {
			a.log.Warn("watch heads", "err", err)
		}
	}()
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			a.reconcilePublishes(ctx)
			if _, err := a.PrewrapKeys(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("pre-wrap keys", "err", err)
			}
			if _, err := a.DeliverStatements(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("deliver statements", "err", err)
			}
			if _, err := a.LockIdleSessions(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("lock idle sessions", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ix.Run(ctx, heads)
}

// PrewrapKeys delivers keys ahead of downloads: for each LicencePurchased
// event since the last call, of a listing whose dataset key this node holds
// (for that listing's seller), it checks hasLicence on chain, recovers the
// buyer's public key from the buy transaction's signature, wraps the
// dataset key to it and stores it (listing + buyer). A buyer whose node was
// offline at purchase finds its key ready; downloads still check the signed
// request and the licence. Seated members, who sent no transaction, get a
// key wrapped on demand. It returns how many keys it wrapped; RunMarket
// calls it every few seconds.
func (a *App) PrewrapKeys(ctx context.Context) (int, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return 0, err
	}
	a.market.prewrapMu.Lock()
	defer a.market.prewrapMu.Unlock()
	from, err := a.store.PrewrapBlock(ctx)
	if err != nil {
		return 0, err
	}
	from = max(from+1, a.deployment.DeployBlock)
	head, err := a.chain.BlockNumber(ctx)
	if err != nil {
		return 0, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the chain head from %s", a.chain.Endpoint())
	}
	if head < from {
		return 0, nil
	}
	ev := a.market.abi.GetABI().Events["LicencePurchased"]
	logs, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(head),
		Addresses: []common.Address{addr}, Topics: [][]common.Hash{{ev.ID}}})
	if err != nil {
		return 0, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the market's events from %s", a.chain.Endpoint())
	}
	n := 0
	for _, lg := range logs {
		ok, err := a.prewrap(ctx, &lg)
		if err != nil {
			// Transient (chain unreachable, catalog behind...): handle this
			// block again next time, never skip it.
			if lg.BlockNumber > 0 && lg.BlockNumber-1 >= from {
				if serr := a.store.SetPrewrapBlock(ctx, lg.BlockNumber-1); serr != nil {
					err = errors.Join(err, serr)
				}
			}
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, a.store.SetPrewrapBlock(ctx, head)
}

// prewrap handles one LicencePurchased log; false when the key is not for
// this node to deliver (or already delivered), an error when it should be
// tried again: any failure to read the chain or the store is one, so that
// the cursor never moves past a purchase whose key was not delivered.
func (a *App) prewrap(ctx context.Context, lg *types.Log) (bool, error) {
	p, err := a.market.abi.UnpackLicencePurchasedEvent(lg)
	if err != nil {
		// Not a LicencePurchased event of this contract's ABI: no retry can change that.
		a.log.Warn("pre-wrap: undecodable purchase event", "block", lg.BlockNumber, "tx", lg.TxHash, "err", err)
		return false, nil
	}
	id := p.Id.Uint64()
	if _, err := a.store.BuyerKey(ctx, id, p.Buyer); err == nil {
		return false, nil
	} else if marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		return false, err
	}
	// A purchase means the listing is on chain: a catalog that does not
	// know it is behind (its sync failed), which is worth a retry.
	l, err := a.Listing(ctx, id)
	if err != nil {
		return false, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Pre-wrap for listing %d (bought in tx %s) waits for the catalog", id, lg.TxHash.Hex())
	}
	rec, err := a.store.DatasetKey(ctx, l.ContentHash)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return false, nil // not ours to deliver
	}
	if err != nil {
		return false, err
	}
	if rec.Uploader != (common.Address{}) && rec.Uploader != l.Seller {
		return false, nil // not ours to deliver: handed here by another seller
	}
	ok, err := a.HasLicence(ctx, id, p.Buyer)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, nil // expired or renewed away since; downloads will say so
	}
	pub, err := a.txSenderKey(ctx, lg.TxHash)
	if err != nil {
		return false, err
	}
	if pub == nil || crypto.PubkeyToAddress(*pub) != p.Buyer {
		a.log.Info("pre-wrap: buy transaction not signed by the buyer", "listing", id, "buyer", p.Buyer, "tx", lg.TxHash)
		return false, nil
	}
	dk, err := a.market.nodeKey.Unwrap(rec.Wrapped)
	if err != nil {
		// The stored key does not open with the node key: no retry can
		// change that; downloads report it.
		a.log.Error("pre-wrap: dataset key does not open with the node key", "listing", id, "content", l.ContentHash, "err", err)
		return false, nil
	}
	w, err := vault.WrapKey(dk, pub)
	if err != nil {
		return false, err
	}
	if err := a.store.PutBuyerKey(ctx, store.BuyerKey{ListingID: id, Buyer: p.Buyer, ContentHash: l.ContentHash,
		Wrapped: w, TxHash: lg.TxHash, Created: a.now().UTC()}); err != nil {
		return false, err
	}
	a.log.Info("dataset key pre-wrapped to buyer", "listing", id, "buyer", p.Buyer, "tx", lg.TxHash)
	return true, nil
}

// txSenderKey recovers the public key that signed a transaction:
// types.Sender names the address, crypto.Ecrecover over the signer's hash
// of the transaction gives the key. nil (no error) when the transaction is
// not found.
func (a *App) txSenderKey(ctx context.Context, hash common.Hash) (*ecdsa.PublicKey, error) {
	tx, _, err := a.chain.TransactionByHash(ctx, hash)
	if errors.Is(err, ethereum.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read transaction %s from %s", hash.Hex(), a.chain.Endpoint())
	}
	return recoverTxKey(tx, a.chainID)
}

// recoverTxKey returns the public key of a signed transaction's sender.
func recoverTxKey(tx *types.Transaction, chainID *big.Int) (*ecdsa.PublicKey, error) {
	signer := types.LatestSignerForChainID(chainID)
	from, err := types.Sender(signer, tx)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "transaction %s: no valid signature", tx.Hash().Hex())
	}
	v, r, s := tx.RawSignatureValues()
	rec := new(big.Int).Set(v)
	if tx.Type() == types.LegacyTxType {
		if tx.Protected() {
			rec.Sub(rec, new(big.Int).Add(new(big.Int).Mul(tx.ChainId(), big.NewInt(2)), big.NewInt(35)))
		} else {
			rec.Sub(rec, big.NewInt(27))
		}
	}
	if !rec.IsUint64() || rec.Uint64() > 1 {
		return nil, marketplace.Errorf(marketplace.EINVALID, "transaction %s: bad recovery id %s", tx.Hash().Hex(), v)
	}
	sig := make([]byte, crypto.SignatureLength)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:64])
	sig[crypto.RecoveryIDOffset] = byte(rec.Uint64())
	raw, err := crypto.Ecrecover(signer.Hash(tx).Bytes(), sig)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "transaction %s: signature does not recover", tx.Hash().Hex())
	}
	pub, err := crypto.UnmarshalPubkey(raw)
	if err != nil {
		return nil, err
	}
	if crypto.PubkeyToAddress(*pub) != from {
		return nil, marketplace.Errorf(marketplace.EINVALID, "transaction %s: recovered key is not the sender's", tx.Hash().Hex())
	}
	return pub, nil
}

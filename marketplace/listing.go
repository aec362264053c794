package marketplace

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Listing is what the catalog shows for one listing of the DataLicenseMarket contract: the on-chain
// facts from its events, joined with the off-chain dataset card whose hash the listing carries.
//
// The chain is the authority. Nobody edits a Listing: the catalog indexer builds it from the
// contract's events (Listed creates it; Delisted, PriceChanged and LicencePurchased update it), and
// re-indexing the chain from block 0 rebuilds exactly the same value.
type Listing struct {
	// ID is the contract's listing id (the first is 1; 0 names no listing).
	ID uint64 `json:"id"`
	// Seller is the account that listed the dataset; only it may delist or reprice.
	Seller common.Address `json:"seller"`
	// ContentHash names the encrypted blob: SHA-256 of the ciphertext.
	ContentHash common.Hash `json:"content_hash"`
	// Price is what a licence costs now, in wei (never nil in a valid listing). Changed by the
	// seller with setPrice; JSON carries it as a decimal string ("price_wei").
	Price *big.Int `json:"-"`
	// Terms are the licence's DUO codes, duration and seats, fixed at listing.
	Terms Terms `json:"terms"`
	// MetadataHash is the on-chain hash of the dataset card (see DatasetCard.Hash).
	MetadataHash common.Hash `json:"metadata_hash"`
	// Provider is the URL of the node (the publisher's own, or a hub) that serves the card, the
	// blob and the buyers' keys; emitted on chain with the listing.
	Provider string `json:"provider"`

	// Block, LogIndex and TxHash locate the Listed event; ListedAt is its block's time.
	Block    uint64      `json:"block"`
	LogIndex uint        `json:"log_index"`
	TxHash   common.Hash `json:"tx_hash"`
	ListedAt time.Time   `json:"listed_at"`

	// Active is true until the seller delists (final: licences already sold stay valid).
	Active bool `json:"active"`
	// Sales counts LicencePurchased events, renewals included.
	Sales uint64 `json:"sales"`

	// Card is the dataset card, nil unless CardStatus is CardVerified.
	Card *DatasetCard `json:"card,omitempty"`
	// CardStatus says whether the card was found and matched MetadataHash. Only listings with a
	// verified card appear in search results; the others can still be looked up by id.
	CardStatus CardStatus `json:"card_status"`
}

// CardStatus is the state of a listing's dataset card in the catalog.
type CardStatus string

const (
	// CardVerified: the card was found, hashes to the listing's metadata hash, and is valid.
	CardVerified CardStatus = "verified"
	// CardPending: the card could not be fetched yet (provider unreachable); the indexer retries.
	CardPending CardStatus = "pending"
	// CardMismatch: the card found does not hash to the metadata hash, or is not a valid card, or
	// the listing fails the catalog's checks (its card is not signed by its seller; it copies the
	// content hash another seller listed first). The listing is flagged, never shown in search
	// results, and never bought.
	CardMismatch CardStatus = "mismatch"
)

// listingJSON is Listing's wire form: Price as a decimal string so that readers that parse
// numbers as floats (JavaScript) do not lose wei.
type listingJSON struct {
	listingAlias
	PriceWei string `json:"price_wei"`
}

type listingAlias Listing

// MarshalJSON encodes the listing with its price as a decimal string in "price_wei".
func (l Listing) MarshalJSON() ([]byte, error) {
	p := "0"
	if l.Price != nil {
		p = l.Price.String()
	}
	return json.Marshal(listingJSON{listingAlias: listingAlias(l), PriceWei: p})
}

// UnmarshalJSON is the inverse of MarshalJSON.
func (l *Listing) UnmarshalJSON(b []byte) error {
	var v listingJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = Listing(v.listingAlias)
	l.Price = nil
	if v.PriceWei != "" {
		p, ok := new(big.Int).SetString(v.PriceWei, 10)
		if !ok {
			return fmt.Errorf("listing price_wei %q is not a decimal integer", v.PriceWei)
		}
		l.Price = p
	}
	return nil
}

// maxUint256 is the largest value a uint256 price can take.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Validate reports whether the listing is complete and consistent, as an EINVALID error naming the
// first bad field. Terms are checked only for reserved bits: the contract accepts any DUO
// combination, and the catalog shows what the chain says.
func (l *Listing) Validate() error {
	switch {
	case l.ID == 0:
		return Errorf(EINVALID, "Listing id required (0 names no listing).")
	case l.Seller == (common.Address{}):
		return Errorf(EINVALID, "Listing seller required.")
	case l.ContentHash == (common.Hash{}):
		return Errorf(EINVALID, "Listing content hash required.")
	case l.Price == nil:
		return Errorf(EINVALID, "Listing price required.")
	case l.Price.Sign() < 0 || l.Price.Cmp(maxUint256) > 0:
		return Errorf(EINVALID, "Listing price %s is outside 0..2^256-1 wei.", l.Price)
	}
	if _, err := UnpackTerms(l.Terms.Pack()); err != nil {
		return Errorf(EINVALID, "Listing terms: %s", ErrorMessage(err))
	}
	// The contract accepts any provider text of 1..MaxProviderURLLen bytes; the catalog records
	// what the chain says, and nodes refuse to fetch from one that fails ValidateProviderURL.
	if l.Provider == "" || len(l.Provider) > MaxProviderURLLen {
		return Errorf(EINVALID, "Listing provider must be 1 to %d bytes (%d given).", MaxProviderURLLen, len(l.Provider))
	}
	switch l.CardStatus {
	case CardVerified:
		if l.Card == nil {
			return Errorf(EINVALID, "Listing card required when its status is %q.", l.CardStatus)
		}
		if err := l.Card.Validate(); err != nil {
			return err
		}
	case CardPending, CardMismatch:
		if l.Card != nil {
			return Errorf(EINVALID, "Listing card must be empty when its status is %q.", l.CardStatus)
		}
	default:
		return Errorf(EINVALID, "Listing card status %q unknown.", l.CardStatus)
	}
	return nil
}

// Title returns the card's title, or a placeholder naming the listing when there is no card.
func (l *Listing) Title() string {
	if l.Card != nil {
		return l.Card.Title
	}
	return fmt.Sprintf("Listing #%d (no verified dataset card)", l.ID)
}

// CatalogService is the catalog: the listings of the chain's DataLicenseMarket, searchable. It is
// read-only to its users; the indexer alone writes it, from chain events. Implementations are safe
// for concurrent use.
type CatalogService interface {
	// SearchCatalog returns one page of the listings matching f, in f's order, and the number of
	// matches over all pages. Only listings with a verified card are returned, and only active
	// ones unless f.IncludeDelisted. An invalid filter is an EINVALID error naming the field
	// (negative limit, unknown sort...). Anyone may search.
	SearchCatalog(ctx context.Context, f CatalogFilter) ([]*Listing, int, error)

	// CatalogFacets returns the facet counts of the search f (see CatalogFacets for what each
	// count means); f's order and page are ignored. An invalid filter is an EINVALID error, as
	// for SearchCatalog. Anyone may ask.
	CatalogFacets(ctx context.Context, f CatalogFilter) (*CatalogFacets, error)

	// Listing returns the listing with the id, whatever its state (delisted, card pending or
	// mismatched), or ENOTFOUND if the catalog has not seen it.
	Listing(ctx context.Context, id uint64) (*Listing, error)
}

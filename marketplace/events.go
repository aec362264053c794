package marketplace

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
)

// ListingEventKind is which DataLicenseMarket event a ListingEvent is.
type ListingEventKind uint8

// The catalog's event kinds. Seat and withdrawal events do not change the catalog.
const (
	EventListed       ListingEventKind = iota + 1 // Listed: a new listing
	EventDelisted                                 // Delisted: sales stop
	EventPriceChanged                             // PriceChanged: a new price
	EventPurchased                                // LicencePurchased: one more sale
)

func (k ListingEventKind) String() string {
	switch k {
	case EventListed:
		return "Listed"
	case EventDelisted:
		return "Delisted"
	case EventPriceChanged:
		return "PriceChanged"
	case EventPurchased:
		return "LicencePurchased"
	}
	return fmt.Sprintf("ListingEventKind(%d)", uint8(k))
}

// ListingEvent is one decoded contract event that changes the catalog, with its position on
// chain. Events apply in chain order, (Block, LogIndex).
type ListingEvent struct {
	Kind      ListingEventKind
	ListingID uint64
	Block     uint64
	LogIndex  uint
	TxHash    common.Hash
	// Listing is the new listing (EventListed only), with its card joined and CardStatus set.
	Listing *Listing
	// Copies (EventListed only) are listings of the same content hash by other sellers, listed
	// before this one but committed to after it: copies of it. The catalog flags those it shows
	// (CardMismatch), as it would have had it indexed them after this listing.
	Copies []uint64
	// Price is the new price (EventPriceChanged) or the price paid (EventPurchased).
	Price *big.Int
	// Buyer is the licence's buyer (EventPurchased only).
	Buyer common.Address
}

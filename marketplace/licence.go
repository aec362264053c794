package marketplace

import (
	"math"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// PerpetualExpiry is the on-chain expiry of a licence that never expires (2^64-1 seconds).
const PerpetualExpiry uint64 = math.MaxUint64

// Licence is a holder's right to use a listed dataset, as the DataLicenseMarket contract records
// it. The contract is the authority: this is a copy read from it (or from its events), never
// changed locally. Only the holder manages its seats; only a purchase changes the expiry.
type Licence struct {
	// ListingID is the listing the licence is to.
	ListingID uint64 `json:"listing_id"`
	// Holder is the account that bought the licence.
	Holder common.Address `json:"holder"`
	// ExpiresAt is the on-chain expiry in unix seconds: 0 if never bought, PerpetualExpiry for a
	// licence that never expires. Buying again renews (from this expiry while it is in the future).
	ExpiresAt uint64 `json:"expires_at"`
	// Seats is how many team members the holder may seat; SeatsUsed how many it has.
	Seats     uint16 `json:"seats"`
	SeatsUsed uint16 `json:"seats_used"`
}

// Perpetual reports whether the licence never expires.
func (l Licence) Perpetual() bool { return l.ExpiresAt == PerpetualExpiry }

// ValidAt reports whether the licence lets its holder (and seated members) use the dataset at t,
// by the contract's rule: valid while the block time is before the expiry.
func (l Licence) ValidAt(t time.Time) bool {
	return l.ExpiresAt != 0 && (l.Perpetual() || uint64(t.Unix()) < l.ExpiresAt)
}

// Expiry returns the expiry as a time, and false for a perpetual or never-bought licence.
func (l Licence) Expiry() (time.Time, bool) {
	if l.ExpiresAt == 0 || l.Perpetual() || l.ExpiresAt > math.MaxInt64 {
		return time.Time{}, false
	}
	return time.Unix(int64(l.ExpiresAt), 0).UTC(), true
}

// FreeSeats returns how many more members the holder may seat.
func (l Licence) FreeSeats() int { return int(l.Seats) - int(l.SeatsUsed) }

// Statements are what a buyer states when buying a licence whose terms ask
// for it (DUO): the disease researched (DS), the ethics approval (IRB), the
// collaborator (COL). The buyer signs them with its purchase; the data's
// controller (the seller, through the listing's provider) keeps them as a
// record of the conditions the licence was bought under.
type Statements struct {
	Disease      string `json:"disease,omitempty"`
	Approval     string `json:"approval,omitempty"`
	Collaborator string `json:"collaborator,omitempty"`
}

// IsZero reports whether nothing was stated.
func (s Statements) IsZero() bool { return s == Statements{} }

// MaxStatementLen bounds each statement, in bytes.
const MaxStatementLen = 1000

// Validate checks the statements' lengths (EINVALID naming the field).
func (s Statements) Validate() error {
	for _, f := range []struct{ name, v string }{{"Disease", s.Disease}, {"Approval", s.Approval}, {"Collaborator", s.Collaborator}} {
		if len(f.v) > MaxStatementLen {
			return Errorf(EINVALID, "%s: at most %d characters.", f.name, MaxStatementLen)
		}
	}
	return nil
}

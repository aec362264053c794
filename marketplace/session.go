package marketplace

import (
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Session is a signed-in user of the node's UI: one keystore account,
// unlocked with its passphrase at sign-in. The node keeps it while it is
// used; it ends at sign-out or after it has been idle for its TTL.
type Session struct {
	// ID identifies the session in the store. It is the SHA-256 of the
	// cookie's token, so the store never holds a usable token.
	ID string `json:"id"`
	// Account is the signed-in account; set at sign-in, never changed.
	Account Account `json:"account"`
	// Roles are the account's roles on this node, read at sign-in and
	// again on each use, so a change shows at once.
	Roles Roles `json:"roles,omitempty"`
	// Created and LastSeen are set by the node; LastSeen moves with use.
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

// Address is the signed-in account's address.
func (s Session) Address() common.Address { return s.Account.Address }

// HasRole reports whether the user holds r; a session without roles read
// holds them all.
func (s Session) HasRole(r Role) bool { return len(s.Roles) == 0 || s.Roles.Has(r) }

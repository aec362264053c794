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
	// Created and LastSeen are set by the node; LastSeen moves with use.
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

// Address is the signed-in account's address.
func (s Session) Address() common.Address { return s.Account.Address }

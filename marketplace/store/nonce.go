package store

import (
	"context"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

const noncePrefix = "mk:nonce:"

// UseNonce records that signer used nonce in a request valid until expiry,
// and refuses (EFORBIDDEN) a nonce already used: a signed request is good
// for one download. The record expires with the request (buntdb TTL), so
// the store does not grow with old requests; a request past its expiry is
// refused on its expiry alone.
func (s *Store) UseNonce(ctx context.Context, signer common.Address, nonce string, expiry, now time.Time) error {
	return s.UseNonces(ctx, []NonceUse{{Signer: signer, Nonce: nonce, Expiry: expiry}}, now)[0]
}

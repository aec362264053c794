package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

const noncePrefix = "mk:nonce:"

// UseNonce records that signer used nonce in a request valid until expiry,
// and refuses (EFORBIDDEN) a nonce already used: a signed request is good
// for one download. The record expires with the request (buntdb TTL), so
// the store does not grow with old requests; a request past its expiry is
// refused on its expiry alone.
func (s *Store) UseNonce(ctx context.Context, signer common.Address, nonce string, expiry, now time.Time) error {
	if nonce == "" || len(nonce) > 128 {
		return marketplace.Errorf(marketplace.EINVALID, "Request nonce: 1 to 128 characters required.")
	}
	ttl := expiry.Sub(now)
	if ttl <= 0 {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "The request expired at %s.", expiry.UTC().Format(time.RFC3339))
	}
	key := noncePrefix + strings.ToLower(signer.Hex()) + ":" + nonce
	return s.db.Update(func(tx *buntdb.Tx) error {
		if _, err := tx.Get(key); err == nil {
			return marketplace.Errorf(marketplace.EFORBIDDEN, "Request nonce %s was already used: sign a new request.", nonce)
		} else if !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		_, _, err := tx.Set(key, "1", &buntdb.SetOptions{Expires: true, TTL: ttl + time.Minute})
		return err
	})
}

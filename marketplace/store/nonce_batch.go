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

// NonceUse is one signed request's nonce, for UseNonces.
type NonceUse struct {
	Signer common.Address
	Nonce  string
	Expiry time.Time
}

// UseNonces is UseNonce for several requests in one transaction (one
// fsync), so that a node answering a burst of signed requests writes once:
// errs[i] is what UseNonce would answer for uses[i] after uses[:i] (a
// nonce repeated within the batch is refused the second time). A failed
// transaction fails every use, recording none.
func (s *Store) UseNonces(ctx context.Context, uses []NonceUse, now time.Time) []error {
	errs := make([]error, len(uses))
	keys := make([]string, len(uses))
	for i, u := range uses {
		switch {
		case u.Nonce == "" || len(u.Nonce) > 128:
			errs[i] = marketplace.Errorf(marketplace.EINVALID, "Request nonce: 1 to 128 characters required.")
		case !u.Expiry.After(now):
			errs[i] = marketplace.Errorf(marketplace.EFORBIDDEN, "The request expired at %s.", u.Expiry.UTC().Format(time.RFC3339))
		default:
			keys[i] = noncePrefix + strings.ToLower(u.Signer.Hex()) + ":" + u.Nonce
		}
	}
	err := s.db.Update(func(tx *buntdb.Tx) error {
		for i, k := range keys {
			if k == "" {
				continue
			}
			if _, err := tx.Get(k); err == nil {
				errs[i] = marketplace.Errorf(marketplace.EFORBIDDEN, "Request nonce %s was already used: sign a new request.", uses[i].Nonce)
				continue
			} else if !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
			ttl := uses[i].Expiry.Sub(now)
			if _, _, err := tx.Set(k, "1", &buntdb.SetOptions{Expires: true, TTL: ttl + time.Minute}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	return errs
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// Keys of the hub's allow-list (prefix "mk:"):
//
//	mk:hub:allow:<address, lower-case hex>   HubApproval: the operator approved this account's uploads
const hubAllowPrefix = "mk:hub:allow:"

// HubApproval is the operator's approval of an account that may upload to
// this node as a hub (when the hub's admission policy is the allow-list).
type HubApproval struct {
	Account common.Address `json:"account"`
	Added   time.Time      `json:"added"`
}

func hubAllowKey(a common.Address) string { return hubAllowPrefix + strings.ToLower(a.Hex()) }

// AllowHubUploader approves account's uploads; approving it again keeps
// the first approval's time.
func (s *Store) AllowHubUploader(ctx context.Context, account common.Address, now time.Time) (HubApproval, error) {
	ap := HubApproval{Account: account, Added: now.UTC()}
	err := s.db.Update(func(tx *buntdb.Tx) error {
		var old HubApproval
		switch err := getJSON(tx, hubAllowKey(account), &old); {
		case err == nil:
			ap = old
			return nil
		case !errors.Is(err, buntdb.ErrNotFound):
			return err
		}
		return setJSON(tx, hubAllowKey(account), ap)
	})
	if err != nil {
		return ap, fmt.Errorf("approve hub uploader %s: %w", account.Hex(), err)
	}
	return ap, nil
}

// DenyHubUploader withdraws account's approval: ENOTFOUND when it had none.
// Its uploads held here stay (they expire or are listed as any other).
func (s *Store) DenyHubUploader(ctx context.Context, account common.Address) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		_, err := tx.Delete(hubAllowKey(account))
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return marketplace.Errorf(marketplace.ENOTFOUND, "Account %s is not on the hub's allow-list.", account.Hex())
	}
	if err != nil {
		return fmt.Errorf("deny hub uploader %s: %w", account.Hex(), err)
	}
	return nil
}

// HubUploaderAllowed reports whether the operator approved account.
func (s *Store) HubUploaderAllowed(ctx context.Context, account common.Address) (bool, error) {
	err := s.db.View(func(tx *buntdb.Tx) error {
		_, err := tx.Get(hubAllowKey(account))
		return err
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, buntdb.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("read hub allow-list: %w", err)
}

// HubUploaders returns the approved accounts, in address order.
func (s *Store) HubUploaders(ctx context.Context) ([]HubApproval, error) {
	out, err := scanJSON[HubApproval](s.db, hubAllowPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("read hub allow-list: %w", err)
	}
	return out, nil
}

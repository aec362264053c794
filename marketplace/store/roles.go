package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// rolesPrefix keys an account's roles by its lower-case address. Roles are
// local settings of this node, not on chain.
const rolesPrefix = "roles:"

func rolesKey(addr common.Address) string { return rolesPrefix + strings.ToLower(addr.Hex()) }

// AccountRoles returns the roles of the account at addr and whether they
// were set; an account with no record holds all roles.
func (s *Store) AccountRoles(ctx context.Context, addr common.Address) (marketplace.Roles, bool, error) {
	var roles marketplace.Roles
	err := s.db.View(func(tx *buntdb.Tx) error { return getJSON(tx, rolesKey(addr), &roles) })
	if errors.Is(err, buntdb.ErrNotFound) {
		return marketplace.AllRoles(), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read roles: %w", err)
	}
	if len(roles) == 0 {
		return marketplace.AllRoles(), false, nil
	}
	return roles, true, nil
}

// SetAccountRoles stores the roles of the account at addr; the caller
// checks them (marketplace.NewRoles).
func (s *Store) SetAccountRoles(ctx context.Context, addr common.Address, roles marketplace.Roles) error {
	err := s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, rolesKey(addr), roles) })
	if err != nil {
		return fmt.Errorf("store roles: %w", err)
	}
	return nil
}

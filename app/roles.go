package app

import (
	"context"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// AccountRoles returns the roles of the account at addr on this node; an
// account whose roles were never set holds them all. Roles shape what the
// UI shows; they grant nothing (the chain and sessions do).
func (a *App) AccountRoles(ctx context.Context, addr common.Address) (marketplace.Roles, error) {
	roles, _, err := a.store.AccountRoles(ctx, addr)
	return roles, err
}

// SetAccountRoles changes the roles of who's own account: a signed-in
// session, or an account unlocked with its passphrase (the CLI). Nobody
// changes another account's roles. An empty set or an unknown role is
// EINVALID naming it. A live session of the account sees the change on its
// next request.
func (a *App) SetAccountRoles(ctx context.Context, who Actor, roles []marketplace.Role) (marketplace.Roles, error) {
	rs, err := marketplace.NewRoles(roles)
	if err != nil {
		return nil, err
	}
	var addr common.Address
	var name string
	if who.token != "" {
		sess, err := a.Session(ctx, who.token)
		if err != nil {
			return nil, err
		}
		addr, name = sess.Address(), sess.Account.Name
	} else {
		sg, release, err := a.signer(ctx, who)
		if err != nil {
			return nil, err
		}
		addr, name = sg.Account().Address, sg.Account().Name
		release()
	}
	if err := a.store.SetAccountRoles(ctx, addr, rs); err != nil {
		return nil, err
	}
	a.log.Info("roles set", "account", name, "address", addr, "roles", rs.String())
	return rs, nil
}

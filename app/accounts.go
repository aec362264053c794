package app

import (
	"context"
	"math/big"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// CreateAccount makes a new keystore account, its key encrypted with
// passphrase. With roles, the account holds those on this node (checked
// before the account is made); without, it holds all roles.
func (a *App) CreateAccount(ctx context.Context, name, passphrase string, roles ...marketplace.Role) (marketplace.Account, error) {
	var rs marketplace.Roles
	if len(roles) > 0 {
		var err error
		if rs, err = marketplace.NewRoles(roles); err != nil {
			return marketplace.Account{}, err
		}
	}
	acct, err := a.keys.Create(name, passphrase)
	if err != nil {
		return acct, err
	}
	if rs != nil {
		if err := a.store.SetAccountRoles(ctx, acct.Address, rs); err != nil {
			return acct, err
		}
	}
	a.log.Info("account created", "name", name, "address", acct.Address, "roles", rs.String())
	return acct, nil
}

// ImportAccount adds an existing key: a keystore v3 JSON file (as geth and
// MetaMask export it), which keeps the passphrase it was encrypted with, or a
// raw hex private key, encrypted with passphrase.
func (a *App) ImportAccount(ctx context.Context, name string, key []byte, passphrase string) (marketplace.Account, error) {
	var acct marketplace.Account
	var err error
	if s := strings.TrimSpace(string(key)); strings.HasPrefix(s, "{") {
		acct, err = a.keys.ImportKeyJSON(name, key, passphrase)
	} else {
		acct, err = a.keys.ImportHexKey(name, s, passphrase)
	}
	if err == nil {
		a.log.Info("account imported", "name", name, "address", acct.Address)
	}
	return acct, err
}

// Accounts lists the node's keystore accounts.
func (a *App) Accounts(ctx context.Context) ([]marketplace.Account, error) {
	return a.keys.List()
}

// DemoAccount is one of the accounts `serve --demo` creates.
type DemoAccount struct {
	marketplace.Account
	Role       string
	Passphrase string
	Created    bool // false: it existed already
}

// demoFunds is what each demo account receives from the dev account.
var demoFunds = new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18))

// EnsureDemoAccounts creates, on the embedded chain only, three accounts for
// trying medmarket out (patient, researcher, sponsor), funded with 100 ETH
// each. Their passphrases are fixed and printed: they are for demos only.
func (a *App) EnsureDemoAccounts(ctx context.Context) ([]DemoAccount, error) {
	if a.funder == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "--demo works on the embedded chain only.")
	}
	var out []DemoAccount
	for _, role := range []string{"patient", "researcher", "sponsor"} {
		d := DemoAccount{Role: role, Passphrase: "demo-" + role}
		acct, err := a.keys.Get(role)
		if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
			if acct, err = a.keys.Create(role, d.Passphrase); err != nil {
				return nil, err
			}
			if _, err := a.funder.Fund(ctx, acct.Address, demoFunds); err != nil {
				return nil, err
			}
			d.Created = true
		} else if err != nil {
			return nil, err
		}
		// Each demo account holds its one role, unless its roles were set.
		if _, set, err := a.store.AccountRoles(ctx, acct.Address); err != nil {
			return nil, err
		} else if !set {
			if err := a.store.SetAccountRoles(ctx, acct.Address, marketplace.Roles{marketplace.Role(role)}); err != nil {
				return nil, err
			}
		}
		d.Account = acct
		out = append(out, d)
	}
	return out, nil
}

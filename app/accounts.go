package app

import (
	"context"
	"math"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// CreateAccount makes a new keystore account, its key encrypted with
// passphrase. With roles, the account holds those on this node (checked
// before the account is made); without, it holds all roles. The scrypt runs
// within the node's bound on concurrent unlocks, and a client (WithClient)
// creates at most a few accounts an hour.
func (a *App) CreateAccount(ctx context.Context, name, passphrase string, roles ...marketplace.Role) (marketplace.Account, error) {
	var rs marketplace.Roles
	if len(roles) > 0 {
		var err error
		if rs, err = marketplace.NewRoles(roles); err != nil {
			return marketplace.Account{}, err
		}
	}
	var acct marketplace.Account
	err := a.keyWork(ctx, func() (err error) {
		acct, err = a.keys.Create(name, passphrase)
		return err
	})
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

// keyWork runs f, which encrypts or decrypts a key, as one account
// creation of the context's client within the bound on concurrent scrypts.
// Input refused before any scrypt (EINVALID, ECONFLICT) does not count as
// a creation; a taken name (ECONFLICT) counts as a failed attempt of the
// client instead, so the form cannot be used to list the node's accounts.
func (a *App) keyWork(ctx context.Context, f func() error) error {
	client := clientFrom(ctx)
	if err := a.guard.check("", client); err != nil {
		return err
	}
	if err := a.guard.create(client); err != nil {
		return err
	}
	var err error
	if gerr := a.guard.run(ctx, func() { err = f() }); gerr != nil {
		err = gerr
	}
	switch marketplace.ErrorCode(err) {
	case marketplace.ECONFLICT:
		a.guard.failed("", client)
		a.guard.uncreate(client)
	case marketplace.EINVALID, marketplace.EUNAVAILABLE:
		a.guard.uncreate(client)
	}
	return err
}

// MinPassphraseLength is the shortest passphrase SignUp accepts.
const MinPassphraseLength = 10

// SignUp creates an account for a user of the UI and signs them in with
// it: the token and session as SignIn returns them. The passphrase must be
// at least MinPassphraseLength characters and not weak by
// PassphraseStrength (EINVALID naming the field); a taken name is
// ECONFLICT. Rate-limited per client like CreateAccount.
func (a *App) SignUp(ctx context.Context, name, passphrase string) (string, marketplace.Session, error) {
	if err := marketplace.ValidateAccountName(name); err != nil {
		return "", marketplace.Session{}, err
	}
	if err := CheckPassphrase(passphrase); err != nil {
		return "", marketplace.Session{}, err
	}
	var sg *vault.Signer
	err := a.keyWork(ctx, func() (err error) {
		sg, err = a.keys.CreateSigner(name, passphrase)
		return err
	})
	if err != nil {
		return "", marketplace.Session{}, err
	}
	a.log.Info("account created", "name", name, "address", sg.Address(), "by", "sign-up")
	return a.openSession(ctx, sg)
}

// CheckPassphrase is the rule for a new passphrase chosen in the UI:
// EINVALID naming the reason when it is too short or weak.
func CheckPassphrase(passphrase string) error {
	if n := utf8.RuneCountInString(passphrase); n < MinPassphraseLength {
		return marketplace.Errorf(marketplace.EINVALID, "Passphrase: too short (%d characters); use at least %d.", n, MinPassphraseLength)
	}
	if s := PassphraseStrength(passphrase); s.Bits < weakBits {
		return marketplace.Errorf(marketplace.EINVALID, "Passphrase: too weak (about %d bits); use more words or more kinds of characters.", s.Bits)
	}
	return nil
}

// Strength is an estimate of how hard a passphrase is to guess.
type Strength struct {
	Bits  int    // estimated entropy in bits
	Label string // "weak", "fair", "good" or "strong"
}

const (
	weakBits   = 40
	goodBits   = 60
	strongBits = 80
)

// PassphraseStrength estimates a passphrase's entropy honestly and
// simply: the pool of its character classes (lower case 26, upper case 26,
// digits 10, ASCII symbols and space 33, anything else 100) to the power of
// its length, where a character already used counts for a quarter (so
// "aaaaaaaaaaaa" is weak). It does not know
// dictionaries: a long phrase of common words scores higher than a
// dictionary attack would give it.
func PassphraseStrength(p string) Strength {
	var lower, upper, digit, symbol, other bool
	seen := map[rune]bool{}
	effective := 0.0
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 128:
			symbol = true
		default:
			other = true
		}
		if seen[r] {
			effective += 0.25
		} else {
			effective++
			seen[r] = true
		}
	}
	pool := 0
	for _, c := range []struct {
		has  bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 100}} {
		if c.has {
			pool += c.size
		}
	}
	bits := 0
	if pool > 0 {
		bits = int(effective * math.Log2(float64(pool)))
	}
	label := "weak"
	switch {
	case bits >= strongBits:
		label = "strong"
	case bits >= goodBits:
		label = "good"
	case bits >= weakBits:
		label = "fair"
	}
	return Strength{Bits: bits, Label: label}
}

// ImportAccount adds an existing key: a keystore v3 JSON file (as geth and
// MetaMask export it), which keeps the passphrase it was encrypted with, or a
// raw hex private key, encrypted with passphrase. Like CreateAccount, it is
// rate-limited per client and bounded with the other scrypts; a wrong
// passphrase for the file counts as a failed attempt of the client.
func (a *App) ImportAccount(ctx context.Context, name string, key []byte, passphrase string) (marketplace.Account, error) {
	var acct marketplace.Account
	client := clientFrom(ctx)
	err := a.keyWork(ctx, func() (err error) {
		if s := strings.TrimSpace(string(key)); strings.HasPrefix(s, "{") {
			acct, err = a.keys.ImportKeyJSON(name, key, passphrase)
		} else {
			acct, err = a.keys.ImportHexKey(name, s, passphrase)
		}
		return err
	})
	if marketplace.ErrorCode(err) == marketplace.EFORBIDDEN {
		a.guard.failed("", client)
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

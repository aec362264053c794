package app

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// Actor is who acts on the marketplace: a signed-in UI session, or an
// account unlocked for one call (the CLI).
type Actor struct {
	token      string
	name, pass string
	signer     *vault.Signer
}

// BySession acts as the account of a UI session (its token).
func BySession(token string) Actor { return Actor{token: token} }

// ByAccount unlocks the named keystore account for the call and locks it after.
func ByAccount(name, passphrase string) Actor { return Actor{name: name, pass: passphrase} }

// BySessionSigning acts as a session's account for one signing, after its
// user typed the passphrase again: 21 CFR 11.200(a)(1) asks for the
// password at each signing, not only at sign-in. The key is unlocked for
// the call and locked after it.
func BySessionSigning(token, passphrase string) Actor { return Actor{token: token, pass: passphrase} }

// BySigner acts with an already unlocked signer; the caller locks it.
func BySigner(s *vault.Signer) Actor { return Actor{signer: s} }

// signer resolves an actor; release locks a key unlocked for this call.
func (a *App) signer(ctx context.Context, who Actor) (sg *vault.Signer, release func(), err error) {
	switch {
	case who.signer != nil:
		return who.signer, func() {}, nil
	case who.token != "" && who.pass != "":
		sess, err := a.Session(ctx, who.token)
		if err != nil {
			return nil, nil, err
		}
		sg, err := a.unlock(ctx, sess.Account.Name, who.pass)
		if err != nil {
			return nil, nil, err
		}
		return sg, sg.Lock, nil
	case who.token != "":
		sg, err := a.sessionSigner(ctx, who.token)
		return sg, func() {}, err
	case who.name != "":
		sg, err := a.unlock(ctx, who.name, who.pass)
		if err != nil {
			return nil, nil, err
		}
		return sg, sg.Lock, nil
	}
	return nil, nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Sign in (or name an account) to do this.")
}

// transact sends calldata to the market contract as sg, waits for it to be
// mined and applies its events to the catalog at once. Contract refusals
// come back as marketplace errors with the reason.
func (a *App) transact(ctx context.Context, sg *vault.Signer, value *big.Int, data []byte) (*types.Receipt, error) {
	r, err := a.sendTx(ctx, sg, value, data)
	if err != nil {
		return r, err
	}
	if ix, _, err := a.ready(); err == nil {
		if err := ix.IndexTx(ctx, r); err != nil {
			a.log.Warn("index own transaction", "tx", r.TxHash, "err", err)
		}
	}
	return r, nil
}

// sendTx sends calldata to the market contract as sg and waits for it to be mined.
func (a *App) sendTx(ctx context.Context, sg *vault.Signer, value *big.Int, data []byte) (*types.Receipt, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return nil, err
	}
	r, err := chain.Transact(ctx, a.chain, sg.TransactOpts(ctx, a.chainID), &addr, value, data)
	if err != nil {
		return r, contracts.DecodeRevert(err)
	}
	return r, nil
}

// call reads the market contract.
func call[T any](ctx context.Context, a *App, data []byte, unpack func([]byte) (T, error)) (T, error) {
	var zero T
	addr, err := a.marketAddr()
	if err != nil {
		return zero, err
	}
	v, err := bind.Call(a.market.abi.Instance(a.chain, addr), &bind.CallOpts{Context: ctx}, data, unpack)
	if err != nil {
		return zero, contracts.DecodeRevert(err)
	}
	return v, nil
}

// CostPreview is what a transaction will cost before it is sent: the gas
// the node estimates times the current gas price, plus the value paid. The
// platform takes no fee.
type CostPreview struct {
	Gas      uint64   // estimated gas
	GasPrice *big.Int // wei per gas now
	GasCost  *big.Int // Gas x GasPrice, in wei
	Value    *big.Int // paid to the contract (the price), in wei
	Total    *big.Int // GasCost + Value
	Fee      *big.Int // platform fee: 0
}

// estimate previews the cost of sending data with value from `from`.
func (a *App) estimate(ctx context.Context, from common.Address, value *big.Int, data []byte) (CostPreview, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return CostPreview{}, err
	}
	if value == nil {
		value = new(big.Int)
	}
	gas, err := a.chain.EstimateGas(ctx, ethereum.CallMsg{From: from, To: &addr, Value: value, Data: data})
	if err != nil {
		return CostPreview{}, contracts.DecodeRevert(err)
	}
	price, err := a.chain.SuggestGasPrice(ctx)
	if err != nil {
		return CostPreview{}, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the gas price from %s", a.chain.Endpoint())
	}
	cost := new(big.Int).Mul(new(big.Int).SetUint64(gas), price)
	return CostPreview{Gas: gas, GasPrice: price, GasCost: cost, Value: value,
		Total: new(big.Int).Add(cost, value), Fee: new(big.Int)}, nil
}

func (a *App) send(ctx context.Context, who Actor, value *big.Int, data []byte, msg string, args ...any) error {
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return err
	}
	defer release()
	if _, err := a.transact(ctx, sg, value, data); err != nil {
		return err
	}
	a.log.Info(msg, append(args, "account", sg.Address())...)
	return nil
}

// unlockedSigner returns the key of account if a session on this node has
// it unlocked, else nil.
func (a *App) unlockedSigner(account common.Address) *vault.Signer {
	a.signers.mu.Lock()
	defer a.signers.mu.Unlock()
	for _, sg := range a.signers.m {
		if sg.Address() == account {
			return sg
		}
	}
	return nil
}

// callAt reads a contract other than the market (a pool's).
func callAt[T any](ctx context.Context, a *App, to common.Address, data []byte, unpack func([]byte) (T, error)) (T, error) {
	var zero T
	out, err := a.chain.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
	if err != nil {
		return zero, contracts.DecodeRevert(err)
	}
	return unpack(out)
}

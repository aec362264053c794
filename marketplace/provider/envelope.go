package provider

import (
	"context"
	"crypto/ecdsa"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// envelope is what every signed request to a provider is checked for:
// signed (EIP-191) by the account it names, for this chain and contract,
// and, for requests that expire, within its time and with an unused nonce.
type envelope struct {
	refused  string // the refusal's start: "Download refused"
	subject  string // what the message calls the request: "the request", "it"
	msg, sig []byte
	signer   common.Address // who must have signed
	role     string         // what the signer is: "account", "seller", "buyer"
	chainID  uint64
	contract common.Address
	expiry   int64 // Unix seconds; 0: the request does not expire (no nonce either)
	nonce    string
}

// check verifies e and uses up its nonce; it returns the signer's key.
// Refusals are EFORBIDDEN and say why.
func (p *Provider) check(ctx context.Context, e envelope) (*ecdsa.PublicKey, error) {
	pub, err := vault.RecoverPersonalKey(e.msg, e.sig)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EFORBIDDEN, err, "%s: the signature is malformed", e.refused)
	}
	switch {
	case crypto.PubkeyToAddress(*pub) != e.signer:
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s is not signed by %s %s.", e.refused, e.subject, e.role, e.signer.Hex())
	case e.chainID != p.ChainID:
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s is for chain %d, this provider serves chain %d.", e.refused, e.subject, e.chainID, p.ChainID)
	case e.contract != p.Contract:
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s is for contract %s, this provider serves %s.", e.refused, e.subject, e.contract.Hex(), p.Contract.Hex())
	case e.expiry == 0:
		return pub, nil
	}
	exp, now := time.Unix(e.expiry, 0), p.now()
	if !exp.After(now) {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s expired at %s; sign a new one.", e.refused, e.subject, exp.UTC().Format(time.RFC3339))
	}
	if exp.After(now.Add(MaxRequestLifetime + clockSkew)) {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s expires more than %s ahead.", e.refused, e.subject, MaxRequestLifetime)
	}
	if err := p.Backend.UseNonce(ctx, e.signer, e.nonce, exp); err != nil {
		return nil, err
	}
	return pub, nil
}

package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// envelope is what every signed request to a provider is checked for:
// signed (EIP-191) by the account it names, for this chain and contract,
// within its time (an expiry in the future and at most MaxRequestLifetime
// ahead) and, once every other check passed, with an unused nonce.
//
// A request without an expiry (0) is refused: a request that never expires
// could be replayed for ever. The one exception is a buyer's statement
// (lasting), which is signed as a record to keep, not as an action; its
// backend refuses a second statement of the same purchase.
type envelope struct {
	refused  string // the refusal's start: "Download refused"
	subject  string // what the message calls the request: "the request", "it"
	msg, sig []byte
	signer   common.Address // who must have signed
	role     string         // what the signer is: "account", "seller", "buyer"
	chainID  uint64
	contract common.Address
	expiry   int64 // Unix seconds
	nonce    string
	lasting  bool // a statement: no expiry, no nonce (replay refused by its backend)
}

// freshNonce returns what a new signed request carries to be checked by
// verify: a nonce of 16 random bytes (hex) and an expiry lifetime from now,
// capped at MaxRequestLifetime (Unix seconds).
func freshNonce(now time.Time, lifetime time.Duration) (nonce string, expiry int64, err error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(b), now.Add(min(lifetime, MaxRequestLifetime)).Unix(), nil
}

// verify checks e's signature, chain, contract and expiry, and returns the
// signer's key. It writes nothing: a refused request costs the provider no
// store write. Refusals are EFORBIDDEN and say why. The caller checks what
// the signer may do, then calls useNonce.
func (p *Provider) verify(e envelope) (*ecdsa.PublicKey, error) {
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
	case e.lasting:
		return pub, nil
	case e.expiry <= 0:
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s has no expiry; sign one that expires within %s.", e.refused, e.subject, MaxRequestLifetime)
	case e.nonce == "" || len(e.nonce) > 128:
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s has no valid nonce (1 to 128 characters).", e.refused, e.subject)
	}
	exp, now := time.Unix(e.expiry, 0), p.now()
	if !exp.After(now) {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s expired at %s; sign a new one.", e.refused, e.subject, exp.UTC().Format(time.RFC3339))
	}
	if exp.After(now.Add(MaxRequestLifetime + clockSkew)) {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: %s expires more than %s ahead.", e.refused, e.subject, MaxRequestLifetime)
	}
	return pub, nil
}

// useNonce uses up a verified request's nonce: EFORBIDDEN when it was used.
// Call it last, after the signer was found entitled, so only requests that
// are served cost a store write.
func (p *Provider) useNonce(ctx context.Context, e envelope) error {
	if e.lasting {
		return nil
	}
	return p.Backend.UseNonce(ctx, e.signer, e.nonce, time.Unix(e.expiry, 0))
}

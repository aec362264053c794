package pools

import (
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

// Signer signs EIP-191 personal messages with an unlocked account; *vault.Signer is one.
type Signer interface {
	Address() common.Address
	SignPersonal(msg []byte) ([]byte, error)
}

// Consent is a patient's signed consent to contribute to a pool, recorded in the pool's log: the
// patient's node signs it with the account that is paid, over a readable text (Message) naming
// the pool, the configuration consented to, and the contribution.
type Consent struct {
	Chain         uint64         `json:"chain"`
	Pool          common.Address `json:"pool"` // the pool's PoolPayouts contract
	ConfigVersion int            `json:"config_version"`
	ConfigHash    common.Hash    `json:"config_hash"` // Config.Hash of that version
	// Account is the contributor: it signs, and it is paid.
	Account common.Address `json:"account"`
	// Contribution is the SHA-256 of the encrypted contribution blob.
	Contribution common.Hash `json:"contribution"`
	// Records is the number of rows the contribution holds, over all its tables.
	Records int `json:"records"`
	// At is when the patient consented: second precision (the message shows seconds).
	At time.Time `json:"at"`
	// Signature is the 65-byte EIP-191 personal_sign of Message by Account.
	Signature hexutil.Bytes `json:"signature"`
}

// Message returns the exact text the patient signs (EIP-191): every field but the signature, in
// words a patient can read before signing.
func (c Consent) Message() []byte {
	return fmt.Appendf(nil, "medmarket pool consent\n"+
		"I consent to contribute my records to this pool under the configuration named here. "+
		"I may withdraw at any time: later versions will exclude my records, versions already sold stay licensed.\n"+
		"chain: %d\npool: %s\nconfiguration: version %d, sha256 %x\naccount: %s\ncontribution: sha256 %x\nrecords: %d\ntime: %s\n",
		c.Chain, c.Pool.Hex(), c.ConfigVersion, c.ConfigHash[:], c.Account.Hex(), c.Contribution[:], c.Records,
		c.At.UTC().Format(time.RFC3339))
}

// Validate checks every field but whether the signature recovers Account (Verify does that).
func (c Consent) Validate() error {
	switch {
	case c.Chain == 0:
		return consentInvalid("chain", "the chain id is required")
	case c.Pool == (common.Address{}):
		return consentInvalid("pool", "the pool's contract is required")
	case c.ConfigVersion < 1:
		return consentInvalid("config_version", "%d; versions start at 1", c.ConfigVersion)
	case c.ConfigHash == (common.Hash{}):
		return consentInvalid("config_hash", "the hash of the configuration consented to is required")
	case c.Account == (common.Address{}):
		return consentInvalid("account", "the contributor's account is required")
	case c.Contribution == (common.Hash{}):
		return consentInvalid("contribution", "the hash of the contribution is required")
	case c.Records < 1:
		return consentInvalid("records", "%d; a contribution holds at least one record", c.Records)
	}
	if err := checkSignedAt(c.At); err != nil {
		return consentInvalid("at", "%v", err)
	}
	if len(c.Signature) != crypto.SignatureLength {
		return consentInvalid("signature", "%d bytes, want %d", len(c.Signature), crypto.SignatureLength)
	}
	return nil
}

// Verify checks c (Validate) and that its signature recovers Account: EINVALID otherwise.
func (c Consent) Verify() error {
	if err := c.Validate(); err != nil {
		return err
	}
	return verifySigner("consent", c.Message(), c.Signature, c.Account)
}

// Sign sets c.Account to s's address and c.Signature to its signature of c's message.
func (c *Consent) Sign(s Signer) error {
	c.Account = s.Address()
	sig, err := s.SignPersonal(c.Message())
	if err != nil {
		return fmt.Errorf("sign pool consent: %w", err)
	}
	c.Signature = sig
	return nil
}

func consentInvalid(field, format string, args ...any) error {
	return marketplace.Errorf(marketplace.EINVALID, "Pool consent: %s: %s.", field, fmt.Sprintf(format, args...))
}

// Withdrawal is a patient's signed withdrawal of consent, recorded in the pool's log: the next
// version excludes the patient; versions already sold stay licensed, and what they earn is still
// the patient's.
type Withdrawal struct {
	Chain     uint64         `json:"chain"`
	Pool      common.Address `json:"pool"`
	Account   common.Address `json:"account"`
	At        time.Time      `json:"at"` // second precision
	Signature hexutil.Bytes  `json:"signature"`
}

// Message returns the exact text the patient signs (EIP-191).
func (w Withdrawal) Message() []byte {
	return fmt.Appendf(nil, "medmarket pool withdrawal\n"+
		"I withdraw my consent: later versions of this pool exclude my records; versions already sold stay licensed.\n"+
		"chain: %d\npool: %s\naccount: %s\ntime: %s\n",
		w.Chain, w.Pool.Hex(), w.Account.Hex(), w.At.UTC().Format(time.RFC3339))
}

// Validate checks every field but whether the signature recovers Account (Verify does that).
func (w Withdrawal) Validate() error {
	switch {
	case w.Chain == 0:
		return withdrawalInvalid("chain", "the chain id is required")
	case w.Pool == (common.Address{}):
		return withdrawalInvalid("pool", "the pool's contract is required")
	case w.Account == (common.Address{}):
		return withdrawalInvalid("account", "the contributor's account is required")
	}
	if err := checkSignedAt(w.At); err != nil {
		return withdrawalInvalid("at", "%v", err)
	}
	if len(w.Signature) != crypto.SignatureLength {
		return withdrawalInvalid("signature", "%d bytes, want %d", len(w.Signature), crypto.SignatureLength)
	}
	return nil
}

// Verify checks w (Validate) and that its signature recovers Account: EINVALID otherwise.
func (w Withdrawal) Verify() error {
	if err := w.Validate(); err != nil {
		return err
	}
	return verifySigner("withdrawal", w.Message(), w.Signature, w.Account)
}

// Sign sets w.Account to s's address and w.Signature to its signature of w's message.
func (w *Withdrawal) Sign(s Signer) error {
	w.Account = s.Address()
	sig, err := s.SignPersonal(w.Message())
	if err != nil {
		return fmt.Errorf("sign pool withdrawal: %w", err)
	}
	w.Signature = sig
	return nil
}

func withdrawalInvalid(field, format string, args ...any) error {
	return marketplace.Errorf(marketplace.EINVALID, "Pool withdrawal: %s: %s.", field, fmt.Sprintf(format, args...))
}

// checkSignedAt checks the time of a signed statement: set, and of second precision, since the
// signed message shows seconds (a finer time would be a field the signature does not cover).
func checkSignedAt(t time.Time) error {
	switch {
	case t.IsZero():
		return fmt.Errorf("the time is required")
	case t.Nanosecond() != 0:
		return fmt.Errorf("%s has a fraction of a second; the signed message shows whole seconds", t.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// verifySigner checks that sig is account's EIP-191 signature of msg (V as 0/1 or 27/28).
func verifySigner(what string, msg, sig []byte, account common.Address) error {
	s := make([]byte, len(sig))
	copy(s, sig)
	if s[crypto.RecoveryIDOffset] >= 27 {
		s[crypto.RecoveryIDOffset] -= 27
	}
	pub, err := crypto.SigToPub(accounts.TextHash(msg), s)
	if err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "Pool %s: signature: malformed", what)
	}
	if got := crypto.PubkeyToAddress(*pub); got != account {
		return marketplace.Errorf(marketplace.EINVALID, "Pool %s: signature: signed by %s, not by account %s.", what, got.Hex(), account.Hex())
	}
	return nil
}

package vault

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/crypto/ecies"

	"github.com/medmarket/medmarket/marketplace"
)

// DatasetKey is the secret of one dataset: an age X25519 identity. The
// dataset is encrypted to its recipient; whoever holds the key decrypts it.
// Each dataset gets a fresh key, so delivering one key reveals one dataset.
type DatasetKey struct {
	id *age.X25519Identity
}

// NewDatasetKey returns a fresh random key.
func NewDatasetKey() (*DatasetKey, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("generate dataset key: %w", err)
	}
	return &DatasetKey{id: id}, nil
}

// ParseDatasetKey reads a key in age's text form (AGE-SECRET-KEY-1...).
func ParseDatasetKey(s string) (*DatasetKey, error) {
	id, err := age.ParseX25519Identity(strings.TrimSpace(s))
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "not a dataset key")
	}
	return &DatasetKey{id: id}, nil
}

// String returns the key in age's text form. It is the secret: keep it out of logs.
func (k *DatasetKey) String() string { return k.id.String() }

// Encrypt returns a writer that encrypts what is written to it into w. The
// ciphertext is only complete once the writer is closed.
func (k *DatasetKey) Encrypt(w io.Writer) (io.WriteCloser, error) {
	wc, err := age.Encrypt(w, k.id.Recipient())
	if err != nil {
		return nil, fmt.Errorf("encrypt dataset: %w", err)
	}
	return wc, nil
}

// Decrypt returns a reader of the plaintext of the ciphertext r. age
// authenticates every 64 KiB chunk: a tampered or truncated blob fails with
// an EINVALID error when the damaged part is read, never with wrong data.
func (k *DatasetKey) Decrypt(r io.Reader) (io.Reader, error) {
	pr, err := age.Decrypt(r, k.id)
	if err != nil {
		return nil, tamperError(err)
	}
	return &checkedReader{r: pr}, nil
}

type checkedReader struct{ r io.Reader }

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = tamperError(err)
	}
	return n, err
}

func tamperError(err error) error {
	return marketplace.Wrap(marketplace.EINVALID, err,
		"the dataset does not decrypt with its key: the blob is damaged or was tampered with")
}

// WrapKey encrypts the dataset key to an account's secp256k1 public key
// (ECIES, as go-ethereum implements it), so only that account can read it.
// This is how a buyer receives the key of a dataset it licensed.
func WrapKey(k *DatasetKey, to *ecdsa.PublicKey) ([]byte, error) {
	if to == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "no public key to wrap the dataset key to")
	}
	ct, err := ecies.Encrypt(rand.Reader, ecies.ImportECDSAPublic(to), []byte(k.String()), nil, nil)
	if err != nil {
		return nil, fmt.Errorf("wrap dataset key: %w", err)
	}
	return ct, nil
}

// UnwrapKey decrypts a dataset key wrapped to this account with WrapKey.
func (s *Signer) UnwrapKey(wrapped []byte) (*DatasetKey, error) {
	key, err := s.privateKey()
	if err != nil {
		return nil, err
	}
	pt, err := ecies.ImportECDSA(key).Decrypt(wrapped, nil, nil)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EFORBIDDEN, err, "the dataset key was not wrapped to account %s", label(s.account))
	}
	defer clear(pt)
	return ParseDatasetKey(string(pt))
}

// PublicKeyOf parses an uncompressed (65-byte) or compressed (33-byte)
// secp256k1 public key, as recovered from a signature.
func PublicKeyOf(b []byte) (*ecdsa.PublicKey, error) {
	var pub *ecdsa.PublicKey
	var err error
	if len(b) == 33 {
		pub, err = crypto.DecompressPubkey(b)
	} else {
		pub, err = crypto.UnmarshalPubkey(b)
	}
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "not a secp256k1 public key")
	}
	return pub, nil
}

// EncryptBytes is Encrypt for data already in memory.
func (k *DatasetKey) EncryptBytes(plain []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := k.Encrypt(&buf)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("encrypt dataset: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt dataset: %w", err)
	}
	return buf.Bytes(), nil
}

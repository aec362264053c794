package vault

import (
	"bytes"
	"fmt"
	"strings"

	"filippo.io/age"

	"github.com/medmarket/medmarket/marketplace"
)

// Recipient returns the public half of k in age's text form (age1...):
// what others encrypt to when only k's holder may read (a pool's
// contributions, encrypted on each patient's node to the pool's key).
func (k *DatasetKey) Recipient() string { return k.id.Recipient().String() }

// EncryptTo encrypts plain to an age X25519 recipient (age1...). EINVALID
// when recipient is not one.
func EncryptTo(recipient string, plain []byte) ([]byte, error) {
	r, err := age.ParseX25519Recipient(strings.TrimSpace(recipient))
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "not an age recipient")
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return buf.Bytes(), nil
}

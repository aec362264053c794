package vault

import (
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/crypto/ecies"

	"github.com/medmarket/medmarket/marketplace"
)

// NodeKey is the node's own secp256k1 key: the provider's key. Dataset keys
// the node serves are kept wrapped to it (ECIES), never in clear, so the node
// can deliver a key to a buyer while the seller is offline, and a copy of the
// store alone reveals nothing. It is kept in a file of the data directory
// (mode 0600), like an SSH host key: it guards the node's datasets, not money.
type NodeKey struct {
	key *ecdsa.PrivateKey
}

// LoadOrCreateNodeKey reads the node key at path, or creates it (0600,
// written atomically) on the first open.
func LoadOrCreateNodeKey(path string) (*NodeKey, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := crypto.HexToECDSA(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "Node key %s is damaged", path)
		}
		return &NodeKey{key: k}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read node key: %w", err)
	}
	k, err := crypto.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate node key: %w", err)
	}
	if err := writeFileAtomic(path, ".node.key-*", []byte(hex.EncodeToString(crypto.FromECDSA(k))+"\n")); err != nil {
		return nil, fmt.Errorf("write node key: %w", err)
	}
	return &NodeKey{key: k}, nil
}

// PublicKey returns the node's public key, to which dataset keys are wrapped.
func (n *NodeKey) PublicKey() *ecdsa.PublicKey { return &n.key.PublicKey }

// Address returns the address of the node key (it names the node; it holds no ether).
func (n *NodeKey) Address() common.Address { return crypto.PubkeyToAddress(n.key.PublicKey) }

// Wrap wraps a dataset key to the node key, for the node's store.
func (n *NodeKey) Wrap(k *DatasetKey) ([]byte, error) { return WrapKey(k, n.PublicKey()) }

// Unwrap reads a dataset key wrapped to the node key.
func (n *NodeKey) Unwrap(wrapped []byte) (*DatasetKey, error) {
	pt, err := ecies.ImportECDSA(n.key).Decrypt(wrapped, nil, nil)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "the dataset key was not wrapped to this node's key")
	}
	defer clear(pt)
	return ParseDatasetKey(string(pt))
}

// RecoverPersonalKey returns the public key that signed msg as an EIP-191
// personal message (SignPersonal, personal_sign), so a key can be delivered
// to the signer with no key registry. V may be 0/1 or 27/28; EINVALID for a
// malformed signature.
func RecoverPersonalKey(msg, sig []byte) (*ecdsa.PublicKey, error) {
	if len(sig) != crypto.SignatureLength {
		return nil, marketplace.Errorf(marketplace.EINVALID, "signature has %d bytes, want %d", len(sig), crypto.SignatureLength)
	}
	s := make([]byte, len(sig))
	copy(s, sig)
	if s[crypto.RecoveryIDOffset] >= 27 {
		s[crypto.RecoveryIDOffset] -= 27
	}
	pub, err := crypto.SigToPub(accounts.TextHash(msg), s)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "invalid signature")
	}
	return pub, nil
}

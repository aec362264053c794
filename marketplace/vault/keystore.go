package vault

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"

	"github.com/medmarket/medmarket/marketplace"
)

// NamesFile is the file, next to the key files in the keystore directory,
// that maps account names to addresses. The key files themselves are
// go-ethereum keystore v3 files, so geth, clef or MetaMask can use the
// directory as it is.
const NamesFile = "names.json"

// Keystore holds the node's accounts: encrypted go-ethereum keystore files
// in one directory, each known by a name. Safe for concurrent use within a
// process.
type Keystore struct {
	dir     string
	ks      *keystore.KeyStore
	scryptN int
	scryptP int

	mu sync.Mutex // guards the names file

	decoyOnce sync.Once
	decoy     []byte // a key file no passphrase opens: Unlock of an unknown account costs what a wrong passphrase costs
}

// KeystoreOption tunes OpenKeystore.
type KeystoreOption func(*Keystore)

// LightScrypt encrypts new keys with scrypt's light parameters (4 MB,
// milliseconds) instead of the standard ones (256 MB, about a second). For
// tests and throw-away demo accounts only: light keys are far cheaper to
// brute-force.
func LightScrypt() KeystoreOption {
	return func(k *Keystore) { k.scryptN, k.scryptP = keystore.LightScryptN, keystore.LightScryptP }
}

// OpenKeystore opens the keystore in dir, creating the directory (mode
// 0700) when missing.
func OpenKeystore(dir string, opts ...KeystoreOption) (*Keystore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "cannot create keystore directory %s", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "keystore directory %s", dir)
	}
	k := &Keystore{dir: abs, scryptN: keystore.StandardScryptN, scryptP: keystore.StandardScryptP}
	for _, o := range opts {
		o(k)
	}
	k.ks = keystore.NewKeyStore(abs, k.scryptN, k.scryptP)
	if _, err := k.readNames(); err != nil {
		return nil, err
	}
	return k, nil
}

// Dir returns the keystore directory.
func (k *Keystore) Dir() string { return k.dir }

// Create makes a new key encrypted with passphrase and records it under
// name. ECONFLICT if the name is taken, EINVALID for a bad name or an empty
// passphrase.
func (k *Keystore) Create(name, passphrase string) (marketplace.Account, error) {
	return k.add(name, passphrase, func() (accounts.Account, error) {
		return k.ks.NewAccount(passphrase)
	})
}

// CreateSigner makes a new key as Create does and returns it unlocked, so
// a new user is signed in without paying for a second scrypt.
func (k *Keystore) CreateSigner(name, passphrase string) (*Signer, error) {
	priv, err := crypto.GenerateKey()
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "cannot make a key for account %s", name)
	}
	acct, err := k.add(name, passphrase, func() (accounts.Account, error) {
		return k.ks.ImportECDSA(priv, passphrase)
	})
	if err != nil {
		zero(priv)
		return nil, err
	}
	return &Signer{account: acct, key: priv}, nil
}

// ImportKeyJSON imports a keystore v3 file as geth and MetaMask export it,
// decrypting it with passphrase and storing it under the same passphrase.
// EFORBIDDEN for a wrong passphrase, EINVALID for a file that is not a
// keystore key, ECONFLICT when the name or the key is already here.
func (k *Keystore) ImportKeyJSON(name string, keyJSON []byte, passphrase string) (marketplace.Account, error) {
	if err := k.checkNew(name, passphrase); err != nil {
		return marketplace.Account{}, err
	}
	if err := checkKDF(keyJSON); err != nil {
		return marketplace.Account{}, err
	}
	key, err := keystore.DecryptKey(keyJSON, passphrase)
	if err != nil {
		if errors.Is(err, keystore.ErrDecrypt) {
			return marketplace.Account{}, marketplace.Wrap(marketplace.EFORBIDDEN, err, "wrong passphrase for the key file imported as %s", name)
		}
		return marketplace.Account{}, marketplace.Wrap(marketplace.EINVALID, err, "the file imported as %s is not a keystore v3 key", name)
	}
	defer zero(key.PrivateKey)
	return k.add(name, passphrase, func() (accounts.Account, error) {
		return k.ks.ImportECDSA(key.PrivateKey, passphrase)
	})
}

// Limits on the key derivation a key file to import may ask for: a file is
// data from anyone, and its scrypt parameters decide the memory one
// decryption takes. Standard scrypt (N = 2^18, r = 8: 256 MiB) is the most
// that geth, clef and MetaMask write; PBKDF2 is capped at 2^22 rounds.
const (
	maxImportScryptMemory = 128 * keystore.StandardScryptN * 8
	maxImportPBKDF2Rounds = 1 << 22
)

// checkKDF refuses a key file whose key derivation would cost more than an
// ordinary keystore file: EINVALID, naming the parameter.
func checkKDF(keyJSON []byte) error {
	var f struct {
		Crypto *struct {
			KDF       string         `json:"kdf"`
			KDFParams map[string]any `json:"kdfparams"`
		} `json:"crypto"`
		CryptoV1 *struct {
			KDF       string         `json:"kdf"`
			KDFParams map[string]any `json:"kdfparams"`
		} `json:"Crypto"`
	}
	if err := json.Unmarshal(keyJSON, &f); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "Key file: not valid JSON")
	}
	c := f.Crypto
	if c == nil {
		c = f.CryptoV1
	}
	if c == nil {
		return marketplace.Errorf(marketplace.EINVALID, "Key file: not a keystore v3 key (no crypto section)")
	}
	num := func(k string) float64 {
		v, _ := c.KDFParams[k].(float64)
		return v
	}
	switch c.KDF {
	case "scrypt":
		n, r, p := num("n"), num("r"), num("p")
		if n <= 1 || r < 1 || p < 1 || 128*n*r > maxImportScryptMemory || p > 16 {
			return marketplace.Errorf(marketplace.EINVALID,
				"Key file: its scrypt parameters (n=%.0f, r=%.0f, p=%.0f) ask for more than a standard keystore key (n=%d, r=8, p=1)",
				n, r, p, keystore.StandardScryptN)
		}
	case "pbkdf2":
		if c := num("c"); c < 1 || c > maxImportPBKDF2Rounds {
			return marketplace.Errorf(marketplace.EINVALID, "Key file: its PBKDF2 round count %.0f is outside 1 to %d", c, maxImportPBKDF2Rounds)
		}
	default:
		return marketplace.Errorf(marketplace.EINVALID, "Key file: unknown key derivation %q (want scrypt or pbkdf2)", c.KDF)
	}
	return nil
}

// ImportHexKey imports a raw private key in hex (with or without 0x), as
// wallets export it, encrypting it with passphrase. EINVALID when it is not
// a valid secp256k1 private key; the key never appears in messages.
func (k *Keystore) ImportHexKey(name, hexKey, passphrase string) (marketplace.Account, error) {
	if err := k.checkNew(name, passphrase); err != nil {
		return marketplace.Account{}, err
	}
	priv, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(hexKey), "0x"))
	if err != nil {
		return marketplace.Account{}, marketplace.Errorf(marketplace.EINVALID,
			"the key imported as %s is not a hex secp256k1 private key (64 hex digits)", name)
	}
	defer zero(priv)
	return k.add(name, passphrase, func() (accounts.Account, error) {
		return k.ks.ImportECDSA(priv, passphrase)
	})
}

// List returns the accounts, named ones first by name, then key files
// without a name by address.
func (k *Keystore) List() ([]marketplace.Account, error) {
	names, err := k.readNames()
	if err != nil {
		return nil, err
	}
	byAddr := make(map[common.Address]string, len(names))
	for _, n := range names {
		byAddr[n.Address] = n.Name
	}
	// Named accounts come from the names file, which is read afresh; key
	// files without a name from go-ethereum's cache of the directory, which
	// notices files added by another process only after a moment.
	list := append([]marketplace.Account(nil), names...)
	for _, a := range k.ks.Accounts() {
		if _, named := byAddr[a.Address]; !named {
			list = append(list, marketplace.Account{Address: a.Address})
			byAddr[a.Address] = ""
		}
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if (a.Name == "") != (b.Name == "") {
			return a.Name != ""
		}
		if a.Name != b.Name {
			return strings.ToLower(a.Name) < strings.ToLower(b.Name)
		}
		return a.Address.Cmp(b.Address) < 0
	})
	return list, nil
}

// Get returns the account called name (case-insensitive) or, when name is
// an address, the account with that address. ENOTFOUND when there is none.
func (k *Keystore) Get(name string) (marketplace.Account, error) {
	list, err := k.List()
	if err != nil {
		return marketplace.Account{}, err
	}
	for _, a := range list {
		if a.Name != "" && strings.EqualFold(a.Name, name) {
			return a, nil
		}
	}
	if common.IsHexAddress(name) {
		addr := common.HexToAddress(name)
		for _, a := range list {
			if a.Address == addr {
				return a, nil
			}
		}
	}
	// No path in the message: it may reach a visitor of the UI.
	return marketplace.Account{}, marketplace.Errorf(marketplace.ENOTFOUND, "no account %s in the keystore", name)
}

// Unlock decrypts the key of the account called name (or with that
// address) and returns a Signer holding it. EFORBIDDEN for a wrong
// passphrase, ENOTFOUND for an unknown account. An unknown account costs the
// same scrypt work as a wrong passphrase, so the time of the answer does not
// tell whether an account exists. Messages name the account, never a path
// (paths stay in the causes, which users do not see).
func (k *Keystore) Unlock(name, passphrase string) (*Signer, error) {
	acct, err := k.Get(name)
	if err != nil {
		if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
			k.decryptDecoy(passphrase)
		}
		return nil, err
	}
	path, err := k.keyFile(acct.Address)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.ENOTFOUND, fmt.Errorf("keystore %s: %w", k.dir, err), "no key file for account %s", label(acct))
	}
	keyJSON, err := os.ReadFile(path)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "cannot read the key file of account %s", label(acct))
	}
	key, err := keystore.DecryptKey(keyJSON, passphrase)
	if err != nil {
		if errors.Is(err, keystore.ErrDecrypt) {
			return nil, marketplace.Wrap(marketplace.EFORBIDDEN, err, "wrong passphrase for account %s", label(acct))
		}
		return nil, marketplace.Wrap(marketplace.EINTERNAL, fmt.Errorf("%s: %w", path, err), "cannot decrypt the key file of account %s", label(acct))
	}
	if key.Address != acct.Address {
		zero(key.PrivateKey)
		return nil, marketplace.Wrap(marketplace.EINTERNAL, fmt.Errorf("key file %s holds %s", path, key.Address.Hex()),
			"the key file of account %s holds another key", label(acct))
	}
	return &Signer{account: acct, key: key.PrivateKey}, nil
}

// decryptDecoy spends on passphrase the scrypt work of one unlock, with the
// keystore's own parameters, on a key made for that at first use.
func (k *Keystore) decryptDecoy(passphrase string) {
	k.decoyOnce.Do(func() {
		priv, err := crypto.GenerateKey()
		if err != nil {
			return
		}
		defer zero(priv)
		id, err := uuid.NewRandom()
		if err != nil {
			return
		}
		key := &keystore.Key{Id: id, Address: crypto.PubkeyToAddress(priv.PublicKey), PrivateKey: priv}
		// A passphrase no user types: 32 random bytes.
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return
		}
		k.decoy, _ = keystore.EncryptKey(key, string(b), k.scryptN, k.scryptP)
	})
	if k.decoy != nil {
		if key, err := keystore.DecryptKey(k.decoy, passphrase); err == nil {
			zero(key.PrivateKey)
		}
	}
}

// keyFile returns the path of the key file for addr: from go-ethereum's
// cache of the directory, or, for a key another process has just added and
// the cache has not seen yet, by reading the directory.
func (k *Keystore) keyFile(addr common.Address) (string, error) {
	if a, err := k.ks.Find(accounts.Account{Address: addr}); err == nil {
		return a.URL.Path, nil
	}
	entries, err := os.ReadDir(k.dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") || e.Name() == NamesFile {
			continue
		}
		path := filepath.Join(k.dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var f struct {
			Address string `json:"address"`
		}
		if json.Unmarshal(data, &f) == nil && common.IsHexAddress(f.Address) && common.HexToAddress(f.Address) == addr {
			return path, nil
		}
	}
	return "", keystore.ErrNoMatch
}

// checkNew validates a new account's name and passphrase and that the name
// is free.
func (k *Keystore) checkNew(name, passphrase string) error {
	if err := marketplace.ValidateAccountName(name); err != nil {
		return err
	}
	if passphrase == "" {
		return marketplace.Errorf(marketplace.EINVALID, "a passphrase is required for account %s", name)
	}
	names, err := k.readNames()
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.EqualFold(n.Name, name) {
			return marketplace.Errorf(marketplace.ECONFLICT, "account %s already exists", n.Name)
		}
	}
	return nil
}

// add stores a key through store and records it under name.
func (k *Keystore) add(name, passphrase string, store func() (accounts.Account, error)) (marketplace.Account, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.checkNew(name, passphrase); err != nil {
		return marketplace.Account{}, err
	}
	a, err := store()
	if err != nil {
		if errors.Is(err, keystore.ErrAccountAlreadyExists) {
			existing, _ := k.List()
			for _, e := range existing {
				if e.Address == a.Address && e.Name != "" {
					return marketplace.Account{}, marketplace.Errorf(marketplace.ECONFLICT,
						"the key of %s (%s) is already in the keystore as account %s", name, a.Address.Hex(), e.Name)
				}
			}
			// A key file without a name: give it this one.
		} else {
			return marketplace.Account{}, marketplace.Wrap(marketplace.EINTERNAL, err, "cannot store the key of account %s", name)
		}
	}
	acct := marketplace.Account{Name: name, Address: a.Address}
	names, err := k.readNames()
	if err != nil {
		return marketplace.Account{}, err
	}
	if err := k.writeNames(append(names, acct)); err != nil {
		return marketplace.Account{}, err
	}
	return acct, nil
}

type namesFile struct {
	Accounts []marketplace.Account `json:"accounts"`
}

func (k *Keystore) readNames() ([]marketplace.Account, error) {
	path := filepath.Join(k.dir, NamesFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "cannot read the account names")
	}
	var f namesFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, fmt.Errorf("%s: %w", path, err), "the account names file is not valid JSON")
	}
	return f.Accounts, nil
}

// writeNames replaces the names file atomically.
func (k *Keystore) writeNames(names []marketplace.Account) error {
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i].Name) < strings.ToLower(names[j].Name) })
	data, err := json.MarshalIndent(namesFile{Accounts: names}, "", "  ")
	if err != nil {
		return marketplace.Wrap(marketplace.EINTERNAL, err, "cannot encode account names")
	}
	path := filepath.Join(k.dir, NamesFile)
	if err := writeFileAtomic(path, ".names-*", append(data, '\n')); err != nil {
		return marketplace.Wrap(marketplace.EINTERNAL, fmt.Errorf("%s: %w", path, err), "cannot write the account names")
	}
	return nil
}

// Signer is an unlocked account: it holds the decrypted private key until
// Lock. Safe for concurrent use.
type Signer struct {
	account marketplace.Account

	mu  sync.RWMutex
	key *ecdsa.PrivateKey // nil once locked
}

// Account returns the account the signer signs for.
func (s *Signer) Account() marketplace.Account { return s.account }

// Address returns the signer's address.
func (s *Signer) Address() common.Address { return s.account.Address }

// PublicKey returns the account's public key, to which data keys are
// delivered (ECIES).
func (s *Signer) PublicKey() (*ecdsa.PublicKey, error) {
	key, err := s.privateKey()
	if err != nil {
		return nil, err
	}
	return &key.PublicKey, nil
}

// Lock forgets the decrypted key; signing afterwards fails with EFORBIDDEN.
func (s *Signer) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		zero(s.key)
		s.key = nil
	}
}

func (s *Signer) privateKey() (*ecdsa.PrivateKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.key == nil {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "account %s is locked", label(s.account))
	}
	return s.key, nil
}

// SignTx signs tx for chainID (EIP-155 and later transaction types).
func (s *Signer) SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	key, err := s.privateKey()
	if err != nil {
		return nil, err
	}
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(chainID), key)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "cannot sign transaction as %s", label(s.account))
	}
	return signed, nil
}

// TransactOpts returns options for contract bindings and chain.Transact that
// sign as this account on chainID. They stop signing once the signer is
// locked.
func (s *Signer) TransactOpts(ctx context.Context, chainID *big.Int) *bind.TransactOpts {
	id := new(big.Int).Set(chainID)
	return &bind.TransactOpts{
		From:    s.account.Address,
		Context: ctx,
		Signer: func(from common.Address, tx *types.Transaction) (*types.Transaction, error) {
			if from != s.account.Address {
				return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "account %s cannot sign for %s", label(s.account), from.Hex())
			}
			return s.SignTx(tx, id)
		},
	}
}

// SignPersonal signs msg as an EIP-191 personal message ("\x19Ethereum
// Signed Message:\n" + length + msg), as MetaMask's personal_sign does. The
// 65-byte signature ends with V = 27 or 28.
func (s *Signer) SignPersonal(msg []byte) ([]byte, error) {
	key, err := s.privateKey()
	if err != nil {
		return nil, err
	}
	sig, err := crypto.Sign(accounts.TextHash(msg), key)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "cannot sign message as %s", label(s.account))
	}
	sig[crypto.RecoveryIDOffset] += 27
	return sig, nil
}

// RecoverPersonal returns the address that signed msg with SignPersonal (or
// personal_sign in any wallet). It accepts V as 0/1 or 27/28. EINVALID for a
// malformed signature; whether the address is the one expected is the
// caller's check.
func RecoverPersonal(msg, sig []byte) (common.Address, error) {
	if len(sig) != crypto.SignatureLength {
		return common.Address{}, marketplace.Errorf(marketplace.EINVALID, "signature has %d bytes, want %d", len(sig), crypto.SignatureLength)
	}
	s := make([]byte, len(sig))
	copy(s, sig)
	if s[crypto.RecoveryIDOffset] >= 27 {
		s[crypto.RecoveryIDOffset] -= 27
	}
	pub, err := crypto.SigToPub(accounts.TextHash(msg), s)
	if err != nil {
		return common.Address{}, marketplace.Wrap(marketplace.EINVALID, err, "invalid signature")
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// label names an account in messages: its name, or its address when it has none.
func label(a marketplace.Account) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Address.Hex()
}

// zero overwrites a private key's secret scalar.
func zero(k *ecdsa.PrivateKey) {
	if k == nil || k.D == nil {
		return
	}
	b := k.D.Bits()
	for i := range b {
		b[i] = 0
	}
}

package vault_test

import (
	"context"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

func openKeystore(t *testing.T, dir string) *vault.Keystore {
	t.Helper()
	k, err := vault.OpenKeystore(dir, vault.LightScrypt())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := marketplace.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

func TestKeystore_createListUnlock(t *testing.T) {
	dir := t.TempDir()
	k := openKeystore(t, dir)
	alice, err := k.Create("alice", "alice-pass")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := k.Create("Bob", "bob-pass")
	if err != nil {
		t.Fatal(err)
	}
	if alice.Name != "alice" || alice.Address == (common.Address{}) || alice.Address == bob.Address {
		t.Fatalf("accounts %+v %+v", alice, bob)
	}

	// A new process sees the same accounts, by name or address, in any case.
	k = openKeystore(t, dir)
	list, err := k.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0] != alice || list[1] != bob {
		t.Errorf("list = %+v, want alice then Bob", list)
	}
	for _, name := range []string{"alice", "ALICE", alice.Address.Hex(), strings.ToLower(alice.Address.Hex())} {
		if got, err := k.Get(name); err != nil || got != alice {
			t.Errorf("get %q = %+v, %v", name, got, err)
		}
	}

	s, err := k.Unlock("alice", "alice-pass")
	if err != nil {
		t.Fatal(err)
	}
	if s.Address() != alice.Address || s.Account() != alice {
		t.Errorf("signer for %s, want %s", s.Address(), alice.Address)
	}
	pub, err := s.PublicKey()
	if err != nil || crypto.PubkeyToAddress(*pub) != alice.Address {
		t.Errorf("public key %v, %v", pub, err)
	}
}

func TestKeystore_keyFilesAreStandardScryptByDefault(t *testing.T) {
	dir := t.TempDir()
	k, err := vault.OpenKeystore(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.Create("alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	n := scryptN(t, dir, a.Address)
	if n != keystore.StandardScryptN {
		t.Errorf("scrypt n = %d, want %d", n, keystore.StandardScryptN)
	}
	light := openKeystore(t, t.TempDir())
	b, _ := light.Create("bob", "pw")
	if n := scryptN(t, light.Dir(), b.Address); n != keystore.LightScryptN {
		t.Errorf("light scrypt n = %d, want %d", n, keystore.LightScryptN)
	}
}

func TestKeystore_wrongPassphraseIsForbidden(t *testing.T) {
	k := openKeystore(t, t.TempDir())
	if _, err := k.Create("alice", "right"); err != nil {
		t.Fatal(err)
	}
	_, err := k.Unlock("alice", "wrong")
	wantCode(t, err, marketplace.EFORBIDDEN, "unlock with a wrong passphrase")
	if got := marketplace.ErrorMessage(err); got != "wrong passphrase for account alice" {
		t.Errorf("message %q", got)
	}
}

func TestKeystore_refusals(t *testing.T) {
	k := openKeystore(t, t.TempDir())
	if _, err := k.Create("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	_, err := k.Create("alice", "pw2")
	wantCode(t, err, marketplace.ECONFLICT, "duplicate name")
	_, err = k.Create("ALICE", "pw2")
	wantCode(t, err, marketplace.ECONFLICT, "duplicate name in another case")
	_, err = k.Get("carol")
	wantCode(t, err, marketplace.ENOTFOUND, "unknown name")
	_, err = k.Unlock("carol", "pw")
	wantCode(t, err, marketplace.ENOTFOUND, "unlock unknown name")
	for _, name := range []string{"", "with space", "-dash", "0x0000000000000000000000000000000000000001", strings.Repeat("a", 33)} {
		_, err = k.Create(name, "pw")
		wantCode(t, err, marketplace.EINVALID, "name "+name)
	}
	_, err = k.Create("bob", "")
	wantCode(t, err, marketplace.EINVALID, "empty passphrase")
	if list, _ := k.List(); len(list) != 1 {
		t.Errorf("refused creations left %d accounts, want 1", len(list))
	}
}

// TestKeystore_importV3JSON imports a keystore v3 file as geth writes it
// (standard scrypt, "Crypto") and as MetaMask exports it (lowercase
// "crypto", no address field).
func TestKeystore_importV3JSON(t *testing.T) {
	priv, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	want := crypto.PubkeyToAddress(priv.PublicKey)
	keyJSON := v3JSON(t, priv, "export-pass")

	k := openKeystore(t, t.TempDir())
	_, err = k.ImportKeyJSON("alice", keyJSON, "nope")
	wantCode(t, err, marketplace.EFORBIDDEN, "import with a wrong passphrase")
	_, err = k.ImportKeyJSON("alice", []byte(`{"hello":"world"}`), "x")
	wantCode(t, err, marketplace.EINVALID, "import of a non-key")

	a, err := k.ImportKeyJSON("alice", keyJSON, "export-pass")
	if err != nil {
		t.Fatal(err)
	}
	if a.Address != want {
		t.Errorf("imported %s, want %s", a.Address, want)
	}
	s, err := k.Unlock("alice", "export-pass")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.SignPersonal([]byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := vault.RecoverPersonal([]byte("hi"), sig); got != want {
		t.Errorf("imported key signs as %s, want %s", got, want)
	}
	// The same key under another name is a conflict, not a second copy.
	_, err = k.ImportKeyJSON("alice2", keyJSON, "export-pass")
	wantCode(t, err, marketplace.ECONFLICT, "importing the same key twice")

	// MetaMask's export: lowercase "crypto" and no "address".
	mm := metaMaskJSON(t, keyJSON)
	k2 := openKeystore(t, t.TempDir())
	if a, err := k2.ImportKeyJSON("mm", mm, "export-pass"); err != nil || a.Address != want {
		t.Errorf("import MetaMask-style file: %+v, %v", a, err)
	}
}

func TestKeystore_importHexKey(t *testing.T) {
	priv, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	want := crypto.PubkeyToAddress(priv.PublicKey)
	raw := hex.EncodeToString(crypto.FromECDSA(priv))
	for i, in := range []string{raw, "0x" + raw, " 0x" + raw + "\n"} {
		k := openKeystore(t, t.TempDir())
		a, err := k.ImportHexKey("alice", in, "pw")
		if err != nil || a.Address != want {
			t.Errorf("import form %d: %+v, %v", i, a, err)
			continue
		}
		if _, err := k.Unlock("alice", "pw"); err != nil {
			t.Errorf("unlock imported key: %v", err)
		}
	}
	k := openKeystore(t, t.TempDir())
	secret := "zz" + raw[2:]
	_, err = k.ImportHexKey("alice", secret, "pw")
	wantCode(t, err, marketplace.EINVALID, "import a non-hex key")
	if err != nil && strings.Contains(err.Error(), raw[2:]) {
		t.Error("the error shows the key")
	}
}

func TestSigner_signsTransactionsAndPersonalMessages(t *testing.T) {
	k := openKeystore(t, t.TempDir())
	a, _ := k.Create("alice", "pw")
	s, err := k.Unlock("alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	chainID := big.NewInt(1337)
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: chainID, Nonce: 3, GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(2),
		Gas: 21000, To: &common.Address{1}, Value: big.NewInt(5)})
	opts := s.TransactOpts(context.Background(), chainID)
	if opts.From != a.Address {
		t.Errorf("opts from %s", opts.From)
	}
	signed, err := opts.Signer(opts.From, tx)
	if err != nil {
		t.Fatal(err)
	}
	if from, err := types.Sender(types.LatestSignerForChainID(chainID), signed); err != nil || from != a.Address {
		t.Errorf("tx signed by %s, %v", from, err)
	}
	if _, err := opts.Signer(common.Address{2}, tx); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("signing for another address: %v", err)
	}

	msg := []byte("GET /datasets/42/blob 2026-11-21T10:00:00Z")
	sig, err := s.SignPersonal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		t.Errorf("signature %x: want 65 bytes ending in 27 or 28", sig)
	}
	// Independent check: the EIP-191 prefix by hand.
	hash := crypto.Keccak256([]byte("\x19Ethereum Signed Message:\n"+strconv.Itoa(len(msg))), msg)
	if !bytesEqual(hash, accounts.TextHash(msg)) {
		t.Fatal("test's EIP-191 hash disagrees with go-ethereum's")
	}
	raw := append([]byte(nil), sig...)
	raw[64] -= 27
	pub, err := crypto.SigToPub(hash, raw)
	if err != nil || crypto.PubkeyToAddress(*pub) != a.Address {
		t.Errorf("signature recovers to %v, %v", pub, err)
	}
	if got, err := vault.RecoverPersonal(msg, sig); err != nil || got != a.Address {
		t.Errorf("RecoverPersonal = %s, %v", got, err)
	}
	if got, _ := vault.RecoverPersonal([]byte("tampered"), sig); got == a.Address {
		t.Error("a tampered message recovers to the signer")
	}
	if _, err := vault.RecoverPersonal(msg, sig[:64]); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("short signature: %v", err)
	}

	s.Lock()
	if _, err := s.SignPersonal(msg); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("sign after lock: %v", err)
	}
	if _, err := opts.Signer(opts.From, tx); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("transact opts after lock: %v", err)
	}
}

// TestKeystore_adoptsUnnamedKeyFiles: a key file copied into the directory
// (from geth, say) is listed by address and can be named by importing it.
func TestKeystore_adoptsUnnamedKeyFiles(t *testing.T) {
	dir := t.TempDir()
	priv, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(priv.PublicKey)
	keyJSON := v3JSON(t, priv, "pw")
	if err := os.WriteFile(filepath.Join(dir, "UTC--2026-01-01T00-00-00.000000000Z--"+hex.EncodeToString(addr[:])), keyJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	k := openKeystore(t, dir)
	list, err := k.List()
	if err != nil || len(list) != 1 || list[0].Name != "" || list[0].Address != addr {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := k.Unlock(addr.Hex(), "pw"); err != nil {
		t.Errorf("unlock by address: %v", err)
	}
	if a, err := k.ImportKeyJSON("geth", keyJSON, "pw"); err != nil || a.Address != addr {
		t.Errorf("naming the key file: %+v, %v", a, err)
	}
	if a, err := k.Get("geth"); err != nil || a.Address != addr {
		t.Errorf("get geth: %+v, %v", a, err)
	}
}

// v3JSON encrypts priv as geth's `account new` does (standard scrypt is slow;
// light keeps the test fast and the format is the same).
func v3JSON(t *testing.T, priv interface{}, pass string) []byte {
	t.Helper()
	key := keyFromECDSA(priv)
	data, err := keystore.EncryptKey(key, pass, keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// TestKeystore_seesAccountsAddedByAnotherProcess: `medmarket account new` in
// one process, then `serve` (already running, its keystore open) unlocks it.
func TestKeystore_seesAccountsAddedByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	running := openKeystore(t, dir)
	if list, _ := running.List(); len(list) != 0 {
		t.Fatalf("fresh keystore lists %v", list)
	}
	cli := openKeystore(t, dir)
	a, err := cli.Create("alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	list, err := running.List()
	if err != nil || len(list) != 1 || list[0] != a {
		t.Errorf("running keystore lists %+v, %v", list, err)
	}
	if s, err := running.Unlock("alice", "pw"); err != nil || s.Address() != a.Address {
		t.Errorf("running keystore unlocks alice: %v", err)
	}
}

package vault_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

// A refusal may reach a visitor of the UI: it names the account, never the
// keystore's directory or a key file's path.
func TestKeystore_messagesNameNoPath(t *testing.T) {
	dir := t.TempDir()
	k := openKeystore(t, dir)
	if _, err := k.Create("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	_, errGet := k.Get("carol")
	_, errUnlock := k.Unlock("carol", "pw")
	_, errWrong := k.Unlock("alice", "nope")
	_, errTaken := k.Create("alice", "pw")
	for what, err := range map[string]error{"get unknown": errGet, "unlock unknown": errUnlock, "wrong passphrase": errWrong, "name taken": errTaken} {
		if err == nil {
			t.Errorf("%s: no error", what)
			continue
		}
		if msg := marketplace.ErrorMessage(err); strings.Contains(msg, dir) || strings.Contains(msg, "/") {
			t.Errorf("%s: message %q shows a path", what, msg)
		}
	}
	wantCode(t, errUnlock, marketplace.ENOTFOUND, "unlock unknown")
	if msg := marketplace.ErrorMessage(errTaken); strings.Contains(msg, "0x") {
		t.Errorf("name taken: message %q shows the existing account's address", msg)
	}
}

// A key file to import is anyone's data: its scrypt parameters must not
// make one decryption cost more than a standard keystore key (256 MiB).
func TestKeystore_importRefusesCostlyKeyDerivation(t *testing.T) {
	priv, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	good := v3JSON(t, priv, "pw")
	with := func(edit func(kdf map[string]any, c map[string]any)) []byte {
		var f map[string]any
		if err := json.Unmarshal(good, &f); err != nil {
			t.Fatal(err)
		}
		c := f["crypto"].(map[string]any)
		edit(c["kdfparams"].(map[string]any), c)
		b, _ := json.Marshal(f)
		return b
	}
	for name, keyJSON := range map[string][]byte{
		"n = 2^24 (16 GiB)": with(func(p, _ map[string]any) { p["n"] = 1 << 24 }),
		"r = 64":            with(func(p, _ map[string]any) { p["r"] = 64; p["n"] = 1 << 18 }),
		"p = 1000":          with(func(p, _ map[string]any) { p["p"] = 1000 }),
		"pbkdf2 2^30":       with(func(p, c map[string]any) { c["kdf"] = "pbkdf2"; p["c"] = 1 << 30 }),
		"unknown kdf":       with(func(_, c map[string]any) { c["kdf"] = "argon9" }),
		"not JSON":          []byte("{not json"),
	} {
		k := openKeystore(t, t.TempDir())
		_, err := k.ImportKeyJSON("alice", keyJSON, "pw")
		wantCode(t, err, marketplace.EINVALID, name)
		if msg := marketplace.ErrorMessage(err); !strings.HasPrefix(msg, "Key file:") {
			t.Errorf("%s: message %q does not name the field", name, msg)
		}
	}
	k := openKeystore(t, t.TempDir())
	if _, err := k.ImportKeyJSON("alice", good, "pw"); err != nil {
		t.Errorf("ordinary key file refused: %v", err)
	}
}

func TestKeystore_createSignerIsUnlocked(t *testing.T) {
	k := openKeystore(t, t.TempDir())
	s, err := k.CreateSigner("alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignPersonal([]byte("hi")); err != nil {
		t.Errorf("new signer cannot sign: %v", err)
	}
	u, err := k.Unlock("alice", "pw")
	if err != nil || u.Address() != s.Address() || s.Account().Name != "alice" {
		t.Errorf("unlock the created key: %v (%s vs %s)", err, u.Address(), s.Address())
	}
	_, err = k.CreateSigner("ALICE", "pw")
	wantCode(t, err, marketplace.ECONFLICT, "name taken")
}

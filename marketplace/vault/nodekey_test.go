package vault

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

func TestNodeKey_createdOnceAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.key")
	k1, err := LoadOrCreateNodeKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("node key file: %v, %v", fi, err)
	}
	k2, err := LoadOrCreateNodeKey(path)
	if err != nil || k2.Address() != k1.Address() {
		t.Fatalf("reopened key %v differs from %v (%v)", k2.Address(), k1.Address(), err)
	}
	dk, _ := NewDatasetKey()
	w, err := k1.Wrap(dk)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k2.Unwrap(w)
	if err != nil || got.String() != dk.String() {
		t.Fatalf("unwrap: %v", err)
	}
	other, _ := LoadOrCreateNodeKey(filepath.Join(t.TempDir(), "node.key"))
	if _, err := other.Unwrap(w); err == nil {
		t.Fatal("another node unwrapped the key")
	}
}

func TestRecoverPersonalKey(t *testing.T) {
	k, _ := crypto.GenerateKey()
	msg := []byte("hello")
	sig, err := crypto.Sign(crypto.Keccak256([]byte("\x19Ethereum Signed Message:\n5hello")), k)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	pub, err := RecoverPersonalKey(msg, sig)
	if err != nil || crypto.PubkeyToAddress(*pub) != crypto.PubkeyToAddress(k.PublicKey) {
		t.Fatalf("recovered %v, %v", pub, err)
	}
	if _, err := RecoverPersonalKey(msg, sig[:10]); err == nil {
		t.Fatal("short signature accepted")
	}
}

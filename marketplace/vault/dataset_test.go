package vault

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

func TestDatasetKey_roundTripAndTamper(t *testing.T) {
	k, err := NewDatasetKey()
	if err != nil {
		t.Fatal(err)
	}
	plain := make([]byte, 300_000) // several age chunks
	rand.Read(plain)
	ct, err := k.EncryptBytes(plain)
	if err != nil {
		t.Fatal(err)
	}
	r, err := k.Decrypt(bytes.NewReader(ct))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("round trip: %v, equal %v", err, bytes.Equal(got, plain))
	}

	other, _ := NewDatasetKey()
	if _, err := other.Decrypt(bytes.NewReader(ct)); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("wrong key: %v", err)
	}
	for _, tt := range []struct {
		name   string
		mangle func([]byte) []byte
	}{
		{"flipped byte in the last chunk", func(b []byte) []byte { b[len(b)-10] ^= 1; return b }},
		{"flipped byte in the first chunk", func(b []byte) []byte { b[len(b)-250_000] ^= 1; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-100] }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := tt.mangle(append([]byte(nil), ct...))
			r, err := k.Decrypt(bytes.NewReader(bad))
			if err == nil {
				_, err = io.ReadAll(r)
			}
			if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "tampered") {
				t.Fatalf("got %v, want a clear tamper error", err)
			}
		})
	}

	parsed, err := ParseDatasetKey(k.String())
	if err != nil || parsed.String() != k.String() {
		t.Fatalf("parse: %v", err)
	}
	if _, err := ParseDatasetKey("AGE-SECRET-KEY-1NOPE"); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("bad key text: %v", err)
	}
}

func TestWrapKey_onlyTheBuyerUnwraps(t *testing.T) {
	ks, err := OpenKeystore(t.TempDir(), LightScrypt())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"buyer", "other"} {
		if _, err := ks.Create(n, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	buyer, _ := ks.Unlock("buyer", "pw")
	other, _ := ks.Unlock("other", "pw")
	pub, _ := buyer.PublicKey()

	k, _ := NewDatasetKey()
	wrapped, err := WrapKey(k, pub)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(wrapped, []byte(k.String())) {
		t.Fatal("the wrapped key contains the key in clear")
	}
	got, err := buyer.UnwrapKey(wrapped)
	if err != nil || got.String() != k.String() {
		t.Fatalf("buyer unwrap: %v", err)
	}
	if _, err := other.UnwrapKey(wrapped); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("another account unwrapped the key: %v", err)
	}
	// The public key recovered from a signature wraps for the same account.
	sig, _ := buyer.SignPersonal([]byte("hello"))
	recPub, err := crypto.SigToPub(crypto.Keccak256([]byte("\x19Ethereum Signed Message:\n5hello")), append(sig[:64:64], sig[64]-27))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := PublicKeyOf(crypto.FromECDSAPub(recPub))
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := WrapKey(k, p2)
	if got, err := buyer.UnwrapKey(w2); err != nil || got.String() != k.String() {
		t.Fatalf("unwrap after recovery: %v", err)
	}
	if _, err := PublicKeyOf([]byte{1, 2, 3}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("bad public key: %v", err)
	}
	buyer.Lock()
	if _, err := buyer.UnwrapKey(wrapped); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("locked signer unwrapped: %v", err)
	}
}

func TestBlobs_contentAddressedAndAtomic(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBlobs(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("ciphertext bytes")
	ctx := t.Context()
	h, n, err := b.Put(ctx, bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("put: %v, %d", err, n)
	}
	if want := sha256.Sum256(data); h != Hash(want) {
		t.Fatalf("hash %s, want the SHA-256 of the bytes %x", h, want)
	}
	parsed, err := ParseHash("0x" + h.String())
	if err != nil || parsed != h {
		t.Fatalf("parse: %v", err)
	}
	if has, err := b.Has(ctx, h); !has || err != nil || b.Verify(ctx, h) != nil {
		t.Fatal("stored blob missing or damaged")
	}
	f, size, err := b.Open(ctx, h)
	if err != nil || size != int64(len(data)) {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("blob content differs")
	}
	// Same content, same address, one copy.
	h2, _, _ := b.Put(ctx, bytes.NewReader(data))
	if h2 != h {
		t.Fatal("same content, different hash")
	}
	// No temp files left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".put-") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
	// Damage on disk is detected.
	if err := os.WriteFile(filepath.Join(dir, h.String()[:2], h.String()), []byte("evil"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(ctx, h); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("damaged blob verified: %v", err)
	}
	var missing Hash
	if _, _, err := b.Open(ctx, missing); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("missing blob: %v", err)
	}
	if _, err := ParseHash("xyz"); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("bad hash text: %v", err)
	}
	if err := b.Remove(ctx, h); err != nil {
		t.Errorf("remove: %v", err)
	}
	if has, err := b.Has(ctx, h); has || err != nil {
		t.Errorf("remove: %v", err)
	}
}

func TestEncryptTo_opensWithTheKeyOnly(t *testing.T) {
	k, err := NewDatasetKey()
	if err != nil {
		t.Fatal(err)
	}
	ct, err := EncryptTo(k.Recipient(), []byte("one patient's record"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := k.Decrypt(bytes.NewReader(ct))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || string(got) != "one patient's record" {
		t.Fatalf("decrypted %q, %v", got, err)
	}
	other, _ := NewDatasetKey()
	if _, err := other.Decrypt(bytes.NewReader(ct)); err == nil {
		t.Error("another key opened the contribution")
	}
	if _, err := EncryptTo("age1notarecipient", nil); err == nil {
		t.Error("a bad recipient was accepted")
	}
}

package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBlobs_putFailsWhenTheRenameIsNotDurable: a failed fsync of the blob's
// directory fails the Put (it used to be ignored, acknowledging a blob a
// crash could lose).
func TestBlobs_putFailsWhenTheRenameIsNotDurable(t *testing.T) {
	b, err := OpenBlobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("EIO")
	b.syncDir = func(string) error { return broken }
	if _, _, err := b.Put(t.Context(), strings.NewReader("ciphertext")); !errors.Is(err, broken) {
		t.Fatalf("put with a failing directory fsync: %v, want the error", err)
	}
	b.syncDir = syncDir
	if _, _, err := b.Put(t.Context(), strings.NewReader("ciphertext")); err != nil {
		t.Fatal(err)
	}
}

// TestBlobs_removeTempAndList: temp files a crash left during a Put are
// removed (nothing else is), and List names the stored blobs only.
func TestBlobs_removeTempAndList(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBlobs(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := b.Put(t.Context(), bytes.NewReader([]byte("kept")))
	if err != nil {
		t.Fatal(err)
	}
	// What a kill -9 during a Put leaves: a temp file of the partial blob.
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a blob"), 0o600); err != nil {
		t.Fatal(err)
	}

	n, size, err := b.RemoveTemp(t.Context())
	if err != nil || n != 1 || size != 4096 {
		t.Fatalf("RemoveTemp: %d files, %d bytes, %v; want 1, 4096", n, size, err)
	}
	if _, err := os.Stat(tmp.Name()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the temp file is still there: %v", err)
	}
	if has, err := b.Has(t.Context(), h); !has || err != nil {
		t.Fatal("a stored blob was removed")
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal("another file was removed")
	}
	hs, err := b.List(t.Context())
	if err != nil || len(hs) != 1 || hs[0] != h {
		t.Fatalf("List: %v, %v; want [%s]", hs, err, h)
	}
}

package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// Blobs stores encrypted datasets by the SHA-256 of their bytes, the content
// hash a listing carries on chain, so any copy can be checked against the
// listing and any store can hold them. It is the embedded blob store, in
// the data directory; marketplace/objectstore holds the same blobs in an
// S3-compatible object store. Methods take a context like every store's;
// local file operations do not wait on anything else, so only Put and
// Verify (long copies) watch it.
//
// Layout: <dir>/<first two hex digits>/<64 hex digits>; blobs being written
// are temp files <dir>/.put-* until renamed into place.
type Blobs struct {
	dir string
	// syncDir makes a rename durable (fsync of the directory); a field so
	// a test can make it fail.
	syncDir func(dir string) error
}

// tempPrefix starts the name of a blob being written.
const tempPrefix = ".put-"

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// OpenBlobs uses dir (created 0700 if missing) as a blob store.
func OpenBlobs(dir string) (*Blobs, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	return &Blobs{dir: dir, syncDir: syncDir}, nil
}

// Hash is a blob's content address.
type Hash [32]byte

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads a hex content hash, with or without 0x.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) == 66 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, marketplace.Errorf(marketplace.EINVALID, "content hash %q: want 64 hex digits", s)
	}
	copy(h[:], b)
	return h, nil
}

func (b *Blobs) path(h Hash) string {
	s := h.String()
	return filepath.Join(b.dir, s[:2], s)
}

// Put stores what r yields and returns its hash. The blob appears under its
// name only once complete and synced (temp file, fsync, rename), so a crash
// never leaves a partial blob where a reader would find it.
func (b *Blobs) Put(ctx context.Context, r io.Reader) (Hash, int64, error) {
	tmp, err := os.CreateTemp(b.dir, tempPrefix+"*")
	if err != nil {
		return Hash{}, 0, fmt.Errorf("store blob: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // no-op after the rename
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Hash{}, 0, fmt.Errorf("store blob: %w", err)
	}
	var sum Hash
	copy(sum[:], h.Sum(nil))
	dst := b.path(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return Hash{}, 0, fmt.Errorf("store blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Hash{}, 0, fmt.Errorf("store blob: %w", err)
	}
	// Make the rename itself durable: a blob acknowledged and then lost to
	// a crash would leave a record naming a missing blob.
	if err := b.syncDir(filepath.Dir(dst)); err != nil {
		return Hash{}, 0, fmt.Errorf("store blob: sync %s: %w", filepath.Dir(dst), err)
	}
	return sum, n, nil
}

// Has reports whether the blob is stored; an error only when the store
// cannot tell.
func (b *Blobs) Has(_ context.Context, h Hash) (bool, error) {
	_, err := os.Stat(b.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for blob %s: %w", h, err)
	}
	return true, nil
}

// Open returns the stored blob and its size; ENOTFOUND when it is not here.
// The caller closes it, and checks the hash while reading where the bytes
// leave a trusted disk (Verify does it in one call).
func (b *Blobs) Open(_ context.Context, h Hash) (io.ReadCloser, int64, error) {
	f, err := os.Open(b.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, marketplace.Errorf(marketplace.ENOTFOUND, "blob %s is not stored on this node", h)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open blob %s: %w", h, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("open blob %s: %w", h, err)
	}
	return f, fi.Size(), nil
}

// Remove deletes a blob; removing one that is absent is not an error.
func (b *Blobs) Remove(_ context.Context, h Hash) error {
	if err := os.Remove(b.path(h)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove blob %s: %w", h, err)
	}
	return nil
}

// RemoveTemp deletes the temp files of blobs being written (.put-*) and
// returns how many it deleted and their bytes. Call it only when no Put
// is running, at start-up: what a crash (kill -9) left during a Put.
func (b *Blobs) RemoveTemp(_ context.Context) (n int, bytes int64, err error) {
	ents, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, 0, fmt.Errorf("read blob store %s: %w", b.dir, err)
	}
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		var size int64
		if fi, err := e.Info(); err == nil {
			size = fi.Size()
		}
		if err := os.Remove(filepath.Join(b.dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, bytes, fmt.Errorf("remove blob temp file: %w", err)
		}
		n++
		bytes += size
	}
	return n, bytes, nil
}

// List returns the hashes of the stored blobs.
func (b *Blobs) List(_ context.Context) ([]Hash, error) {
	var out []Hash
	dirs, err := os.ReadDir(b.dir)
	if err != nil {
		return nil, fmt.Errorf("read blob store %s: %w", b.dir, err)
	}
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(b.dir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("read blob store %s: %w", b.dir, err)
		}
		for _, e := range ents {
			h, err := ParseHash(e.Name())
			if err != nil || e.IsDir() || !strings.HasPrefix(e.Name(), d.Name()) {
				continue // not a blob
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// Verify reads the stored blob through and checks it still has its hash.
func (b *Blobs) Verify(ctx context.Context, h Hash) error {
	f, _, err := b.Open(ctx, h)
	if err != nil {
		return err
	}
	defer f.Close()
	return CheckHash(ctx, h, f)
}

// String names the store for logs and the status page.
func (b *Blobs) String() string { return b.dir }

// CheckHash reads r through and checks its bytes hash to h: EINVALID naming
// both hashes when they do not (a damaged blob). Every blob store's Verify.
func CheckHash(ctx context.Context, h Hash, r io.Reader) error {
	sum := sha256.New()
	if _, err := io.Copy(sum, ctxReader{ctx, r}); err != nil {
		return fmt.Errorf("read blob %s: %w", h, err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != h.String() {
		return marketplace.Errorf(marketplace.EINVALID, "blob %s is damaged: its bytes hash to %s", h, got)
	}
	return nil
}

// ctxReader stops a long copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

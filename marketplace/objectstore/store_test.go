package objectstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/objectstore"
	"github.com/medmarket/medmarket/marketplace/objectstore/s3test"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// blobStore is the contract both stores keep (app's blobStore).
type blobStore interface {
	Put(ctx context.Context, r io.Reader) (vault.Hash, int64, error)
	Has(ctx context.Context, h vault.Hash) (bool, error)
	Open(ctx context.Context, h vault.Hash) (io.ReadCloser, int64, error)
	Remove(ctx context.Context, h vault.Hash) error
	RemoveTemp(ctx context.Context) (n int, bytes int64, err error)
	List(ctx context.Context) ([]vault.Hash, error)
	Verify(ctx context.Context, h vault.Hash) error
	String() string
}

// storeUnderTest is a fresh store with the means to reach behind it.
type storeUnderTest struct {
	blobStore
	// damage overwrites a stored blob's bytes behind the store's back.
	damage func(t *testing.T, h vault.Hash, b []byte)
	// leaveTemp leaves what a kill -9 during a Put leaves (a staged file of
	// n bytes) and returns how many leftovers RemoveTemp must find.
	leaveTemp func(t *testing.T, n int) int
}

// stores are the blob stores under test: the data directory's folder and a
// bucket (under a prefix) of a real versitygw.
var stores = []struct {
	name string
	open func(t testing.TB) storeUnderTest
}{
	{"folder", openFolder},
	{"s3", openS3},
}

func openFolder(t testing.TB) storeUnderTest {
	dir := t.TempDir()
	b, err := vault.OpenBlobs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return storeUnderTest{
		blobStore: b,
		damage: func(t *testing.T, h vault.Hash, data []byte) {
			if err := os.WriteFile(filepath.Join(dir, h.String()[:2], h.String()), data, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		leaveTemp: func(t *testing.T, n int) int {
			if err := os.WriteFile(filepath.Join(dir, ".put-crashed"), make([]byte, n), 0o600); err != nil {
				t.Fatal(err)
			}
			return 1
		},
	}
}

func openS3(t testing.TB) storeUnderTest {
	srv := s3test.Start(t)
	url := srv.Bucket(t, "blobs", "hub-1")
	staging := t.TempDir()
	s, err := objectstore.Open(t.Context(), url, objectstore.Options{TempDir: staging,
		Credentials: objectstore.Credentials{AccessKeyID: s3test.AccessKey, SecretAccessKey: s3test.SecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client(t)
	return storeUnderTest{
		blobStore: s,
		damage: func(t *testing.T, h vault.Hash, data []byte) {
			key := "hub-1/" + h.String()[:2] + "/" + h.String()
			if _, err := client.PutObject(t.Context(), "blobs", key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		leaveTemp: func(t *testing.T, n int) int {
			if err := os.WriteFile(filepath.Join(staging, ".put-crashed"), make([]byte, n), 0o600); err != nil {
				t.Fatal(err)
			}
			// and an upload the crash never completed
			core := minio.Core{Client: client}
			if _, err := core.NewMultipartUpload(t.Context(), "blobs", "hub-1/ab/cut", minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
			return 2
		},
	}
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStores_putHasOpenListRemove(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := t.Context()
			s := st.open(t)
			data := randomBytes(t, 100_000)
			h, n, err := s.Put(ctx, bytes.NewReader(data))
			if err != nil || n != int64(len(data)) || h != vault.Hash(sha256.Sum256(data)) {
				t.Fatalf("Put: %s, %d, %v; want the SHA-256 of the bytes and %d", h, n, err, len(data))
			}
			if has, err := s.Has(ctx, h); !has || err != nil {
				t.Fatalf("Has after Put: %v, %v", has, err)
			}
			r, size, err := s.Open(ctx, h)
			if err != nil || size != n {
				t.Fatalf("Open: size %d, %v; want %d", size, err, n)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes, %v; want the bytes put", len(got), err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(ctx, h); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			removeAndList(t, s, h, data)
			if got, want := s.String(), st.name; !strings.Contains(s.String(), map[string]string{"folder": string(os.PathSeparator), "s3": "s3://blobs/hub-1?"}[want]) {
				t.Errorf("String: %q does not name the %s store", got, want)
			}
		})
	}
}

// removeAndList: the same bytes put again keep one blob, List names the
// blobs, Remove deletes one (twice is no error) and what is removed is not
// found.
func removeAndList(t *testing.T, s storeUnderTest, h vault.Hash, data []byte) {
	ctx := t.Context()
	// The same bytes again: the same address, one blob.
	if h2, _, err := s.Put(ctx, bytes.NewReader(data)); err != nil || h2 != h {
		t.Fatalf("second Put: %s, %v; want %s", h2, err, h)
	}
	other, _, err := s.Put(ctx, strings.NewReader("another blob"))
	if err != nil {
		t.Fatal(err)
	}
	if l, err := s.List(ctx); err != nil || !sameHashes(l, h, other) {
		t.Fatalf("List: %v, %v; want %s and %s", l, err, h, other)
	}
	if err := s.Remove(ctx, h); err != nil {
		t.Fatal(err)
	}
	if has, err := s.Has(ctx, h); has || err != nil {
		t.Fatalf("Has after Remove: %v, %v", has, err)
	}
	if err := s.Remove(ctx, h); err != nil {
		t.Fatalf("removing an absent blob: %v", err)
	}
	if _, _, err := s.Open(ctx, h); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("Open of a removed blob: %v; want ENOTFOUND", err)
	}
	if err := s.Verify(ctx, h); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("Verify of a removed blob: %v; want ENOTFOUND", err)
	}
	if l, err := s.List(ctx); err != nil || !sameHashes(l, other) {
		t.Fatalf("List after Remove: %v, %v; want %s", l, err, other)
	}
}

func sameHashes(got []vault.Hash, want ...vault.Hash) bool {
	if len(got) != len(want) {
		return false
	}
	set := map[vault.Hash]bool{}
	for _, h := range got {
		set[h] = true
	}
	for _, h := range want {
		if !set[h] {
			return false
		}
	}
	return true
}

func TestStores_verifyDetectsDamage(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := t.Context()
			s := st.open(t)
			data := randomBytes(t, 4096)
			h, _, err := s.Put(ctx, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			bad := bytes.Clone(data)
			bad[100] ^= 1 // one bit flipped
			s.damage(t, h, bad)
			err = s.Verify(ctx, h)
			if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "damaged") {
				t.Fatalf("Verify of a damaged blob: %v; want EINVALID saying it is damaged", err)
			}
			s.damage(t, h, data[:1000]) // cut short
			if err := s.Verify(ctx, h); marketplace.ErrorCode(err) != marketplace.EINVALID {
				t.Fatalf("Verify of a cut blob: %v; want EINVALID", err)
			}
			// Putting the right bytes again repairs it.
			if _, _, err := s.Put(ctx, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(ctx, h); err != nil {
				t.Fatalf("Verify after putting the bytes again: %v", err)
			}
		})
	}
}

func TestStores_concurrentPutsOfTheSameContent(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := t.Context()
			s := st.open(t)
			data := randomBytes(t, 1<<20)
			const n = 8
			var wg sync.WaitGroup
			hashes := make([]vault.Hash, n)
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() { hashes[i], _, errs[i] = s.Put(ctx, bytes.NewReader(data)) })
			}
			wg.Wait()
			want := vault.Hash(sha256.Sum256(data))
			for i := range n {
				if errs[i] != nil || hashes[i] != want {
					t.Fatalf("put %d: %s, %v; want %s", i, hashes[i], errs[i], want)
				}
			}
			if l, err := s.List(ctx); err != nil || !sameHashes(l, want) {
				t.Fatalf("List: %v, %v; want one blob", l, err)
			}
			if err := s.Verify(ctx, want); err != nil {
				t.Fatal(err)
			}
			if n, _, err := s.RemoveTemp(ctx); err != nil || n != 0 {
				t.Fatalf("RemoveTemp after the puts: %d, %v; want nothing left behind", n, err)
			}
		})
	}
}

func TestStores_removeTempCleansWhatACrashLeft(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := t.Context()
			s := st.open(t)
			kept, _, err := s.Put(ctx, strings.NewReader("kept"))
			if err != nil {
				t.Fatal(err)
			}
			want := s.leaveTemp(t, 4096)
			n, size, err := s.RemoveTemp(ctx)
			if err != nil || n != want || size != 4096 {
				t.Fatalf("RemoveTemp: %d, %d bytes, %v; want the crash's %d leftovers, 4096 bytes", n, size, err, want)
			}
			if n, _, err := s.RemoveTemp(ctx); err != nil || n != 0 {
				t.Fatalf("RemoveTemp again: %d, %v; want nothing", n, err)
			}
			if l, err := s.List(ctx); err != nil || !sameHashes(l, kept) {
				t.Fatalf("List: %v, %v; want only the stored blob", l, err)
			}
		})
	}
}

func TestStores_putStopsWithItsContext(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if _, _, err := s.Put(ctx, bytes.NewReader(randomBytes(t, 1000))); err == nil {
				t.Fatal("Put with a cancelled context succeeded")
			}
			if l, err := s.List(t.Context()); err != nil || len(l) != 0 {
				t.Fatalf("List: %v, %v; want nothing stored", l, err)
			}
		})
	}
}

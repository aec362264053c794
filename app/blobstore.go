package app

import (
	"context"
	"io"

	"github.com/medmarket/medmarket/marketplace/vault"
)

// blobStore holds this node's encrypted blobs (datasets, and a hub's
// uploads) by the SHA-256 of their bytes: the folder <datadir>/blobs
// (vault.Blobs, the embedded default) or an S3-compatible object store
// (objectstore.Store, --blob-store s3://...). Both keep one contract:
//
//   - Put stores what r yields and returns its hash and size; the blob is
//     visible under its name only once whole. Storing the same bytes twice,
//     even at once, leaves one blob.
//   - Has reports whether a blob is stored; an error only when the store
//     cannot tell (EUNAVAILABLE when it is unreachable).
//   - Open returns the blob and its size; ENOTFOUND when absent. The caller
//     closes it.
//   - Remove deletes a blob; an absent one is no error.
//   - RemoveTemp deletes what a crash left of Puts that never finished and
//     returns how many and their bytes; call it only when no Put runs (Open).
//   - List returns every stored blob's hash.
//   - Verify reads a blob through: EINVALID when its bytes no longer hash
//     to its name, ENOTFOUND when absent.
//   - String names the store for logs and the status page, without secrets.
//
// Every method may be called concurrently; every method that waits on a
// network takes the context.
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

var _ blobStore = (*vault.Blobs)(nil)

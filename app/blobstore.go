package app

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/objectstore"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// BlobStoreOptions choose where the node keeps its blobs (serve's and every
// command's --blob-store).
type BlobStoreOptions struct {
	// URL is "" for the folder <datadir>/blobs (the embedded default), or
	// s3://BUCKET[/PREFIX]?endpoint=URL[&region=R][&credentials=FILE] for an
	// S3-compatible object store (objectstore.Config).
	URL string
	// Credentials of the object store, read by the CLI from
	// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; a
	// credentials=FILE in the URL wins.
	AccessKeyID, SecretAccessKey, SessionToken string
}

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

var _ blobStore = (*objectstore.Store)(nil)

// blobStoreFile records which store the node used last, so a start with
// another one is noticed.
const blobStoreFile = "blobstore"

// openBlobStore opens the store opts name: the folder <datadir>/blobs, or
// an object store with its staging folder <datadir>/blobs-staging (Put
// hashes a blob there before naming it), claimed for this node's key (a
// prefix another node uses is refused: each node's cleanup deletes the
// blobs its own records do not name). An unreachable object store fails
// Open with EUNAVAILABLE: a node must not run believing blobs it cannot
// reach are missing (the start-up cleanup would act on that).
func (a *App) openBlobStore(ctx context.Context, opts BlobStoreOptions) (blobStore, error) {
	s, err := a.blobStoreAt(ctx, opts, true)
	if err != nil {
		return nil, err
	}
	a.noteBlobStore(s.String())
	return s, nil
}

// blobStoreAt opens the store opts name; claim makes an object store's
// prefix this node's (a store to write to), a source only read is not
// claimed.
func (a *App) blobStoreAt(ctx context.Context, opts BlobStoreOptions, claim bool) (blobStore, error) {
	switch u := strings.TrimSpace(opts.URL); {
	case u == "":
		return vault.OpenBlobs(filepath.Join(a.dataDir, "blobs"))
	case objectstore.IsURL(u):
		s, err := objectstore.Open(ctx, u, objectstore.Options{
			TempDir: filepath.Join(a.dataDir, "blobs-staging"),
			Credentials: objectstore.Credentials{AccessKeyID: opts.AccessKeyID,
				SecretAccessKey: opts.SecretAccessKey, SessionToken: opts.SessionToken},
		})
		if err != nil {
			return nil, err
		}
		if claim {
			if err := s.Claim(ctx, a.market.nodeKey.Address().Hex()); err != nil {
				return nil, err
			}
		}
		return s, nil
	default:
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"--blob-store %q: want s3://BUCKET[/PREFIX]?endpoint=URL, or nothing for the data directory's folder.", u)
	}
}

// noteBlobStore logs the store in use, warns when it is not the one of the
// last start (blobs stored there are not here), and records it.
func (a *App) noteBlobStore(name string) {
	path := filepath.Join(a.dataDir, blobStoreFile)
	last, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		a.log.Warn("read the last blob store", "file", path, "err", err)
	}
	if prev := strings.TrimSpace(string(last)); prev != "" && prev != name {
		a.log.Warn("blob store changed since the last start: the blobs stored there are not in this one; copy them over (medmarket blobs copy-from) or start with the old store",
			"was", prev, "now", name)
	}
	a.log.Info("blob store", "store", name)
	if string(last) != name+"\n" {
		if err := os.WriteFile(path, []byte(name+"\n"), 0o600); err != nil {
			a.log.Warn("record the blob store", "file", path, "err", err)
		}
	}
}

// BlobStore names where this node keeps its blobs (a folder, or an object
// store's URL without secrets).
func (a *App) BlobStore() string { return a.market.blobs.String() }

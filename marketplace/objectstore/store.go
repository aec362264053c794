package objectstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// Store holds blobs in one bucket (under an optional prefix) of an
// S3-compatible object store. Its methods keep vault.Blobs' contract and
// may be called concurrently.
//
// Put stages the blob in a local temp file (Options.TempDir) while hashing
// it, then uploads it under its final key. Staging is chosen over
// uploading to a temp key and copying it server-side because the object's
// name is its hash, known only after the last byte: staging learns it
// before anything is named, uploads each byte once (a server-side copy
// moves it again, and a single copy stops at 5 GiB), skips the upload when
// the bucket already holds those bytes, and leaves a crash's debris on
// local disk where RemoveTemp finds it. An S3 PUT (or multipart upload) is
// visible only once whole, so no reader ever sees a partial blob under its
// name. The cost is temporary local disk for the blob being uploaded: the
// data directory holds the ciphertexts in flight, not the store's blobs.
type Store struct {
	cfg     Config
	client  *minio.Client
	tempDir string
}

// Options are what Open needs beside the URL.
type Options struct {
	// TempDir is where Put stages blobs (created 0700 if missing); inside
	// the data directory. Required.
	TempDir string
	// Credentials, used unless the URL names a credentials file: the
	// caller reads them from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
	Credentials Credentials
	// Transport carries the requests (nil: a default HTTP transport).
	Transport http.RoundTripper
	// MaxRetries bounds the client's retries of a failed request (0: 3).
	MaxRetries int
	// OpenTimeout bounds Open's first request, the bucket check (0:
	// DefaultOpenTimeout): an endpoint that drops packets would otherwise
	// hold a command for the dial timeout times the retries.
	OpenTimeout time.Duration
}

// DefaultOpenTimeout bounds Open's check that the bucket is there.
const DefaultOpenTimeout = 20 * time.Second

// tempPrefix starts the name of a staged blob, as in vault.Blobs.
const tempPrefix = ".put-"

// Open connects to the store named by rawURL and checks that its bucket
// exists: EINVALID for a bad URL or missing credentials (naming the part),
// EUNAVAILABLE when the endpoint cannot be reached, ENOTFOUND when the
// bucket does not exist, EFORBIDDEN when the credentials are refused.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	creds := opts.Credentials
	if cfg.CredentialsFile != "" {
		if creds, err = readCredentials(cfg.CredentialsFile); err != nil {
			return nil, err
		}
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"Blob store %s: no credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or credentials=FILE in the URL.", cfg)
	}
	if opts.TempDir == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Blob store %s: no staging directory given.", cfg)
	}
	if err := os.MkdirAll(opts.TempDir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store staging directory %s: %w", opts.TempDir, err)
	}
	retries := opts.MaxRetries
	if retries <= 0 {
		retries = 3
	}
	client, err := minio.New(cfg.Endpoint.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
		Secure:       cfg.Endpoint.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
		Transport:    opts.Transport,
		MaxRetries:   retries,
	})
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Blob store %s", cfg)
	}
	s := &Store{cfg: cfg, client: client, tempDir: opts.TempDir}
	timeout := opts.OpenTimeout
	if timeout <= 0 {
		timeout = DefaultOpenTimeout
	}
	checkCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ok, err := client.BucketExists(checkCtx, cfg.Bucket)
	if err != nil && checkCtx.Err() != nil && ctx.Err() == nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Blob store at %s did not answer within %s", cfg.Endpoint, timeout)
	}
	if err != nil {
		return nil, s.fail(err, "open")
	}
	if !ok {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "Blob store %s: bucket %q does not exist at %s.", cfg, cfg.Bucket, cfg.Endpoint)
	}
	return s, nil
}

// String names the store (its URL; nothing secret is in it).
func (s *Store) String() string { return s.cfg.String() }

// key is a blob's object key.
func (s *Store) key(h vault.Hash) string {
	k := h.String()
	k = k[:2] + "/" + k
	if s.cfg.Prefix != "" {
		k = s.cfg.Prefix + "/" + k
	}
	return k
}

// listPrefix is what every blob's key starts with.
func (s *Store) listPrefix() string {
	if s.cfg.Prefix == "" {
		return ""
	}
	return s.cfg.Prefix + "/"
}

// ownerKey is the object naming the node a prefix belongs to; not of a
// blob's form, so List skips it.
func (s *Store) ownerKey() string { return s.listPrefix() + ".medmarket-owner" }

// Claim makes the store's prefix this node's (owner: the node's address),
// or returns ECONFLICT naming the node it belongs to. A node's start-up
// cleanup deletes blobs its own records do not name, so two nodes on one
// prefix would delete each other's blobs: the claim stops the second.
func (s *Store) Claim(ctx context.Context, owner string) error {
	read := func() (string, error) {
		obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.ownerKey(), minio.GetObjectOptions{})
		if err != nil {
			return "", err
		}
		defer func() { _ = obj.Close() }()
		b, err := io.ReadAll(io.LimitReader(obj, 256))
		return strings.TrimSpace(string(b)), err
	}
	got, err := read()
	if notFound(err) {
		body := owner + "\n"
		if _, err := s.client.PutObject(ctx, s.cfg.Bucket, s.ownerKey(), strings.NewReader(body), int64(len(body)),
			minio.PutObjectOptions{ContentType: "text/plain"}); err != nil {
			return s.fail(err, "claim the prefix")
		}
		got, err = read() // another node claiming at the same moment: the last write won
	}
	if err != nil {
		return s.fail(err, "read the prefix's owner")
	}
	if got != owner {
		return marketplace.Errorf(marketplace.ECONFLICT,
			"Blob store %s belongs to node %s, not this one (%s): give each node its own bucket or prefix.", s.cfg, got, owner)
	}
	return nil
}

// Put stores what r yields and returns its hash and size (see Store for
// how). Storing bytes the bucket already holds uploads nothing.
func (s *Store) Put(ctx context.Context, r io.Reader) (vault.Hash, int64, error) {
	tmp, err := os.CreateTemp(s.tempDir, tempPrefix+"*")
	if err != nil {
		return vault.Hash{}, 0, fmt.Errorf("stage blob: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err != nil {
		return vault.Hash{}, 0, fmt.Errorf("stage blob: %w", err)
	}
	var sum vault.Hash
	copy(sum[:], h.Sum(nil))
	// Already there whole (same name, same size): nothing to send. A stored
	// object of another size is damaged, and the upload replaces it.
	info, err := s.client.StatObject(ctx, s.cfg.Bucket, s.key(sum), minio.StatObjectOptions{})
	switch {
	case err == nil && info.Size == n:
		return sum, n, nil
	case err != nil && !notFound(err):
		return vault.Hash{}, 0, s.fail(err, "store blob %s", sum)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return vault.Hash{}, 0, fmt.Errorf("stage blob: %w", err)
	}
	_, err = s.client.PutObject(ctx, s.cfg.Bucket, s.key(sum), tmp, n, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return vault.Hash{}, 0, s.fail(err, "store blob %s", sum)
	}
	return sum, n, nil
}

// Has reports whether the blob is stored.
func (s *Store) Has(ctx context.Context, h vault.Hash) (bool, error) {
	_, err := s.client.StatObject(ctx, s.cfg.Bucket, s.key(h), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if notFound(err) {
		return false, nil
	}
	return false, s.fail(err, "look for blob %s", h)
}

// Open returns the blob and its size; ENOTFOUND when absent. The object is
// read as the caller reads; the caller closes it.
func (s *Store) Open(ctx context.Context, h vault.Hash) (io.ReadCloser, int64, error) {
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.key(h), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, s.fail(err, "open blob %s", h)
	}
	info, err := obj.Stat() // sends the request: absent, unreachable or the size
	if err != nil {
		_ = obj.Close()
		if notFound(err) {
			return nil, 0, marketplace.Errorf(marketplace.ENOTFOUND, "blob %s is not stored on this node", h)
		}
		return nil, 0, s.fail(err, "open blob %s", h)
	}
	return obj, info.Size, nil
}

// Remove deletes a blob; removing one that is absent is not an error.
func (s *Store) Remove(ctx context.Context, h vault.Hash) error {
	err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.key(h), minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return s.fail(err, "remove blob %s", h)
	}
	return nil
}

// RemoveTemp deletes what Puts cut by a crash left: staged files in the
// temp directory, and multipart uploads under the prefix never completed
// (a multipart upload is invisible but billed until aborted). It returns
// how many and their bytes. Call it only when no Put is running (start-up).
func (s *Store) RemoveTemp(ctx context.Context) (n int, bytes int64, err error) {
	ents, err := os.ReadDir(s.tempDir)
	if err != nil {
		return 0, 0, fmt.Errorf("read blob staging directory %s: %w", s.tempDir, err)
	}
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil {
			bytes += fi.Size()
		}
		if err := os.Remove(filepath.Join(s.tempDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, bytes, fmt.Errorf("remove staged blob: %w", err)
		}
		n++
	}
	for up := range s.client.ListIncompleteUploads(ctx, s.cfg.Bucket, s.listPrefix(), true) {
		if up.Err != nil {
			return n, bytes, s.fail(up.Err, "list unfinished uploads")
		}
		if err := s.client.RemoveIncompleteUpload(ctx, s.cfg.Bucket, up.Key); err != nil && !notFound(err) {
			return n, bytes, s.fail(err, "abort the unfinished upload of %s", up.Key)
		}
		n++
		bytes += up.Size
	}
	return n, bytes, nil
}

// List returns the hashes of the stored blobs: the keys under the prefix of
// the form <2 hex>/<64 hex>, the first two digits repeating the hash's.
func (s *Store) List(ctx context.Context) ([]vault.Hash, error) {
	var out []vault.Hash
	prefix := s.listPrefix()
	for obj := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, s.fail(obj.Err, "list blobs")
		}
		dir, name, ok := strings.Cut(strings.TrimPrefix(obj.Key, prefix), "/")
		if !ok || len(dir) != 2 || !strings.HasPrefix(name, dir) {
			continue // not a blob
		}
		h, err := vault.ParseHash(name)
		if err != nil || len(name) != 64 {
			continue
		}
		out = append(out, h)
	}
	return out, nil
}

// Verify reads the blob through and checks it still has its hash: EINVALID
// when damaged, ENOTFOUND when absent.
func (s *Store) Verify(ctx context.Context, h vault.Hash) error {
	r, _, err := s.Open(ctx, h)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := vault.CheckHash(ctx, h, r); err != nil {
		if marketplace.ErrorCode(err) == marketplace.EINVALID {
			return err
		}
		return s.fail(err, "verify blob %s", h)
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

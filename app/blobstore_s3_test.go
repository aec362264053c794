package app

import (
	"bytes"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
	"github.com/medmarket/medmarket/marketplace/objectstore/s3test"
)

// s3Blobs is the blob-store option of a node keeping its blobs in a bucket
// of srv under prefix.
func s3Blobs(t *testing.T, srv *s3test.Server, bucket, prefix string) BlobStoreOptions {
	return BlobStoreOptions{URL: srv.Bucket(t, bucket, prefix), AccessKeyID: s3test.AccessKey, SecretAccessKey: s3test.SecretKey}
}

// TestBlobStore_s3HubServesABuyerOnAnotherNode: a node started with an
// S3 blob store (a real versitygw) publishes a dataset; a researcher on
// another node buys it and downloads and decrypts it over the provider
// API. A patient on that other node publishes through the first as a hub.
// Each blob is in the bucket, under its content address, and not in the
// data directory.
func TestBlobStore_s3HubServesABuyerOnAnotherNode(t *testing.T) {
	ctx := t.Context()
	srv := s3test.Start(t)
	g := chaintest.SharedGeth(t)
	a, hubURL := s3HubNode(t, g, s3Blobs(t, srv, "hub-blobs", "node-a"))
	inBucket := func(content [32]byte) {
		t.Helper()
		key := hex.EncodeToString(content[:])
		if _, err := os.Stat(filepath.Join(srv.Root, "hub-blobs", "node-a", key[:2], key)); err != nil {
			t.Fatalf("the blob is not in the bucket under its content address: %v", err)
		}
		if ents, err := os.ReadDir(filepath.Join(a.DataDir(), "blobs")); err == nil && len(ents) > 0 {
			t.Fatalf("the data directory holds blob files: %v", ents)
		}
	}
	var plain bytes.Buffer
	p := publishPatients(t, a, hmb, &plain)
	inBucket(p.ContentHash)

	b := researcherNode(t, g, a.DataDir(), "bob", "rita")
	if _, err := b.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "bought.csv")
	if _, err := b.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Out: out}); err != nil {
		t.Fatalf("download from the S3-backed node: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, plain.Bytes()) {
		t.Fatalf("decrypted %d bytes (%v), want the %d published", len(got), err, plain.Len())
	}
	if err := a.market.blobs.Verify(ctx, [32]byte(p.ContentHash)); err != nil {
		t.Fatal(err)
	}

	// rita on node B publishes through A as a hub.
	var ritas bytes.Buffer
	up, err := b.Publish(ctx, ByAccount("rita", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5",
		Title: "Through an S3-backed hub", Price: ether("0.01"), Terms: hmb, Provider: hubURL, Copy: &ritas})
	if err != nil {
		t.Fatalf("publish through the S3-backed hub: %v", err)
	}
	inBucket(up.ContentHash)
	if _, err := b.Buy(ctx, ByAccount("bob", "pw"), up.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	var fromHub bytes.Buffer
	if _, err := b.Download(ctx, ByAccount("bob", "pw"), up.ListingID, DownloadRequest{Writer: &fromHub}); err != nil || !bytes.Equal(fromHub.Bytes(), ritas.Bytes()) {
		t.Fatalf("download of the hub upload: %d bytes, %v; want the %d published", fromHub.Len(), err, ritas.Len())
	}
}

// s3HubNode opens a node on geth with blobs in an S3 store, checks that it
// names the store (status, log) without its secret, deploys the contracts
// (alice pays) and serves its provider API at the returned URL.
func s3HubNode(t *testing.T, g *chaintest.Geth, blobs BlobStoreOptions) (*App, string) {
	t.Helper()
	ctx := t.Context()
	var log syncBuffer
	a, err := Open(ctx, Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true, Chain: ChainOptions{RPC: g.URL},
		BlobStore: blobs, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, a)
	if st, err := a.Status(ctx); err != nil || !strings.HasPrefix(st.BlobStore, "s3://hub-blobs/node-a?") {
		t.Fatalf("status: blob store %q, %v", st.BlobStore, err)
	}
	if !strings.Contains(log.String(), `msg="blob store" store="s3://hub-blobs/node-a?`) || strings.Contains(log.String(), s3test.SecretKey) {
		t.Fatalf("the log does not name the store, or shows its secret:\n%s", log.String())
	}
	alice, err := a.CreateAccount(ctx, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	g.Fund(t, alice.Address, new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18)))
	if _, err := a.Deploy(ctx, "alice", "pw", false); err != nil {
		t.Fatal(err)
	}
	hub := httptest.NewServer(a.ProviderHandler())
	t.Cleanup(hub.Close)
	if err := a.SetPublicURL(hub.URL); err != nil {
		t.Fatal(err)
	}
	return a, hub.URL
}

// researcherNode opens another node on g, with the contracts of the node in
// deployedIn, and funded accounts named.
func researcherNode(t *testing.T, g *chaintest.Geth, deployedIn string, names ...string) *App {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	dep, err := os.ReadFile(filepath.Join(deployedIn, "deployments.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deployments.json"), dep, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, Options{DataDir: dir, Version: "test", LightScrypt: true, Chain: ChainOptions{RPC: g.URL}})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, b)
	for _, n := range names {
		acct, err := b.CreateAccount(ctx, n, "pw")
		if err != nil {
			t.Fatal(err)
		}
		g.Fund(t, acct.Address, new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18)))
	}
	return b
}

// TestBlobStore_openRefusesABadOrUnreachableStore: a node does not start on
// a blob store it cannot use, and says why.
func TestBlobStore_openRefusesABadOrUnreachableStore(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	creds := BlobStoreOptions{AccessKeyID: "k", SecretAccessKey: "s"}
	for name, tc := range map[string]struct {
		url, code, says string
	}{
		"folder path":  {"/var/blobs", marketplace.EINVALID, "want s3://"},
		"bad endpoint": {"s3://blobs?endpoint=http://s3.example.org", marketplace.EINVALID, "loopback"},
		"unreachable":  {"s3://blobs?endpoint=http://" + closed, marketplace.EUNAVAILABLE, "cannot be reached"},
	} {
		t.Run(name, func(t *testing.T) {
			opts := creds
			opts.URL = tc.url
			_, err := Open(t.Context(), Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true, BlobStore: opts})
			if marketplace.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("%v; want %s saying %q", err, tc.code, tc.says)
			}
		})
	}
}

// TestBlobStore_changeIsNoticed: a node restarted on another blob store
// warns that the blobs of the last one are not in it.
func TestBlobStore_changeIsNoticed(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	blobs := s3Blobs(t, srv, "blobs", "")
	for i, opts := range []BlobStoreOptions{{}, blobs, blobs} {
		var log syncBuffer
		a, err := Open(t.Context(), Options{DataDir: dir, Version: "test", LightScrypt: true, BlobStore: opts, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		closeApp(t, a)
		if warned := strings.Contains(log.String(), "blob store changed"); warned != (i == 1) {
			t.Fatalf("start %d: warned %v; want a warning at the change only:\n%s", i, warned, log.String())
		}
	}
}

// TestBlobStore_s3CrashLeftoversCleanedAtStart: what a kill -9 leaves with
// an S3 store is cleaned at the next start, as in the folder: a staged blob
// of a Put cut short, an upload to the bucket never completed, and a blob
// no record names; the listed dataset stays and still sells.
func TestBlobStore_s3CrashLeftoversCleanedAtStart(t *testing.T) {
	ctx := t.Context()
	srv := s3test.Start(t)
	blobs := s3Blobs(t, srv, "blobs", "n")
	dir := t.TempDir()
	open := func() *App {
		a, err := Open(ctx, Options{DataDir: dir, Version: "test", LightScrypt: true, BlobStore: blobs})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := open()
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(ctx, n, "pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(ctx, n, ether("10")); err != nil {
			t.Fatal(err)
		}
	}
	listed := publishPatients(t, a, hmb, nil)
	orphan := leftoverBlob(t, a)
	staged := filepath.Join(dir, "blobs-staging", ".put-123456")
	if err := os.WriteFile(staged, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: srv.Client(t)}
	if _, err := core.NewMultipartUpload(ctx, "blobs", "n/ab/cut-short", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := closeNow(a); err != nil {
		t.Fatal(err)
	}

	a = open()
	closeAtEnd(t, a)
	if hasBlob(t, a, orphan) || !hasBlob(t, a, listed.ContentHash) {
		t.Fatalf("after the restart: orphan kept %v, listed kept %v; want false, true", hasBlob(t, a, orphan), hasBlob(t, a, listed.ContentHash))
	}
	if _, err := os.Stat(staged); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the staged blob of a cut Put is still there: %v", err)
	}
	for up := range srv.Client(t).ListIncompleteUploads(ctx, "blobs", "n/", true) {
		t.Errorf("an unfinished upload is still there: %+v", up)
	}
	var out bytes.Buffer
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), listed.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), listed.ListingID, DownloadRequest{Writer: &out}); err != nil || out.Len() == 0 {
		t.Fatalf("download of the listed dataset after the cleanup: %d bytes, %v", out.Len(), err)
	}
}

// TestBlobStore_prefixBelongsToOneNode: a second node started on the bucket
// prefix of another is refused (its cleanup would delete the other's
// blobs), naming the node it belongs to; the owner itself restarts on it.
func TestBlobStore_prefixBelongsToOneNode(t *testing.T) {
	srv := s3test.Start(t)
	blobs := s3Blobs(t, srv, "shared", "hub")
	dirA := t.TempDir()
	a, err := Open(t.Context(), Options{DataDir: dirA, Version: "test", LightScrypt: true, BlobStore: blobs})
	if err != nil {
		t.Fatal(err)
	}
	owner := a.NodeAddress().Hex()
	closeApp(t, a)
	_, err = Open(t.Context(), Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true, BlobStore: blobs})
	if marketplace.ErrorCode(err) != marketplace.ECONFLICT || !strings.Contains(err.Error(), owner) {
		t.Fatalf("second node on the prefix: %v; want ECONFLICT naming %s", err, owner)
	}
	a, err = Open(t.Context(), Options{DataDir: dirA, Version: "test", LightScrypt: true, BlobStore: blobs})
	if err != nil {
		t.Fatalf("the owner restarting: %v", err)
	}
	closeApp(t, a)
}

// TestBlobStore_moveFromTheFolderToS3: a node that published into its
// folder is restarted on an S3 store and copies its blobs over (each
// rehashed; a damaged one reported and not copied); its listing then sells
// from the bucket, and VerifyBlobs finds damage done there.
func TestBlobStore_moveFromTheFolderToS3(t *testing.T) {
	ctx := t.Context()
	srv := s3test.Start(t)
	dir := t.TempDir()
	a := marketApp(t, dir)
	var plain bytes.Buffer
	p := publishPatients(t, a, hmb, &plain)
	// A blob the folder holds under a name its bytes no longer hash to.
	bad := leftoverBlob(t, a)
	if err := os.WriteFile(filepath.Join(dir, "blobs", bad.Hex()[2:4], bad.Hex()[2:]), []byte("rotten"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := closeNow(a); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, Options{DataDir: dir, Version: "test", LightScrypt: true, BlobStore: s3Blobs(t, srv, "moved", "")})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, a)
	cp, err := a.CopyBlobsFrom(ctx, BlobStoreOptions{})
	if err != nil || cp.Copied != 1 || cp.Present != 0 || len(cp.Damaged) != 1 || cp.Damaged[0] != bad.Hex() {
		t.Fatalf("copy from the folder: %+v, %v; want 1 copied and %s damaged", cp, err, bad.Hex())
	}
	if cp, err := a.CopyBlobsFrom(ctx, BlobStoreOptions{}); err != nil || cp.Copied != 0 || cp.Present != 1 {
		t.Fatalf("copy again: %+v, %v; want the blob there already", cp, err)
	}
	if l, err := a.market.blobs.List(ctx); err != nil || len(l) != 1 {
		t.Fatalf("the bucket holds %v, %v; want the listed blob only (nothing of the damaged one)", l, err)
	}
	if _, err := a.CopyBlobsFrom(ctx, s3Blobs(t, srv, "other", "")); err != nil {
		t.Fatalf("copy from an empty bucket: %v", err)
	}
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Writer: &got}); err != nil || !bytes.Equal(got.Bytes(), plain.Bytes()) {
		t.Fatalf("download after the move: %d bytes, %v; want the %d published", got.Len(), err, plain.Len())
	}
	if chk, err := a.VerifyBlobs(ctx); err != nil || chk.Blobs != 1 || len(chk.Damaged) != 0 {
		t.Fatalf("verify: %+v, %v", chk, err)
	}
	key := p.ContentHash.Hex()[2:]
	if _, err := srv.Client(t).PutObject(ctx, "moved", key[:2]+"/"+key, strings.NewReader("rotten"), 6, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if chk, err := a.VerifyBlobs(ctx); err != nil || len(chk.Damaged) != 1 || chk.Damaged[0] != p.ContentHash.Hex() {
		t.Fatalf("verify after damage in the bucket: %+v, %v", chk, err)
	}
}

// syncBuffer is a log destination written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

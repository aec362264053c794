package provider

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace/vault"
)

// brokenDisk serves a blob whose read fails half-way.
type brokenDisk struct{ *memBackend }

func (b brokenDisk) OpenBlob(ctx context.Context, c common.Hash) (io.ReadCloser, int64, error) {
	r := io.MultiReader(bytes.NewReader(b.blob[:len(b.blob)/2]), iotestErrReader{})
	return io.NopCloser(r), int64(len(b.blob)), nil
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("read error: disk failed") }

// syncBuffer is a log destination safe for the handler's goroutine.
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

// TestDownload_copyFailureIsLoggedNotServed: when the blob cannot be read
// through, the provider logs the failure with the bytes sent, never
// "download served"; the buyer gets a short body, not a whole one.
func TestDownload_copyFailureIsLoggedNotServed(t *testing.T) {
	ctx := context.Background()
	bob := testSigners(t, "bob")[0]
	dk, _ := vault.NewDatasetKey()
	blob, _ := dk.EncryptBytes(bytes.Repeat([]byte("rows\n"), 1000))
	node, _ := vault.LoadOrCreateNodeKey(filepath.Join(t.TempDir(), "node.key"))
	be := &memBackend{blob: blob, key: dk, licensed: map[common.Address]bool{bob.Address(): true}, nonces: map[string]bool{}}
	contract := common.HexToAddress("0xc0")
	p := &Provider{ChainID: 7, Contract: contract, Key: node.PublicKey(), Backend: brokenDisk{be}}
	var logs syncBuffer
	srv := httptest.NewServer(p.Handler(slog.New(slog.NewTextHandler(&logs, nil))))
	defer srv.Close()

	r, _ := NewRequest(7, contract, 1, bob.Address(), time.Now(), time.Minute)
	sr, err := Sign(r, bob)
	if err != nil {
		t.Fatal(err)
	}
	var c Client
	d, err := c.Download(ctx, srv.URL, sr)
	if err != nil {
		t.Fatal(err)
	}
	// The body ends when the handler returns, after it logged.
	got, rerr := io.ReadAll(d.Blob)
	d.Blob.Close()
	if rerr == nil || bytes.Equal(got, blob) {
		t.Fatalf("read %d of %d bytes, %v; want a short body and an error", len(got), len(blob), rerr)
	}
	if !strings.Contains(logs.String(), "download failed") || !strings.Contains(logs.String(), "disk failed") {
		t.Errorf("log lacks the failure:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "download served") {
		t.Errorf("log says served:\n%s", logs.String())
	}
}

// Package s3test runs a real S3-compatible server for tests: versitygw
// (Apache-2.0) with its POSIX backend in a temporary directory, on a free
// loopback port, with one bucket made for the test.
package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Version is the versitygw release the tests run against.
const Version = "v1.8.0"

// InstallCommand installs the versitygw the tests need (build/test.sh runs it).
const InstallCommand = "go install github.com/versity/versitygw/cmd/versitygw@" + Version

// EnvStrict, set by build/test.sh (which installs versitygw), turns a skip
// for a missing versitygw into a failure, as in chaintest.
const EnvStrict = "MEDMARKET_TEST_STRICT"

// Root credentials of the test server; not secrets.
const (
	AccessKey = "medmarket-test"
	SecretKey = "medmarket-test-secret"
)

// Path finds the versitygw binary: $MEDMARKET_VERSITYGW, else versitygw on
// PATH, else $(go env GOPATH)/bin/versitygw.
func Path() (string, error) {
	if p := os.Getenv("MEDMARKET_VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("MEDMARKET_VERSITYGW=%s: %w", p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("versitygw not found in $MEDMARKET_VERSITYGW, on PATH or in $(go env GOPATH)/bin")
}

// Server is a versitygw started for one test.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Root     string // the POSIX backend's directory: Root/BUCKET/KEY are the objects

	cmd    *exec.Cmd
	exited chan struct{}
	log    *lockedBuffer
}

// Start starts versitygw for the test and stops it at cleanup. When no
// binary is found it skips the test (fails it under the test command),
// naming the install command.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Path()
	if err != nil {
		if os.Getenv(EnvStrict) != "" || os.Getenv("CI") != "" {
			t.Fatalf("missing although the test command installs it: %v; install it with: %s", err, InstallCommand)
		}
		t.Skipf("%v; install it with: %s", err, InstallCommand)
	}
	var s *Server
	for attempt := 0; attempt < 3; attempt++ { // a port found free can be taken before versitygw binds it
		if s, err = launch(bin, t.TempDir()); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("cannot start versitygw: %v", err)
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Logf("stopping versitygw: %v", err)
		}
	})
	return s
}

func launch(bin, root string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := &Server{Endpoint: "http://" + addr, Root: root, exited: make(chan struct{}), log: &lockedBuffer{}}
	s.cmd = exec.Command(bin, "--port", addr, "--access", AccessKey, "--secret", SecretKey, "--quiet", "posix", root)
	s.cmd.Env = []string{"HOME=" + root} // nothing of the test's environment
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = dieWithParent()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait() // an exit after our kill is expected; waitReady reports an early death
		close(s.exited)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return nil, fmt.Errorf("%w\nversitygw log:\n%s", errors.Join(err, s.stop()), s.log.String())
	}
	return s, nil
}

// waitReady polls the endpoint until it answers HTTP (an unsigned request
// gets a 403: the server is up).
func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-s.exited:
			return errors.New("versitygw exited during start-up")
		case <-ctx.Done():
			return fmt.Errorf("versitygw did not answer on %s: %w", s.Endpoint, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop kills the server now (a store gone down under a running node); the
// cleanup then has nothing to do.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop(); err != nil {
		t.Fatalf("stopping versitygw: %v", err)
	}
}

func (s *Server) stop() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-s.exited
	return nil
}

// Client returns an S3 client of the server with the root credentials.
func (s *Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(strings.TrimPrefix(s.Endpoint, "http://"), &minio.Options{
		Creds:        credentials.NewStaticV4(AccessKey, SecretKey, ""),
		BucketLookup: minio.BucketLookupPath,
		Region:       "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Bucket makes a bucket and returns the blob-store URL of it under prefix
// ("" for the bucket's root).
func (s *Server) Bucket(t testing.TB, name, prefix string) string {
	t.Helper()
	if err := s.Client(t).MakeBucket(t.Context(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
	u := "s3://" + name
	if prefix != "" {
		u += "/" + prefix
	}
	return u + "?endpoint=" + s.Endpoint + "&region=us-east-1"
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// lockedBuffer collects the server's output from its two streams.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

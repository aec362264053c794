package objectstore_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/objectstore"
	"github.com/medmarket/medmarket/marketplace/objectstore/s3test"
)

var testCreds = objectstore.Credentials{AccessKeyID: s3test.AccessKey, SecretAccessKey: s3test.SecretKey}

// TestOpen_unreachableEndpoint: nothing listens at the endpoint: EUNAVAILABLE
// naming it, quickly (a few retries, not the client's default ten).
func TestOpen_unreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = objectstore.Open(t.Context(), "s3://blobs?endpoint=http://"+addr, objectstore.Options{TempDir: t.TempDir(), Credentials: testCreds})
	if marketplace.ErrorCode(err) != marketplace.EUNAVAILABLE || !strings.Contains(err.Error(), "http://"+addr) || !strings.Contains(err.Error(), "cannot be reached") {
		t.Fatalf("open at a closed port: %v; want EUNAVAILABLE naming the endpoint", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the unreachable store took %s to report", d)
	}
}

// TestOpen_silentEndpoint: an endpoint that takes the connection and never
// answers: EUNAVAILABLE once the open timeout has passed, not a hang.
func TestOpen_silentEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() }) // accepts into the backlog, never answers
	start := time.Now()
	_, err = objectstore.Open(t.Context(), "s3://blobs?endpoint=http://"+l.Addr().String(),
		objectstore.Options{TempDir: t.TempDir(), Credentials: testCreds, OpenTimeout: 300 * time.Millisecond})
	if marketplace.ErrorCode(err) != marketplace.EUNAVAILABLE || !strings.Contains(err.Error(), "did not answer within 300ms") {
		t.Fatalf("open at a silent endpoint: %v; want EUNAVAILABLE", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestOpen_refusals(t *testing.T) {
	srv := s3test.Start(t)
	url := srv.Bucket(t, "blobs", "")
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		url   string
		creds objectstore.Credentials
		code  string
		says  string
	}{
		"no bucket":         {strings.Replace(url, "s3://blobs", "s3://absent", 1), testCreds, marketplace.ENOTFOUND, `bucket "absent" does not exist`},
		"wrong secret":      {url, objectstore.Credentials{AccessKeyID: s3test.AccessKey, SecretAccessKey: "wrong"}, marketplace.EFORBIDDEN, "refused the credentials"},
		"no credentials":    {url, objectstore.Credentials{}, marketplace.EINVALID, "AWS_ACCESS_KEY_ID"},
		"bad URL":           {"s3://blobs?endpoint=http://s3.example.org", testCreds, marketplace.EINVALID, "loopback"},
		"no staging folder": {url, testCreds, marketplace.EINVALID, "staging"},
	} {
		t.Run(name, func(t *testing.T) {
			opts := objectstore.Options{TempDir: dir, Credentials: tc.creds}
			if name == "no staging folder" {
				opts.TempDir = ""
			}
			_, err := objectstore.Open(t.Context(), tc.url, opts)
			if marketplace.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("%v; want %s saying %q", err, tc.code, tc.says)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Fatalf("the error shows the secret: %v", err)
			}
		})
	}
	t.Run("credentials file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "creds")
		text := "[default]\naws_access_key_id = " + s3test.AccessKey + "\naws_secret_access_key = " + s3test.SecretKey + "\n"
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := objectstore.Open(t.Context(), url+"&credentials="+f, objectstore.Options{TempDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Put(t.Context(), strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(s.String(), s3test.SecretKey) {
			t.Fatalf("String shows the secret: %s", s)
		}
	})
}

// TestStore_goneDown: the store stops answering under a running node:
// every call reports EUNAVAILABLE naming the endpoint.
func TestStore_goneDown(t *testing.T) {
	srv := s3test.Start(t)
	s, err := objectstore.Open(t.Context(), srv.Bucket(t, "blobs", ""), objectstore.Options{TempDir: t.TempDir(), Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := s.Put(t.Context(), strings.NewReader("stored before"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop(t)
	ctx := t.Context()
	_, _, errPut := s.Put(ctx, strings.NewReader("after"))
	_, errHas := s.Has(ctx, h)
	_, _, errOpen := s.Open(ctx, h)
	_, errList := s.List(ctx)
	for name, err := range map[string]error{"Put": errPut, "Has": errHas, "Open": errOpen, "List": errList, "Verify": s.Verify(ctx, h), "Remove": s.Remove(ctx, h)} {
		if marketplace.ErrorCode(err) != marketplace.EUNAVAILABLE || !strings.Contains(err.Error(), srv.Endpoint) {
			t.Errorf("%s with the store down: %v; want EUNAVAILABLE naming %s", name, err, srv.Endpoint)
		}
	}
}

// TestStore_claim: a prefix belongs to the first node that claims it; the
// same node may claim it again, another is refused naming the owner, and
// the claim is no blob.
func TestStore_claim(t *testing.T) {
	srv := s3test.Start(t)
	s, err := objectstore.Open(t.Context(), srv.Bucket(t, "blobs", "p"), objectstore.Options{TempDir: t.TempDir(), Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	for _, owner := range []string{"0xA", "0xA"} {
		if err := s.Claim(t.Context(), owner); err != nil {
			t.Fatalf("claim by %s: %v", owner, err)
		}
	}
	if err := s.Claim(t.Context(), "0xB"); marketplace.ErrorCode(err) != marketplace.ECONFLICT || !strings.Contains(err.Error(), "belongs to node 0xA") {
		t.Fatalf("claim by another node: %v; want ECONFLICT naming 0xA", err)
	}
	if l, err := s.List(t.Context()); err != nil || len(l) != 0 {
		t.Fatalf("List: %v, %v; want no blob", l, err)
	}
}

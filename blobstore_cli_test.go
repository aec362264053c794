package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace/objectstore/s3test"
)

// TestCLI_blobStoreFlag: --blob-store (or its variable) reaches every
// command that opens the data directory, with the credentials from the AWS
// variables; chain status names the store, never the secret; a bad URL is
// refused naming the part.
func TestCLI_blobStoreFlag(t *testing.T) {
	srv := s3test.Start(t)
	url := srv.Bucket(t, "cli-blobs", "node")
	env := cliEnv(t)
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = s3test.AccessKey, s3test.SecretKey

	st := chainStatus(t, env, "--blob-store", url)
	if !strings.HasPrefix(st.BlobStore, "s3://cli-blobs/node?") || strings.Contains(st.BlobStore, s3test.SecretKey) {
		t.Fatalf("chain status: blob store %q", st.BlobStore)
	}
	env[envBlobStore] = url
	out, _, err := runCmd(t, env, "chain", "status")
	if err != nil || !strings.Contains(out, "blobs") || !strings.Contains(out, "s3://cli-blobs/node?") {
		t.Fatalf("chain status with %s: %v\n%s", envBlobStore, err, out)
	}
	if _, err := os.Stat(filepath.Join(env[envData], "blobs-staging")); err != nil {
		t.Fatalf("no staging folder in the data dir: %v", err)
	}

	delete(env, envBlobStore)
	if st := chainStatus(t, env); st.BlobStore != filepath.Join(env[envData], "blobs") {
		t.Fatalf("default blob store %q, want the data dir's folder", st.BlobStore)
	}
	_, _, err = runCmd(t, env, "chain", "status", "--blob-store", "s3://cli-blobs?endpoint=http://s3.example.org")
	if exitCode(err) == 0 || !strings.Contains(userMessage(err), "endpoint") {
		t.Fatalf("bad URL: exit %d: %v", exitCode(err), err)
	}
	env["AWS_SECRET_ACCESS_KEY"] = "wrong"
	_, _, err = runCmd(t, env, "chain", "status", "--blob-store", url)
	if exitCode(err) == 0 || !strings.Contains(userMessage(err), "refused the credentials") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong secret: exit %d: %v", exitCode(err), err)
	}
}

package main

import (
	"maps"
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

// TestCLI_blobsCopyFromAndVerify: a node that published into its folder
// moves to an S3 store (`blobs copy-from folder` under --blob-store), sells
// from the bucket, and `blobs verify` rehashes either store; a damaged
// blob makes it exit 2 naming it.
func TestCLI_blobsCopyFromAndVerify(t *testing.T) {
	srv := s3test.Start(t)
	env := cliEnv(t)
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = s3test.AccessKey, s3test.SecretKey
	for _, n := range []string{"alice", "bob"} {
		mustRun(t, env, "account", "new", "--name", n)
		mustRun(t, env, "chain", "fund", n, "10")
	}
	id, published := flowPublishAndSearch(t, env)
	if out := mustRun(t, env, "blobs", "verify"); !strings.HasPrefix(out, "1 blobs checked in "+filepath.Join(env[envData], "blobs")+", 0 damaged") {
		t.Fatalf("verify of the folder: %s", out)
	}

	s3env := maps.Clone(env)
	s3env[envBlobStore] = srv.Bucket(t, "moved", "")
	if out := mustRun(t, s3env, "blobs", "copy-from", "folder"); !strings.HasPrefix(out, "1 blobs (") || !strings.Contains(out, "to s3://moved?") {
		t.Fatalf("copy-from folder: %s", out)
	}
	if out := mustRun(t, s3env, "blobs", "verify", "--json"); !strings.Contains(out, `"blobs": 1`) || !strings.Contains(out, `"store": "s3://moved?`) {
		t.Fatalf("verify of the bucket: %s", out)
	}
	flowBuyAndDownload(t, s3env, id, published)

	blobs := filepath.Join(env[envData], "blobs")
	ents, err := os.ReadDir(blobs)
	if err != nil || len(ents) != 1 {
		t.Fatalf("folder: %v, %v", ents, err)
	}
	files, err := os.ReadDir(filepath.Join(blobs, ents[0].Name()))
	if err != nil || len(files) != 1 {
		t.Fatalf("folder: %v, %v", files, err)
	}
	if err := os.WriteFile(filepath.Join(blobs, ents[0].Name(), files[0].Name()), []byte("rotten"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, env, "blobs", "verify")
	if exitCode(err) != 2 || !strings.Contains(out, "1 damaged") || !strings.Contains(userMessage(err), "0x"+files[0].Name()) {
		t.Fatalf("verify of the damaged folder: exit %d, %v\n%s", exitCode(err), err, out)
	}
}

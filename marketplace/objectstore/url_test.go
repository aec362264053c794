package objectstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url                      string
		bucket, prefix, endpoint string
		region                   string
		insecure                 bool
	}{
		{"s3://blobs?endpoint=http://127.0.0.1:7070", "blobs", "", "http://127.0.0.1:7070", "us-east-1", false},
		{"s3://blobs/hub/a/?endpoint=http://localhost:7070&region=eu-west-3", "blobs", "hub/a", "http://localhost:7070", "eu-west-3", false},
		{"s3://my.blobs?endpoint=http://[::1]:9000", "my.blobs", "", "http://[::1]:9000", "us-east-1", false},
		{"s3://blobs?endpoint=https://s3.example.org/", "blobs", "", "https://s3.example.org", "us-east-1", false},
		{"s3://blobs?endpoint=http://10.0.0.5:7070&insecure=true", "blobs", "", "http://10.0.0.5:7070", "us-east-1", true},
		{"s3://blobs", "blobs", "", DefaultEndpoint, "us-east-1", false},
	} {
		c, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if c.Bucket != tc.bucket || c.Prefix != tc.prefix || c.Endpoint.String() != tc.endpoint || c.Region != tc.region || c.Insecure != tc.insecure {
			t.Errorf("%s: %+v", tc.url, c)
		}
		if back, err := ParseURL(c.String()); err != nil || back.String() != c.String() {
			t.Errorf("%s: String %q does not parse back: %v", tc.url, c.String(), err)
		}
	}
}

func TestParseURL_refusesNamingThePart(t *testing.T) {
	for _, tc := range []struct{ url, says string }{
		{"file:///var/blobs", "scheme"},
		{"s3://AKIA:secret@blobs?endpoint=http://127.0.0.1:1", "no credentials in the URL"},
		{"s3://Bl_obs?endpoint=http://127.0.0.1:1", `bucket "Bl_obs"`},
		{"s3://ab?endpoint=http://127.0.0.1:1", `bucket "ab"`},
		{"s3://blobs/a//b?endpoint=http://127.0.0.1:1", "prefix"},
		{"s3://blobs/a/../b?endpoint=http://127.0.0.1:1", "prefix"},
		{"s3://blobs?endpoint=ftp://127.0.0.1:1", "endpoint"},
		{"s3://blobs?endpoint=http://127.0.0.1:1/path", "endpoint"},
		{"s3://blobs?endpoint=http://s3.example.org", "plain http is allowed only to a loopback address"},
		{"s3://blobs?endpoint=http://127.0.0.1:1&insecure=maybe", "insecure"},
		{"s3://blobs?endpoint=http://127.0.0.1:1&secret=x", `unknown option "secret"`},
	} {
		_, err := ParseURL(tc.url)
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v; want EINVALID saying %q", tc.url, err, tc.says)
		}
		if strings.Contains(marketplace.ErrorMessage(err), "secret@") {
			t.Errorf("%s: the message shows the secret: %v", tc.url, err)
		}
	}
}

func TestReadCredentials(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	shared := write("shared", "[other]\naws_access_key_id = OTHER\n[default]\naws_access_key_id = AKIA1\naws_secret_access_key = s3cr3t\n# a comment\n")
	c, err := readCredentials(shared)
	if err != nil || c.AccessKeyID != "AKIA1" || c.SecretAccessKey != "s3cr3t" {
		t.Fatalf("shared-credentials file: %+v, %v", c, err)
	}
	for name, text := range map[string]string{"nosecret": "aws_access_key_id = A\n", "bad": "aws_access_key_id A\n"} {
		if _, err := readCredentials(write(name, text)); marketplace.ErrorCode(err) != marketplace.EINVALID || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: %v; want EINVALID", name, err)
		}
	}
	if _, err := readCredentials(filepath.Join(dir, "absent")); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("absent file: %v; want EINVALID", err)
	}
}

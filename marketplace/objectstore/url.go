package objectstore

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// Scheme is the URL scheme of an S3-compatible blob store.
const Scheme = "s3"

// DefaultEndpoint is used when the URL names none: AWS S3.
const DefaultEndpoint = "https://s3.amazonaws.com"

// Config is a parsed blob-store URL,
// s3://BUCKET[/PREFIX]?endpoint=URL&region=R&credentials=FILE&insecure=true:
//
//   - endpoint: the S3 API's base URL (default DefaultEndpoint). Buckets are
//     addressed by path (endpoint/BUCKET/KEY), which every S3-compatible
//     server accepts. Plain http only to a loopback endpoint, unless
//     insecure=true says the network in between is trusted.
//   - region: the signing region (default us-east-1).
//   - credentials: a file holding the access key (aws_access_key_id =,
//     aws_secret_access_key =, optionally aws_session_token =; an AWS
//     shared-credentials file's [default] profile does). Without it the
//     caller's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) are
//     used. Secrets never go in the URL: it is logged and shown.
type Config struct {
	Bucket          string
	Prefix          string   // without leading or trailing slash; "" for the bucket's root
	Endpoint        *url.URL // scheme and host (and port)
	Region          string
	CredentialsFile string
	Insecure        bool // plain http allowed to a non-loopback endpoint
}

// String is the URL without anything secret (there is nothing secret in it).
func (c Config) String() string {
	u := url.URL{Scheme: Scheme, Host: c.Bucket}
	if c.Prefix != "" {
		u.Path = "/" + c.Prefix
	}
	q := url.Values{}
	q.Set("endpoint", c.Endpoint.String())
	q.Set("region", c.Region)
	if c.CredentialsFile != "" {
		q.Set("credentials", c.CredentialsFile)
	}
	if c.Insecure {
		q.Set("insecure", "true")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// IsURL reports whether s names an object store rather than a folder.
func IsURL(s string) bool { return strings.HasPrefix(s, Scheme+"://") }

// ParseURL reads a blob-store URL; EINVALID naming the part that is wrong.
func ParseURL(raw string) (Config, error) {
	var c Config
	u, err := url.Parse(raw)
	if err != nil {
		return c, marketplace.Errorf(marketplace.EINVALID, "Blob store URL: %v.", err)
	}
	if u.Scheme != Scheme {
		return c, marketplace.Errorf(marketplace.EINVALID, "Blob store URL %q: the scheme must be %s:// (s3://BUCKET[/PREFIX]?endpoint=...).", redact(u), Scheme)
	}
	if u.User != nil {
		return c, marketplace.Errorf(marketplace.EINVALID, "Blob store URL %q: no credentials in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or credentials=FILE.", redact(u))
	}
	c.Bucket = u.Host
	if err := validBucket(c.Bucket); err != nil {
		return c, err
	}
	c.Prefix = strings.Trim(u.Path, "/")
	if strings.Contains(c.Prefix, "//") || strings.Contains("/"+c.Prefix+"/", "/../") || strings.Contains("/"+c.Prefix+"/", "/./") {
		return c, marketplace.Errorf(marketplace.EINVALID, "Blob store URL: prefix %q: no empty, . or .. segments.", c.Prefix)
	}
	if err := c.readQuery(u.Query()); err != nil {
		return c, err
	}
	return c, nil
}

func (c *Config) readQuery(q url.Values) error {
	for k := range q {
		switch k {
		case "endpoint", "region", "credentials", "insecure":
		default:
			return marketplace.Errorf(marketplace.EINVALID, "Blob store URL: unknown option %q (endpoint, region, credentials, insecure).", k)
		}
	}
	c.Region = q.Get("region")
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	c.CredentialsFile = q.Get("credentials")
	if s := q.Get("insecure"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return marketplace.Errorf(marketplace.EINVALID, "Blob store URL: insecure=%q is not true or false.", s)
		}
		c.Insecure = b
	}
	ep := q.Get("endpoint")
	if ep == "" {
		ep = DefaultEndpoint
	}
	e, err := url.Parse(ep)
	if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
		return marketplace.Errorf(marketplace.EINVALID, "Blob store URL: endpoint %q: want http(s)://HOST[:PORT].", ep)
	}
	if e.User != nil || (e.Path != "" && e.Path != "/") || e.RawQuery != "" {
		return marketplace.Errorf(marketplace.EINVALID, "Blob store URL: endpoint %q: only a scheme, host and port (no credentials, path or query).", e.Redacted())
	}
	if e.Scheme == "http" && !c.Insecure && !isLoopback(e.Hostname()) {
		return marketplace.Errorf(marketplace.EINVALID,
			"Blob store URL: endpoint %q: plain http is allowed only to a loopback address; use https, or add insecure=true if the network is trusted.", ep)
	}
	c.Endpoint = &url.URL{Scheme: e.Scheme, Host: e.Host}
	return nil
}

// validBucket checks S3's bucket naming rules (3-63 lowercase letters,
// digits, dots and hyphens, starting and ending with a letter or digit).
func validBucket(b string) error {
	ok := len(b) >= 3 && len(b) <= 63
	for i := 0; ok && i < len(b); i++ {
		ch := b[i]
		alnum := ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9'
		ok = alnum || (ch == '.' || ch == '-') && i > 0 && i < len(b)-1
	}
	if !ok {
		return marketplace.Errorf(marketplace.EINVALID,
			"Blob store URL: bucket %q: want 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit.", b)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func redact(u *url.URL) string { return u.Redacted() }

// Credentials sign the store's requests.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // temporary credentials only
}

// readCredentials reads a credentials file: key = value lines (the keys of
// an AWS shared-credentials file), outside any [section] or in [default].
func readCredentials(path string) (Credentials, error) {
	var c Credentials
	f, err := os.Open(path)
	if err != nil {
		return c, marketplace.Wrap(marketplace.EINVALID, err, "Blob store credentials file %s cannot be read", path)
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' || s[0] == ';' {
			continue
		}
		if s[0] == '[' {
			section = strings.TrimSpace(strings.Trim(s, "[]"))
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return c, marketplace.Errorf(marketplace.EINVALID, "Blob store credentials file %s, line %d: want key = value.", path, line)
		}
		if section != "" && section != "default" {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "aws_access_key_id":
			c.AccessKeyID = strings.TrimSpace(v)
		case "aws_secret_access_key":
			c.SecretAccessKey = strings.TrimSpace(v)
		case "aws_session_token":
			c.SessionToken = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return c, fmt.Errorf("read blob store credentials file %s: %w", path, err)
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, marketplace.Errorf(marketplace.EINVALID, "Blob store credentials file %s: aws_access_key_id and aws_secret_access_key are required.", path)
	}
	return c, nil
}

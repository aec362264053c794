package provider

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// Client calls providers' APIs. A provider URL comes from a listing on chain, which anyone may
// write, so the client is careful with it: it refuses URLs that fail
// marketplace.ValidateProviderURL (user info, query, fragment) before sending anything; with
// PublicOnly it connects only to public addresses, checked on the address actually dialled (so a
// name that resolves to a private address, or a DNS answer that changes between check and use,
// gains nothing); it uses no proxy; it follows redirects only within the same scheme and host;
// it bounds connect, TLS and response-header waits and the size of what it reads (cards
// marketplace.MaxCardBytes). The zero value reaches any address (tests, local networks); nodes
// set PublicOnly unless configured for a local network. Use a Client by pointer.
type Client struct {
	// HTTP, when set, replaces the client built from the fields below (and its checks but the URL's).
	HTTP *http.Client
	// PublicOnly refuses connections to loopback, private, link-local and reserved addresses
	// (marketplace.PublicAddr).
	PublicOnly bool

	once  sync.Once
	built *http.Client
}

// Timeouts of the built client; a whole transfer is bounded by the caller's context.
const (
	dialTimeout           = 10 * time.Second
	responseHeaderTimeout = 30 * time.Second
	maxRedirects          = 3
)

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	c.once.Do(func() {
		publicOnly := c.PublicOnly
		dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second,
			Control: func(_, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return fmt.Errorf("provider address %q: %w", address, err)
				}
				if publicOnly && !marketplace.PublicAddr(ap.Addr()) {
					return fmt.Errorf("%w: %s is a loopback, private or reserved address, and this node is not configured for a local network", ErrNotPublic, ap.Addr().Unmap())
				}
				return nil
			}}
		c.built = &http.Client{
			Transport: &http.Transport{
				Proxy:                  nil, // a proxy would dial the provider for us, unchecked
				DialContext:            dialer.DialContext,
				TLSHandshakeTimeout:    dialTimeout,
				ResponseHeaderTimeout:  responseHeaderTimeout,
				IdleConnTimeout:        90 * time.Second,
				MaxResponseHeaderBytes: 64 << 10,
				ForceAttemptHTTP2:      true,
			},
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				first := via[0].URL
				if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
					return fmt.Errorf("%w: %s redirected to %s", ErrRedirect, first.Redacted(), req.URL.Redacted())
				}
				if len(via) >= maxRedirects {
					return fmt.Errorf("%w: more than %d redirects from %s", ErrRedirect, maxRedirects, first.Redacted())
				}
				return nil
			},
		}
	})
	return c.built
}

// Errors a Client's refusals wrap.
const (
	// ErrNotPublic: the provider's address is not public and the client is PublicOnly.
	ErrNotPublic sentinelError = "provider address not public"
	// ErrRedirect: the provider redirected to another host (or too often).
	ErrRedirect sentinelError = "provider redirect refused"
)

// sentinelError is the type of the package's sentinel errors (ErrNotPublic, ErrRedirect,
// ErrQuota): constants rather than variables, so no code can reassign what errors.Is compares
// with.
type sentinelError string

func (e sentinelError) Error() string { return string(e) }

// newRequest builds a request to path under the provider URL base, refusing a base that fails
// marketplace.ValidateProviderURL before anything is sent.
func newRequest(ctx context.Context, method, base, path string, body io.Reader) (*http.Request, error) {
	if err := marketplace.ValidateProviderURL(base); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, join(base, path), body)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "provider URL %q", base)
	}
	return req, nil
}

// do sends req; a provider that cannot be reached is EUNAVAILABLE naming its
// URL, a refusal the provider's own error (code and message).
func (c *Client) do(req *http.Request, base string) (*http.Response, error) {
	res, err := c.http().Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		if errors.Is(err, ErrNotPublic) || errors.Is(err, ErrRedirect) {
			return nil, marketplace.Wrap(marketplace.EFORBIDDEN, err, "provider %s refused", base)
		}
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "provider %s unreachable", base)
	}
	if res.StatusCode == http.StatusOK {
		return res, nil
	}
	defer res.Body.Close()
	var e errorBody
	if json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&e) == nil && e.Code != "" {
		me := marketplace.Errorf(e.Code, "provider %s: %s", base, e.Message)
		if res.StatusCode == http.StatusTooManyRequests {
			me.Err = ErrQuota
		}
		return nil, me
	}
	code := marketplace.EUNAVAILABLE
	if res.StatusCode < 500 {
		code = marketplace.EINVALID
	}
	return nil, marketplace.Errorf(code, "provider %s answered %s", base, res.Status)
}

// Card fetches an encoded dataset card by metadata hash; the caller checks
// the hash (marketplace.DecodeCard).
func (c *Client) Card(ctx context.Context, base string, metadata common.Hash) ([]byte, error) {
	req, err := newRequest(ctx, http.MethodGet, base, PathCards+metadata.Hex(), nil)
	if err != nil {
		return nil, err
	}
	res, err := c.do(req, base)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, marketplace.MaxCardBytes+1))
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "provider %s unreachable", base)
	}
	if len(b) > marketplace.MaxCardBytes {
		return nil, marketplace.Wrap(marketplace.EINVALID, marketplace.ErrCardTooLarge, "provider %s sent a dataset card of more than %d bytes: refused", base, marketplace.MaxCardBytes)
	}
	return b, nil
}

// NodeKey fetches a provider's public key (a hub's, to wrap a dataset key to).
func (c *Client) NodeKey(ctx context.Context, base string) (KeyInfo, *ecdsa.PublicKey, error) {
	var ki KeyInfo
	req, err := newRequest(ctx, http.MethodGet, base, PathKey, nil)
	if err != nil {
		return ki, nil, err
	}
	res, err := c.do(req, base)
	if err != nil {
		return ki, nil, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(io.LimitReader(res.Body, 16<<10)).Decode(&ki); err != nil {
		return ki, nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "provider %s sent no valid key", base)
	}
	pub, err := vault.PublicKeyOf(common.FromHex(ki.PublicKey))
	return ki, pub, err
}

// Download posts a signed request and returns the delivery; the caller
// closes Blob and checks its hash against the listing.
func (c *Client) Download(ctx context.Context, base string, sr SignedRequest) (*Delivery, error) {
	body, err := json.Marshal(sr)
	if err != nil {
		return nil, err
	}
	req, err := newRequest(ctx, http.MethodPost, base, PathDownload, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.do(req, base)
	if err != nil {
		return nil, err
	}
	wrapped, err := base64.StdEncoding.DecodeString(res.Header.Get(HeaderWrappedKey))
	if err != nil || len(wrapped) == 0 {
		res.Body.Close()
		return nil, marketplace.Errorf(marketplace.EUNAVAILABLE, "provider %s sent no wrapped key", base)
	}
	return &Delivery{
		ListingID:   sr.ListingID,
		ContentHash: common.HexToHash(res.Header.Get(HeaderContentHash)),
		WrappedKey:  wrapped,
		Size:        res.ContentLength,
		Blob:        res.Body,
	}, nil
}

package provider

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// Client calls providers' APIs. The zero value uses a client with sane
// timeouts.
type Client struct {
	HTTP *http.Client
}

var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	ResponseHeaderTimeout: 30 * time.Second,
	IdleConnTimeout:       90 * time.Second,
}}

func (c *Client) http() *http.Client {
	if c != nil && c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// do sends req; a provider that cannot be reached is EUNAVAILABLE naming its
// URL, a refusal the provider's own error (code and message).
func (c *Client) do(req *http.Request, base string) (*http.Response, error) {
	res, err := c.http().Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, join(base, PathCards+metadata.Hex()), nil)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "provider URL %q", base)
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
	return b, nil
}

// NodeKey fetches a provider's public key (a hub's, to wrap a dataset key to).
func (c *Client) NodeKey(ctx context.Context, base string) (KeyInfo, *ecdsa.PublicKey, error) {
	var ki KeyInfo
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, join(base, PathKey), nil)
	if err != nil {
		return ki, nil, marketplace.Wrap(marketplace.EINVALID, err, "provider URL %q", base)
	}
	res, err := c.do(req, base)
	if err != nil {
		return ki, nil, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&ki); err != nil {
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, join(base, PathDownload), bytes.NewReader(body))
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "provider URL %q", base)
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

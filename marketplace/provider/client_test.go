package provider

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// counting is a test server on 127.0.0.1 that counts the requests it gets.
func counting(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestClient_publicOnlyNeverContactsLocalAddresses: a node not configured
// for a local network sends nothing to a provider at a loopback address,
// whatever the call; the refusal is EFORBIDDEN and says why.
func TestClient_publicOnlyNeverContactsLocalAddresses(t *testing.T) {
	ctx := context.Background()
	srv, n := counting(t, nil)
	c := &Client{PublicOnly: true}
	base := srv.URL + "/"
	_, err := c.Card(ctx, base, common.Hash{1})
	if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !errors.Is(err, ErrNotPublic) {
		t.Errorf("card from a loopback provider: %v; want EFORBIDDEN, not public", err)
	}
	if _, err := c.Attest(ctx, base, 1); !errors.Is(err, ErrNotPublic) {
		t.Errorf("attestation: %v", err)
	}
	if _, _, err := c.NodeKey(ctx, base); !errors.Is(err, ErrNotPublic) {
		t.Errorf("node key: %v", err)
	}
	if _, err := c.Download(ctx, base, SignedRequest{}); !errors.Is(err, ErrNotPublic) {
		t.Errorf("download: %v", err)
	}
	// A name that resolves to loopback is refused at dial time alike.
	if _, err := c.Card(ctx, strings.Replace(base, "127.0.0.1", "localhost", 1), common.Hash{1}); !errors.Is(err, ErrNotPublic) {
		t.Errorf("card from localhost: %v", err)
	}
	if got := n.Load(); got != 0 {
		t.Fatalf("the loopback provider got %d requests, want 0", got)
	}
	// The same client configured for a local network reaches it.
	if _, err := (&Client{}).Card(ctx, base, common.Hash{1}); errors.Is(err, ErrNotPublic) || n.Load() != 1 {
		t.Fatalf("local-network client: %v, %d requests", err, n.Load())
	}
}

// TestClient_refusesProviderURLsWithQueryOrUserInfo: the URL of the SSRF
// report (a query string that swallows the API path) and URLs with user
// info or a fragment are refused before anything is sent, even on a local
// network.
func TestClient_refusesProviderURLsWithQueryOrUserInfo(t *testing.T) {
	ctx := context.Background()
	srv, n := counting(t, nil)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, base := range []string{
		"http://" + host + "/admin/reboot?confirm=yes&x=",
		"http://" + host + "/admin?",
		"http://admin:secret@" + host + "/",
		"http://" + host + "/#x",
		"ftp://" + host + "/",
		"gopher://" + host + "/",
	} {
		if _, err := (&Client{}).Card(ctx, base, common.Hash{1}); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("card from %q: %v; want EINVALID", base, err)
		}
	}
	if got := n.Load(); got != 0 {
		t.Fatalf("the server got %d requests, want 0", got)
	}
}

// TestClient_followsNoRedirectToAnotherHost: a provider that redirects to
// another host (another port here) is refused and the other host gets
// nothing; a redirect within the provider's host is followed.
func TestClient_followsNoRedirectToAnotherHost(t *testing.T) {
	ctx := context.Background()
	other, hits := counting(t, nil)
	var self *httptest.Server
	self, _ = counting(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/away/"):
			http.Redirect(w, r, other.URL+"/admin/reboot", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/moved/"):
			http.Redirect(w, r, self.URL+"/here/"+PathCards+"x", http.StatusFound)
		default:
			w.Write([]byte(`{"card":true}`))
		}
	})
	c := &Client{}
	_, err := c.Card(ctx, self.URL+"/away/", common.Hash{1})
	if !errors.Is(err, ErrRedirect) || marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("redirect to another host: %v; want EFORBIDDEN, redirect refused", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the other host got %d requests", hits.Load())
	}
	if b, err := c.Card(ctx, self.URL+"/moved/", common.Hash{1}); err != nil || string(b) != `{"card":true}` {
		t.Errorf("redirect within the host: %q, %v", b, err)
	}
}

// TestClient_refusesOversizedCards: a card over MaxCardBytes is refused
// with an error naming the limit (the catalog settles it as a mismatch),
// not truncated.
func TestClient_refusesOversizedCards(t *testing.T) {
	srv, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), marketplace.MaxCardBytes+1))
	})
	_, err := (&Client{}).Card(context.Background(), srv.URL+"/", common.Hash{1})
	if !errors.Is(err, marketplace.ErrCardTooLarge) || !strings.Contains(err.Error(), "1048576") {
		t.Fatalf("oversized card: %v; want ErrCardTooLarge naming the limit", err)
	}
}

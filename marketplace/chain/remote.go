package chain

import (
	"context"
	"math/big"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/medmarket/medmarket/marketplace"
)

// Remote is a Chain served by an Ethereum node over JSON-RPC (http, https,
// ws, wss): geth --dev, a consortium chain, a public network. The node seals
// blocks on its own schedule; Send and WaitMined poll for the receipt.
type Remote struct {
	*client
}

// Dial connects to the node at rawURL and checks that it serves chainID
// (0: accept the node's). An unreachable node gives EUNAVAILABLE naming the
// URL; a node on another chain gives EINVALID.
func Dial(ctx context.Context, rawURL string, chainID uint64, opts ...Option) (*Remote, error) {
	shown := redactURL(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || !(u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "ws" || u.Scheme == "wss") || u.Host == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "chain RPC URL %q must be http(s):// or ws(s):// with a host", shown)
	}
	rc, err := rpc.DialContext(ctx, rawURL)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "chain node at %s is unreachable", shown)
	}
	c := &client{ec: ethclient.NewClient(rc), endpoint: shown, cfg: newConfig(opts)}
	id, err := c.ec.ChainID(ctx)
	if err != nil {
		_ = c.Close() // unusable: the reason is the chain id error
		if ctx.Err() != nil {
			return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "chain node at %s did not answer in time", shown)
		}
		return nil, c.classify("read chain id", err)
	}
	if chainID != 0 && (!id.IsUint64() || id.Uint64() != chainID) {
		_ = c.Close() // unusable: the reason is the wrong chain id
		return nil, marketplace.Errorf(marketplace.EINVALID, "chain node at %s serves chain id %s, not the %d asked for", shown, id, chainID)
	}
	c.chainID = new(big.Int).Set(id)
	return &Remote{client: c}, nil
}

// redactURL hides a password in the URL's user info, so the URL can be named
// in messages. API keys in paths stay: naming the URL is what lets a user fix it.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return strings.TrimSpace(raw)
	}
	return u.Redacted()
}

package app

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// DefaultAllowPrivateProviders says whether a node on the chain at rpc ("":
// the embedded chain) is on a local network by default, and so may list and
// contact providers at loopback, private and reserved addresses. The
// embedded dev chain is local by nature (nobody else reads it), and so is a
// chain node reached at such an address (a geth --dev next door); a chain
// node at a public address means a public network, where a listing's
// provider URL, written by anyone, must never make this node send requests
// into its own network. main overrides it with
// MEDMARKET_ALLOW_PRIVATE_PROVIDERS.
func DefaultAllowPrivateProviders(rpc string) bool {
	if rpc == "" {
		return true
	}
	u, err := url.Parse(rpc)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && !marketplace.PublicAddr(ip)
}

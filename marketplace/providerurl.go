package marketplace

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// MaxProviderURLLen is the longest provider URL the market contract accepts, in bytes.
const MaxProviderURLLen = 512

// ValidateProviderURL checks a provider URL for use: an absolute http(s) URL with a host, no user
// info, no query and no fragment (API paths are appended to it, so anything after the path would
// turn a request into another one), within the contract's length. Publishing refuses any other
// URL, and nodes never fetch from one (a listing on chain may carry any text: see
// Listing.Validate). Whether the host is public is CheckProviderHost's question.
func ValidateProviderURL(s string) error {
	if s == "" {
		return Errorf(EINVALID, "Provider URL required: buyers fetch the data from there.")
	}
	if len(s) > MaxProviderURLLen {
		return Errorf(EINVALID, "Provider URL longer than %d bytes.", MaxProviderURLLen)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return Errorf(EINVALID, "Provider URL %q is not an absolute http(s) URL.", s)
	case u.User != nil:
		return Errorf(EINVALID, "Provider URL %q carries user info: a provider URL names a host and a path only.", s)
	case u.RawQuery != "" || u.ForceQuery:
		return Errorf(EINVALID, "Provider URL %q carries a query string: a provider URL names a host and a path only.", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return Errorf(EINVALID, "Provider URL %q carries a fragment: a provider URL names a host and a path only.", s)
	}
	return nil
}

// nonPublic are the IP ranges that are not public unicast besides those netip classifies
// (loopback, private, link-local, multicast, unspecified): "this network", shared address space
// (carrier-grade NAT), IETF protocol assignments, documentation, benchmarking, reserved, and
// their IPv6 counterparts (NAT64 and 6to4 embed IPv4 addresses; discard-only; documentation).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// PublicAddr reports whether ip is a public unicast address, one a provider on a public network
// may have: not loopback, private (RFC 1918, fc00::/7), link-local, multicast, unspecified,
// carrier-grade NAT, documentation, benchmarking or reserved. IPv4-mapped IPv6 addresses are
// judged as the IPv4 address they carry.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckProviderHost checks, at listing time, that a provider URL (valid for ValidateProviderURL)
// names a host other nodes may be asked to contact: unless allowPrivate (a node configured for a
// local network), every address the host resolves to must be public (PublicAddr). EINVALID names
// the host and the address; EUNAVAILABLE when the name does not resolve. Nodes check again at
// dial time (provider.Client), so a name that later resolves elsewhere gains nothing.
func CheckProviderHost(ctx context.Context, raw string, allowPrivate bool) error {
	if err := ValidateProviderURL(raw); err != nil {
		return err
	}
	if allowPrivate {
		return nil
	}
	u, _ := url.Parse(raw)
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		if addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host); err != nil {
			return Wrap(EUNAVAILABLE, err, "Provider URL %q: its host %s does not resolve", raw, host)
		}
	}
	for _, ip := range addrs {
		if !PublicAddr(ip) {
			return Errorf(EINVALID, "Provider URL %q: its host %s is at %s, a loopback, private or reserved address other nodes are not allowed to contact (this node is not configured for a local network).", raw, host, ip.Unmap())
		}
	}
	return nil
}

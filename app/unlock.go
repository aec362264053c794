package app

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// Unlocking a key costs one scrypt: 256 MiB and about a second with the
// standard parameters. Every passphrase the node checks (sign-in, the
// trial forms' account and passphrase, the CLI's --as) and every key it
// encrypts (a new or imported account) goes through the App's unlockGuard,
// which
//
//   - lets at most DefaultMaxUnlocks scrypts run at once; the others wait
//     their turn, or give up when their request does (ctx);
//   - refuses, with the wait named, an account or a client that failed too
//     often lately, before spending anything on it;
//   - limits how many accounts one client creates or imports.
//
// Clients are told apart by the address the UI puts in the context
// (WithClient): an IP address, or its /64 for IPv6. The CLI sets none and
// is limited per account only.
const (
	// DefaultMaxUnlocks bounds concurrent scrypts: 2 x 256 MiB at most.
	DefaultMaxUnlocks = 2

	accountFreeFailures = 5  // failures of one account before it waits
	clientFreeFailures  = 10 // failures from one client before it waits
	firstBackoff        = 30 * time.Second
	maxBackoff          = 15 * time.Minute
	forgetFailuresAfter = time.Hour // a quiet hour clears a record

	creationsPerClient = 5 // accounts created or imported per client per creationWindow
	creationWindow     = time.Hour

	maxTracked = 10000 // records kept before quiet ones are pruned
)

type clientKey struct{}

// WithClient returns ctx carrying the network address of the client a UI
// request came from ("203.0.113.7", "[2001:db8::1]:5555"), so that failed
// passphrases are counted per client as well as per account.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, clientOf(addr))
}

// clientOf reduces an address to what identifies a client: the IP, its
// /64 for IPv6 (one subscriber's share), or the string as given.
func clientOf(addr string) string {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		addr = ap.Addr().String()
	}
	ip, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

func clientFrom(ctx context.Context) string {
	c, _ := ctx.Value(clientKey{}).(string)
	return c
}

// retryAfter is the cause of an error that refuses an attempt for a while.
type retryAfter struct{ wait time.Duration }

func (r retryAfter) Error() string { return fmt.Sprintf("retry after %s", r.wait) }

// RetryAfter reports how long the caller must wait when err refused an
// attempt because of too many failures or creations (the UI answers 429
// with Retry-After).
func RetryAfter(err error) (time.Duration, bool) {
	var r retryAfter
	if errors.As(err, &r) {
		return r.wait, true
	}
	return 0, false
}

// tooMany is the refusal of an attempt that must wait.
func tooMany(wait time.Duration, who string) error {
	secs := int((wait + time.Second - 1) / time.Second)
	return marketplace.Wrap(marketplace.EUNAVAILABLE, retryAfter{wait},
		"Too many failed attempts for %s; try again in %d s.", who, secs)
}

// attempts is what the guard remembers of one account or client.
type attempts struct {
	failures int
	last     time.Time // of the last failure
	// creations made in the window that started at windowStart
	creations   int
	windowStart time.Time
}

// wait is how long after its last failure a record with n failures waits,
// once past free failures: 30 s, doubling, at most 15 minutes.
func backoff(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := firstBackoff
	for i := free; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// unlockGuard bounds the scrypt work of one App. Safe for concurrent use.
type unlockGuard struct {
	slots chan struct{}
	now   func() time.Time

	mu       sync.Mutex
	accounts map[string]*attempts // by lower-case account name or address
	clients  map[string]*attempts // by clientOf

	// onScrypt, when set (tests), is called as a scrypt starts (+1) and
	// ends (-1), inside the bound.
	onScrypt func(delta int)
}

func newUnlockGuard(maxConcurrent int, now func() time.Time) *unlockGuard {
	if maxConcurrent <= 0 {
		maxConcurrent = DefaultMaxUnlocks
	}
	return &unlockGuard{
		slots: make(chan struct{}, maxConcurrent), now: now,
		accounts: map[string]*attempts{}, clients: map[string]*attempts{},
	}
}

// run waits for a free slot (or ctx), runs f within it, and frees it.
func (g *unlockGuard) run(ctx context.Context, f func()) error {
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return marketplace.Wrap(marketplace.EUNAVAILABLE, ctx.Err(), "The node is busy checking other passphrases; try again.")
	}
	defer func() {
		// A standard scrypt leaves 256 MiB of garbage. Collected now, the
		// next one reuses that memory; left to the pacer, the heap grows
		// to twice the bound's worth before a collection (1.4 GB measured
		// for a burst of 24 against 0.6 GB collected at once).
		runtime.GC()
		<-g.slots
	}()
	if g.onScrypt != nil {
		g.onScrypt(1)
		defer g.onScrypt(-1)
	}
	f()
	return nil
}

// check refuses an attempt on account by client when either waits.
func (g *unlockGuard) check(account, client string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if r := g.accounts[account]; r != nil {
		if until := r.last.Add(backoff(r.failures, accountFreeFailures)); now.Before(until) {
			return tooMany(until.Sub(now), "this account")
		}
	}
	if r := g.clients[client]; client != "" && r != nil {
		if until := r.last.Add(backoff(r.failures, clientFreeFailures)); now.Before(until) {
			return tooMany(until.Sub(now), "your address")
		}
	}
	return nil
}

// failed records a failed attempt on account by client.
func (g *unlockGuard) failed(account, client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	for _, r := range []*attempts{g.record(g.accounts, account, now), g.record(g.clients, client, now)} {
		if r == nil {
			continue
		}
		if now.Sub(r.last) > forgetFailuresAfter {
			r.failures = 0
		}
		r.failures++
		r.last = now
	}
}

// succeeded clears the account's failures; the client's stay, or one
// account of its own would let a client guess others' passphrases freely.
func (g *unlockGuard) succeeded(account string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r := g.accounts[account]; r != nil {
		r.failures = 0
	}
}

// create counts one account creation by client: a refusal naming the wait
// once the client has made creationsPerClient in the current window.
func (g *unlockGuard) create(client string) error {
	if client == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	r := g.record(g.clients, client, now)
	if now.Sub(r.windowStart) >= creationWindow {
		r.windowStart, r.creations = now, 0
	}
	if r.creations >= creationsPerClient {
		wait := r.windowStart.Add(creationWindow).Sub(now)
		secs := int((wait + time.Second - 1) / time.Second)
		return marketplace.Wrap(marketplace.EUNAVAILABLE, retryAfter{wait},
			"This address has created %d accounts in the last hour; try again in %d s.", r.creations, secs)
	}
	r.creations++
	return nil
}

// uncreate takes back a creation counted by create that made nothing.
func (g *unlockGuard) uncreate(client string) {
	if client == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if r := g.clients[client]; r != nil && r.creations > 0 {
		r.creations--
	}
}

// record returns m's record of key, making it; nil for an empty key. Past
// maxTracked records, quiet ones are pruned first, so a flood of names or
// addresses cannot grow the maps without bound.
func (g *unlockGuard) record(m map[string]*attempts, key string, now time.Time) *attempts {
	if key == "" {
		return nil
	}
	if r := m[key]; r != nil {
		return r
	}
	if len(m) >= maxTracked {
		for k, r := range m {
			if now.Sub(r.last) > forgetFailuresAfter && now.Sub(r.windowStart) > creationWindow {
				delete(m, k)
			}
		}
		if len(m) >= maxTracked { // all recent: forget the oldest failure
			var oldest string
			for k, r := range m {
				if oldest == "" || r.last.Before(m[oldest].last) {
					oldest = k
				}
			}
			delete(m, oldest)
		}
	}
	r := &attempts{}
	m[key] = r
	return r
}

// wrongCredentials is the one answer to an unknown account and a wrong
// passphrase, so the answer does not tell which accounts exist.
func wrongCredentials(cause error) error {
	return marketplace.Wrap(marketplace.EFORBIDDEN, cause, "Unknown account or wrong passphrase.")
}

// unlock checks passphrase against the account name (or address) within
// the guard: refused at once while the account or the client waits,
// counted as a failure when wrong. An unknown account and a wrong
// passphrase both give EFORBIDDEN with the same message.
func (a *App) unlock(ctx context.Context, name, passphrase string) (*vault.Signer, error) {
	account, client := strings.ToLower(strings.TrimSpace(name)), clientFrom(ctx)
	if len(account) > 64 {
		account = account[:64]
	}
	if err := a.guard.check(account, client); err != nil {
		return nil, err
	}
	var sg *vault.Signer
	var err error
	if gerr := a.guard.run(ctx, func() {
		// Attempts that queued behind others' failures are refused here,
		// before their scrypt.
		if err = a.guard.check(account, client); err != nil {
			return
		}
		sg, err = a.keys.Unlock(strings.TrimSpace(name), passphrase)
	}); gerr != nil {
		return nil, gerr
	}
	if _, waiting := RetryAfter(err); waiting {
		return nil, err
	}
	switch marketplace.ErrorCode(err) {
	case "":
		a.guard.succeeded(account)
		return sg, nil
	case marketplace.EFORBIDDEN, marketplace.ENOTFOUND:
		a.guard.failed(account, client)
		a.log.Warn("unlock refused", "account", name, "client", client, "err", err)
		return nil, wrongCredentials(err)
	default:
		return nil, err
	}
}

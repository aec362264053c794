package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// A node listens twice: the UI on loopback (the user's own; sessions,
// accounts, paths and balances) and the provider API on the public address
// (other nodes fetch cards, blobs and wrapped keys there with signed
// requests). The public listener serves nothing else.

// envPublicAddr stands in for --public-addr.
const envPublicAddr = "MEDMARKET_PUBLIC_ADDR"

// httpTimeouts bound what a connection may cost the node. There is no total
// read or write timeout: a large upload or download that keeps making
// progress is never cut, one that stalls for Idle is.
type httpTimeouts struct {
	Idle  time.Duration // no byte read or written for this long: the connection is cut
	Grace time.Duration // after the stop signal, requests in flight may finish for this long
}

func defaultHTTPTimeouts() httpTimeouts {
	return httpTimeouts{Idle: time.Minute, Grace: 15 * time.Second}
}

// listenConfig says where a node listens and what it announces.
type listenConfig struct {
	UIAddr     string   // --addr: the UI; loopback unless UIPublic
	UIPublic   bool     // --ui-public: the UI may listen beyond loopback
	UIHosts    []string // --ui-host: Host names the UI answers to besides its listen address and loopback names
	PublicAddr string   // --public-addr: the provider API for other nodes
	PublicURL  string   // --public-url: put on chain with listings; default http://<public listen address>/
}

// addPublicFlags registers --public-addr and --public-url (serve and desktop).
func addPublicFlags(cmd *cobra.Command, l *listenConfig) {
	cmd.Flags().StringVar(&l.PublicAddr, "public-addr", "", "address of the provider API, the only thing other nodes reach (env "+envPublicAddr+"; default: the UI's host on the next port, "+defaultPublicAddr(defaultAddr)+")")
	cmd.Flags().StringVar(&l.PublicURL, "public-url", "", "URL at which other nodes reach the provider API, put on chain with this node's listings (env "+envPublicURL+"; default http://<public listen address>/)")
}

// resolve fills what flags left empty from the environment and defaults.
func (l listenConfig) resolve(getenv func(string) string) listenConfig {
	l.UIAddr = firstNonEmpty(l.UIAddr, getenv(envAddr), defaultAddr)
	l.PublicAddr = firstNonEmpty(l.PublicAddr, getenv(envPublicAddr), defaultPublicAddr(l.UIAddr))
	l.PublicURL = firstNonEmpty(l.PublicURL, getenv(envPublicURL))
	return l
}

// defaultPublicAddr is the UI's host on the next port; port 0 (any free
// port) stays 0.
func defaultPublicAddr(uiAddr string) string {
	host, port, err := net.SplitHostPort(uiAddr)
	if err != nil {
		return uiAddr
	}
	p, err := strconv.Atoi(port)
	if err != nil || p == 0 || p >= 65535 {
		return net.JoinHostPort(host, "0")
	}
	return net.JoinHostPort(host, strconv.Itoa(p+1))
}

// defaultPublicURL is the provider URL commands announce when neither
// --public-url nor its variable is set: the public address serve would
// listen on.
func defaultPublicURL(getenv func(string) string) string {
	l := listenConfig{}.resolve(getenv)
	return "http://" + l.PublicAddr + "/"
}

// isLoopbackHost reports whether host names only this machine.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkUI refuses a UI address beyond loopback unless --ui-public says so.
// Commands check before they open the data directory.
func (l listenConfig) checkUI() error {
	host, _, err := net.SplitHostPort(l.UIAddr)
	if err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "--addr %q is not host:port (e.g. %s).", l.UIAddr, defaultAddr)
	}
	if !isLoopbackHost(host) && !l.UIPublic {
		return marketplace.Errorf(marketplace.EINVALID,
			"--addr %s would open the UI (accounts, data directory, balances) beyond this machine; "+
				"keep it on 127.0.0.1 (other nodes only need --public-addr), or add --ui-public to mean it.", l.UIAddr)
	}
	return nil
}

// checkPublic refuses a public address that is not host:port, and a
// wildcard one without --public-url: it names no host other nodes could reach.
func (l listenConfig) checkPublic() error {
	host, _, err := net.SplitHostPort(l.PublicAddr)
	if err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "--public-addr %q is not host:port (e.g. 0.0.0.0:8081).", l.PublicAddr)
	}
	if ip := net.ParseIP(host); (host == "" || (ip != nil && ip.IsUnspecified())) && l.PublicURL == "" {
		return marketplace.Errorf(marketplace.EINVALID,
			"--public-addr %s listens on every interface: say with --public-url how other nodes reach it (e.g. https://node.example/).", l.PublicAddr)
	}
	return nil
}

// listenUI listens on the UI address. The UI shows accounts, paths and
// balances to its user: beyond loopback only when asked for (--ui-public).
func listenUI(l listenConfig) (net.Listener, error) {
	if err := l.checkUI(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", l.UIAddr)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot listen on %s (is another server using it? choose one with --addr)", l.UIAddr)
	}
	return ln, nil
}

// uiHosts are the Host names the UI answers to besides the loopback names:
// --ui-host names and the listen address, or on a wildcard address every
// address of this machine's interfaces (an IP literal is what a user types;
// a rebinding attack needs a name).
func uiHosts(l listenConfig, ln net.Listener) []string {
	hosts := append([]string(nil), l.UIHosts...)
	a, ok := ln.Addr().(*net.TCPAddr)
	if !ok || a.IP.IsLoopback() {
		return hosts
	}
	if !a.IP.IsUnspecified() {
		return append(hosts, a.String())
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, ia := range addrs {
			if ipn, ok := ia.(*net.IPNet); ok {
				hosts = append(hosts, net.JoinHostPort(ipn.IP.String(), strconv.Itoa(a.Port)))
			}
		}
	}
	return hosts
}

// listenProvider listens on the public address and makes the node announce
// the URL that reaches it: --public-url, else http://<listen address>/. A
// wildcard address (0.0.0.0, ::) names no host other nodes could reach, so
// it needs --public-url.
func listenProvider(a *app.App, l listenConfig) (net.Listener, error) {
	if err := l.checkPublic(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", l.PublicAddr)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot listen on %s (is another server using it? choose one with --public-addr)", l.PublicAddr)
	}
	if err := a.SetPublicURL(firstNonEmpty(l.PublicURL, "http://"+ln.Addr().String()+"/")); err != nil {
		_ = ln.Close()
		return nil, err
	}
	return ln, nil
}

// publicHandler is the public listener's whole surface: the provider API
// and a health check. Nothing on it reveals accounts, paths or balances.
func publicHandler(provider http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/provider/v1/", provider) // node-to-node: cards, blobs, keys (marketplace/provider)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "This is a medmarket node's provider API (/provider/v1/); its UI is not served here.", http.StatusNotFound)
	})
	return mux
}

// httpListener is one listener of a node and what it serves.
type httpListener struct {
	Name     string // "ui" or "provider", for the log
	Listener net.Listener
	Handler  http.Handler
}

// serveHTTP serves every listener until ctx ends, then lets requests in
// flight finish for up to t.Grace before it returns. A listener that fails
// stops them all.
func serveHTTP(ctx context.Context, log *slog.Logger, t httpTimeouts, ls ...httpListener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	servers := make([]*http.Server, len(ls))
	errc := make(chan error, len(ls))
	for i, l := range ls {
		servers[i] = &http.Server{
			Handler:           idleDeadlines(t.Idle, l.Handler),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(log.With("listener", l.Name).Handler(), slog.LevelWarn),
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
		go func(srv *http.Server, l httpListener) {
			err := srv.Serve(l.Listener)
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			} else if err != nil {
				err = fmt.Errorf("serve http (%s): %w", l.Name, err)
			}
			errc <- err
			cancel() // one listener failing stops the node
		}(servers[i], l)
	}
	<-ctx.Done()
	log.Info("shutting down: finishing requests in flight")
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), t.Grace)
	defer scancel()
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(sctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("shut down http server: %w", err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for range servers {
		errs = append(errs, <-errc)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// idleDeadlines stands in for total read and write timeouts: each read of
// the request body and each write of the response moves the connection's
// deadline idle ahead, so a transfer that keeps making progress is never
// cut and one that stalls for idle is.
func idleDeadlines(idle time.Duration, next http.Handler) http.Handler {
	if idle <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// A deadline left from the previous request on this connection
		// must not cut this one's first write.
		_ = rc.SetWriteDeadline(time.Now().Add(idle))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &idleReader{ReadCloser: r.Body, rc: rc, idle: idle}
		}
		next.ServeHTTP(&idleWriter{ResponseWriter: w, rc: rc, idle: idle}, r)
	})
}

type idleReader struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	done bool
}

func (b *idleReader) Read(p []byte) (int, error) {
	if !b.done {
		_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	}
	n, err := b.ReadCloser.Read(p)
	if err != nil && !b.done {
		// The body is read: the server now waits in the background for
		// the client to go away, which must not time out while the
		// response is still being written.
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

type idleWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

func (w *idleWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.idle))
	return w.ResponseWriter.Write(p)
}

func (w *idleWriter) Flush() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.idle))
	_ = w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *idleWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

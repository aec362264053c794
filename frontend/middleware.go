package frontend

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// contentSecurityPolicy allows only this origin's scripts and styles: no
// inline script, no eval, and no framing by other sites.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		logger.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "dur", time.Since(start))
	})
}

// recoverPanics turns a panicking handler into a 500 page and a log line, so
// one bad request never takes the node down.
func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				renderError(w, r, logger, marketplace.Errorf(marketplace.EINTERNAL, "Internal error."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// hostSet is the Host names the UI answers to.
type hostSet struct {
	names map[string]bool // lower-case host names, any port
	exact map[string]bool // lower-case host:port
}

// allowedHosts is the loopback names, the desktop window's hosts in Window
// mode, and opts.Hosts.
func allowedHosts(opts Options) hostSet {
	hs := hostSet{names: map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}, exact: map[string]bool{}}
	if opts.Window {
		// The Wails asset server's request host: wails://wails on Linux
		// and macOS, http://wails.localhost on Windows.
		hs.names["wails"], hs.names["wails.localhost"] = true, true
	}
	for _, h := range opts.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if host, port, err := net.SplitHostPort(h); err == nil && port != "" {
			hs.exact[net.JoinHostPort(host, port)] = true
			continue
		}
		hs.names[strings.Trim(h, "[]")] = true
	}
	return hs
}

func (hs hostSet) allows(hostHeader string) bool {
	h := strings.ToLower(hostHeader)
	if hs.exact[h] {
		return true
	}
	name := h
	if host, _, err := net.SplitHostPort(h); err == nil {
		name = host
	}
	return hs.names[strings.Trim(name, "[]")]
}

// checkHost refuses a request whose Host names none of the UI's names: a
// site whose name an attacker points at this node (DNS rebinding) is
// same-origin to its own pages, so only the Host tells it apart.
func checkHost(logger *slog.Logger, hosts hostSet, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hosts.allows(r.Host) {
			next.ServeHTTP(w, r)
			return
		}
		logger.Warn("request for another host refused", "host", r.Host, "method", r.Method, "path", r.URL.Path)
		http.Error(w, fmt.Sprintf("This medmarket UI does not answer to the name %q. Open it at its own address "+
			"(http://127.0.0.1:PORT/), or start the server with --ui-host naming it.", r.Host), http.StatusMisdirectedRequest)
	})
}

// requireSessionFrom is requireSession for a form's post, which cannot be
// replayed after sign-in: a visitor signs in and comes back to the page
// the form is on, page(r).
func requireSessionFrom(page func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := sessionFrom(r.Context()); ok {
			next.ServeHTTP(w, r)
			return
		}
		signInTo(w, r, page(r))
	})
}

// Pages that forms post from, for requireSessionFrom.
func myDataPath(*http.Request) string        { return "/mydata/" }
func myDataPublishPath(*http.Request) string { return "/mydata/publish/" }
func licencesPath(*http.Request) string      { return "/mydata/licences/" }
func statusPath(*http.Request) string        { return "/status/" }
func trialsPath(*http.Request) string        { return "/trials/" }
func trialPath(r *http.Request) string       { return "/trials/" + url.PathEscape(r.PathValue("id")) + "/" }

package frontend

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// sessionCookie holds the session token: HttpOnly (no script reads it),
// SameSite=Lax, Secure when served over TLS.
const sessionCookie = "medmarket_session"

type sessionKey struct{}

// signedIn is what withSession attaches to a request: the live session and
// the token that names it, which actions pass on to sign with its key.
type signedIn struct {
	session marketplace.Session
	token   string
}

// sessionFrom returns the request's signed-in session, if any.
func sessionFrom(ctx context.Context) (marketplace.Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(signedIn)
	return s.session, ok
}

// sessionTokenFrom returns the token of the request's signed-in session.
func sessionTokenFrom(ctx context.Context) (string, bool) {
	s, ok := ctx.Value(sessionKey{}).(signedIn)
	return s.token, ok
}

// windowSession holds the token of the desktop window's one user. The
// window's asset server keeps no cookies, and only the local window reaches
// its handler, so the desktop build signs the user in once per run here.
type windowSession struct {
	mu    sync.Mutex
	token string
}

func (ws *windowSession) get() string {
	if ws == nil {
		return ""
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.token
}

func (ws *windowSession) set(token string) {
	if ws == nil {
		return
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.token = token
}

// sessionToken returns the request's session token: the cookie's, or in the
// desktop window the window's.
func sessionToken(r *http.Request, ws *windowSession) string {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return c.Value
	}
	return ws.get()
}

// withSession attaches the signed-in session to the request, if its token
// names a live one; a dead cookie is cleared. It also names the client (its
// network address) to app, which counts failed passphrases and new
// accounts per client.
func withSession(svc Service, ws *windowSession, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(app.WithClient(r.Context(), r.RemoteAddr))
		token := sessionToken(r, ws)
		if token == "" || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := svc.Session(r.Context(), token)
		if err != nil {
			clearSessionCookie(w, r)
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, signedIn{sess, token})))
	})
}

// requireSession sends a visitor who is not signed in to the sign-in page,
// and back here afterwards.
func requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := sessionFrom(r.Context()); ok {
			next.ServeHTTP(w, r)
			return
		}
		target := "/signin/?next=" + url.QueryEscape(r.URL.RequestURI())
		if isHTMX(r) {
			// htmx loads the page itself: the desktop window's asset server
			// does not follow HTTP redirects of in-page requests.
			w.Header().Set("HX-Redirect", target)
			return
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
}

// localPath keeps a post-sign-in redirect on this site: next when it is a
// clean path of this site, else "/". Browsers read a Location loosely (they
// drop tabs and newlines, take "\" for "/", and "//host" or "/\host" for
// another site), so next must start with one "/", hold no backslash, control
// character or whitespace, and neither it nor its decoded path may start
// with "//" or "/\" or carry a scheme or host.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || len(next) > 2048 || unclean(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	path, err := url.PathUnescape(u.EscapedPath())
	if err != nil || !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || unclean(path) {
		return "/"
	}
	if q, err := url.QueryUnescape(u.RawQuery); err != nil || strings.ContainsFunc(q, unicode.IsControl) {
		return "/"
	}
	return next
}

// unclean reports a backslash, a control character or whitespace in s.
func unclean(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) })
}

// retryStatus is status, or 429 with Retry-After when err refused an
// attempt that must wait (too many failed passphrases or new accounts).
func retryStatus(w http.ResponseWriter, err error, status int) int {
	wait, ok := app.RetryAfter(err)
	if !ok {
		return status
	}
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	return http.StatusTooManyRequests
}

// signInView is what the sign-in page shows.
type signInView struct {
	// Accounts are listed to choose from in the desktop window only: its one
	// user is the machine's own. Anywhere else a visitor types the account
	// name or address, and never sees the node's accounts.
	Accounts []marketplace.Account
	Window   bool
	None     bool // the node has no account yet: offer to create one
	Account  string
	Next     string
	Problem  string
}

// signInPageView reads the accounts the page may show.
func signInPageView(ctx context.Context, svc Service, window bool, account, next, problem string) (signInView, error) {
	accts, err := svc.Accounts(ctx)
	if err != nil {
		return signInView{}, err
	}
	v := signInView{Window: window, None: len(accts) == 0, Account: account, Next: next, Problem: problem}
	if window {
		v.Accounts = accts
	}
	return v, nil
}

// handleSignInPage handles GET /signin/.
func handleSignInPage(logger *slog.Logger, svc Service, ws *windowSession) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := signInPageView(r.Context(), svc, ws != nil, "", localPath(r.URL.Query().Get("next")), "")
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		render(w, r, logger, http.StatusOK, page{Title: "Sign in", Content: signInPage(v)})
	})
}

// handleSignIn handles POST /signin: unlock the account, set the cookie. A
// wrong passphrase and an unknown account read the same (403); too many
// failures answer 429 naming the wait.
func handleSignIn(logger *slog.Logger, svc Service, ws *windowSession) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseFormUpTo(w, r, 8<<10); err != nil {
			renderError(w, r, logger, err)
			return
		}
		name, next := strings.TrimSpace(r.PostForm.Get("account")), localPath(r.PostForm.Get("next"))
		token, _, err := svc.SignIn(r.Context(), name, r.PostForm.Get("passphrase"))
		if _, wait := app.RetryAfter(err); wait || marketplace.ErrorCode(err) == marketplace.EFORBIDDEN {
			v, verr := signInPageView(r.Context(), svc, ws != nil, name, next, marketplace.ErrorMessage(err))
			if verr != nil {
				renderError(w, r, logger, verr)
				return
			}
			render(w, r, logger, retryStatus(w, err, http.StatusForbidden), page{Title: "Sign in", Content: signInPage(v)})
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		signedInTo(w, r, ws, token, next)
	})
}

// signedInTo keeps the new session's token (cookie, and the window's) and
// sends the user on to next.
func signedInTo(w http.ResponseWriter, r *http.Request, ws *windowSession, token, next string) {
	setSessionCookie(w, r, token)
	ws.set(token)
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", next)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleSignOut handles POST /signout.
func handleSignOut(logger *slog.Logger, svc Service, ws *windowSession) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token := sessionToken(r, ws); token != "" {
			if err := svc.SignOut(r.Context(), token); err != nil {
				logger.Error("sign out", "err", err)
			}
		}
		ws.set("")
		clearSessionCookie(w, r)
		if isHTMX(r) {
			w.Header().Set("HX-Redirect", "/")
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
}

// showsSection reports whether the navigation shows the section of role:
// for a signed-in user, only the sections of their roles; for visitors, all.
// This shapes the navigation only; it is not access control.
func showsSection(ctx context.Context, role marketplace.Role) bool {
	s, ok := sessionFrom(ctx)
	return !ok || s.HasRole(role)
}

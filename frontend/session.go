package frontend

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

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
// names a live one; a dead cookie is cleared.
func withSession(svc Service, ws *windowSession, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// localPath keeps a post-sign-in redirect on this site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}

// handleSignInPage handles GET /signin/.
func handleSignInPage(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accts, err := svc.Accounts(r.Context())
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		next := localPath(r.URL.Query().Get("next"))
		render(w, r, logger, http.StatusOK, page{Title: "Sign in", Content: signInPage(accts, "", next, "")})
	})
}

// handleSignIn handles POST /signin: unlock the account, set the cookie.
func handleSignIn(logger *slog.Logger, svc Service, ws *windowSession) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		if err := r.ParseForm(); err != nil {
			renderError(w, r, logger, marketplace.Errorf(marketplace.EINVALID, "The form could not be read."))
			return
		}
		name, next := r.PostForm.Get("account"), localPath(r.PostForm.Get("next"))
		token, _, err := svc.SignIn(r.Context(), name, r.PostForm.Get("passphrase"))
		if code := marketplace.ErrorCode(err); code == marketplace.EFORBIDDEN || code == marketplace.ENOTFOUND || code == marketplace.EINVALID {
			accts, _ := svc.Accounts(r.Context())
			render(w, r, logger, http.StatusForbidden, page{Title: "Sign in", Content: signInPage(accts, name, next, marketplace.ErrorMessage(err))})
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		setSessionCookie(w, r, token)
		ws.set(token)
		if isHTMX(r) {
			w.Header().Set("HX-Redirect", next)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
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

package frontend

import (
	"log/slog"
	"net/http"

	"context"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// handlePage serves a page whose content does not depend on the request.
func handlePage(logger *slog.Logger, title, section string, content templ.Component) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, logger, http.StatusOK, page{Title: title, Section: section, Content: content})
	})
}

// handleStatus handles GET /status/: the node's live state; paths, accounts
// and balances only for a signed-in user.
func handleStatus(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := svc.Status(r.Context())
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		cs, err := svc.ChainStatus(r.Context())
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		_, signedIn := sessionFrom(r.Context())
		render(w, r, logger, http.StatusOK, page{Title: "Status", Section: "status", Content: statusPage(st, cs, signedIn)})
	})
}

// handleRenameNode handles POST /status/node and answers with the node card,
// showing the reason in the form when the name is refused.
func handleRenameNode(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseFormUpTo(w, r, 4<<10); err != nil {
			renderError(w, r, logger, err)
			return
		}
		name := r.PostForm.Get("name")
		n, err := svc.RenameNode(r.Context(), name)
		if code := marketplace.ErrorCode(err); code == marketplace.EINVALID {
			n.Name = name
			renderComponent(w, r, logger, http.StatusUnprocessableEntity, nodeCard(n, marketplace.ErrorMessage(err)))
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		if !isHTMX(r) { // a plain form post: back to the page, which shows the new name
			http.Redirect(w, r, "/status/", http.StatusSeeOther)
			return
		}
		renderComponent(w, r, logger, http.StatusOK, nodeCard(n, ""))
	})
}

// handleHealth answers GET /healthz for scripts that wait for the server.
func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
}

// handleNotFound answers every path no other route claims.
func handleNotFound(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		renderError(w, r, logger, marketplace.Errorf(marketplace.ENOTFOUND, "There is no page at %s.", r.URL.Path))
	})
}

// handleSetRoles handles POST /status/roles: the signed-in user changes
// their own roles. htmx gets the roles card and the navigation redrawn out
// of band; an empty set or an unknown role is 422 with the reason.
func handleSetRoles(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseFormUpTo(w, r, 4<<10); err != nil {
			renderError(w, r, logger, err)
			return
		}
		sess, _ := sessionFrom(r.Context())
		token, _ := sessionTokenFrom(r.Context())
		var roles []marketplace.Role
		for _, v := range r.PostForm["role"] {
			roles = append(roles, marketplace.Role(v))
		}
		rs, err := svc.SetAccountRoles(r.Context(), app.BySession(token), roles)
		if code := marketplace.ErrorCode(err); code == marketplace.EINVALID && isHTMX(r) {
			renderComponent(w, r, logger, http.StatusUnprocessableEntity, rolesCard(sess.Roles, marketplace.ErrorMessage(err)))
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		if !isHTMX(r) { // a plain form post: back to the page, drawn with the new roles
			http.Redirect(w, r, "/status/", http.StatusSeeOther)
			return
		}
		sess.Roles = rs
		ctx := context.WithValue(r.Context(), sessionKey{}, signedIn{sess, token})
		renderComponent(w, r.WithContext(ctx), logger, http.StatusOK, rolesUpdated(rs))
	})
}

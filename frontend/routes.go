package frontend

import (
	"log/slog"
	"net/http"
)

// addRoutes is the whole surface of the UI. Pages live at paths ending in "/"
// because the desktop window's Wails runtime is only injected there.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, svc Service, static http.Handler, ws *windowSession) {
	mux.Handle("GET /{$}", handlePage(logger, "Home", "", homePage()))
	mux.Handle("GET /mydata/{$}", requireSession(handlePage(logger, "My data", "mydata", myDataPage())))
	mux.Handle("GET /catalog/{$}", handlePage(logger, "Catalog", "catalog", catalogPage()))
	mux.Handle("GET /trials/{$}", handlePage(logger, "Trials", "trials", trialsPage()))
	mux.Handle("GET /status/{$}", handleStatus(logger, svc))
	mux.Handle("POST /status/node", handleRenameNode(logger, svc))
	mux.Handle("GET /signin/{$}", handleSignInPage(logger, svc))
	mux.Handle("POST /signin", handleSignIn(logger, svc, ws))
	mux.Handle("POST /signout", handleSignOut(logger, svc, ws))
	mux.Handle("GET /healthz", handleHealth())
	mux.Handle("GET /static/", http.StripPrefix("/static/", static))
	mux.Handle("/", handleNotFound(logger))
}

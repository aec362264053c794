package frontend

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/marketplace"
)

// isHTMX reports whether htmx sent the request, in which case it gets a
// fragment instead of a full page.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// render writes p as a full page, or as a fragment for htmx navigations.
func render(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, p page) {
	c := layout(p)
	if isHTMX(r) {
		c = fragment(p)
	}
	renderComponent(w, r, logger, status, c)
}

// renderBuffers reuses page buffers: growing a fresh one for every page was
// half of what a catalog or card request allocated (the GC work behind the
// p99 under load, build/bench-web.sh), like fmt's pool of printers.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps a rare huge page from pinning its buffer.
const maxPooledBuffer = 1 << 20

// renderComponent renders into a buffer first so a failing template yields a
// clean 500 rather than half a page.
func renderComponent(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, c templ.Component) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		logger.Error("render", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows err to the user with the status its code maps to: as a
// page, or as an alert fragment for htmx requests that are not navigations.
func renderError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := marketplace.ErrorCode(err)
	status := retryStatus(w, err, httpStatus(code)) // 429 when the client must wait (session.go)
	if status >= 500 {
		logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	msg := marketplace.ErrorMessage(err)
	if isHTMX(r) && r.Header.Get("HX-Boosted") != "true" {
		renderComponent(w, r, logger, status, errorFragment(msg))
		return
	}
	render(w, r, logger, status, page{Title: http.StatusText(status), Content: errorPage(status, errorTitle(code), msg)})
}

// httpStatus is the HTTP status of an application error code: the one
// mapping, marketplace.HTTPStatus, which the provider API answers with too.
func httpStatus(code string) int { return marketplace.HTTPStatus(&marketplace.Error{Code: code}) }

func errorTitle(code string) string {
	switch code {
	case marketplace.ENOTFOUND:
		return "Page not found"
	case marketplace.EFORBIDDEN:
		return "Not allowed"
	case marketplace.EINVALID:
		return "Check your input"
	case marketplace.ECONFLICT:
		return "Conflict"
	case marketplace.EUNAVAILABLE:
		return "Temporarily unavailable"
	default:
		return "Something went wrong"
	}
}

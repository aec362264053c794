// Package frontend is medmarket's one UI: templ components rendered by one
// http.Handler, served over HTTP by `medmarket serve` and inside the Wails
// window by `medmarket desktop`.
//
// It owns the routes (routes.go, every one on one screen), the handlers,
// sessions and CSRF protection, the templ pages and the embedded static
// assets. Handlers call the use cases through the service interfaces
// NewServer is given (app.App satisfies them) and pass errors on:
// renderError shows them with the status marketplace.HTTPStatus maps their
// code to, the same mapping the provider API answers with.
//
// It imports app and the domain types of marketplace, never a part of
// marketplace (chain, store, trials, ledger, provider, catalog, vault,
// contracts) nor main (DESIGN.md's dependency table; TestLayering holds it).
//
// The templ components (*.templ) compile to the committed *_templ.go files:
// `go generate ./frontend` regenerates them (without templ's version line, so
// that the package comment above stays the package's only doc).
package frontend

//go:generate go tool templ generate -include-version=false

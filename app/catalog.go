package app

import (
	"context"
	"fmt"

	"github.com/medmarket/medmarket/marketplace"
)

// SyncCatalog brings the catalog up to the chain's head (the CLI calls it
// before a search; serve keeps it current with RunMarket).
func (a *App) SyncCatalog(ctx context.Context) error {
	ix, _, err := a.ready()
	if err != nil {
		return err
	}
	if _, err := ix.Sync(ctx); err != nil {
		return err
	}
	a.reconcilePublishes(ctx)
	if _, err := ix.RetryCards(ctx); err != nil {
		a.log.Warn("retry cards", "err", err)
	}
	return nil
}

// Search returns one page of catalog listings matching f and the number of
// matches (see marketplace.CatalogService.SearchCatalog); EINVALID names a
// bad filter field.
func (a *App) Search(ctx context.Context, f marketplace.CatalogFilter) ([]*marketplace.Listing, int, error) {
	return a.market.catalog.SearchCatalog(ctx, f)
}

// Listing returns a listing by id, whatever its state; ENOTFOUND when the
// catalog has not seen it (it syncs with the chain once before saying so).
func (a *App) Listing(ctx context.Context, id uint64) (*marketplace.Listing, error) {
	l, err := a.market.catalog.Listing(ctx, id)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		if serr := a.SyncCatalog(ctx); serr == nil {
			l, err = a.market.catalog.Listing(ctx, id)
		}
	}
	return l, err
}

// TermLine is one licence condition in plain words.
type TermLine struct {
	Code   string // DUO shorthand ("HMB"), or "" for duration and seats
	Text   string // "health or medical or biomedical research"
	Detail string // from the card: the disease for DS...
}

// TermsInWords explains a listing's terms, each DUO code with its label and
// the card's detail, then duration and seats.
func TermsInWords(t marketplace.Terms, detail map[string]string) []TermLine {
	var out []TermLine
	for _, c := range t.Use.Codes() {
		out = append(out, TermLine{Code: c.Short(), Text: c.Label() + " (" + c.OntologyID() + ")", Detail: detail[c.Short()]})
	}
	dur := "the licence never expires"
	if t.DurationDays > 0 {
		dur = fmt.Sprintf("the licence lasts %d days from purchase (buying again renews it)", t.DurationDays)
	}
	out = append(out, TermLine{Text: dur}, TermLine{Text: fmt.Sprintf("the holder may seat %d team members", t.Seats)})
	return out
}

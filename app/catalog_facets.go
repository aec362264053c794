package app

import (
	"context"

	"github.com/medmarket/medmarket/marketplace"
)

// CatalogFacets returns the facet counts of the catalog search f (see
// marketplace.CatalogFacets: per DUO code, data type, row band and price
// band); EINVALID names a bad filter field.
func (a *App) CatalogFacets(ctx context.Context, f marketplace.CatalogFilter) (*marketplace.CatalogFacets, error) {
	return a.market.catalog.CatalogFacets(ctx, f)
}

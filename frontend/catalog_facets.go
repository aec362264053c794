package frontend

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// The catalog's facets (catalog_facets.templ): beside the results, per DUO
// code, data type, row band and price band, how many listings the search
// keeps with that refinement (marketplace.CatalogFacets says how each is
// counted). Each value is a link to the catalog with that value toggled, so
// the facets work without JavaScript and, boosted by htmx like every link,
// re-render the whole catalog, its form included. Codes and types combine
// (all of); a row or price band replaces the rows and price bounds typed in
// the form. Codes and types no listing carries are left out; empty bands
// stay, greyed and not links, so the bands read as a distribution.

// catalogFacets returns the facet counts of the search f, or nil (logged)
// when they cannot be had: the results are shown without them.
func catalogFacets(ctx context.Context, logger *slog.Logger, svc Service, f marketplace.CatalogFilter) *marketplace.CatalogFacets {
	fc, err := svc.CatalogFacets(ctx, f)
	if err != nil {
		logger.Warn("catalog without facets", "err", err)
		return nil
	}
	return fc
}

// applyBands narrows f to the chosen row and price bands (intersected with
// the bounds typed in the form), or returns EINVALID naming an unknown band
// or bounds that leave nothing.
func (q catalogQuery) applyBands(f *marketplace.CatalogFilter) error {
	if q.Rows != "" {
		b, err := marketplace.RowBandOf(q.Rows)
		if err != nil {
			return err
		}
		f.RowsMin = max(f.RowsMin, b.Min)
		if b.Max != 0 && (f.RowsMax == 0 || b.Max < f.RowsMax) {
			f.RowsMax = b.Max
		}
		if f.RowsMax != 0 && f.RowsMin > f.RowsMax {
			return marketplace.Errorf(marketplace.EINVALID, "Rows: the band %s and at least %d rows leave nothing.", b.Label, f.RowsMin)
		}
	}
	if q.Price != "" {
		b, err := marketplace.PriceBandOf(q.Price)
		if err != nil {
			return err
		}
		if f.PriceMin == nil || f.PriceMin.Cmp(b.Min) < 0 {
			f.PriceMin = b.Min
		}
		if b.Max != nil && (f.PriceMax == nil || b.Max.Cmp(f.PriceMax) < 0) {
			f.PriceMax = b.Max
		}
		if f.PriceMax != nil && f.PriceMin.Cmp(f.PriceMax) > 0 {
			return marketplace.Errorf(marketplace.EINVALID, "Price: the band %s and the prices typed leave nothing.", b.Label)
		}
	}
	return nil
}

// facetEntry is one value of a facet, as the sidebar shows it.
type facetEntry struct {
	Key      string // data-facet: "duo:HMB", "type:patients", "rows:100-999", "price:free"
	Label    string
	Title    string // a longer label, or ""
	Count    int
	Selected bool
	URL      string // the catalog with this value toggled
}

// facetGroup is one facet: its values, in a fixed order.
type facetGroup struct {
	ID        string
	Title     string
	HideEmpty bool // leave out values with no listing (unless selected)
	Entries   []facetEntry
}

// shown reports whether the sidebar shows e.
func (g facetGroup) shown(e facetEntry) bool {
	return e.Count > 0 || e.Selected || !g.HideEmpty
}

// facetGroups are the sidebar's facets, or none without counts.
func (v catalogView) facetGroups() []facetGroup {
	fc := v.Facets
	if fc == nil {
		return nil
	}
	q := v.Query
	terms := facetGroup{ID: "facet-terms", Title: "Licence terms", HideEmpty: true}
	for i, c := range marketplace.AllDUOCodes() {
		if i >= len(fc.Terms) {
			break
		}
		terms.Entries = append(terms.Entries, facetEntry{Key: "duo:" + c.Short(), Label: c.Short(), Title: c.Label(),
			Count: fc.Terms[i].Count, Selected: q.hasTerm(c), URL: q.with(func(q *catalogQuery) { q.Terms = toggle(q.Terms, c.Short()) })})
	}
	types := facetGroup{ID: "facet-types", Title: "Data types", HideEmpty: true}
	for _, c := range fc.DataTypes {
		types.Entries = append(types.Entries, facetEntry{Key: "type:" + c.Value, Label: c.Value, Count: c.Count,
			Selected: q.hasType(c.Value), URL: q.with(func(q *catalogQuery) { q.Types = toggle(q.Types, c.Value) })})
	}
	rows := facetGroup{ID: "facet-rows", Title: "Rows"}
	for i, b := range marketplace.RowBands() {
		rows.Entries = append(rows.Entries, facetEntry{Key: "rows:" + b.Key, Label: b.Label, Count: at(fc.Rows, i),
			Selected: q.Rows == b.Key, URL: q.with(func(q *catalogQuery) { q.Rows, q.RowsMin = band(q.Rows, b.Key), "" })})
	}
	prices := facetGroup{ID: "facet-prices", Title: "Price"}
	for i, b := range marketplace.PriceBands() {
		prices.Entries = append(prices.Entries, facetEntry{Key: "price:" + b.Key, Label: b.Label, Count: at(fc.Prices, i),
			Selected: q.Price == b.Key, URL: q.with(func(q *catalogQuery) { q.Price, q.PriceMin, q.PriceMax = band(q.Price, b.Key), "", "" })})
	}
	return []facetGroup{terms, types, rows, prices}
}

// with returns the URL of the first page of q changed by change; q itself
// is left as it is.
func (q catalogQuery) with(change func(*catalogQuery)) string {
	q.Terms, q.Types = slices.Clone(q.Terms), slices.Clone(q.Types)
	change(&q)
	return q.pageURL(1)
}

// toggle removes value from values (case-insensitively) if there, and adds
// it otherwise.
func toggle(values []string, value string) []string {
	if slices.ContainsFunc(values, func(v string) bool { return strings.EqualFold(v, value) }) {
		return slices.DeleteFunc(values, func(v string) bool { return strings.EqualFold(v, value) })
	}
	return append(values, value)
}

// band is the band chosen after clicking key: none when key was chosen.
func band(current, key string) string {
	if current == key {
		return ""
	}
	return key
}

func at(fc []marketplace.FacetCount, i int) int {
	if i < len(fc) {
		return fc[i].Count
	}
	return 0
}

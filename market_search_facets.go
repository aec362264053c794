package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/medmarket/medmarket/marketplace"
)

// facetsOut is `search --facets --json`: for the search, how many listings
// each refinement keeps (marketplace.CatalogFacets says how each counts).
type facetsOut struct {
	Total     int            `json:"total"`
	Terms     map[string]int `json:"terms"`      // DUO shorthand -> listings, codes no listing carries left out
	DataTypes map[string]int `json:"data_types"` // data type -> listings, likewise
	Rows      []bandOut      `json:"rows"`       // every row band, smallest first
	Prices    []bandOut      `json:"prices"`     // every price band, cheapest first
}

// bandOut is one row or price band and its count; Band is the key the
// catalog's URL takes ("100-999", "0.01-0.1").
type bandOut struct {
	Band  string `json:"band"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

func newFacetsOut(fc *marketplace.CatalogFacets) facetsOut {
	o := facetsOut{Total: fc.Total, Terms: map[string]int{}, DataTypes: map[string]int{}, Rows: []bandOut{}, Prices: []bandOut{}}
	for _, c := range fc.Terms {
		if c.Count > 0 {
			o.Terms[c.Value] = c.Count
		}
	}
	for _, c := range fc.DataTypes {
		if c.Count > 0 {
			o.DataTypes[c.Value] = c.Count
		}
	}
	for i, b := range marketplace.RowBands() {
		if i < len(fc.Rows) {
			o.Rows = append(o.Rows, bandOut{Band: b.Key, Label: b.Label, Count: fc.Rows[i].Count})
		}
	}
	for i, b := range marketplace.PriceBands() {
		if i < len(fc.Prices) {
			o.Prices = append(o.Prices, bandOut{Band: b.Key, Label: b.Label, Count: fc.Prices[i].Count})
		}
	}
	return o
}

// printFacets writes the facet counts, as JSON or as a table of one line a
// facet.
func printFacets(c *cli, fc *marketplace.CatalogFacets, asJSON bool) error {
	o := newFacetsOut(fc)
	if asJSON {
		return writeJSON(c, o)
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	counts := func(values []marketplace.FacetCount) string {
		var parts []string
		for _, v := range values {
			if v.Count > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", v.Value, v.Count))
			}
		}
		return strings.Join(parts, ", ")
	}
	bands := func(bs []bandOut) string {
		var parts []string
		for _, b := range bs {
			parts = append(parts, fmt.Sprintf("%s %d", b.Label, b.Count))
		}
		return strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "MATCHES\t%d\n", o.Total)
	fmt.Fprintf(w, "TERMS\t%s\n", counts(fc.Terms))
	fmt.Fprintf(w, "DATA TYPES\t%s\n", counts(fc.DataTypes))
	fmt.Fprintf(w, "ROWS\t%s\n", bands(o.Rows))
	fmt.Fprintf(w, "PRICE\t%s\n", bands(o.Prices))
	return w.Flush()
}

package main

import (
	"context"
	"fmt"
	"math/big"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// listingOut is a listing as `search --json` prints it.
type listingOut struct {
	ID           uint64   `json:"id"`
	Title        string   `json:"title"`
	Price        string   `json:"price"` // ether, decimal
	PriceWei     string   `json:"price_wei"`
	Terms        string   `json:"terms"` // DUO codes joined by "+"
	DurationDays uint32   `json:"duration_days"`
	Seats        uint16   `json:"seats"`
	Rows         uint64   `json:"rows"`
	Format       string   `json:"format"`
	Tags         []string `json:"tags"`
	Publisher    string   `json:"publisher"`
	Seller       string   `json:"seller"`
	Provider     string   `json:"provider"`
	ContentHash  string   `json:"content_hash"`
	Sales        uint64   `json:"sales"`
	Active       bool     `json:"active"`
}

// newListingOut is l as search and sales print it.
func newListingOut(l *marketplace.Listing) listingOut {
	o := listingOut{ID: l.ID, Title: l.Title(), Price: formatEther(l.Price), PriceWei: l.Price.String(), Terms: l.Terms.Use.String(),
		DurationDays: l.Terms.DurationDays, Seats: l.Terms.Seats, Seller: l.Seller.Hex(), Provider: l.Provider,
		ContentHash: l.ContentHash.Hex(), Sales: l.Sales, Active: l.Active, Tags: []string{}}
	if l.Card != nil {
		o.Rows, o.Format, o.Tags, o.Publisher = l.Card.Rows, l.Card.Format, nonNilStrings(l.Card.Tags), l.Card.Publisher
	}
	return o
}

// nonNilStrings keeps JSON arrays arrays: nil prints as [].
func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// newSearchCmd builds `search`: the catalog, synced from the chain first.
func newSearchCmd(c *cli) *cobra.Command {
	var asJSON, delisted, facets bool
	var terms, maxPrice, minPrice, sort, dataTypes, publisher string
	var minRows, maxRows uint64
	var limit, offset int
	var f marketplace.CatalogFilter
	cmd := &cobra.Command{
		Use:   "search [TEXT]",
		Short: "Search the catalog (synced from the chain first)",
		Args:  cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			f = marketplace.CatalogFilter{RowsMin: minRows, RowsMax: maxRows, Sort: sort, Limit: limit, Offset: offset, IncludeDelisted: delisted,
				DataTypes: splitCSV(dataTypes), Publisher: publisher}
			if len(args) == 1 {
				f.Query = args[0]
			}
			if f.Terms, err = marketplace.ParseDUO(terms); err != nil {
				return err
			}
			for _, p := range []struct {
				s   string
				dst **big.Int
			}{{maxPrice, &f.PriceMax}, {minPrice, &f.PriceMin}} {
				if p.s != "" {
					if *p.dst, err = marketplace.ParseEther(p.s); err != nil {
						return err
					}
				}
			}
			return nil
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			if err := a.SyncCatalog(ctx); err != nil {
				return err
			}
			if facets {
				fc, err := a.CatalogFacets(ctx, f)
				if err != nil {
					return err
				}
				return printFacets(c, fc, asJSON)
			}
			ls, total, err := a.Search(ctx, f)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]listingOut, 0, len(ls))
				for _, l := range ls {
					out = append(out, newListingOut(l))
				}
				return writeJSON(c, out)
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "ID\tTITLE\tPRICE (ETH)\tTERMS\tROWS\tSALES\tPROVIDER\n")
			for _, l := range ls {
				o := newListingOut(l)
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%d\t%s\n", o.ID, o.Title, o.Price, l.Terms, o.Rows, o.Sales, o.Provider)
			}
			fmt.Fprintf(w, "(%d of %d)\n", len(ls), total)
			return w.Flush()
		}}),
	}
	fl := cmd.Flags()
	fl.BoolVar(&asJSON, "json", false, "print a JSON array")
	fl.StringVar(&terms, "terms", "", "DUO codes a listing must all carry (HMB,IRB)")
	fl.StringVar(&maxPrice, "max-price", "", "highest price in ether")
	fl.StringVar(&minPrice, "min-price", "", "lowest price in ether")
	fl.Uint64Var(&minRows, "min-rows", 0, "least number of rows")
	fl.Uint64Var(&maxRows, "max-rows", 0, "most rows (0: no bound)")
	fl.BoolVar(&facets, "facets", false, "print, instead of the listings, how many match per DUO code, data type, row band and price band")
	fl.StringVar(&dataTypes, "data-types", "", "record kinds a dataset must all hold")
	fl.StringVar(&publisher, "publisher", "", "publisher named on the card")
	fl.StringVar(&sort, "sort", "", "relevance, newest, price_asc, price_desc or sales")
	fl.IntVar(&limit, "limit", 0, "results per page (default 20, at most 100)")
	fl.IntVar(&offset, "offset", 0, "results to skip")
	fl.BoolVar(&delisted, "delisted", false, "include delisted listings")
	return cmd
}

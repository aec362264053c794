package marketplace

import (
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
)

// Catalog sort orders.
const (
	SortRelevance = "relevance" // best text match first; the default when there is query text
	SortNewest    = "newest"    // most recently listed first; the default without query text
	SortPriceAsc  = "price_asc" // cheapest first
	SortPriceDesc = "price_desc"
	SortSales     = "sales" // most sold first
)

// catalogSorts lists the valid sort orders.
var catalogSorts = []string{SortRelevance, SortNewest, SortPriceAsc, SortPriceDesc, SortSales}

// CatalogSorts returns the valid sort orders.
func CatalogSorts() []string { return slices.Clone(catalogSorts) }

// Page sizes of catalog searches.
const (
	DefaultCatalogLimit = 20
	MaxCatalogLimit     = 100
	maxQueryLen         = 500
)

// CatalogFilter selects and orders catalog listings. The zero value finds every active listing
// with a verified card, newest first, first page.
type CatalogFilter struct {
	// Query is free text matched against title, description, tags, terms (each DUO code's
	// shorthand and label, the terms detail such as the DS disease), column names and a
	// release's table and column names: every word must match, the last one as a prefix (so
	// results follow typing).
	Query string `json:"query,omitempty"`
	// Terms lists DUO codes a listing must all carry (e.g. HMB|IRB).
	Terms DUO `json:"terms,omitempty"`
	// PriceMin and PriceMax bound the price in wei, inclusive; nil means unbounded.
	PriceMin *big.Int `json:"-"`
	PriceMax *big.Int `json:"-"`
	// RowsMin is the least number of rows a dataset must have.
	RowsMin uint64 `json:"rows_min,omitempty"`
	// RowsMax, when not 0, is the most rows a dataset may have (a row band, RowBands()).
	RowsMax uint64 `json:"rows_max,omitempty"`
	// DataTypes lists record kinds (see DataTypes()) a dataset must all hold.
	DataTypes []string `json:"data_types,omitempty"`
	// Publisher, when set, keeps listings whose card names this publisher (case-insensitive).
	Publisher string `json:"publisher,omitempty"`
	// Seller, when set, keeps listings by this account.
	Seller *common.Address `json:"seller,omitempty"`
	// IncludeDelisted also returns delisted listings (for "My datasets" and licence holders).
	IncludeDelisted bool `json:"include_delisted,omitempty"`
	// Sort is one of CatalogSorts(); "" means relevance with query text and newest without.
	Sort string `json:"sort,omitempty"`
	// Offset skips that many results; Limit caps the page (0 means DefaultCatalogLimit, at most
	// MaxCatalogLimit).
	Offset int `json:"offset,omitempty"`
	Limit  int `json:"limit,omitempty"`
}

// Normalize validates the filter and returns it with defaults filled in (sort, limit), or an
// EINVALID error naming the bad field.
func (f CatalogFilter) Normalize() (CatalogFilter, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultCatalogLimit
	}
	if f.Sort == "" {
		f.Sort = SortNewest
		if strings.TrimSpace(f.Query) != "" {
			f.Sort = SortRelevance
		}
	}
	return f, nil
}

// Validate reports whether the filter is usable, as an EINVALID error naming the bad field.
func (f *CatalogFilter) Validate() error {
	if len(f.Query) > maxQueryLen {
		return Errorf(EINVALID, "Search query longer than %d bytes.", maxQueryLen)
	}
	if !utf8.ValidString(f.Query) {
		return Errorf(EINVALID, "Search query is not valid UTF-8.")
	}
	if f.Terms&^(duoEnd-1) != 0 {
		return Errorf(EINVALID, "Filter terms use unknown DUO bits %#x.", uint64(f.Terms&^(duoEnd-1)))
	}
	if err := f.validateBounds(); err != nil {
		return err
	}
	for i, dt := range f.DataTypes {
		if !slices.Contains(dataTypes, dt) {
			return Errorf(EINVALID, "Filter data_types[%d] %q unknown (want one of %s).", i, dt, strings.Join(dataTypes, ", "))
		}
	}
	if len(f.Publisher) > maxPublisherLen {
		return Errorf(EINVALID, "Filter publisher longer than %d bytes.", maxPublisherLen)
	}
	if f.Sort != "" && !slices.Contains(catalogSorts, f.Sort) {
		return Errorf(EINVALID, "Filter sort %q unknown (want one of %s).", f.Sort, strings.Join(catalogSorts, ", "))
	}
	if f.Sort == SortRelevance && strings.TrimSpace(f.Query) == "" {
		return Errorf(EINVALID, "Filter sort %q needs query text.", f.Sort)
	}
	if f.Offset < 0 {
		return Errorf(EINVALID, "Filter offset %d must not be negative.", f.Offset)
	}
	if f.Limit < 0 {
		return Errorf(EINVALID, "Filter limit %d must not be negative.", f.Limit)
	}
	if f.Limit > MaxCatalogLimit {
		return Errorf(EINVALID, "Filter limit %d above the maximum %d.", f.Limit, MaxCatalogLimit)
	}
	return nil
}

// validateBounds checks the price and row bounds.
func (f *CatalogFilter) validateBounds() error {
	if f.PriceMin != nil && f.PriceMin.Sign() < 0 {
		return Errorf(EINVALID, "Filter price_min must not be negative.")
	}
	if f.PriceMax != nil && f.PriceMax.Sign() < 0 {
		return Errorf(EINVALID, "Filter price_max must not be negative.")
	}
	if f.PriceMin != nil && f.PriceMin.Cmp(maxUint256) > 0 {
		return Errorf(EINVALID, "Filter price_min above 2^256-1 wei.")
	}
	if f.PriceMax != nil && f.PriceMax.Cmp(maxUint256) > 0 {
		return Errorf(EINVALID, "Filter price_max above 2^256-1 wei.")
	}
	if f.PriceMin != nil && f.PriceMax != nil && f.PriceMin.Cmp(f.PriceMax) > 0 {
		return Errorf(EINVALID, "Filter price_min %s is above price_max %s.", f.PriceMin, f.PriceMax)
	}
	if f.RowsMax != 0 && f.RowsMin > f.RowsMax {
		return Errorf(EINVALID, "Filter rows_min %d is above rows_max %d.", f.RowsMin, f.RowsMax)
	}
	return nil
}

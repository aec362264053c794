package marketplace

import (
	"math/big"
	"strings"
	"testing"
)

func TestCatalogFilter_ValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name  string
		f     CatalogFilter
		field string
	}{
		{"negative limit", CatalogFilter{Limit: -1}, "limit"},
		{"huge limit", CatalogFilter{Limit: MaxCatalogLimit + 1}, "limit"},
		{"negative offset", CatalogFilter{Offset: -5}, "offset"},
		{"unknown sort", CatalogFilter{Sort: "cheapest"}, "sort"},
		{"relevance without query", CatalogFilter{Sort: SortRelevance}, "sort"},
		{"negative price", CatalogFilter{PriceMin: big.NewInt(-1)}, "price_min"},
		{"huge price", CatalogFilter{PriceMax: new(big.Int).Lsh(big.NewInt(1), 256)}, "price_max"},
		{"inverted price", CatalogFilter{PriceMin: big.NewInt(5), PriceMax: big.NewInt(4)}, "price_min"},
		{"data type", CatalogFilter{DataTypes: []string{"x"}}, "data_types[0]"},
		{"terms", CatalogFilter{Terms: DUO(1) << 60}, "terms"},
		{"query", CatalogFilter{Query: strings.Repeat("q", 501)}, "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f.Normalize()
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Normalize() = %v, want EINVALID naming %q", err, tt.field)
			}
		})
	}
	f, err := CatalogFilter{Query: "diabetes"}.Normalize()
	if err != nil || f.Sort != SortRelevance || f.Limit != DefaultCatalogLimit {
		t.Errorf("defaults with query: %+v, %v", f, err)
	}
	f, err = CatalogFilter{}.Normalize()
	if err != nil || f.Sort != SortNewest {
		t.Errorf("defaults without query: %+v, %v", f, err)
	}
}

package store

import (
	"context"
	"slices"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// TestSearchCatalog_termsAndReleaseColumns: a search finds a listing by the
// disease its DS terms name, by its DUO codes' shorthands and labels, and by
// a release's table and column names; other listings stay out.
func TestSearchCatalog_termsAndReleaseColumns(t *testing.T) {
	_, c, _ := openCatalog(t)
	ctx := context.Background()
	ds := card("Outpatient cohort", "Visits and labs.", []string{"cohort"}, []string{"patient_id", "sex"}, 500, []string{"patients"}, "")
	ds.TermsDetail = map[string]string{"DS": "type 2 diabetes"}
	rel := card("Regional release", "Several tables.", []string{"release"}, []string{"patient_id"}, 200, []string{"patients"}, "")
	rel.Package = marketplace.PackageZIP
	rel.Tables = []marketplace.CardTable{{Name: "observations", Rows: 900, Columns: []marketplace.CardColumn{{Name: "loinc_code", Type: "string", Role: "insensitive"}}}}
	rel.Statistics = []byte(`{"tables":[{"table":"Condition","columns":[{"name":"code","kind":"categories","cells":[{"label":"55822004","value":40},{"label":"Hyperlipidemia (disorder)","value":40}]},{"name":"onset","kind":"years","cells":[{"label":"1987","value":30}]}]}]}`)
	other := card("Asthma registry", "Spirometry.", []string{"asthma"}, []string{"fev1"}, 300, []string{"patients"}, "")
	ls := []*marketplace.Listing{
		listing(1, alice, 10, marketplace.DS|marketplace.IRB, ds),
		listing(2, alice, 10, marketplace.HMB, rel),
		listing(3, bob, 10, marketplace.HMB, other),
	}
	var evs []marketplace.ListingEvent
	for _, l := range ls {
		evs = append(evs, listedEvent(l))
	}
	if err := c.ApplyBlocks(ctx, 0, 50, evs); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]uint64{
		"diabetes":                  {1},
		"Diabetes ":                 {1},
		"type 2 diab":               {1},
		"disease specific research": {1},
		"ds":                        {1},
		"loinc_code":                {2},
		"observations":              {2},
		"55822004":                  {2}, // a code the card's statistics show
		"hyperlipidemia":            {2},
		"1987":                      {}, // a year bucket is not a category
		"asthma":                    {3},
		"diabetes observations":     {},
		"ethics approval":           {1},
		"irb":                       {1},
		"biomedical":                {3, 2}, // newest first
	} {
		got, total, err := c.SearchCatalog(ctx, marketplace.CatalogFilter{Query: q})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if !slices.Equal(ids(got), want) || total != len(want) {
			t.Errorf("search %q: %v (total %d), want %v", q, ids(got), total, want)
		}
	}
}

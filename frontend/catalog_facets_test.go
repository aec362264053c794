package frontend

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// facetLink is one facet value as the catalog renders it.
type facetLink struct {
	href    string
	checked bool
	count   int
}

var (
	facetLinkRe  = regexp.MustCompile(`(?s)<a href="([^"]*)" class="facet" data-facet="([^"]*)" role="checkbox" aria-checked="(true|false)"[^>]*>.*?<small>(\d+)</small>`)
	facetEmptyRe = regexp.MustCompile(`<span class="facet facet-empty" data-facet="([^"]*)" aria-disabled="true"`)
	listingRe    = regexp.MustCompile(`class="listing-link">([^<]*)</a>`)
)

// facetsOf reads the facet links of a catalog page, and the values shown
// greyed without a link.
func facetsOf(t *testing.T, body string) (links map[string]facetLink, empty []string) {
	t.Helper()
	links = map[string]facetLink{}
	for _, m := range facetLinkRe.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[4])
		links[m[2]] = facetLink{href: html.UnescapeString(m[1]), checked: m[3] == "true", count: n}
	}
	for _, m := range facetEmptyRe.FindAllStringSubmatch(body, -1) {
		empty = append(empty, m[1])
	}
	return links, empty
}

func listingTitles(body string) []string {
	var out []string
	for _, m := range listingRe.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// wantFacet checks one facet value's count and check mark.
func wantFacet(t *testing.T, what string, links map[string]facetLink, key string, count int, checked bool) facetLink {
	t.Helper()
	l, ok := links[key]
	if !ok {
		t.Fatalf("%s: no facet link %s in %v", what, key, links)
	}
	if l.count != count || l.checked != checked {
		t.Errorf("%s: facet %s counts %d (checked %v), want %d (checked %v)", what, key, l.count, l.checked, count, checked)
	}
	return l
}

// TestCatalog_facets: the catalog shows, beside the results, a link per DUO
// code, data type, row band and price band with its count; following one
// filters the results, checks it, and keeps the query text; codes no
// listing carries are left out and empty bands are greyed, not links; the
// live search sends the sidebar to swap beside its results.
func TestCatalog_facets(t *testing.T) {
	f := newMarketFixture(t) // "Synthea patients" HMB+NCU 0.01 ETH, "Diabetes cohort" DS+IRB 0.5 ETH, both patients
	anon := &browserUser{t: t, srv: f.srv}

	res, body := anon.get("/catalog/", false)
	wantBody(t, "catalog", res, body, 200, `id="catalog-facets"`)
	links, empty := facetsOf(t, body)
	for key, n := range map[string]int{"duo:HMB": 1, "duo:NCU": 1, "duo:DS": 1, "duo:IRB": 1, "type:patients": 2, "price:0.01-0.1": 1, "price:0.1-1": 1} {
		wantFacet(t, "catalog", links, key, n, false)
	}
	if _, ok := links["duo:GRU"]; ok || strings.Contains(body, `data-facet="duo:GRU"`) {
		t.Error("a code no listing carries is shown")
	}
	if !strings.Contains(strings.Join(empty, " "), "price:free") {
		t.Errorf("the empty free band is not greyed: %v", empty)
	}
	rows := 0
	for key, l := range links {
		if strings.HasPrefix(key, "rows:") {
			rows += l.count
		}
	}
	if rows != 2 {
		t.Errorf("row bands count %d listings, want 2: %v", rows, links)
	}

	// Following a code's link filters by it and checks it; its link then takes it away.
	hmb := links["duo:HMB"].href
	res, body = anon.get(hmb, false)
	wantBody(t, "HMB followed", res, body, 200, "1 dataset found")
	if got := listingTitles(body); len(got) != 1 || got[0] != "Synthea patients" {
		t.Errorf("HMB followed: %v", got)
	}
	links, _ = facetsOf(t, body)
	if l := wantFacet(t, "HMB followed", links, "duo:HMB", 1, true); l.href != "/catalog/" {
		t.Errorf("the checked HMB links to %q, want the catalog without it", l.href)
	}
	if _, ok := links["duo:DS"]; ok {
		t.Error("DS still offered with HMB chosen (no listing has both)")
	}
	// Price bands leave the price out: with the cheap band chosen the other stays in view.
	res, body = anon.get(links["price:0.01-0.1"].href, false)
	wantBody(t, "HMB and cheap", res, body, 200, "1 dataset found")
	links, _ = facetsOf(t, body)
	wantFacet(t, "HMB and cheap", links, "price:0.01-0.1", 1, true)
	if _, ok := links["price:0.1-1"]; ok {
		t.Error("the 0.1–1 ETH band offered although no HMB listing is in it")
	}

	// Query text: the counts are those of the search, and a band keeps the text.
	res, body = anon.get("/catalog/?q=diabetes", false)
	wantBody(t, "diabetes", res, body, 200, "1 dataset found")
	links, _ = facetsOf(t, body)
	wantFacet(t, "diabetes", links, "duo:DS", 1, false)
	if _, ok := links["duo:HMB"]; ok {
		t.Error("HMB counted for the diabetes search")
	}
	band := wantFacet(t, "diabetes", links, "price:0.1-1", 1, false)
	if !strings.Contains(band.href, "q=diabetes") || !strings.Contains(band.href, "price=0.1-1") {
		t.Errorf("the band's link %q loses the search", band.href)
	}
	res, body = anon.get(band.href, false)
	wantBody(t, "diabetes in band", res, body, 200, "1 dataset found", `name="price" value="0.1-1"`)
	if got := listingTitles(body); len(got) != 1 || got[0] != "Diabetes cohort" {
		t.Errorf("diabetes in band: %v", got)
	}

	// The live search: the results and the sidebar, marked to swap out of band.
	req, _ := http.NewRequest("GET", f.srv.URL+"/catalog/?q=synthea", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "catalog-results")
	res, body = doNoFollow(t, req)
	wantBody(t, "live search", res, body, 200, `id="catalog-results"`, `id="catalog-facets"`, `hx-swap-oob="true"`, `data-facet="duo:HMB"`)
	if strings.Contains(body, "<html") {
		t.Error("the live search got the whole page")
	}

	res, body = anon.get("/catalog/?price=cheap", false)
	wantBody(t, "unknown band", res, body, 422, "Price band &#34;cheap&#34; unknown")
}

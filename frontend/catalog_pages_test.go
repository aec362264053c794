package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// The catalog pages through more results than fit on one page: every
// listing appears exactly once, newest first, the links keep the search,
// and a page past the end leads to the last one.
func TestCatalog_pagination(t *testing.T) {
	srv, a := newTestServer(t)
	ctx := t.Context()
	if _, err := a.CreateAccount(ctx, "alice", "alice-pass"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Fund(ctx, "alice", mustEther(t, "10")); err != nil {
		t.Fatal(err)
	}
	const paged = 2*catalogPageSize + 5
	var want []uint64
	for i := range paged + 2 {
		tag := "paged"
		if i >= paged {
			tag = "other" // not in the search
		}
		p, err := a.Publish(ctx, app.ByAccount("alice", "alice-pass"), app.PublishRequest{
			Reader: strings.NewReader(smallPatients), InputName: "patients.csv", Preset: "safe-harbor-k5",
			Title: fmt.Sprintf("Cohort %02d", i), Description: "Paging test", Tags: []string{tag}, DataTypes: []string{"patients"},
			Price: mustEther(t, "0.01"), Terms: marketplace.Terms{Use: marketplace.HMB, Seats: 1}})
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		if tag == "paged" {
			want = append(want, p.ListingID)
		}
	}
	slices.Reverse(want) // newest first

	anon := &browserUser{t: t, srv: srv}
	links := regexp.MustCompile(`href="/catalog/(\d+)/" class="listing-link"`)
	var got []uint64
	next := "/catalog/?q=paged&sort=newest"
	for page := 1; next != ""; page++ {
		res, body := anon.get(next, false)
		wantBody(t, next, res, body, 200, fmt.Sprintf("Page %d of 3", page), "45 datasets found")
		for _, m := range links.FindAllStringSubmatch(body, -1) {
			var id uint64
			if _, err := fmt.Sscan(m[1], &id); err != nil {
				t.Fatalf("listing id %q: %v", m[1], err)
			}
			got = append(got, id)
		}
		if hasPrev := strings.Contains(body, `rel="prev"`); hasPrev != (page > 1) {
			t.Errorf("page %d: previous link %v", page, hasPrev)
		}
		next = ""
		if m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
			u, err := url.Parse(next)
			if err != nil || u.Query().Get("q") != "paged" || u.Query().Get("sort") != "newest" || u.Query().Get("page") != fmt.Sprint(page+1) {
				t.Fatalf("page %d: next link %q loses the search", page, next)
			}
		}
		if page > 3 {
			t.Fatal("more than 3 pages")
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("listings over the pages:\n got %v\nwant %v", got, want)
	}

	// The live search's fragment pages the same way.
	req, _ := http.NewRequest("GET", srv.URL+"/catalog/?q=paged&sort=newest&page=3", nil)
	req.Header.Set("HX-Target", "catalog-results")
	res, body := anon.do(req, true)
	wantBody(t, "fragment page 3", res, body, 200, "Page 3 of 3", `rel="prev"`)
	if strings.Contains(body, "<html") || len(links.FindAllString(body, -1)) != 5 {
		t.Errorf("fragment page 3: want 5 listings without the page around them\n%s", body)
	}

	// Past the end: the last page, not "no datasets match".
	res, body = anon.get("/catalog/?q=paged&sort=newest&page=9", false)
	wantBody(t, "past the end", res, body, 303)
	if loc := res.Header.Get("Location"); loc != "/catalog/?page=3&q=paged&sort=newest" {
		t.Errorf("past the end redirects to %q", loc)
	}
}

package frontend

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// publishWide publishes, as alice, a generated table of 4,000 patients
// with long condition descriptions: large enough for its statistics to
// show, wide enough to test the report's layout.
func publishWide(t *testing.T, f *marketFixture) uint64 {
	t.Helper()
	conditions := []string{"Acute viral pharyngitis (disorder)", "Essential hypertension (disorder)", "Prediabetes (finding)",
		"Body mass index 30+ - obesity (finding)", "Chronic sinusitis (disorder)", "Diabetes mellitus type 2 (disorder)",
		"Hyperlipidemia (disorder)", "Anemia (disorder)"}
	var b strings.Builder
	b.WriteString("Id,BIRTHDATE,GENDER,CONDITION_DESCRIPTION_OF_THE_MOST_RECENT_ENCOUNTER,HEALTHCARE_EXPENSES\n")
	for i := range 4000 {
		fmt.Fprintf(&b, "P%05d,%d-06-15,%s,%s,%d.50\n", i, 1940+i%60, []string{"F", "M"}[i%2], conditions[(i*i)%len(conditions)], (i*7919)%250000)
	}
	in := filepath.Join(t.TempDir(), "wide.csv")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := f.a.Publish(t.Context(), app.ByAccount("alice", "alice-pass"), app.PublishRequest{Input: in, Preset: "safe-harbor-k5",
		Title: "Four thousand patients", Publisher: "Alice's clinic", Price: mustEther(t, "0.02"),
		Terms: marketplace.Terms{Use: marketplace.HMB, DurationDays: 365}})
	if err != nil {
		t.Fatal(err)
	}
	return p.ListingID
}

// The card page puts the decision first (price once, terms, the buy
// panel), then the statistics drawn as bars with their bounds and the
// caption, then schema, facts and the report.
func TestCard_statisticsAndDecisionFirst(t *testing.T) {
	f := newMarketFixture(t)
	wide := publishWide(t, f)
	for _, u := range []*browserUser{{t: t, srv: f.srv}, f.signIn(t, "bob")} {
		res, body := u.get(listingURL(wide), false)
		wantBody(t, "card", res, body, 200, `id="card-statistics"`, "<h2>Statistics</h2>",
			"Released with differential privacy: (ε = 1, δ = 10⁻⁶) for the whole card, discrete Gaussian noise (zCDP), at most 1 row per patient",
			"figures are ± the 95 % bound.", `href="#stats-explained"`, `id="stats-explained"`, `class="stats-bars"`, "missing ")
		if n := strings.Count(body, ">0.02 ETH<"); n != 1 {
			t.Errorf("the price 0.02 ETH appears %d times", n)
		}
		order := []string{`id="card-price"`, `id="card-terms"`, `id="buy-panel"`, `id="card-statistics"`, `id="card-schema"`, `id="card-facts"`, `id="card-report"`}
		for i := 1; i < len(order); i++ {
			if a, b := strings.Index(body, order[i-1]), strings.Index(body, order[i]); a < 0 || b < 0 || a > b {
				t.Errorf("%s (at %d) should come before %s (at %d)", order[i-1], a, order[i], b)
			}
		}
		bars := regexp.MustCompile(`<rect x="0" y="0" height="10" width="([0-9.]+)"></rect></svg></td><td class="stats-figure">\s*\d+ ± \d+`).FindAllStringSubmatch(body, -1)
		if len(bars) < 3 {
			t.Fatalf("%d bars with a figure and its bound", len(bars))
		}
		if strings.Contains(body, "style=") {
			t.Error("the card uses an inline style (the CSP forbids them)")
		}
	}
	res, body := f.signIn(t, "bob").get(listingURL(wide), false)
	wantBody(t, "signed in", res, body, 200, `id="buy-cost"`, `id="buy-button"`)
	if strings.Contains(body[strings.Index(body, `id="buy-cost"`):], ">Price<") {
		t.Error("the buy form repeats the price")
	}
}

// statsViewOf lays out bars from the numbers alone: widths relative to the
// largest count, prevalence over the Patient table's patients, year buckets
// within their noise of zero left out; a label is text, escaped.
func TestStatsViewOf(t *testing.T) {
	card := &marketplace.DatasetCard{Statistics: []byte(`{"epsilon":"1","delta":1e-6,"rho":"1/60","mechanism":"discrete Gaussian (zCDP)","composition":"ρ-zCDP, ρ = …","tables":[
		{"table":"Patient","epsilon":"1","rho":"1/120","max_rows_per_patient":1,"patient_column":"id","patients":{"value":200,"bound95":20},"rows":{"value":200,"bound95":20},"columns":[]},
		{"table":"Condition","epsilon":"1","rho":"1/120","max_rows_per_patient":20,"patient_column":"patient","patients":{"value":150,"bound95":20},"rows":{"value":900,"bound95":300},
		 "columns":[{"name":"code","type":"string","kind":"categories","counts":"patients","missing_share":0.05,"cells":[{"label":"<b>44054006</b>","value":100,"bound95":40},{"label":"38341003","value":50,"bound95":40}]},
		            {"name":"onset","type":"date","kind":"years","counts":"rows","cells":[{"label":"1990","value":30,"bound95":40},{"label":"2001","value":80,"bound95":40}]}]}]}`)}
	v := statsViewOf(card)
	if v.None || v.Problem != "" || len(v.Tables) != 2 || v.MaxRowsPerPatient != 20 || v.PerRow {
		t.Fatalf("view %+v", v)
	}
	if p := v.Tables[0]; p.Patients != "" || p.Rows != "" {
		t.Errorf("the Patient table repeats the card's exact count: %+v", p)
	}
	c := v.Tables[1]
	if c.Patients != "150 ± 20" || c.Rows != "900 ± 300" {
		t.Errorf("Condition counts %+v", c)
	}
	code := c.Columns[0]
	if len(code.Bars) != 2 || code.Bars[0].Width != "100.0" || code.Bars[1].Width != "50.0" || code.Bars[0].Figure != "100 ± 40" ||
		code.Bars[0].Prevalence != "≈ 50.0 % of patients" || code.Missing != "5.0 %" {
		t.Errorf("code column %+v", code)
	}
	if onset := c.Columns[1]; len(onset.Bars) != 1 || onset.Hidden != 1 || onset.Bars[0].Label != "2001" {
		t.Errorf("onset column %+v", onset)
	}
	var buf bytes.Buffer
	if err := cardStatistics(v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"&lt;b&gt;44054006&lt;/b&gt;", `width="100.0"`, `width="50.0"`, "≈ 50.0 % of patients", "Counts are patients holding the value.",
		"at most 20 rows per patient", "· ρ ≈ 0.008333",
		"Released with differential privacy: (ε = 1, δ = 10⁻⁶) for the whole card, discrete Gaussian noise (zCDP), at most 20 rows per patient; figures are ± the 95 % bound.",
		"drawn exactly from the discrete Gaussian distribution", "counted as ρ (zero-concentrated differential privacy)", "1 buckets within their noise of zero not shown."} {
		if !strings.Contains(html, want) {
			t.Errorf("statistics lack %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<b>44054006") {
		t.Error("a label reached the page unescaped")
	}
	buf.Reset()
	if err := cardStatistics(statsViewOf(&marketplace.DatasetCard{})).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No statistics on this card") {
		t.Errorf("a card without statistics: %s", buf.String())
	}
}

// A card published before zCDP (discrete Laplace, ε per table, no δ)
// still reads as it was released.
func TestStatsViewOf_laplaceCard(t *testing.T) {
	card := &marketplace.DatasetCard{Statistics: []byte(`{"epsilon":"1","mechanism":"discrete Laplace","composition":"basic composition: …","tables":[
		{"table":"A","epsilon":"1/2","max_rows_per_patient":1,"columns":[]},{"table":"B","epsilon":"1/2","max_rows_per_patient":1,"columns":[]}]}`)}
	v := statsViewOf(card)
	if got := v.caption(); !strings.HasPrefix(got, "Released with differential privacy: ε = 1 for the whole card, discrete Laplace noise, ") {
		t.Errorf("caption %q", got)
	}
	var buf bytes.Buffer
	if err := cardStatistics(v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if html := buf.String(); !strings.Contains(html, "· ε 1/2") || strings.Contains(html, "zero-concentrated") {
		t.Errorf("a Laplace card reads as zCDP:\n%s", html)
	}
	if got := powerOfTen(1e-6); got != "10⁻⁶" {
		t.Errorf("powerOfTen(1e-6) = %q", got)
	}
}

package dp

import (
	"math"
	"math/big"
	"strconv"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// TestCardRho: the card's ρ satisfies ρ + 2√(ρ ln(1/δ)) ≤ ε, δ = CardDelta/2,
// and is the largest that does to 5 digits: a ρ 10⁻⁵ larger breaks it.
func TestCardRho(t *testing.T) {
	for _, eps := range []*big.Rat{big.NewRat(1, 1), big.NewRat(7, 10), big.NewRat(1, 100), big.NewRat(10, 1), big.NewRat(1_000_000, 1)} {
		rho, err := CardRho(eps)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := eps.Float64()
		r, _ := rho.Float64()
		l := math.Log(2 / CardDelta)
		if got := r + 2*math.Sqrt(r*l); got > e || r <= 0 {
			t.Errorf("ε %s: ρ %s converts to ε %v", eps.RatString(), rho.RatString(), got)
		}
		if up := r * (1 + 1e-5); up+2*math.Sqrt(up*l) <= e {
			t.Errorf("ε %s: ρ %s is not the largest: %v also fits", eps.RatString(), rho.RatString(), up)
		}
		t.Logf("ε %s: ρ %s ≈ %s", eps.RatString(), rho.RatString(), rho.FloatString(14))
	}
	if r, _ := CardRho(big.NewRat(1, 1)); r.FloatString(5) != "0.01666" {
		t.Errorf("ρ for ε = 1 is %s, want about 0.01666", r.FloatString(12))
	}
	if _, err := CardRho(new(big.Rat)); err == nil {
		t.Error("ρ for ε = 0: no error")
	}
}

// TestGaussianTailAbove checks the threshold's k against a brute-force sum
// of the discrete Gaussian's pmf: P(X ≥ k) ≤ p < P(X ≥ k−1).
func TestGaussianTailAbove(t *testing.T) {
	for _, s2 := range []float64{0.07, 0.5, 4, 600, 18018.5} {
		sigma := math.Sqrt(s2)
		n := int64(40*sigma) + 40
		var z float64
		for x := -n; x <= n; x++ {
			z += math.Exp(-float64(x*x) / (2 * s2))
		}
		tail := func(k int64) float64 {
			var s float64
			for x := k; x <= n; x++ {
				s += math.Exp(-float64(x*x) / (2 * s2))
			}
			return s / z
		}
		for _, p := range []float64{0.05, 1e-3, 1e-9, 2.5e-8, 1.9e-9} {
			k := gaussianTailAbove(s2, p)
			if k < 1 || tail(k) > p*(1+1e-9) || (k > 1 && tail(k-1) <= p*(1-1e-9)) {
				t.Errorf("σ² %g, p %g: k %d with P(X ≥ k) %g, P(X ≥ k−1) %g", s2, p, k, tail(k), tail(k-1))
			}
		}
	}
}

// TestNewCardComposition: each table's statistics add up to its ρ, the
// tables' ρ to the card's, which converts to at most the card's ε.
func TestNewCardComposition(t *testing.T) {
	eps := big.NewRat(1, 1)
	c, err := NewCard(eps, []CardTable{
		{Table: cardTable(t), Options: CardOptions{PatientColumn: "patient", Clip: 1}},
		{Table: codesTable(t), Options: CardOptions{PatientColumn: "patient", Clip: 20, PatientsPerCategory: true}},
		{Table: codesTable(t), Options: CardOptions{PatientColumn: "patient", Clip: 5}},
	}, seeded(21))
	if err != nil {
		t.Fatal(err)
	}
	rho, _ := new(big.Rat).SetString(c.Rho)
	total := new(big.Rat)
	for _, ts := range c.Tables {
		each, _ := new(big.Rat).SetString(ts.RhoPerStatistic)
		table, _ := new(big.Rat).SetString(ts.Rho)
		if sum := new(big.Rat).Mul(each, big.NewRat(int64(ts.Statistics), 1)); sum.Cmp(table) != 0 {
			t.Errorf("%s: %d × ρ %s = %s, not the table's ρ %s", ts.Table, ts.Statistics, ts.RhoPerStatistic, sum.RatString(), ts.Rho)
		}
		total.Add(total, table)
	}
	if total.Cmp(rho) != 0 {
		t.Errorf("tables' ρ add up to %s, not the card's %s", total.RatString(), c.Rho)
	}
	if got := zcdpEpsilon(rho, CardDelta/2); got > 1 {
		t.Errorf("ρ %s converts to ε %v > 1", c.Rho, got)
	}
}

// TestCardStatsHidesOnePatientsCategory: a category one patient alone holds
// on all of its clip rows is never shown, counting rows or patients.
func TestCardStatsHidesOnePatientsCategory(t *testing.T) {
	const clip = 20
	var pat, code []string
	for p := range 4000 {
		for r := range 3 {
			pat = append(pat, "p"+strconv.Itoa(p))
			code = append(code, "C"+strconv.Itoa((p+r)%4))
		}
	}
	for range clip {
		pat = append(pat, "lonely")
		code = append(code, "RARE")
	}
	tab, err := anonymize.NewTable("Condition",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pat),
		anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleSensitive, code))
	if err != nil {
		t.Fatal(err)
	}
	src := seeded(22)
	for _, perPatient := range []bool{false, true} {
		for range draws(200) {
			st, err := CardStatsWith(tab, big.NewRat(1, 1), CardOptions{PatientColumn: "patient", Clip: clip, PatientsPerCategory: perPatient}, src)
			if err != nil {
				t.Fatal(err)
			}
			c := column(t, st, "code")
			if _, ok := cell(c, "RARE"); ok {
				t.Fatalf("per patient %v: the one patient's category is shown: %+v (τ %d)", perPatient, c.Cells, st.CategoryThreshold)
			}
			if len(c.Cells) != 4 {
				t.Fatalf("per patient %v: %d of the 4 common codes shown (τ %d): %+v", perPatient, len(c.Cells), st.CategoryThreshold, c.Cells)
			}
		}
	}
}

// TestNewCard_releaseThreshold: on a release-like card (10,000 patients,
// the patient table with 6 described columns, 9 event tables of clip 20
// describing one code column counting patients) at ε = 1, a code must be
// held by fewer than 1,000 patients to be shown; with discrete Laplace and
// basic composition (ε/10 per table, over 3 statistics) it was 7,894.
func TestNewCard_releaseThreshold(t *testing.T) {
	const patients, clip = 10_000, 20
	var pid, sex, race, eth, county, birth, income []string
	for p := range patients {
		pid = append(pid, "p"+strconv.Itoa(p))
		sex = append(sex, []string{"F", "M"}[p%2])
		race = append(race, []string{"white", "black", "asian", "other"}[p%4])
		eth = append(eth, []string{"hispanic", "nonhispanic"}[p%2])
		county = append(county, "County"+strconv.Itoa(p%8))
		birth = append(birth, strconv.Itoa(1930+p%80)+"-01-01")
		income = append(income, strconv.Itoa(10_000+p))
	}
	pt, err := anonymize.NewTable("Patient",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, pid),
		anonymize.NewColumn("sex", anonymize.TypeString, anonymize.RoleQuasi, sex),
		anonymize.NewColumn("race", anonymize.TypeString, anonymize.RoleQuasi, race),
		anonymize.NewColumn("ethnicity", anonymize.TypeString, anonymize.RoleQuasi, eth),
		anonymize.NewColumn("county", anonymize.TypeString, anonymize.RoleQuasi, county),
		anonymize.NewColumn("birthdate", anonymize.TypeDate, anonymize.RoleQuasi, birth),
		anonymize.NewColumn("income", anonymize.TypeInteger, anonymize.RoleQuasi, income))
	if err != nil {
		t.Fatal(err)
	}
	tables := []CardTable{{Table: pt, Options: CardOptions{PatientColumn: "patient", Clip: 1}}}
	for i := range 9 {
		var ep, code []string
		for p := range patients {
			for r := range 3 {
				ep = append(ep, "p"+strconv.Itoa(p))
				c := "common" // 3,000 patients hold it
				if p%10 >= 3 {
					c = "other" + strconv.Itoa(r)
				}
				code = append(code, c)
			}
		}
		et, err := anonymize.NewTable("Events"+strconv.Itoa(i),
			anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, ep),
			anonymize.NewColumn("code", anonymize.TypeString, anonymize.RoleSensitive, code))
		if err != nil {
			t.Fatal(err)
		}
		tables = append(tables, CardTable{Table: et, Options: CardOptions{PatientColumn: "patient", Clip: clip, PatientsPerCategory: true}})
	}
	c, err := NewCard(big.NewRat(1, 1), tables, seeded(23))
	if err != nil {
		t.Fatal(err)
	}
	laplace := clip + tailAbove(big.NewRat(clip*10*3, 1), CardDelta) // scale clip/(ε/10/3)
	for _, ts := range c.Tables[1:] {
		if ts.CategoryThreshold >= 1000 {
			t.Errorf("%s: τ %d, want below 1,000", ts.Table, ts.CategoryThreshold)
		}
		if _, ok := cell(column(t, ts.Stats, "code"), "common"); !ok {
			t.Errorf("%s: the code 3,000 of 10,000 patients hold is not shown (τ %d)", ts.Table, ts.CategoryThreshold)
		}
	}
	t.Logf("event tables' τ: %d (discrete Gaussian, zCDP); %d with discrete Laplace and basic composition; patient table's τ %d",
		c.Tables[1].CategoryThreshold, laplace, c.Tables[0].CategoryThreshold)
	if laplace < 7000 {
		t.Errorf("Laplace τ %d: the comparison's arithmetic changed", laplace)
	}
}

// TestCardSource: a card reads crypto/rand through a buffer that hands out
// every word once (no repeats across refills, bits balanced); other
// sources pass through.
func TestCardSource(t *testing.T) {
	src := cardSource(CryptoSource{})
	if _, ok := src.(*cryptoBuffer); !ok {
		t.Fatalf("crypto source not buffered: %T", src)
	}
	seen := map[uint64]bool{}
	ones := 0
	const n = 3 * 4096 / 8 // three refills
	for range n {
		x := src.Uint64()
		if seen[x] {
			t.Fatalf("word %x handed out twice", x)
		}
		seen[x] = true
		for ; x != 0; x &= x - 1 {
			ones++
		}
	}
	if share := float64(ones) / (64 * n); share < 0.48 || share > 0.52 {
		t.Errorf("share of one bits %.3f", share)
	}
	s := seeded(1)
	if cardSource(s) != Source(s) {
		t.Error("a seeded source is replaced")
	}
}

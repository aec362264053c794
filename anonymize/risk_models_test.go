package anonymize

import (
	"math"
	"testing"
)

// histogramSizes expands a class-size histogram (size -> classes).
func histogramSizes(h map[int]int) []int {
	var s []int
	for size, c := range h {
		for range c {
			s = append(s, size)
		}
	}
	return s
}

func relNear(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Abs(want) }

// The figures ARX 3.9 gives for the same class-size histograms
// (RiskModelPopulationUniqueness with ARXPopulationModel.create(n, f) and
// the default solver configuration, run from ARX's own source): Pitman's
// and Zayatz's estimates agree to 1e-7. ARX's SNB estimate is 0 (not
// available) for all of them; ours is fitted (see snbUniques), so at f =
// 0.3 ARX's rule falls back to Zayatz's and ours picks SNB's smaller one.
func TestPopulationModels_matchARX(t *testing.T) {
	big := map[int]int{1: 200, 2: 60, 3: 30, 4: 20, 5: 10, 8: 5, 20: 3, 50: 1}
	small := map[int]int{1: 30, 2: 5, 3: 2, 10: 1, 20: 1}
	for _, c := range []struct {
		name           string
		h              map[int]int
		f              float64
		N              float64
		pitman, zayatz float64 // ARX's; 0: ARX gives no usable figure
		model          string  // ours
	}{
		{"big sample, f = 0.1", big, 0.1, 6900, 554.9583909, 800.5894297, "pitman"},
		{"big sample, f = 0.3", big, 0.3, 2300, 360.3554172, 359.3912640, "snb"},
		{"small sample, f = 0.5", small, 0.5, 152, 0, 49.23519914, "snb"},
		{"small sample, f = 0.01", small, 0.01, 7600, 0, 1258.916939, "pitman"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sizes := histogramSizes(c.h)
			n := 0
			for _, s := range sizes {
				n += s
			}
			p := populationRisk(sizes, n, c.f)
			if !relNear(p.PopulationSize, c.N, 1e-12) || p.Model != c.model {
				t.Fatalf("population %v, model %s; want %v, %s", p.PopulationSize, p.Model, c.N, c.model)
			}
			got := map[string]ModelEstimate{}
			for _, e := range p.Estimates {
				got[e.Model] = e
			}
			if c.pitman > 0 && (!got["pitman"].Available || !relNear(got["pitman"].Uniques, c.pitman, 1e-7)) {
				t.Errorf("pitman %+v, ARX %v", got["pitman"], c.pitman)
			}
			if !relNear(got["zayatz"].Uniques, c.zayatz, 1e-8) {
				t.Errorf("zayatz %+v, ARX %v", got["zayatz"], c.zayatz)
			}
			if want := got[c.model].Uniques / c.N; !relNear(p.UniqueShare, want, 1e-12) {
				t.Errorf("share %v, want the %s model's %v", p.UniqueShare, c.model, want)
			}
			t.Logf("%+v (%s)", p.Estimates, p.Rule)
		})
	}
}

// pitmanLogLik is ln L(θ, α) summed term by term, independently of the
// digamma forms the fit uses.
func pitmanLogLik(sizes []int, t, a float64) float64 {
	n, u := 0, len(sizes)
	l := 0.0
	for _, s := range sizes {
		n += s
		for j := 1; j < s; j++ {
			l += math.Log(float64(j) - a)
		}
	}
	for i := 1; i < u; i++ {
		l += math.Log(t + float64(i)*a)
	}
	for i := 1; i < n; i++ {
		l -= math.Log(t + float64(i))
	}
	return l
}

// The fit is a maximum of the likelihood: no step around it raises it.
func TestPitman_fitMaximizesTheLikelihood(t *testing.T) {
	sizes := histogramSizes(map[int]int{1: 30, 2: 5, 3: 2, 10: 1, 20: 1})
	th, a, ok := pitmanFit(newClassCounts(sizes))
	if !ok || th <= 0 || a <= 0 || a >= 1 {
		t.Fatalf("fit θ=%v α=%v ok=%v", th, a, ok)
	}
	best := pitmanLogLik(sizes, th, a)
	for _, d := range [][2]float64{{1e-3, 0}, {-1e-3, 0}, {0, 1e-4}, {0, -1e-4}, {1e-3, 1e-4}, {-1e-3, -1e-4}, {0.1, 0}, {0, 0.01}} {
		if l := pitmanLogLik(sizes, th+d[0], a+d[1]); l > best+1e-12 {
			t.Errorf("ln L(θ%+g, α%+g) = %v > %v at the fit", d[0], d[1], l, best)
		}
	}
	// Hoshino's estimate: Γ(θ+1)/Γ(θ+α) · N^α.
	u, _ := pitmanUniques(newClassCounts(sizes), 7600)
	if want := math.Gamma(th+1) / math.Gamma(th+a) * math.Pow(7600, a); !relNear(u, want, 1e-9) {
		t.Errorf("uniques %v, want %v", u, want)
	}
}

// Pitman's likelihood has no maximum when every class is one record, nor
// with a single class: the model is not available there.
func TestPitman_notAvailableWithoutInformation(t *testing.T) {
	for _, sizes := range [][]int{{1}, {1, 1, 1, 1}, {7}} {
		if _, _, ok := pitmanFit(newClassCounts(sizes)); ok {
			t.Errorf("%v: fitted", sizes)
		}
	}
}

// The SNB moment equations are the distribution's: E[c1] and E[c2] summed
// over population class sizes F = 1 + X (X negative binomial) thinned by
// f, term by term.
func TestSNB_expectedCountsAreTheDistributions(t *testing.T) {
	const K, f, a, b = 1000.0, 0.2, 1.7, 0.3
	e1, e2 := 0.0, 0.0
	for x := 0; x < 2000; x++ {
		lg1, _ := math.Lgamma(a + float64(x))
		lg2, _ := math.Lgamma(a)
		lg3, _ := math.Lgamma(float64(x) + 1)
		px := math.Exp(lg1 - lg2 - lg3 + a*math.Log(b) + float64(x)*math.Log(1-b))
		F := float64(x + 1)
		e1 += px * F * f * math.Pow(1-f, F-1)
		e2 += px * F * (F - 1) / 2 * f * f * math.Pow(1-f, F-2)
	}
	g1, g2 := snbExpected(K, f, a, b)
	if !relNear(g1, K*e1, 1e-9) || !relNear(g2, K*e2, 1e-9) {
		t.Errorf("E[c1], E[c2] = %v, %v; summed %v, %v", g1, g2, K*e1, K*e2)
	}
	// The solver finds (a, b) again from the counts they produce.
	ga, gb, ok := solveSNB(K, f, g1, g2)
	if !ok || !relNear(ga, a, 1e-6) || !relNear(gb, b, 1e-6) {
		t.Errorf("solved a=%v b=%v ok=%v, want %v, %v", ga, gb, ok, a, b)
	}
}

// Shlosser's estimate of the population's classes, by hand: classes of
// sizes 1, 1, 2 with f = 0.5: 3 + 2 · (2·0.5 + 0.25) / (2·0.5 + 2·0.5·0.5).
func TestShlosser_handComputed(t *testing.T) {
	if got := shlosser(newClassCounts([]int{1, 1, 2}), 0.5); !relNear(got, 3+2*1.25/1.5, 1e-12) {
		t.Errorf("K = %v, want %v", got, 3+2*1.25/1.5)
	}
}

func TestDigamma(t *testing.T) {
	const gamma = 0.57721566490153286
	for _, c := range []struct{ x, want float64 }{
		{1, -gamma}, {0.5, -gamma - 2*math.Ln2}, {2, 1 - gamma}, {10, 2.2517525890667211}, {1e6, math.Log(1e6) - 0.5e-6},
	} {
		if got := digamma(c.x); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ψ(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

package dp

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// outputFrequencies runs m on answer n times and counts each output.
func outputFrequencies(t *testing.T, m *Laplace, src Source, answer int64, n int) map[int64]int {
	t.Helper()
	counts := map[int64]int{}
	for range n {
		out, err := m.Add(src, answer)
		if err != nil {
			t.Fatal(err)
		}
		counts[out]++
	}
	return counts
}

// maxLogRatioExcess runs the differencing attack: a count over two
// datasets that differ by one patient, answered n times each by m. For
// every output value seen at least minCount times in both, it compares
// |ln(f₁(v)/f₂(v))| with ε and returns the largest amount by which it
// exceeds ε after the statistical slack, and the largest log-ratio seen.
//
// Slack: a count c of a value is binomial with relative standard error
// ≈ 1/√c, so ln(c₁/c₂) has standard deviation ≈ √(1/c₁ + 1/c₂) (delta
// method). Four of those are allowed: each value then passes by chance
// with probability ≈ 1 − 3·10⁻⁵, and with ≤ 30 values compared the whole
// check does with probability > 0.999 (the source is seeded, so the
// outcome is fixed anyway). With minCount = 1000 (the default run's
// 200,000 draws) the slack is at most 4·√(2/1000) ≈ 0.18 in log-ratio, and
// 0.36 with -short's minCount of 250: both below the 0.6 by which a
// mechanism of ε = 1.6 overspends an ε of 1.
func maxLogRatioExcess(t *testing.T, m *Laplace, eps float64, n, minCount int) (excess, maxLogRatio float64) {
	t.Helper()
	patients := make([]string, 100)
	for i := range patients {
		patients[i] = fmt.Sprintf("patient-%03d", i)
	}
	without, err := CountRows(patients, 1)
	if err != nil {
		t.Fatal(err)
	}
	with, err := CountRows(append(patients, "patient-100"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if with.Value-without.Value != 1 || with.Sensitivity != 1 {
		t.Fatalf("datasets differ by %d with sensitivity %d, want 1 and 1", with.Value-without.Value, with.Sensitivity)
	}
	f1 := outputFrequencies(t, m, seeded(20), without.Value, n)
	f2 := outputFrequencies(t, m, seeded(21), with.Value, n)
	return frequencyRatioExcess(t, f1, f2, eps, minCount)
}

// frequencyRatioExcess compares the output frequencies of one mechanism on
// two neighbouring datasets: for every output seen at least minCount times
// in both, |ln(f₁(v)/f₂(v))| against ε plus the slack described at
// [maxLogRatioExcess]. It returns the largest excess and log-ratio.
func frequencyRatioExcess(t *testing.T, f1, f2 map[int64]int, eps float64, minCount int) (excess, maxLogRatio float64) {
	t.Helper()
	excess = math.Inf(-1)
	compared := 0
	for v, c1 := range f1 {
		c2 := f2[v]
		if c1 < minCount || c2 < minCount {
			continue
		}
		compared++
		logRatio := math.Abs(math.Log(float64(c1) / float64(c2)))
		slack := 4 * math.Sqrt(1/float64(c1)+1/float64(c2))
		excess = max(excess, logRatio-eps-slack)
		maxLogRatio = max(maxLogRatio, logRatio)
	}
	if compared < 5 {
		t.Fatalf("only %d output values had %d draws on both sides", compared, minCount)
	}
	return excess, maxLogRatio
}

// The differencing attack: a requester who can query two datasets that
// differ by one patient sees output frequencies whose ratio is at most
// e^ε. The same attack on a mechanism that spends more than it claims
// (noise for ε = 1.6 charged as ε = 1) must be caught, so the check can fail.
func TestLaplace_differencingAttackBoundedByEpsilon(t *testing.T) {
	n := draws(200_000)
	m, err := NewLaplace(big.NewRat(1, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	excess, maxLog := maxLogRatioExcess(t, m, 1, n, n/200)
	if excess > 0 {
		t.Errorf("output frequencies differ by e^%.3f, beyond e^ε (ε = 1) plus slack by %.3f", maxLog, excess)
	}
	// Outside [count, count+1] the exact ratio is e^ε, so a correct
	// mechanism comes close to the bound: a test that only saw tiny
	// ratios would not be measuring anything.
	if maxLog < 0.9 {
		t.Errorf("largest log-ratio %.3f, want near ε = 1", maxLog)
	}
	t.Logf("largest log-ratio %.3f for ε = 1", maxLog)

	leaky, err := NewLaplace(big.NewRat(8, 5), 1)
	if err != nil {
		t.Fatal(err)
	}
	if excess, maxLog := maxLogRatioExcess(t, leaky, 1, n, n/200); excess <= 0 {
		t.Errorf("a mechanism with ε = 1.6 passed as ε = 1 (largest log-ratio %.3f)", maxLog)
	}
}

// exactCoverage is P(|X| ≤ b) under d.
func exactCoverage(d pmf, b int64) float64 {
	c := 0.0
	for x := -b; x <= b; x++ {
		c += d.p(x)
	}
	return c
}

// The 95 % bound is the smallest b with P(|noise| ≤ b) ≥ 0.95 under the
// exact pmf, and about 95 % of draws (the exact coverage, within 5
// binomial standard errors) fall within it.
func TestBound95_coversNinetyFivePercent(t *testing.T) {
	lap1, err := NewLaplace(big.NewRat(1, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	lap2, err := NewLaplace(big.NewRat(1, 2), 1)
	if err != nil {
		t.Fatal(err)
	}
	lap10, err := NewLaplace(big.NewRat(1, 10), 3)
	if err != nil {
		t.Fatal(err)
	}
	gauss, err := NewGaussian(big.NewRat(1, 8), 1) // σ² = 4
	if err != nil {
		t.Fatal(err)
	}
	gauss2, err := NewGaussian(big.NewRat(1, 2), 5) // σ² = 25
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		bound int64
		d     pmf
		noise func(Source) *big.Int
	}{
		{"laplace ε=1 Δ=1", lap1.Bound95(), laplacePMF(1), lap1.Noise},
		{"laplace ε=1/2 Δ=1", lap2.Bound95(), laplacePMF(2), lap2.Noise},
		{"laplace ε=1/10 Δ=3", lap10.Bound95(), laplacePMF(30), lap10.Noise},
		{"gaussian ρ=1/8 Δ=1", gauss.Bound95(), gaussianPMF(4), gauss.Noise},
		{"gaussian ρ=1/2 Δ=5", gauss2.Bound95(), gaussianPMF(25), gauss2.Noise},
	}
	n := draws(40_000)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cov := exactCoverage(c.d, c.bound)
			if cov < 0.95 || (c.bound > 0 && exactCoverage(c.d, c.bound-1) >= 0.95) {
				t.Fatalf("bound %d covers %.4f (and %d covers %.4f): not the smallest b covering 0.95",
					c.bound, cov, c.bound-1, exactCoverage(c.d, c.bound-1))
			}
			src := seeded(byte(30 + i))
			within := 0
			for range n {
				if x := c.noise(src); x.CmpAbs(big.NewInt(c.bound)) <= 0 {
					within++
				}
			}
			got := float64(within) / float64(n)
			if se := math.Sqrt(cov * (1 - cov) / float64(n)); math.Abs(got-cov) > 5*se {
				t.Errorf("%.4f of draws within ±%d, want %.4f ± %.4f", got, c.bound, cov, 5*se)
			}
			t.Logf("bound ±%d: %.4f of %d draws within (exact %.4f)", c.bound, got, n, cov)
		})
	}
	if b := lap1.Bound95(); b != 3 {
		// P(|X| ≥ 4) = 2e⁻⁴/(1+e⁻¹) ≈ 0.0268 ≤ 0.05 < P(|X| ≥ 3) ≈ 0.0728.
		t.Errorf("Laplace ε=1 Δ=1 bound %d, want 3", b)
	}
}

func TestGaussian_sigma2AndEpsilon(t *testing.T) {
	m, err := NewGaussian(big.NewRat(1, 2), 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Sigma2(); got.Cmp(big.NewRat(9, 1)) != 0 {
		t.Errorf("σ² = %s, want Δ²/(2ρ) = 9", got.RatString())
	}
	// ρ + 2√(ρ ln(1/δ)) for ρ = 1/2, δ = 1e-6.
	want := 0.5 + 2*math.Sqrt(0.5*math.Log(1e6))
	if got := m.Epsilon(1e-6); math.Abs(got-want) > 1e-12 {
		t.Errorf("ε(δ=1e-6) = %v, want %v", got, want)
	}
}

func TestMechanisms_refuseInvalidParameters(t *testing.T) {
	for name, err := range map[string]error{
		"laplace ε=0":         second(NewLaplace(new(big.Rat), 1)),
		"laplace Δ=0":         second(NewLaplace(big.NewRat(1, 1), 0)),
		"gaussian ρ<0":        second(NewGaussian(big.NewRat(-1, 1), 1)),
		"gaussian Δ too big":  second(NewGaussian(big.NewRat(1, 1), math.MaxInt64)),
		"laplace nil ε":       second(NewLaplace(nil, 1)),
		"gaussian nil ρ":      second(NewGaussian(nil, 1)),
		"count 0 per patient": second(CountRows([]string{"a"}, 0)),
		"sum lo > hi":         second(SumRows(nil, 1, 5, 4)),
		"sum overflowing Δ":   second(SumRows(nil, math.MaxInt64, -2, 2)),
	} {
		if !errors.Is(err, anonymize.ErrInvalid) {
			t.Errorf("%s: error %v, want one wrapping ErrInvalid", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestAdd_refusesOverflow(t *testing.T) {
	m, err := NewLaplace(big.NewRat(1, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	src := seeded(40)
	for range 1000 { // some draw is positive
		if _, err := m.Add(src, math.MaxInt64); err != nil {
			if !errors.Is(err, anonymize.ErrInvalid) {
				t.Fatalf("overflow error %v does not wrap ErrInvalid", err)
			}
			return
		}
	}
	t.Error("no overflow reported in 1000 draws added to MaxInt64")
}

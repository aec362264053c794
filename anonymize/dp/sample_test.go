package dp

import (
	"math"
	"math/big"
	"testing"
)

// checkDistribution draws n samples and holds them to the exact pmf: a
// chi-square test over bins covering ≥ 99.9 % of the mass below the 0.001
// critical value, the mean within 5 standard errors of the exact mean, and
// the sample variance within 5 standard errors of the exact variance
// (the standard error of a sample variance is √((μ₄ − σ⁴)/n)). It also
// holds the same draws to a wrong pmf, which must fail, so the check is
// known to have the power to catch a sampler off by that much.
func checkDistribution(t *testing.T, n int, draw func() int64, want, wrong pmf) {
	t.Helper()
	counts := map[int64]int{}
	var sum, sumSq float64
	for range n {
		x := draw()
		counts[x]++
		sum += float64(x)
		sumSq += float64(x) * float64(x)
	}
	stat, df, covered := chiSquare(counts, n, want)
	critical := chiSquareCritical001(df)
	if covered < 0.999 {
		t.Fatalf("bins cover %.5f of the mass, want ≥ 0.999", covered)
	}
	if stat >= critical {
		t.Errorf("chi-square %.1f with %d df is above the 0.001 critical value %.1f", stat, df, critical)
	}
	t.Logf("n=%d chi-square %.1f, %d df, critical %.1f, bins cover %.6f", n, stat, df, critical, covered)
	if wrongStat, wrongDF, _ := chiSquare(counts, n, wrong); wrongStat < chiSquareCritical001(wrongDF) {
		t.Errorf("the draws also pass against a wrong pmf (chi-square %.1f, %d df): the check has no power", wrongStat, wrongDF)
	}

	mean, variance, m4 := want.moments()
	gotMean := sum / float64(n)
	gotVar := sumSq/float64(n) - gotMean*gotMean
	if se := math.Sqrt(variance / float64(n)); math.Abs(gotMean-mean) > 5*se {
		t.Errorf("mean %.4f, want %.4f ± %.4f", gotMean, mean, 5*se)
	}
	if se := math.Sqrt((m4 - variance*variance) / float64(n)); math.Abs(gotVar-variance) > 5*se {
		t.Errorf("variance %.4f, want %.4f ± %.4f", gotVar, variance, 5*se)
	}
	t.Logf("mean %.4f (exact %.4f), variance %.4f (exact %.4f)", gotMean, mean, gotVar, variance)
}

func TestDiscreteLaplace_matchesExactPMF(t *testing.T) {
	src := seeded(1)
	scale := big.NewRat(2, 1)
	checkDistribution(t, draws(200_000), func() int64 {
		x, err := DiscreteLaplace(src, scale)
		if err != nil {
			t.Fatal(err)
		}
		return x.Int64()
	}, laplacePMF(2), laplacePMF(2.1))
}

func TestDiscreteLaplace_fractionalScaleMatchesExactPMF(t *testing.T) {
	src := seeded(2)
	scale := big.NewRat(7, 3) // s = 3, t = 7: exercises ⌊X/s⌋
	checkDistribution(t, draws(100_000), func() int64 {
		x, err := DiscreteLaplace(src, scale)
		if err != nil {
			t.Fatal(err)
		}
		return x.Int64()
	}, laplacePMF(7.0/3), laplacePMF(2.6))
}

func TestDiscreteGaussian_matchesExactPMF(t *testing.T) {
	src := seeded(3)
	sigma2 := big.NewRat(4, 1)
	checkDistribution(t, draws(200_000), func() int64 {
		x, err := DiscreteGaussian(src, sigma2)
		if err != nil {
			t.Fatal(err)
		}
		return x.Int64()
	}, gaussianPMF(4), gaussianPMF(4.3))
}

func TestDiscreteGaussian_fractionalSigma2MatchesExactPMF(t *testing.T) {
	src := seeded(4)
	sigma2 := big.NewRat(5, 2)
	checkDistribution(t, draws(100_000), func() int64 {
		x, err := DiscreteGaussian(src, sigma2)
		if err != nil {
			t.Fatal(err)
		}
		return x.Int64()
	}, gaussianPMF(2.5), gaussianPMF(2.8))
}

// Bernoulli(e^-γ) frequencies stay within 5 binomial standard errors of
// e^-γ, across the γ ≤ 1 branch, the γ > 1 branch and the boundary.
func TestBernoulliExp_frequencies(t *testing.T) {
	src := seeded(5)
	n := draws(100_000)
	for _, gamma := range []*big.Rat{big.NewRat(0, 1), big.NewRat(1, 3), big.NewRat(1, 1), big.NewRat(5, 2), big.NewRat(13, 2)} {
		hits := 0
		for range n {
			ok, err := BernoulliExp(src, gamma)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				hits++
			}
		}
		g, _ := gamma.Float64()
		p := math.Exp(-g)
		got := float64(hits) / float64(n)
		if se := math.Sqrt(p * (1 - p) / float64(n)); math.Abs(got-p) > 5*se+1e-12 {
			t.Errorf("γ=%s: frequency %.5f, want %.5f ± %.5f", gamma.RatString(), got, p, 5*se)
		}
	}
}

func TestBernoulli_frequencies(t *testing.T) {
	src := seeded(6)
	n := draws(100_000)
	for _, p := range []*big.Rat{big.NewRat(0, 1), big.NewRat(1, 3), big.NewRat(999, 1000), big.NewRat(1, 1)} {
		hits := 0
		for range n {
			ok, err := Bernoulli(src, p)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				hits++
			}
		}
		pf, _ := p.Float64()
		got := float64(hits) / float64(n)
		if se := math.Sqrt(pf * (1 - pf) / float64(n)); math.Abs(got-pf) > 5*se+1e-12 {
			t.Errorf("p=%s: frequency %.5f, want %.5f ± %.5f", p.RatString(), got, pf, 5*se)
		}
	}
}

// Uniform integers by rejection are unbiased, for a word-sized n that is
// not a power of two and for an n of more than one word; a modulo
// reduction of 2⁶⁴ by 3·2⁶² would put half again as much mass on the low third.
func TestUniform_noModuloBias(t *testing.T) {
	src := seeded(7)
	n := draws(60_000)
	check := func(name string, draw func() int64, k int64) {
		t.Helper()
		counts := map[int64]int{}
		for range n {
			counts[draw()]++
		}
		d := pmf{p: func(x int64) float64 {
			if x >= 0 && x < k {
				return 1 / float64(k)
			}
			return 0
		}, reach: k}
		if stat, df, _ := chiSquare(counts, n, d); stat >= chiSquareCritical001(max(df, 10)) {
			t.Errorf("%s: chi-square %.1f with %d df", name, stat, df)
		}
	}
	check("uniform64(3·2⁶²) / 2⁶²", func() int64 { return int64(uniform64(src, 3<<62) >> 62) }, 3)
	check("uniform64(6)", func() int64 { return int64(uniform64(src, 6)) }, 6)
	big3 := new(big.Int).Lsh(big.NewInt(3), 64)
	check("uniformBig(3·2⁶⁴) / 2⁶⁴", func() int64 {
		return new(big.Int).Rsh(uniformBig(src, new(big.Int), big3), 64).Int64()
	}, 3)
}

func TestSamplers_refuseInvalidParameters(t *testing.T) {
	src := seeded(8)
	if _, err := Bernoulli(src, big.NewRat(3, 2)); err == nil {
		t.Error("Bernoulli(3/2) accepted")
	}
	if _, err := BernoulliExp(src, big.NewRat(-1, 2)); err == nil {
		t.Error("BernoulliExp(-1/2) accepted")
	}
	if _, err := DiscreteLaplace(src, new(big.Rat)); err == nil {
		t.Error("DiscreteLaplace(0) accepted")
	}
	if _, err := DiscreteGaussian(src, big.NewRat(-1, 1)); err == nil {
		t.Error("DiscreteGaussian(-1) accepted")
	}
}

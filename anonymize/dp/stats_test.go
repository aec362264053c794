package dp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// seeded returns a reproducible source: a test that passes passes every
// time, and one that fails points at a real deviation.
func seeded(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// draws returns n, the sample size for the distribution checks; -short
// shrinks it, the default run does the full check.
func draws(full int) int {
	if testing.Short() {
		return full / 4
	}
	return full
}

// pmf is a probability mass function over the integers, with a range
// [-reach, reach] outside which its mass is negligible (< 1e-15).
type pmf struct {
	p     func(x int64) float64
	reach int64
}

func laplacePMF(t float64) pmf {
	q := math.Exp(-1 / t)
	return pmf{p: func(x int64) float64 {
		return (1 - q) / (1 + q) * math.Pow(q, math.Abs(float64(x)))
	}, reach: int64(40*t) + 10}
}

func gaussianPMF(sigma2 float64) pmf {
	reach := int64(12*math.Sqrt(sigma2)) + 10
	z := 0.0
	for x := -reach; x <= reach; x++ {
		z += math.Exp(-float64(x*x) / (2 * sigma2))
	}
	return pmf{p: func(x int64) float64 { return math.Exp(-float64(x*x)/(2*sigma2)) / z }, reach: reach}
}

// moments returns the exact mean, variance and fourth central moment.
func (d pmf) moments() (mean, variance, m4 float64) {
	for x := -d.reach; x <= d.reach; x++ {
		mean += float64(x) * d.p(x)
	}
	for x := -d.reach; x <= d.reach; x++ {
		dev := float64(x) - mean
		variance += dev * dev * d.p(x)
		m4 += dev * dev * dev * dev * d.p(x)
	}
	return mean, variance, m4
}

// chiSquare compares counts of n draws with d: one bin per value whose
// expected count is at least 5, one bin for everything else. It returns the
// statistic, the degrees of freedom and the mass the single-value bins
// cover.
func chiSquare(counts map[int64]int, n int, d pmf) (stat float64, df int, covered float64) {
	inBins := 0
	for x := -d.reach; x <= d.reach; x++ {
		e := float64(n) * d.p(x)
		if e < 5 {
			continue
		}
		o := float64(counts[x])
		stat += (o - e) * (o - e) / e
		covered += d.p(x)
		inBins += counts[x]
		df++
	}
	e := float64(n) * (1 - covered)
	o := float64(n - inBins)
	if e > 0 {
		stat += (o - e) * (o - e) / e
		df++
	}
	return stat, df - 1, covered
}

// chiSquareCritical001 is the 0.001 upper critical value of the chi-square
// distribution with df degrees of freedom, by the Wilson–Hilferty
// approximation (within 1 % of the tables for df ≥ 10: 29.59 for 10,
// 45.31 for 20, 59.70 for 30); z = 3.0902 is the standard normal's 0.999
// quantile.
func chiSquareCritical001(df int) float64 {
	k := float64(df)
	c := 1 - 2/(9*k) + 3.0902*math.Sqrt(2/(9*k))
	return k * c * c * c
}

func TestChiSquareCritical_matchesTables(t *testing.T) {
	for df, want := range map[int]float64{10: 29.59, 20: 45.31, 30: 59.70, 40: 73.40} {
		if got := chiSquareCritical001(df); math.Abs(got-want)/want > 0.01 {
			t.Errorf("critical value for %d df = %.2f, tables say %.2f", df, got, want)
		}
	}
}

package anonymize

import (
	"math"
	"strconv"
)

// DefaultSamplingFraction is the share of the population a released table
// is assumed to sample when ReportOptions.PopulationFraction is not stated:
// ARX's default (ARXPopulationModel), and a fair figure for one patient's
// own record among the people who share its quasi-identifiers' region.
const DefaultSamplingFraction = 0.01

// PopulationRisk is a population-based estimate of uniqueness (JSON field
// "risk.population"): how many people of the population the table samples
// are estimated to be alone in their class, by Zayatz's model as ARX
// defines it (RiskModelPopulationUniqueness, ModelZayatz).
type PopulationRisk struct {
	// Model names the estimator: "zayatz".
	Model string `json:"model"`
	// SamplingFraction is the share of the population the table samples
	// (ReportOptions.PopulationFraction, else DefaultSamplingFraction).
	SamplingFraction float64 `json:"sampling_fraction"`
	// PopulationSize is the estimated population: rows / SamplingFraction.
	PopulationSize float64 `json:"population_size"`
	// Uniques is the estimated number of population uniques, and
	// UniqueShare their share of the population (ARX's "fraction of unique
	// tuples").
	Uniques     float64 `json:"uniques"`
	UniqueShare float64 `json:"unique_share"`
	// UpperBound is true when every class of the sample is a single record:
	// the model takes the population's class sizes from the sample's, so it
	// cannot tell sample uniques from population uniques and UniqueShare is
	// only an upper bound (one patient's own record is the extreme case).
	UpperBound bool `json:"upper_bound,omitempty"`
	// Note says in words what the figure rests on.
	Note string `json:"note"`
}

// populationRisk estimates population uniqueness by Zayatz's model for
// classes of the given sizes (n rows in all), with f the sample's share of
// the population (0 or out of (0, 1]: DefaultSamplingFraction).
//
// Zayatz assumes the population's classes have the sizes distribution of
// the sample's. The probability that a sample unique comes from a
// population unique is then P(1|1)·c1 / Σ_s P(1|s)·c_s, where c_s counts the
// sample classes of size s and P(1|s) is the hypergeometric probability
// that a population class of s people leaves exactly one in a sample of n
// drawn from N = n/f. The sample uniques times that probability, scaled by
// 1/f, estimate the population uniques.
func populationRisk(sizes []int, n int, f float64) *PopulationRisk {
	if f <= 0 || f > 1 {
		f = DefaultSamplingFraction
	}
	p := &PopulationRisk{Model: "zayatz", SamplingFraction: f}
	if n == 0 {
		p.Note = "no rows: nothing to estimate"
		return p
	}
	N := float64(n) / f
	p.PopulationSize = N
	counts := map[int]int{}
	for _, s := range sizes {
		counts[s]++
	}
	c1 := counts[1]
	if c1 == 0 {
		p.Note = "no record is unique in the sample, so none is estimated unique in the population (Zayatz)"
		return p
	}
	den := 0.0
	for s, c := range counts {
		den += float64(c) * hypergeomOne(N, float64(s), float64(n))
	}
	cond := float64(c1) * hypergeomOne(N, 1, float64(n)) / den
	p.Uniques = float64(c1) * cond / f
	p.UniqueShare = p.Uniques / N
	p.UpperBound = c1 == len(sizes) && f < 1
	p.Note = "Zayatz's model with a sampling fraction of " + percent(f)
	if p.UpperBound {
		p.Note += "; every record is unique in the sample, so the model cannot tell them from population uniques and the figure is only an upper bound; if each record stands for 1/f = " + strconv.FormatFloat(1/f, 'g', 4, 64) + " people, its journalist risk is about " + percent(f)
	}
	return p
}

// hypergeomOne is the probability of drawing exactly one of k marked items
// when drawing n of N without replacement: k·C(N-k, n-1)/C(N, n). N may be
// fractional (N = n/f), read through the gamma function.
func hypergeomOne(N, k, n float64) float64 {
	if N-k < n-1-1e-9 {
		return 0
	}
	return math.Exp(math.Log(k) + lnChoose(N-k, n-1) - lnChoose(N, n))
}

// lnChoose is ln C(a, b) for real a >= b >= 0.
func lnChoose(a, b float64) float64 {
	x, _ := math.Lgamma(a + 1)
	y, _ := math.Lgamma(b + 1)
	z, _ := math.Lgamma(a - b + 1)
	return x - y - z
}

// percent formats a share as "1 %" or "0.5 %".
func percent(f float64) string {
	return strconv.FormatFloat(100*f, 'g', 3, 64) + " %"
}

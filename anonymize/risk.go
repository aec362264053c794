package anonymize

import (
	"math"
	"strconv"
)

// DefaultSamplingFraction is the share of the population a released table
// is assumed to sample when ReportOptions.PopulationFraction is not stated:
// 1 %, ARX's default (ARXPopulationModel). It is deliberately larger than
// a patient's records are of the population they live in (one record of a
// US state's 7 million people is f = 1.4e-7): the models' share of
// population uniques falls as the population grows (Pitman's as N^(α-1)),
// so the default overstates the risk rather than understating it. A
// publisher who knows the true fraction (a registry's whole catchment, a
// 10 % sample) states it.
const DefaultSamplingFraction = 0.01

// PopulationRisk is a population-based estimate of uniqueness (JSON field
// "risk.population"): how many people of the population the table samples
// are estimated to be alone in their class. Three models estimate it, as
// ARX defines them (RiskModelPopulationUniqueness): Pitman's, Zayatz's and
// the slide negative binomial (SNB); Dankar et al.'s decision rule (2012)
// picks one (chooseModel).
type PopulationRisk struct {
	// Model names the estimate the decision rule picked: "pitman",
	// "zayatz" or "snb"; "none" when the sample has no unique record (then
	// no model estimates a population unique).
	Model string `json:"model"`
	// Rule says why the model was picked, in words.
	Rule string `json:"rule,omitempty"`
	// SamplingFraction is the share of the population the table samples
	// (ReportOptions.PopulationFraction, else DefaultSamplingFraction).
	SamplingFraction float64 `json:"sampling_fraction"`
	// PopulationSize is the estimated population: rows / SamplingFraction.
	PopulationSize float64 `json:"population_size"`
	// Uniques is the picked model's estimated number of population uniques,
	// and UniqueShare their share of the population (ARX's "fraction of
	// unique tuples").
	Uniques     float64 `json:"uniques"`
	UniqueShare float64 `json:"unique_share"`
	// Estimates are every model's figure, available or not.
	Estimates []ModelEstimate `json:"estimates,omitempty"`
	// UpperBound is true when every class of the sample is a single record:
	// no model can then tell sample uniques from population uniques (Pitman's
	// likelihood has no maximum, Zayatz's takes the population's class
	// sizes from the sample's), so UniqueShare is only an upper bound (one
	// patient's own record is the extreme case).
	UpperBound bool `json:"upper_bound,omitempty"`
	// Note says in words what the figure rests on.
	Note string `json:"note"`
}

// ModelEstimate is one population model's estimate; Available is false
// when the model cannot be fitted to the sample (Why says why).
type ModelEstimate struct {
	Model       string  `json:"model"`
	Available   bool    `json:"available"`
	Uniques     float64 `json:"uniques,omitempty"`
	UniqueShare float64 `json:"unique_share,omitempty"`
	Why         string  `json:"why,omitempty"`
}

// populationRisk estimates population uniqueness for classes of the given
// sizes (n rows in all), with f the sample's share of the population (0
// or out of (0, 1]: DefaultSamplingFraction), by the three models and the
// decision rule.
func populationRisk(sizes []int, n int, f float64) *PopulationRisk {
	if f <= 0 || f > 1 {
		f = DefaultSamplingFraction
	}
	p := &PopulationRisk{Model: "none", SamplingFraction: f}
	if n == 0 {
		p.Note = "no rows: nothing to estimate"
		return p
	}
	N := float64(n) / f
	p.PopulationSize = N
	c := newClassCounts(sizes)
	if c.counts[1] == 0 {
		p.Rule = "no record is unique in the sample"
		p.Note = "no record is unique in the sample, so no model estimates a population unique"
		return p
	}
	z := estimate("zayatz", N, zayatzUniques(c, N, f), true, "")
	pu, pok := pitmanUniques(c, N)
	pit := estimate("pitman", N, pu, pok, "the likelihood has no maximum for this sample (every class a single record, or too few classes)")
	su, sok := snbUniques(c, f, N)
	snb := estimate("snb", N, su, sok, "needs classes of one and of two records, a sampling fraction below 1, and a solution of its two equations")
	p.Estimates = []ModelEstimate{pit, z, snb}
	chosen := chooseModel(f, pit, z, snb, p)
	p.Model, p.Uniques, p.UniqueShare = chosen.Model, chosen.Uniques, chosen.UniqueShare
	p.UpperBound = c.counts[1] == c.u && f < 1
	p.Note = modelNames[p.Model] + " with a sampling fraction of " + percent(f) + "; " + p.Rule
	if p.UpperBound {
		p.Note += "; every record is unique in the sample, so no model can tell them from population uniques and the figure is only an upper bound; if each record stands for 1/f = " + strconv.FormatFloat(1/f, 'g', 4, 64) + " people, its journalist risk is about " + percent(f)
	}
	if n == 1 {
		p.Note += "; a single record says nothing about how many people share its values: the honest figure is a range, from about " + percent(f) + " (it stands for 1/f people) to 100 % (it is unique in the population)"
	}
	return p
}

var modelNames = map[string]string{"pitman": "Pitman's model", "zayatz": "Zayatz's model", "snb": "the slide negative binomial model"}

func estimate(model string, N, uniques float64, ok bool, why string) ModelEstimate {
	if !ok {
		return ModelEstimate{Model: model, Why: why}
	}
	return ModelEstimate{Model: model, Available: true, Uniques: uniques, UniqueShare: uniques / N}
}

// chooseModel is Dankar et al.'s decision rule as ARX applies it: with a
// sampling fraction of at most 10 % Pitman's model (Zayatz's when Pitman's
// cannot be fitted); above, the smaller of Zayatz's and SNB's estimates
// (Zayatz's alone when SNB cannot be fitted). It sets p.Rule.
func chooseModel(f float64, pit, z, snb ModelEstimate, p *PopulationRisk) ModelEstimate {
	switch {
	case f <= 0.1 && pit.Available:
		p.Rule = "Dankar et al.'s rule: sampling fraction at most 10 %, so Pitman's model"
		return pit
	case f <= 0.1:
		p.Rule = "Dankar et al.'s rule: sampling fraction at most 10 %, so Pitman's model, which cannot be fitted here: Zayatz's instead"
		return z
	case snb.Available && snb.Uniques < z.Uniques:
		p.Rule = "Dankar et al.'s rule: sampling fraction above 10 %, so the smaller of Zayatz's and SNB's estimates: SNB's"
		return snb
	case snb.Available:
		p.Rule = "Dankar et al.'s rule: sampling fraction above 10 %, so the smaller of Zayatz's and SNB's estimates: Zayatz's"
		return z
	default:
		p.Rule = "Dankar et al.'s rule: sampling fraction above 10 %, so Zayatz's or SNB's; SNB cannot be fitted here: Zayatz's"
		return z
	}
}

// zayatzUniques estimates the population uniques by Zayatz's model: it
// assumes the population's classes have the sizes distribution of the
// sample's. The probability that a sample unique comes from a population
// unique is then P(1|1)·c1 / Σ_s P(1|s)·c_s, where c_s counts the sample
// classes of size s and P(1|s) is the hypergeometric probability that a
// population class of s people leaves exactly one in a sample of n drawn
// from N = n/f. The sample uniques times that probability, scaled by 1/f,
// estimate the population uniques.
func zayatzUniques(c classCounts, N, f float64) float64 {
	n := float64(c.n)
	den := 0.0
	for s, cs := range c.counts {
		den += float64(cs) * hypergeomOne(N, float64(s), n)
	}
	c1 := float64(c.counts[1])
	cond := c1 * hypergeomOne(N, 1, n) / den
	return c1 * cond / f
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

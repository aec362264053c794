package anonymize

import "math"

// classCounts is the sample's class-size histogram: counts[s] is the
// number of classes of s records (ARX's c_s); n records in u classes.
type classCounts struct {
	counts map[int]int
	n, u   int
}

func newClassCounts(sizes []int) classCounts {
	c := classCounts{counts: map[int]int{}, u: len(sizes)}
	for _, s := range sizes {
		c.counts[s]++
		c.n += s
	}
	return c
}

// pitmanUniques estimates the population uniques by Pitman's model (the
// two-parameter Poisson-Dirichlet / Ewens-Pitman partition, as Hoshino
// 2001 applies it to disclosure risk and ARX's ModelPitman): the sample's
// partition into classes has likelihood
//
//	L(θ, α) = Π_{i=1}^{u-1}(θ + iα) / Π_{i=1}^{n-1}(θ + i) · Π_classes Π_{l=1}^{s-1}(l - α),
//
// θ >= 0, 0 < α < 1 are fitted by maximum likelihood, and a population of
// N holds about Γ(θ+1)/Γ(θ+α) · N^α uniques. ok is false when the
// likelihood has no maximum inside the parameter space: every class is a
// single record (θ grows without bound: the sample cannot tell how many
// people share a class), or α falls to 0.
//
// The maximum is found on the profile: for each α, θ solves ∂L/∂θ = 0 (by
// bisection; the sums are written with the digamma function, so the cost
// does not grow with n), then α solves ∂L/∂α = 0 at that θ, by bisection too.
func pitmanUniques(c classCounts, N float64) (uniques float64, ok bool) {
	t, a, ok := pitmanFit(c)
	if !ok {
		return 0, false
	}
	lg1, _ := math.Lgamma(t + 1)
	lga, _ := math.Lgamma(t + a)
	uniques = math.Exp(lg1 - lga + a*math.Log(N))
	if math.IsNaN(uniques) || uniques <= 0 || uniques > N {
		return 0, false
	}
	return uniques, true
}

// pitmanFit is the maximum-likelihood (θ, α) of Pitman's model for the
// sample; ok is false when there is none inside the parameter space.
func pitmanFit(c classCounts) (theta, alpha float64, ok bool) {
	if c.u < 2 || c.n <= c.u {
		return 0, 0, false
	}
	// Below α = 1e-4 the digamma form of ∂L/∂α loses its precision; a
	// maximum there is Ewens's model (α = 0), which ARX does not use either.
	const lo, hi = 1e-4, 1 - 1e-9
	gAlpha := func(a float64) float64 { return pitmanDAlpha(c, pitmanTheta(c, a), a) }
	if !(gAlpha(lo) > 0) || !(gAlpha(hi) < 0) {
		return 0, 0, false
	}
	a := bisect(gAlpha, lo, hi)
	t := pitmanTheta(c, a)
	if math.IsInf(t, 0) || math.IsNaN(t) {
		return 0, 0, false
	}
	return t, a, true
}

// pitmanTheta is the θ >= 0 where ∂ ln L/∂θ = 0 for the given α: 0 when
// the derivative is already negative there, +Inf when it never turns
// negative.
func pitmanTheta(c classCounts, a float64) float64 {
	g := func(t float64) float64 { return pitmanDTheta(c, t, a) }
	if g(0) <= 0 {
		return 0
	}
	top := 1.0
	for g(top) > 0 {
		top *= 2
		if top > 1e15 {
			return math.Inf(1)
		}
	}
	return bisect(g, 0, top)
}

// pitmanDTheta is ∂ ln L/∂θ = Σ_{i<u} 1/(θ+iα) - Σ_{i<n} 1/(θ+i).
func pitmanDTheta(c classCounts, t, a float64) float64 {
	return pitmanSumInv(t, a, c.u) - (digamma(t+float64(c.n)) - digamma(t+1))
}

// pitmanDAlpha is ∂ ln L/∂α = Σ_{i<u} i/(θ+iα) - Σ_classes Σ_{l<s} 1/(l-α).
func pitmanDAlpha(c classCounts, t, a float64) float64 {
	if math.IsInf(t, 0) {
		return math.NaN()
	}
	// Σ i/(θ+iα) = (u-1 - θ·Σ 1/(θ+iα)) / α.
	first := (float64(c.u-1) - t*pitmanSumInv(t, a, c.u)) / a
	second := 0.0
	for s, cs := range c.counts {
		if s > 1 {
			second += float64(cs) * (digamma(float64(s)-a) - digamma(1-a))
		}
	}
	return first - second
}

// pitmanSumInv is Σ_{i=1}^{u-1} 1/(θ+iα) = (ψ(θ/α+u) - ψ(θ/α+1))/α.
func pitmanSumInv(t, a float64, u int) float64 {
	x := t / a
	return (digamma(x+float64(u)) - digamma(x+1)) / a
}

// snbUniques estimates the population uniques by the slide negative
// binomial model of Chen and Keller-McNulty (1998), as ARX's ModelSNB
// uses it. The population's K classes have sizes 1 + X, X negative
// binomial with shape α and probability β (P(X=x) = Γ(α+x)/(Γ(α)x!)
// β^α (1-β)^x), and a record is in the sample with probability f. From the
// probability generating function, with d = (1-f)(1-β):
//
//	E[c1] = K f (β/(1-d))^α (1 + αd/(1-d))
//	E[c2] = K α β^α f² (1-β)/2 · (2 - (1-α)d) / (1-d)^(α+2)
//
// α and β solve E[c1] = c1, E[c2] = c2 (Newton's method from several
// starting points), K is Shlosser's estimate of the number of population
// classes (Haas et al. 1995: u + c1·Σ(1-f)^s c_s / Σ s f (1-f)^(s-1) c_s),
// and the population uniques are K·P(X = 0) = K β^α. ok is false without
// classes of one and of two records, or when no solution is found.
//
// ARX's code differs in two places: it multiplies E[c2] by (1-d)^(α+2)
// where the generating function divides by it, and it uses a second-order
// variant of Shlosser's estimator; its SNB figures can therefore differ
// from these.
func snbUniques(c classCounts, f, N float64) (uniques float64, ok bool) {
	c1, c2 := float64(c.counts[1]), float64(c.counts[2])
	if c1 == 0 || c2 == 0 || f >= 1 {
		return 0, false
	}
	K := shlosser(c, f)
	a, b, ok := solveSNB(K, f, c1, c2)
	if !ok {
		return 0, false
	}
	uniques = K * math.Pow(b, a)
	if math.IsNaN(uniques) || uniques <= 0 || uniques > N {
		return 0, false
	}
	return uniques, true
}

// shlosser estimates the number of classes of the population.
func shlosser(c classCounts, f float64) float64 {
	num, den := 0.0, 0.0
	for s, cs := range c.counts {
		num += math.Pow(1-f, float64(s)) * float64(cs)
		den += float64(s) * f * math.Pow(1-f, float64(s-1)) * float64(cs)
	}
	return float64(c.u) + float64(c.counts[1])*num/den
}

// snbExpected is (E[c1], E[c2]) for shape a, probability b.
func snbExpected(K, f, a, b float64) (e1, e2 float64) {
	d := (1 - f) * (1 - b)
	w := 1 - d
	e1 = K * f * math.Pow(b/w, a) * (1 + a*d/w)
	e2 = K * a * math.Pow(b, a) * f * f * (1 - b) / 2 * (2 - (1-a)*d) / math.Pow(w, a+2)
	return e1, e2
}

// solveSNB solves the two moment equations for α > 0, 0 < β < 1 by
// Newton's method on (ln α, logit β) with a numerical Jacobian, from a grid
// of starting points; a solution must match c1 and c2 to 1e-8 relative.
func solveSNB(K, f, c1, c2 float64) (a, b float64, ok bool) {
	resid := func(x, y float64) (float64, float64) {
		e1, e2 := snbExpected(K, f, math.Exp(x), 1/(1+math.Exp(-y)))
		return e1/c1 - 1, e2/c2 - 1
	}
	for _, x0 := range []float64{-4, -2, 0, 2} {
		for _, y0 := range []float64{-6, -3, 0, 3} {
			x, y := x0, y0
			for range 200 {
				r1, r2 := resid(x, y)
				if math.IsNaN(r1) || math.IsNaN(r2) {
					break
				}
				if math.Abs(r1) < 1e-10 && math.Abs(r2) < 1e-10 {
					return math.Exp(x), 1 / (1 + math.Exp(-y)), true
				}
				const h = 1e-7
				a1, a2 := resid(x+h, y)
				b1, b2 := resid(x, y+h)
				j11, j21 := (a1-r1)/h, (a2-r2)/h
				j12, j22 := (b1-r1)/h, (b2-r2)/h
				det := j11*j22 - j12*j21
				if det == 0 || math.IsNaN(det) {
					break
				}
				dx := (r1*j22 - r2*j12) / det
				dy := (j11*r2 - j21*r1) / det
				// Damp long steps: the equations are steep far from the root.
				if s := math.Max(math.Abs(dx), math.Abs(dy)); s > 2 {
					dx, dy = 2*dx/s, 2*dy/s
				}
				x, y = x-dx, y-dy
			}
		}
	}
	return 0, 0, false
}

// bisect finds a root of g in [lo, hi], where g(lo) and g(hi) have
// opposite signs.
func bisect(g func(float64) float64, lo, hi float64) float64 {
	glo := g(lo)
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		gm := g(mid)
		if (gm > 0) == (glo > 0) {
			lo, glo = mid, gm
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// digamma is ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence ψ(x) = ψ(x+1) -
// 1/x up to x >= 10, then the asymptotic series.
func digamma(x float64) float64 {
	r := 0.0
	for x < 10 {
		r -= 1 / x
		x++
	}
	x2 := 1 / (x * x)
	return r + math.Log(x) - 0.5/x - x2*(1.0/12-x2*(1.0/120-x2*(1.0/252-x2*(1.0/240-x2*(1.0/132)))))
}

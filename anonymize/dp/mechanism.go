package dp

import (
	"fmt"
	"math"
	"math/big"

	"github.com/medmarket/medmarket/anonymize"
)

// Laplace is the ε-differentially private mechanism for an integer query of
// known L1 sensitivity Δ: it adds discrete Laplace noise of scale Δ/ε, so
// the output probabilities on two datasets differing by one patient differ
// by a factor of at most e^ε.
type Laplace struct {
	eps         *big.Rat
	sensitivity int64
	scale       *big.Rat // Δ/ε
}

// NewLaplace returns the mechanism for a positive ε and a sensitivity ≥ 1
// (from [CountRows] or [SumRows]).
func NewLaplace(eps *big.Rat, sensitivity int64) (*Laplace, error) {
	if eps == nil || eps.Sign() <= 0 {
		return nil, fmt.Errorf("laplace mechanism: ε %v is not positive: %w", eps, anonymize.ErrInvalid)
	}
	if sensitivity < 1 {
		return nil, fmt.Errorf("laplace mechanism: sensitivity %d is below 1: %w", sensitivity, anonymize.ErrInvalid)
	}
	scale := new(big.Rat).SetInt64(sensitivity)
	scale.Quo(scale, eps)
	return &Laplace{eps: new(big.Rat).Set(eps), sensitivity: sensitivity, scale: scale}, nil
}

// Epsilon is the ε the mechanism spends per answer.
func (m *Laplace) Epsilon() *big.Rat { return new(big.Rat).Set(m.eps) }

// Scale is the noise's scale Δ/ε.
func (m *Laplace) Scale() *big.Rat { return new(big.Rat).Set(m.scale) }

// Noise draws the noise alone.
func (m *Laplace) Noise(src Source) *big.Int {
	return discreteLaplace(src, m.scale.Denom(), m.scale.Num())
}

// Add returns answer plus fresh noise. It fails only when the sum leaves
// int64 (the noise exceeds 2⁶³ with probability far below 2⁻⁶⁴ for any
// scale an ε above 10⁻⁶ gives).
func (m *Laplace) Add(src Source, answer int64) (int64, error) {
	return addNoise(answer, m.Noise(src))
}

// Bound95 is the smallest b with P(|noise| ≤ b) ≥ 0.95. For the discrete
// Laplace of scale t, P(|X| ≥ k) = 2e^(-k/t)/(1+e^(-1/t)) for k ≥ 1, so b
// is the smallest k with that ≤ 0.05, less one. Computed in float64: it is
// reported to people, never used to sample.
func (m *Laplace) Bound95() int64 {
	t, _ := m.scale.Float64()
	q := math.Exp(-1 / t)
	// 2q^k/(1+q) ≤ 0.05  ⇔  k ≥ ln(0.025(1+q))/ln q.
	k := int64(math.Ceil(math.Log(0.025*(1+q)) / math.Log(q)))
	k = max(k, 1)
	for k > 1 && laplaceTail(q, k-1) <= 0.05 { // guard against rounding up by one
		k--
	}
	for laplaceTail(q, k) > 0.05 {
		k++
	}
	return k - 1
}

// laplaceTail is P(|X| ≥ k), k ≥ 1, for the discrete Laplace with e^(-1/t) = q.
func laplaceTail(q float64, k int64) float64 {
	return 2 * math.Pow(q, float64(k)) / (1 + q)
}

// Gaussian is the ρ-zCDP mechanism (zero-concentrated differential
// privacy, Bun and Steinke 2016) for an integer query of known L2
// sensitivity Δ: it adds discrete Gaussian noise with σ² = Δ²/(2ρ), which
// Canonne, Kamath and Steinke 2020 (Theorem 4) show is ρ-zCDP, exactly as
// the continuous Gaussian. ρ-zCDP implies (ε, δ)-DP for every δ > 0 with
// ε = ρ + 2√(ρ ln(1/δ)) ([Gaussian.Epsilon]); a budget counted in ε
// charges that.
type Gaussian struct {
	rho         *big.Rat
	sensitivity int64
	sigma2      *big.Rat // Δ²/(2ρ)
	sampler     gaussianSampler
}

// NewGaussian returns the mechanism for a positive ρ and a sensitivity ≥ 1.
func NewGaussian(rho *big.Rat, sensitivity int64) (*Gaussian, error) {
	if rho == nil || rho.Sign() <= 0 {
		return nil, fmt.Errorf("gaussian mechanism: ρ %v is not positive: %w", rho, anonymize.ErrInvalid)
	}
	if sensitivity < 1 || sensitivity > math.MaxInt32 {
		return nil, fmt.Errorf("gaussian mechanism: sensitivity %d is not in [1, 2³¹): %w", sensitivity, anonymize.ErrInvalid)
	}
	sigma2 := new(big.Rat).SetInt64(sensitivity * sensitivity)
	sigma2.Quo(sigma2, new(big.Rat).Mul(rho, big.NewRat(2, 1)))
	return &Gaussian{rho: new(big.Rat).Set(rho), sensitivity: sensitivity, sigma2: sigma2,
		sampler: newGaussianSampler(sigma2.Num(), sigma2.Denom())}, nil
}

// Rho is the ρ the mechanism spends per answer.
func (m *Gaussian) Rho() *big.Rat { return new(big.Rat).Set(m.rho) }

// Sigma2 is the noise's parameter σ² = Δ²/(2ρ).
func (m *Gaussian) Sigma2() *big.Rat { return new(big.Rat).Set(m.sigma2) }

// Epsilon is the ε of the (ε, δ)-DP guarantee ρ-zCDP implies:
// ρ + 2√(ρ ln(1/δ)), for 0 < δ < 1. For display and for charging an ε
// budget (round it up there); not used to sample.
func (m *Gaussian) Epsilon(delta float64) float64 {
	rho, _ := m.rho.Float64()
	return rho + 2*math.Sqrt(rho*math.Log(1/delta))
}

// Noise draws the noise alone.
func (m *Gaussian) Noise(src Source) *big.Int {
	return m.sampler.draw(src)
}

// Add returns answer plus fresh noise; see [Laplace.Add] for its error.
func (m *Gaussian) Add(src Source, answer int64) (int64, error) {
	return addNoise(answer, m.Noise(src))
}

// Bound95 is the smallest b with P(|noise| ≤ b) ≥ 0.95, from the discrete
// Gaussian's pmf summed in float64 out to 12σ, past which the mass is
// below 10⁻³⁰. Reported to people, never used to sample. Its cost grows
// with σ: 12σ evaluations of exp (1.2 million at σ = 10⁵).
func (m *Gaussian) Bound95() int64 {
	s2, _ := m.sigma2.Float64()
	pmf := func(x int64) float64 { return math.Exp(-float64(x) * float64(x) / (2 * s2)) }
	limit := int64(math.Ceil(12*math.Sqrt(s2))) + 10
	total := pmf(0)
	for x := int64(1); x <= limit; x++ {
		total += 2 * pmf(x)
	}
	inside := pmf(0)
	b := int64(0)
	for inside/total < 0.95 {
		b++
		inside += 2 * pmf(b)
	}
	return b
}

func addNoise(answer int64, noise *big.Int) (int64, error) {
	sum := new(big.Int).Add(big.NewInt(answer), noise)
	if !sum.IsInt64() {
		return 0, fmt.Errorf("noisy answer %d%+d leaves int64: %w", answer, noise, anonymize.ErrInvalid)
	}
	return sum.Int64(), nil
}

// tailAbove is the smallest k ≥ 1 with P(X ≥ k) ≤ delta for the discrete
// Laplace of the given scale t: P(X ≥ k) = q^k/(1+q), q = e^(-1/t).
func tailAbove(scale *big.Rat, delta float64) int64 {
	t, _ := scale.Float64()
	q := math.Exp(-1 / t)
	k := int64(math.Ceil(math.Log(delta*(1+q)) / math.Log(q)))
	k = max(k, 1)
	for math.Pow(q, float64(k))/(1+q) > delta {
		k++
	}
	return k
}

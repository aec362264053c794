package dp

import (
	"fmt"
	"math/big"

	"github.com/medmarket/medmarket/anonymize"
)

// DiscreteLaplace returns one draw from the discrete Laplace distribution
// of the given scale: P(X = x) ∝ e^(-|x|/scale) over the integers. The scale
// must be positive.
func DiscreteLaplace(src Source, scale *big.Rat) (*big.Int, error) {
	if scale == nil || scale.Sign() <= 0 {
		return nil, fmt.Errorf("discrete laplace: scale %v is not positive: %w", scale, anonymize.ErrInvalid)
	}
	// scale = t/s with s, t ≥ 1 integers.
	return discreteLaplace(src, scale.Denom(), scale.Num()), nil
}

// discreteLaplace samples scale t/s (Canonne, Kamath, Steinke 2020,
// Algorithm 2). U uniform in [0,t) kept with probability e^(-U/t), plus t
// times V where V counts Bernoulli(e^-1) successes, is geometric with
// P(X = x) ∝ e^(-x/t); ⌊X/s⌋ is then geometric with ratio e^(-s/t). A fair
// sign, with negative zero rejected so zero is not counted twice, makes it
// two-sided.
func discreteLaplace(src Source, s, t *big.Int) *big.Int {
	u := new(big.Int)
	for {
		uniformBig(src, u, t)
		if !bernExpFrac(src, u, t) {
			continue
		}
		v := int64(0)
		for bernExpAtMostOne(src, bigOne, bigOne) {
			v++
		}
		x := new(big.Int).Mul(t, big.NewInt(v))
		x.Add(x, u)
		y := x.Quo(x, s)
		negative := uniform64(src, 2) == 1
		if negative && y.Sign() == 0 {
			continue
		}
		if negative {
			y.Neg(y)
		}
		return y
	}
}

// DiscreteGaussian returns one draw from the discrete Gaussian distribution
// with parameter σ² (sigma2): P(X = x) ∝ e^(-x²/(2σ²)) over the integers.
// σ² must be positive. Its variance is at most σ² and, for σ² ≥ 1, below
// it by less than 10⁻⁶ relative (2·10⁻⁷ at σ² = 1, 10⁻¹⁵ at σ² = 2).
func DiscreteGaussian(src Source, sigma2 *big.Rat) (*big.Int, error) {
	if sigma2 == nil || sigma2.Sign() <= 0 {
		return nil, fmt.Errorf("discrete gaussian: σ² %v is not positive: %w", sigma2, anonymize.ErrInvalid)
	}
	return discreteGaussian(src, sigma2.Num(), sigma2.Denom()), nil
}

// discreteGaussian samples σ² = a/b (Canonne, Kamath, Steinke 2020,
// Algorithm 3): Y from the discrete Laplace of scale t = ⌊σ⌋+1, accepted
// with probability e^(-(|Y| − σ²/t)²/(2σ²)) = e^(-(|Y|bt − a)²/(2abt²)).
func discreteGaussian(src Source, a, b *big.Int) *big.Int {
	return newGaussianSampler(a, b).draw(src)
}

// gaussianSampler is [discreteGaussian]'s parameters for one σ², computed
// once for a mechanism that draws many times.
type gaussianSampler struct {
	a, t, bt, den *big.Int
}

func newGaussianSampler(a, b *big.Int) gaussianSampler {
	t := new(big.Int).Quo(a, b) // ⌊σ²⌋; ⌊√⌊σ²⌋⌋ = ⌊σ⌋
	t.Sqrt(t).Add(t, bigOne)
	bt := new(big.Int).Mul(b, t)
	den := new(big.Int).Mul(a, b)
	den.Mul(den, t).Mul(den, t).Mul(den, bigTwo)
	return gaussianSampler{a: new(big.Int).Set(a), t: t, bt: bt, den: den}
}

func (g gaussianSampler) draw(src Source) *big.Int {
	num := new(big.Int)
	for {
		y := discreteLaplace(src, bigOne, g.t)
		num.Abs(y).Mul(num, g.bt).Sub(num, g.a)
		num.Mul(num, num)
		if bernExpFrac(src, num, g.den) {
			return y
		}
	}
}

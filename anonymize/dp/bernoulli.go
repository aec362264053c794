package dp

import (
	"fmt"
	"math/big"

	"github.com/medmarket/medmarket/anonymize"
)

var (
	bigOne = big.NewInt(1)
	bigTwo = big.NewInt(2)
)

// Bernoulli returns true with probability p, 0 ≤ p ≤ 1, exactly: one
// uniform integer below p's denominator compared with its numerator.
func Bernoulli(src Source, p *big.Rat) (bool, error) {
	if p == nil || p.Sign() < 0 || p.Cmp(big.NewRat(1, 1)) > 0 {
		return false, fmt.Errorf("bernoulli: probability %v is not in [0,1]: %w", p, anonymize.ErrInvalid)
	}
	return bernFrac(src, p.Num(), p.Denom()), nil
}

// BernoulliExp returns true with probability e^-γ, γ ≥ 0, exactly
// (Canonne, Kamath, Steinke 2020, Algorithm 1).
func BernoulliExp(src Source, gamma *big.Rat) (bool, error) {
	if gamma == nil || gamma.Sign() < 0 {
		return false, fmt.Errorf("bernoulli exp: γ %v is negative: %w", gamma, anonymize.ErrInvalid)
	}
	return bernExpFrac(src, gamma.Num(), gamma.Denom()), nil
}

// bernFrac is Bernoulli(num/den) for 0 ≤ num ≤ den, den ≥ 1.
func bernFrac(src Source, num, den *big.Int) bool {
	if num.Sign() == 0 {
		return false
	}
	if num.IsUint64() && den.IsUint64() {
		return uniform64(src, den.Uint64()) < num.Uint64()
	}
	return uniformBig(src, new(big.Int), den).Cmp(num) < 0
}

// bernExpFrac is Bernoulli(e^-γ) for γ = num/den ≥ 0, den ≥ 1. Above 1 it
// is the product of ⌊γ⌋ Bernoulli(e^-1) trials and one for the fractional
// part, stopping at the first failure (so a huge γ costs few draws).
func bernExpFrac(src Source, num, den *big.Int) bool {
	if num.Cmp(den) <= 0 {
		return bernExpAtMostOne(src, num, den)
	}
	whole, frac := new(big.Int).QuoRem(num, den, new(big.Int))
	for i := new(big.Int); i.Cmp(whole) < 0; i.Add(i, bigOne) {
		if !bernExpAtMostOne(src, bigOne, bigOne) {
			return false
		}
	}
	return bernExpAtMostOne(src, frac, den)
}

// bernExpAtMostOne is Bernoulli(e^-γ) for γ = num/den in [0,1]: draw
// A_k ~ Bernoulli(γ/k) for k = 1, 2, … until the first failure at K; K is
// odd with probability Σ_odd (γ^(K-1)/(K-1)! − γ^K/K!) = e^-γ.
// Bernoulli(γ/k) is drawn as Bernoulli(γ)·Bernoulli(1/k) (independent), so
// no product of denominators is formed.
func bernExpAtMostOne(src Source, num, den *big.Int) bool {
	k := uint64(1)
	for bernFrac(src, num, den) && (k == 1 || uniform64(src, k) == 0) {
		k++
	}
	return k%2 == 1
}

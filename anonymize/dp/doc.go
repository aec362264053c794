// Package dp holds medmarket's differential-privacy mechanisms: exact
// samplers for the discrete Laplace and discrete Gaussian distributions,
// the mechanisms that add their noise to an integer answer with a reported
// 95 % error bound, helpers that bound a patient's contribution so the
// sensitivity of a count or a sum is known, and the [Budget] accountant that
// refuses a query which would overspend a listing's or a requester's ε.
//
// It is pure: it imports the standard library and anonymize only (the
// repository's layering test holds anonymize/... to that), does no I/O, and
// keeps no package-level mutable state. Persisting a budget is the caller's
// job ([Budget.Snapshot], [RestoreBudget]).
//
// # Exact sampling
//
// Floating-point noise leaks the secret through the low bits of the result
// (Mironov 2012, "On significance of the least significant bits for
// differential privacy"), so nothing here samples with floats. The samplers
// follow Canonne, Kamath and Steinke 2020 ("The Discrete Gaussian for
// Differential Privacy"): [Bernoulli] for a rational p by one uniform integer
// compared with the numerator (Algorithm 1's building block),
// [BernoulliExp] for e^-γ with γ rational by the series expansion for γ ≤ 1
// and a product of e^-1 trials above (Algorithm 1), [DiscreteLaplace] by a
// geometric variable built from e^-u/t trials and a sign (Algorithm 2), and
// [DiscreteGaussian] by rejection from a discrete Laplace of scale ⌊σ⌋+1
// (Algorithm 3). All arithmetic is on math/big integers and rationals;
// uniform integers in [0,n) come from masked rejection, so there is no
// modulo bias. Randomness comes from a [Source]: crypto/rand by default
// ([CryptoSource]), a seeded math/rand/v2 ChaCha8 in tests.
//
// Floats appear only in what is reported to people: [Laplace.Bound95],
// [Gaussian.Bound95] and [Gaussian.Epsilon].
//
// # Why not a library
//
// Checked on 2026-12-07: github.com/google/differential-privacy/go (v3, v4)
// is not served by the module proxy this project builds from (403 "not
// available"), and its noise package is not what we need anyway: its
// Laplace and Gaussian take float64 ε, δ and values and return float64
// noise made "secure" by snapping to a power-of-two granularity
// (geometric and binomial sampling on a grid), not exact discrete Laplace
// or discrete Gaussian draws with rational parameters, and it draws from
// its own crypto/rand wrapper with no injectable source. OpenDP's exact samplers are
// Rust. The samplers are short, so they live here with tests that check
// their distributions against the exact pmf.
package dp

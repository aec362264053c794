package dp

import (
	"crypto/rand"
	"encoding/binary"
	"math"
)

// noiseCache keeps, for one card, what its Gaussian mechanisms report to
// people: the 95 % bound and the category threshold cost time growing with
// σ (a pmf summed out to 12σ), and many cells share one mechanism. Keyed
// by σ² as an exact fraction.
type noiseCache struct {
	byMech     map[*Gaussian]int64 // saves writing σ² for every cell
	bounds     map[string]int64
	thresholds map[thresholdKey]int64
}

type thresholdKey struct {
	sigma2 string
	p      float64
}

func newNoiseCache() *noiseCache {
	return &noiseCache{byMech: map[*Gaussian]int64{}, bounds: map[string]int64{}, thresholds: map[thresholdKey]int64{}}
}

func (c *noiseCache) bound95(m *Gaussian) int64 {
	if b, ok := c.byMech[m]; ok {
		return b
	}
	key := m.sigma2.RatString()
	b, ok := c.bounds[key]
	if !ok {
		b = m.Bound95()
		c.bounds[key] = b
	}
	c.byMech[m] = b
	return b
}

// threshold is [gaussianTailAbove] of m's noise, cached.
func (c *noiseCache) threshold(m *Gaussian, p float64) int64 {
	key := thresholdKey{m.sigma2.RatString(), p}
	k, ok := c.thresholds[key]
	if !ok {
		s2, _ := m.sigma2.Float64()
		k = gaussianTailAbove(s2, p)
		c.thresholds[key] = k
	}
	return k
}

// noisy is v plus m's noise, clamped at zero, with its 95 % bound.
func (c *noiseCache) noisy(m *Gaussian, src Source, v int64) (Figure, error) {
	x, err := m.Add(src, v)
	if err != nil {
		return Figure{}, err
	}
	return Figure{Value: max(x, 0), Bound95: c.bound95(m)}, nil
}

// gaussianTailAbove is the smallest k ≥ 1 with P(X ≥ k) ≤ p for the
// discrete Gaussian X of parameter σ² = s2, P(X = x) ∝ e^(-x²/(2σ²)): the
// pmf summed in float64 out to 12σ (past which the mass is below 10⁻³⁰,
// as in [Gaussian.Bound95]), the tail summed from the far end so that
// small probabilities keep their precision. For p below what float64
// resolves there, k is the end of the sum. Reported and compared to noisy
// counts, never used to sample.
func gaussianTailAbove(s2, p float64) int64 {
	pmf := func(x int64) float64 { return math.Exp(-float64(x) * float64(x) / (2 * s2)) }
	limit := int64(math.Ceil(12*math.Sqrt(s2))) + 10
	total := pmf(0)
	for x := int64(1); x <= limit; x++ {
		total += 2 * pmf(x)
	}
	// tail = P(X ≥ k)·total, growing as k comes down from limit+1.
	tail := 0.0
	k := limit + 1
	for k > 1 {
		next := tail + pmf(k-1)
		if next/total > p {
			break
		}
		tail = next
		k--
	}
	return k
}

// cardSource is the randomness one card's statistics draw from: src, or,
// when src is [CryptoSource], the same crypto/rand read a few KiB at a time
// (a card draws millions of words on a table with many categories, and one
// read per word would be most of its time). Used by one goroutine.
func cardSource(src Source) Source {
	if _, ok := src.(CryptoSource); ok {
		return &cryptoBuffer{}
	}
	return src
}

// cryptoBuffer hands out crypto/rand's bytes 8 at a time, refilling from
// crypto/rand when empty. Each byte is handed out once.
type cryptoBuffer struct {
	buf  [4096]byte
	next int  // bytes of buf handed out
	full bool // buf has been filled once
}

func (c *cryptoBuffer) Uint64() uint64 {
	if !c.full || c.next == len(c.buf) {
		_, _ = rand.Read(c.buf[:]) // does not fail: see CryptoSource.Uint64
		c.next, c.full = 0, true
	}
	x := binary.LittleEndian.Uint64(c.buf[c.next:])
	c.next += 8
	return x
}

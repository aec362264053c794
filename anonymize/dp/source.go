package dp

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"math/bits"
)

// Source is the randomness the samplers draw from: uniformly random 64-bit
// words. *math/rand/v2.ChaCha8 satisfies it (tests seed one for
// reproducible draws); production code uses [CryptoSource]. A Source need
// not be safe for concurrent use; callers that share one serialise it.
type Source interface {
	Uint64() uint64
}

// CryptoSource reads crypto/rand. It is safe for concurrent use.
type CryptoSource struct{}

// Uint64 returns 8 bytes of crypto/rand. crypto/rand.Read does not fail on
// the platforms Go supports (since Go 1.24 it crashes the program rather
// than return short), so there is no error to pass on.
func (CryptoSource) Uint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// uniform64 returns a uniform integer in [0, n), n ≥ 1, by drawing words
// masked to n-1's bit length and rejecting those ≥ n (each draw succeeds
// with probability > 1/2; no modulo bias).
func uniform64(src Source, n uint64) uint64 {
	if n == 1 {
		return 0
	}
	mask := uint64(1)<<bits.Len64(n-1) - 1
	if bits.Len64(n-1) == 64 {
		mask = ^uint64(0)
	}
	for {
		if v := src.Uint64() & mask; v < n {
			return v
		}
	}
}

// uniformBig returns a uniform integer in [0, n), n ≥ 1, into z: the fast
// path for n that fits a word, else masked rejection over as many words
// as n needs.
func uniformBig(src Source, z, n *big.Int) *big.Int {
	if n.IsUint64() {
		return z.SetUint64(uniform64(src, n.Uint64()))
	}
	bitLen := new(big.Int).Sub(n, big.NewInt(1)).BitLen()
	words := make([]big.Word, (bitLen+bits.UintSize-1)/bits.UintSize)
	top := bitLen % bits.UintSize
	for {
		for i := range words {
			words[i] = big.Word(src.Uint64())
		}
		if top != 0 {
			words[len(words)-1] &= big.Word(1)<<top - 1
		}
		z.SetBits(words)
		if z.Cmp(n) < 0 {
			return z
		}
		words = make([]big.Word, len(words)) // SetBits aliases the slice
	}
}

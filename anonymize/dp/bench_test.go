package dp

import (
	"math/big"
	"testing"
)

// go test -run '^$' -bench . ./anonymize/dp/
func BenchmarkDiscreteLaplace(b *testing.B) {
	for _, scale := range []*big.Rat{big.NewRat(2, 1), big.NewRat(100, 1), big.NewRat(7, 3)} {
		b.Run("scale="+scale.RatString(), func(b *testing.B) {
			src := seeded(50)
			for b.Loop() {
				if _, err := DiscreteLaplace(src, scale); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("crypto/scale=2", func(b *testing.B) {
		for b.Loop() {
			if _, err := DiscreteLaplace(CryptoSource{}, big.NewRat(2, 1)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDiscreteGaussian(b *testing.B) {
	for _, sigma2 := range []*big.Rat{big.NewRat(4, 1), big.NewRat(10000, 1), big.NewRat(5, 2)} {
		b.Run("sigma2="+sigma2.RatString(), func(b *testing.B) {
			src := seeded(51)
			for b.Loop() {
				if _, err := DiscreteGaussian(src, sigma2); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("crypto/sigma2=4", func(b *testing.B) {
		for b.Loop() {
			if _, err := DiscreteGaussian(CryptoSource{}, big.NewRat(4, 1)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

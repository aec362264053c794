package anonymize

import "testing"

// BenchmarkPopulationRisk: the three models and the rule on a sample of
// 30,000 records in 14,000 classes (Adult-like).
func BenchmarkPopulationRisk(b *testing.B) {
	h := map[int]int{1: 10000, 2: 2000, 3: 800, 4: 400, 5: 300, 8: 200, 20: 150, 50: 100, 200: 30, 1000: 5}
	sizes := histogramSizes(h)
	n := 0
	for _, s := range sizes {
		n += s
	}
	for b.Loop() {
		populationRisk(sizes, n, 0.01)
	}
}

package anonymize_test

import (
	"context"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// BenchmarkKAnonymityLarge runs 5-anonymity with the default search and
// suppression limit on 1.2 million rows resampled from Adult.
func BenchmarkKAnonymityLarge(b *testing.B) {
	big := anonymizetest.Resample(loadAdult(b), 1_200_000, 1)
	p := &anonymize.Privacy{K: 5}
	b.ReportAllocs()
	var res *anonymize.SearchResult
	for b.Loop() {
		var err error
		_, res, err = p.Anonymize(context.Background(), big)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(res.Loss, "ncp")
	b.ReportMetric(float64(res.Suppressed), "suppressed")
}

// BenchmarkSafeHarbor applies the Safe Harbor transform to 1 million rows
// of 8 patient columns. The plugins package adds the /plugin case.
func BenchmarkSafeHarbor(b *testing.B) {
	const rows = 1_000_000
	t := anonymizetest.Patients(rows, 1)
	b.Run("inprocess", func(b *testing.B) {
		sh := &anonymize.SafeHarbor{}
		b.ReportAllocs()
		for b.Loop() {
			out, err := sh.Apply(context.Background(), t)
			if err != nil {
				b.Fatal(err)
			}
			if out.NumRows() != rows {
				b.Fatal("rows lost")
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

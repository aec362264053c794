package plugins_test

import (
	"context"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	"github.com/medmarket/medmarket/plugins"
	"github.com/medmarket/medmarket/plugins/anonymizer"
)

// BenchmarkSafeHarbor applies Safe Harbor to 1 million rows of 8 patient
// columns: in process, through the plugin path (the built-in isolated in a
// process of its own: the host plans, sends only the dictionaries of the
// columns Safe Harbor maps value by value and applies the plugin's mapping
// itself), and, for comparison, through the same stream without planning
// and with one message per row (on fewer rows).
//
//	go test ./plugins -run '^$' -bench BenchmarkSafeHarbor -benchtime 5x
func BenchmarkSafeHarbor(b *testing.B) {
	const rows = 1_000_000
	t := anonymizetest.Patients(rows, 1)
	run := func(b *testing.B, tr anonymize.Transform, t *anonymize.Table) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := tr.Apply(context.Background(), t)
			if err != nil {
				b.Fatal(err)
			}
			if out.NumRows() != t.NumRows() {
				b.Fatal("rows lost")
			}
		}
		b.ReportMetric(float64(t.NumRows())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("inprocess", func(b *testing.B) {
		run(b, &anonymize.SafeHarbor{}, t)
	})
	b.Run("plugin", func(b *testing.B) {
		run(b, isolatedSafeHarbor(b, anonymizer.StreamOptions{}), t)
	})
	b.Run("rowstream", func(b *testing.B) {
		// One message per row, every column, as without planning.
		run(b, isolatedSafeHarbor(b, anonymizer.StreamOptions{BatchRows: 1, NoPlan: true}), t.Slice(0, 50_000).Compact())
	})
}

// isolatedSafeHarbor returns Safe Harbor isolated by a host streaming as s
// says, closed at the end of the benchmark.
func isolatedSafeHarbor(b *testing.B, s anonymizer.StreamOptions) anonymize.Transform {
	b.Helper()
	tr, err := newHost(b, plugins.Options{Stream: s}).Isolated("safe-harbor").New(context.Background(), nil, anonymize.Env{})
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

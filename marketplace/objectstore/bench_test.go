package objectstore_test

import (
	"bytes"
	"io"
	"strconv"
	"testing"
	"time"
)

// BenchmarkStores_putGet measures, for each store, a Put of a fresh blob
// followed by reading it whole back (Open, read, close): throughput in MB/s
// of blob (b.SetBytes counts it once) and the mean latency of each half.
// The S3 store runs against a local versitygw (POSIX backend on the same
// disk), so the figures are the client's and the gateway's overhead, not a
// network's.
//
//	go test ./marketplace/objectstore/ -run '^$' -bench . -benchtime 20x
func BenchmarkStores_putGet(b *testing.B) {
	for _, size := range []int{64 << 10, 1 << 20, 32 << 20} {
		for _, st := range stores {
			b.Run(st.name+"/"+sizeName(size), func(b *testing.B) {
				s := st.open(b)
				data := randomBytes(b, size)
				ctx := b.Context()
				var put, get time.Duration
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16) // a fresh blob each time
					start := time.Now()
					h, _, err := s.Put(ctx, bytes.NewReader(data))
					if err != nil {
						b.Fatal(err)
					}
					mid := time.Now()
					r, _, err := s.Open(ctx, h)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.Copy(io.Discard, r); err != nil {
						b.Fatal(err)
					}
					if err := r.Close(); err != nil {
						b.Fatal(err)
					}
					put += mid.Sub(start)
					get += time.Since(mid)
				}
				b.ReportMetric(float64(put.Microseconds())/float64(b.N)/1000, "ms/put")
				b.ReportMetric(float64(get.Microseconds())/float64(b.N)/1000, "ms/get")
			})
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return strconv.Itoa(n>>20) + "MiB"
	}
	return strconv.Itoa(n>>10) + "KiB"
}

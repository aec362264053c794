package anonymize_test

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// csvBenchInput is a 100,000-row CSV file with quoted fields and non-ASCII
// text, as a clinic's export looks.
func csvBenchInput() []byte {
	var b bytes.Buffer
	b.WriteString("id,name,city,birthdate,zip,note\n")
	for i := range 100_000 {
		b.WriteString(strconv.Itoa(i))
		b.WriteString(",Zoë Müller,\"Zürich, CH\",19")
		b.WriteString(strconv.Itoa(40 + i%60))
		b.WriteString("-01-02,0")
		b.WriteString(strconv.Itoa(2100 + i%900))
		b.WriteString(",\"said \"\"fine\"\"\"\n")
	}
	return b.Bytes()
}

// BenchmarkReadCSV streams the file in batches of 10,000 rows and reports
// rows per second.
func BenchmarkReadCSV(b *testing.B) {
	in := csvBenchInput()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := anonymize.NewCSVReader(bytes.NewReader(in), anonymize.CSVOptions{Name: "bench.csv"})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next(10_000)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		rows += r.Rows()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// TestDownload_convertsBetweenCSVAndParquet: a buyer downloads in either
// format, whatever the dataset was published in.
func TestDownload_convertsBetweenCSVAndParquet(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	publish := func(format string, copy *bytes.Buffer) Published {
		p, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "Patients " + format,
			Price: ether("0.01"), Terms: hmb, Format: format, Copy: copy})
		if err != nil {
			t.Fatalf("publish %s: %v", format, err)
		}
		if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var csvCopy, pqCopy bytes.Buffer
	csvPub, pqPub := publish("csv", &csvCopy), publish("parquet", &pqCopy)
	original, err := anonymize.ReadCSV(bytes.NewReader(csvCopy.Bytes()), anonymize.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("csv published, parquet wanted", func(t *testing.T) {
		downloadAsParquet(t, a, csvPub.ListingID, original)
	})
	t.Run("parquet published, csv wanted", func(t *testing.T) {
		var got bytes.Buffer
		d, err := a.Download(ctx, ByAccount("bob", "pw"), pqPub.ListingID, DownloadRequest{Writer: &got, Format: "CSV"})
		if err != nil {
			t.Fatal(err)
		}
		if d.Format != "csv" || d.Published != "parquet" || d.Bytes != int64(got.Len()) {
			t.Fatalf("downloaded %+v (%d bytes)", d, got.Len())
		}
		if !bytes.Equal(got.Bytes(), csvCopy.Bytes()) {
			t.Fatalf("CSV from the Parquet dataset differs from the anonymized CSV:\n%.300s\nwant\n%.300s", got.String(), csvCopy.String())
		}
	})
	t.Run("as published", func(t *testing.T) {
		var got bytes.Buffer
		d, err := a.Download(ctx, ByAccount("bob", "pw"), pqPub.ListingID, DownloadRequest{Writer: &got})
		if err != nil || d.Format != "parquet" || d.Published != "" || !bytes.Equal(got.Bytes(), pqCopy.Bytes()) {
			t.Fatalf("as published: %+v, %v", d, err)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "data.xlsx")
		_, err := a.Download(ctx, ByAccount("bob", "pw"), csvPub.ListingID, DownloadRequest{Out: out, Format: "xlsx"})
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.HasPrefix(marketplace.ErrorMessage(err), "Format:") || !strings.Contains(err.Error(), "xlsx") {
			t.Fatalf("unknown format: %v", err)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Fatal("a refused download wrote the output")
		}
	})
}

// downloadAsParquet: a CSV dataset downloaded as Parquet holds the
// original's rows and columns.
func downloadAsParquet(t *testing.T, a *App, id uint64, original *anonymize.Table) {
	t.Helper()
	ctx := t.Context()
	out := filepath.Join(t.TempDir(), "data.parquet")
	d, err := a.Download(ctx, ByAccount("bob", "pw"), id, DownloadRequest{Out: out, Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != "parquet" || d.Published != "csv" {
		t.Fatalf("downloaded %+v", d)
	}
	b, _ := os.ReadFile(out)
	if int64(len(b)) != d.Bytes {
		t.Fatalf("wrote %d bytes, reported %d", len(b), d.Bytes)
	}
	got, err := anonymize.ReadParquet(bytes.NewReader(b), int64(len(b)), "x")
	if err != nil {
		t.Fatal(err)
	}
	if got.NumRows() != original.NumRows() || got.NumRows() == 0 {
		t.Fatalf("rows %d, want %d", got.NumRows(), original.NumRows())
	}
	names := slices.Sorted(slices.Values(original.Names()))
	if !slices.Equal(got.Names(), names) {
		t.Fatalf("columns %v, want %v", got.Names(), names)
	}
	for _, c := range original.Columns {
		if !slices.Equal(got.Column(c.Name).Values(), c.Values()) {
			t.Errorf("column %s differs", c.Name)
		}
	}
}

func TestFormatOfPath(t *testing.T) {
	for path, want := range map[string]string{"a.csv": "csv", "b.PARQUET": "parquet", "c.pq": "parquet", "d": "", "e.txt": ""} {
		if got := FormatOfPath(path); got != want {
			t.Errorf("FormatOfPath(%q) = %q, want %q", path, got, want)
		}
	}
}

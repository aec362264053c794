package app

import (
	"bytes"
	"fmt"
	"io"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// releaseZIPLimits bound what a download reads of a release package: it
// was decrypted from a blob whose hash the chain vouches for, but its
// publisher may still be hostile (a zip bomb).
var releaseZIPLimits = anonymize.ZIPLimits{MaxEntryBytes: 2 << 30, MaxTotalBytes: 8 << 30, MaxEntries: 1000}

// convertRelease converts every table of a release package to format to
// and writes the package again, its manifest saying the new format.
func convertRelease(data []byte, to string) (io.Reader, error) {
	m, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(data), int64(len(data)), releaseZIPLimits)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "The release package cannot be converted to %s", to)
	}
	m.Format = to
	var buf bytes.Buffer
	if err := anonymize.WriteReleaseZIP(&buf, tables, *m); err != nil {
		return nil, fmt.Errorf("convert the release package to %s: %w", to, err)
	}
	return &buf, nil
}

// DownloadFile returns the file extension (without the dot) and the
// content type of listing card's dataset downloaded in format: "zip" and
// application/zip for a release package (whatever the format of the
// tables inside), else the format's own.
func DownloadFile(card *marketplace.DatasetCard, format string) (ext, contentType string) {
	switch {
	case card != nil && card.Package == marketplace.PackageZIP:
		return "zip", "application/zip"
	case format == FormatParquet:
		return FormatParquet, "application/vnd.apache.parquet"
	}
	return FormatCSV, "text/csv; charset=utf-8"
}

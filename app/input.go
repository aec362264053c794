package app

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// records is a records file as a use case takes it: a local path, or a
// reader with its name. Every use case that reads records (the CLI's
// anonymize and publish, the wizard's preview and publish) reads them
// through read, so one file reads the same whichever way it comes in.
type records struct {
	Path   string    // a local file, read when Reader is nil
	Reader io.Reader // read instead of Path when set
	Name   string    // names Reader (default: Path's base name)
	Format string    // "csv", "tsv", "fhir" or "" (chosen by content and extension)
	// Delimiter of a CSV file; 0 detects it.
	Delimiter rune
	Encoding  string // of a CSV file: "" detects it, else utf-8, latin1 or utf-16
	// BatchRows > 0 reads a CSV file in batches, reporting the rows read
	// to Progress (Stage "read") after each.
	BatchRows int
	// Bytes reports the bytes read of a local file to Progress (Stage
	// "read", Bytes of Size).
	Bytes    bool
	Progress func(AnonymizeProgress)
}

// read reads the records into tables (anonymize.ReadInput): one for CSV,
// one per resource type for FHIR. Errors are EINVALID and name the file
// and the reason.
func (in records) read() ([]*anonymize.Table, error) {
	name := in.Name
	if name == "" {
		name = filepath.Base(in.Path)
	}
	r := in.Reader
	if r == nil {
		if in.Path == "" {
			return nil, marketplace.Errorf(marketplace.EINVALID, "No records file given.")
		}
		f, err := os.Open(in.Path)
		if err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Cannot read %s: %v", name, errors.Unwrap(err))
		}
		defer f.Close()
		r = f
		if fi, err := f.Stat(); err == nil && in.Bytes && in.Progress != nil {
			r = &progressReader{r: f, size: fi.Size(), report: in.Progress}
		}
	}
	opt := anonymize.InputOptions{Name: name, Format: in.Format, Delimiter: in.Delimiter, Encoding: in.Encoding, BatchRows: in.BatchRows}
	if in.Progress != nil && in.BatchRows > 0 {
		table := name[:len(name)-len(filepath.Ext(name))]
		opt.Progress = func(rows int) { in.Progress(AnonymizeProgress{Stage: "read", Table: table, Rows: rows}) }
	}
	tables, err := anonymize.ReadInput(r, opt)
	if err != nil {
		if errors.Is(err, anonymize.ErrInvalid) {
			// The reason is the message: it names the file, line and column.
			return nil, marketplace.Errorf(marketplace.EINVALID, "%s", err.Error())
		}
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read %s", name)
	}
	return tables, nil
}

// progressReader reports the bytes read through it, at most once per
// progressEvery bytes.
type progressReader struct {
	r      io.Reader
	n      int64
	last   int64
	size   int64
	report func(AnonymizeProgress)
}

const progressEvery = 256 << 10

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.n-p.last >= progressEvery || (err == io.EOF && p.n != p.last) {
		p.last = p.n
		p.report(AnonymizeProgress{Stage: "read", Bytes: p.n, Size: p.size})
	}
	return n, err
}

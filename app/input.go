package app

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// records is a records file as a use case takes it: a local path, or a
// reader with its name. A path may name several files of FHIR JSON read
// as one release (anonymize.ReadInputs): a folder (its *.json and *.ndjson
// files, sorted by name, not its subfolders) or paths separated by commas. Every use case that reads records (the CLI's
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
	// Warn, when set, hears what the read skipped: FHIR resource types
	// medmarket does not read, by name and count.
	Warn func(string)
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
		paths, err := inputPaths(in.Path)
		if err != nil {
			return nil, err
		}
		if len(paths) > 1 {
			if in.Name == "" && strings.Contains(in.Path, ",") {
				name = "" // the release is named by its count of files
			}
			return in.readMany(name, paths)
		}
		if paths[0] != in.Path && in.Name == "" {
			name = filepath.Base(paths[0])
		}
		f, err := os.Open(paths[0])
		if err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Cannot read %s: %v", name, errors.Unwrap(err))
		}
		defer f.Close()
		r = f
		if fi, err := f.Stat(); err == nil && in.Bytes && in.Progress != nil {
			r = &progressReader{r: f, size: fi.Size(), report: in.Progress}
		}
	}
	tables, err := anonymize.ReadInput(r, in.options(name))
	return tables, in.wrap(name, err)
}

// options are the anonymize.InputOptions the records read with.
func (in records) options(name string) anonymize.InputOptions {
	opt := anonymize.InputOptions{Name: name, Format: in.Format, Delimiter: in.Delimiter, Encoding: in.Encoding, BatchRows: in.BatchRows, Warn: in.Warn}
	if in.Progress != nil && in.BatchRows > 0 {
		table := name[:len(name)-len(filepath.Ext(name))]
		opt.Progress = func(rows int) { in.Progress(AnonymizeProgress{Stage: "read", Table: table, Rows: rows}) }
	}
	return opt
}

// readMany reads several files as one release (anonymize.ReadInputs).
func (in records) readMany(name string, paths []string) ([]*anonymize.Table, error) {
	inputs := make([]anonymize.Input, len(paths))
	for i, p := range paths {
		inputs[i] = anonymize.Input{Name: filepath.Base(p), Open: func() (io.ReadCloser, error) {
			f, err := os.Open(p)
			if err != nil {
				return nil, errors.Unwrap(err) // the name is the Input's
			}
			return f, nil
		}}
	}
	tables, err := anonymize.ReadInputs(inputs, in.options(name))
	return tables, in.wrap(name, err)
}

// wrap maps a read error: bad input is EINVALID with the reader's message
// (it names the file, line and column), anything else EUNAVAILABLE.
func (in records) wrap(name string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, anonymize.ErrInvalid) {
		msg := marketplace.Errorf(marketplace.EINVALID, "%s", err.Error())
		if p := encodingProblem(err, msg); p != nil {
			return p // the encoding to try instead (encoding.go)
		}
		return msg
	}
	return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read %s", name)
}

// inputPaths expands a records path: a file is itself; a folder is its
// *.json and *.ndjson files sorted by name (not recursive); a path that
// does not exist but holds commas is the list of paths between them, each
// expanded alike. Errors are EINVALID and name the path.
func inputPaths(path string) ([]string, error) {
	parts := []string{path}
	if _, err := os.Stat(path); err != nil && strings.Contains(path, ",") {
		parts = strings.Split(path, ",")
	}
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			out = append(out, p) // opening it says what is wrong
			continue
		}
		files, err := folderFiles(p)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	if len(out) == 0 {
		return nil, marketplace.Errorf(marketplace.EINVALID, "No records file given in %q.", path)
	}
	return out, nil
}

// folderFiles returns a folder's *.json and *.ndjson files, sorted by name.
func folderFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Cannot read the folder %s: %v", dir, errors.Unwrap(err))
	}
	var out []string
	for _, e := range entries { // ReadDir sorts by name
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && (ext == ".json" || ext == ".ndjson") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"The folder %s holds no .json or .ndjson files: a folder is read as FHIR Bundles or NDJSON (give a CSV file by its name).", dir)
	}
	return out, nil
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

package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

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
	// MaxCSV is the largest CSV file read (0: CSVLimit()); a larger one is
	// refused before any of it is read.
	MaxCSV int64
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
		fi, err := f.Stat()
		if err == nil && in.Bytes && in.Progress != nil {
			r = &progressReader{r: f, size: fi.Size(), report: in.Progress}
		}
		if err == nil {
			if r, err = in.checkSize(r, name, fi.Size()); err != nil {
				return nil, err
			}
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

// readMany reads several files as one release (anonymize.ReadInputs),
// side by side. Progress hears the bytes read of all the files together
// (Bytes of Size) and the rows taken so far (Rows), as they grow.
func (in records) readMany(name string, paths []string) ([]*anonymize.Table, error) {
	var prog *releaseProgress
	if in.Progress != nil {
		prog = &releaseProgress{name: name, report: in.Progress}
		for _, p := range paths {
			if st, err := os.Stat(p); err == nil {
				prog.size += st.Size()
			}
		}
		prog.every = max(progressEvery, prog.size/200)
	}
	inputs := make([]anonymize.Input, len(paths))
	for i, p := range paths {
		inputs[i] = anonymize.Input{Name: filepath.Base(p), Open: func() (io.ReadCloser, error) {
			f, err := os.Open(p)
			if err != nil {
				return nil, errors.Unwrap(err) // the name is the Input's
			}
			if prog == nil {
				return f, nil
			}
			return struct {
				io.Reader
				io.Closer
			}{prog.reader(f), f}, nil
		}}
	}
	opt := in.options(name)
	if prog != nil {
		opt.Progress = prog.rows
	}
	tables, err := anonymize.ReadInputs(inputs, opt)
	return tables, in.wrap(name, err)
}

// releaseProgress adds up the progress of files read side by side.
type releaseProgress struct {
	name   string
	report func(AnonymizeProgress)
	size   int64 // of all the files
	every  int64 // bytes between reports

	mu      sync.Mutex
	read    int64
	last    int64
	rowsNow int
}

func (p *releaseProgress) reader(r io.Reader) io.Reader {
	return readerFunc(func(b []byte) (int, error) {
		n, err := r.Read(b)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.read += int64(n)
		if p.read-p.last >= p.every || p.read == p.size {
			p.last = p.read
			p.report(AnonymizeProgress{Stage: "read", Table: p.name, Rows: p.rowsNow, Bytes: p.read, Size: p.size})
		}
		return n, err
	})
}

// rows hears the rows taken after each file.
func (p *releaseProgress) rows(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rowsNow = n
	p.report(AnonymizeProgress{Stage: "read", Table: p.name, Rows: n, Bytes: p.read, Size: p.size})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

// CSVLimit is the largest CSV file medmarket reads on this machine: an
// eighth of its memory (at least 512 MB; 1 GB when the memory is not
// known). A CSV file is read into a table whose columns hold each
// distinct value once; with mostly distinct values the read peaks at
// about 2.5 times the file's size (measured: a 411 MB file of 2.5 M rows
// peaked at 1.04 GB of heap), the garbage collector may double that, and
// the pipeline's steps copy columns.
func CSVLimit() int64 {
	mem := physicalMemory()
	if mem == 0 {
		return 1 << 30
	}
	return max(mem/8, 512<<20)
}

// physicalMemory is the machine's memory in bytes (Linux: /proc/meminfo),
// 0 when unknown.
func physicalMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// checkSize refuses a CSV file larger than the limit before reading it
// (a FHIR file streams: any size is read). It returns the reader to read
// from, which holds the bytes it looked at.
func (in records) checkSize(r io.Reader, name string, size int64) (io.Reader, error) {
	limit := in.MaxCSV
	if limit <= 0 {
		limit = CSVLimit()
	}
	if size <= limit {
		return r, nil
	}
	format := strings.ToLower(in.Format)
	br := bufio.NewReaderSize(r, sniffSize)
	if format == "" {
		head, _ := br.Peek(sniffSize) // a short file is its own head
		format, _ = anonymize.SniffFormat(name, head)
	}
	switch format {
	case anonymize.FormatFHIR, "json", "ndjson", "":
		return br, nil
	}
	return nil, marketplace.Errorf(marketplace.EINVALID,
		"%s is %s; medmarket anonymizes CSV files up to %s on this machine (an eighth of its memory): split it into smaller files, or use a machine with more memory.",
		name, gigabytes(size), gigabytes(limit))
}

// sniffSize is how much of a file SniffFormat looks at.
const sniffSize = 4096

func gigabytes(n int64) string {
	if n < 1<<30 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
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

package anonymize

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"sync"
)

// Records files: one reader for every path that takes a file of records
// (the CLI's anonymize and publish, the wizard's preview and publish), so
// that a file reads the same whichever way it comes in. The format is
// chosen by content first (JSON holding FHIR resources, else delimited
// text) and by the name's extension second (.tsv is tab-separated; a .json
// or .ndjson name that does not hold JSON is refused rather than read as
// CSV), unless the caller forces one.

// Input formats ReadInput reads.
const (
	FormatCSV  = "csv"  // delimited text: , ; tab or | (detected), a header detected
	FormatFHIR = "fhir" // FHIR R4 JSON: a Bundle, a bare resource, or NDJSON of either
)

// InputOptions configure ReadInput. The zero value (with a Name) chooses
// the format by content and extension and reads the file whole.
type InputOptions struct {
	// Name is the file's name: it is named in errors, its extension helps
	// choose the format, and without the extension it names a CSV file's
	// table.
	Name string
	// Format forces a format: "csv", "tsv" (CSV separated by tabs) or
	// "fhir" ("json" and "ndjson" are read as "fhir"); "" chooses.
	Format string
	// Delimiter of a CSV file; 0 detects it (a tab for .tsv or "tsv").
	Delimiter rune
	// Encoding of a CSV file (CSVOptions.Encoding): "" detects it.
	Encoding string
	// BatchRows, when > 0, reads a CSV file that many rows at a time and
	// calls Progress after each batch, so that a long read shows how far it
	// is; 0 reads it whole (column types are then inferred from every row,
	// not from the first batch).
	BatchRows int
	// Progress, when set, hears the rows read so far: after each batch of a
	// CSV file read in batches, once at the end of a FHIR file.
	Progress func(rows int)
	// Warn, when set, hears what the caller should show but that does not
	// stop the read: the FHIR resource types skipped, by name and count
	// (see FHIRImporter.Skipped).
	Warn func(msg string)
}

// ReadInput reads a records file into tables: one for a CSV file, one per
// resource type for FHIR (see ReadFHIR). Every error matches ErrInvalid and
// names the file and the reason: which format it was read as, and the line
// and column or JSON path of the fault.
func ReadInput(r io.Reader, opt InputOptions) ([]*Table, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	format, delim, err := opt.format(br)
	if err != nil {
		return nil, err
	}
	if format == FormatFHIR {
		return readFHIRInput(br, opt)
	}
	return readCSVInput(br, opt, delim)
}

// format is the format to read, forced or sniffed from the head of br, and
// the CSV delimiter.
func (opt InputOptions) format(br *bufio.Reader) (string, rune, error) {
	tsv := strings.EqualFold(path.Ext(opt.Name), ".tsv")
	format := strings.ToLower(opt.Format)
	switch format {
	case "":
		head, err := br.Peek(sniffSize)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return "", 0, &ParseError{Source: opt.Name, Err: err}
		}
		if format, err = SniffFormat(opt.Name, head); err != nil {
			return "", 0, err
		}
	case FormatCSV, FormatFHIR:
	case "tsv":
		format, tsv = FormatCSV, true
	case "json", "ndjson":
		format = FormatFHIR
	default:
		return "", 0, invalidf("%s: format %q unknown (want csv, tsv or fhir)", opt.Name, opt.Format)
	}
	delim := opt.Delimiter
	if delim == 0 && tsv {
		delim = '\t'
	}
	return format, delim, nil
}

// SniffFormat chooses the format of a records file from its name and the
// first bytes of its content: JSON (an object or an array) that names a
// FHIR resourceType is FHIR, whatever the name; other text is CSV, unless
// the name says JSON (.json, .ndjson), which is refused. An empty file, or
// JSON without a resourceType in a file not named as JSON, is refused too.
// Errors match ErrInvalid and name the file.
func SniffFormat(name string, head []byte) (string, error) {
	body := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	ext := strings.ToLower(path.Ext(name))
	jsonName := ext == ".json" || ext == ".ndjson"
	if len(body) == 0 {
		return "", invalidf("%s is empty", name)
	}
	if body[0] == '{' || body[0] == '[' {
		// A Bundle or resource names its type first in practice; a file
		// named as JSON goes to the FHIR reader even without it, which then
		// says which value lacks it.
		if jsonName || bytes.Contains(body, []byte(`"resourceType"`)) {
			return FormatFHIR, nil
		}
		return "", invalidf("%s holds JSON without a FHIR resourceType: medmarket reads FHIR R4 Bundles, NDJSON of FHIR resources, and CSV", name)
	}
	if jsonName {
		return "", invalidf("%s is named as JSON but does not start with a JSON object: a FHIR Bundle or NDJSON starts with {", name)
	}
	return FormatCSV, nil
}

// readFHIRInput reads a FHIR file into its tables, refusing one that holds
// no resource the importer flattens.
func readFHIRInput(r io.Reader, opt InputOptions) ([]*Table, error) {
	im := NewFHIRImporter()
	if err := addFHIR(im, r, opt.Name); err != nil {
		return nil, err
	}
	return fhirTables(im, opt.Name, opt)
}

func addFHIR(im *FHIRImporter, r io.Reader, name string) error {
	if err := im.Add(r, name); err != nil {
		return fmt.Errorf("%s is not a readable FHIR Bundle or NDJSON file: %w", name, err)
	}
	return nil
}

// fhirTables returns an importer's tables, refusing none, and tells
// opt.Warn and opt.Progress what was read.
func fhirTables(im *FHIRImporter, name string, opt InputOptions) ([]*Table, error) {
	tables := im.Tables()
	if len(tables) == 0 {
		return nil, invalidf("%s holds no FHIR resources medmarket reads (%s)", name, strings.Join(fhirResourceTypes, ", "))
	}
	if w := SkippedWarning(name, im.Skipped()); w != "" && opt.Warn != nil {
		opt.Warn(w)
	}
	if opt.Progress != nil {
		rows := 0
		for _, t := range tables {
			rows += t.NumRows()
		}
		opt.Progress(rows)
	}
	return tables, nil
}

// Input is one file of a release read from several files (ReadInputs).
type Input struct {
	Name string                        // named in errors; its extension helps choose the format
	Open func() (io.ReadCloser, error) // opened when its turn comes, closed after
}

// ReadInputs reads several files as one release: FHIR files (Bundles or
// NDJSON, in any mix) go into one set of tables, one per resource type,
// whose rows are the union of the files' rows and whose references
// resolve across files. opt applies to every file (its Name names the
// release in messages). One input reads as ReadInput reads it; several
// must all be FHIR: CSV files are refused with their name, since each is
// a table of its own. Errors match ErrInvalid and name the file.
//
// Files are read side by side, one per processor, and taken into the
// tables in their order, so the result is the same as reading them one
// after the other; opt.Progress hears the rows read after each file. At
// most a few files' rows wait to be taken at any time: memory follows the
// tables built, not the bytes read.
func ReadInputs(inputs []Input, opt InputOptions) ([]*Table, error) {
	switch len(inputs) {
	case 0:
		return nil, invalidf("no input files given")
	case 1:
		o := opt
		o.Name = inputs[0].Name
		return readOne(inputs[0], func(r io.Reader) ([]*Table, error) { return ReadInput(r, o) })
	}
	im := NewFHIRImporter()
	rows := 0
	err := readEach(inputs, runtime.GOMAXPROCS(0), readFHIRFile, func(b *fhirBatch) {
		im.merge(b)
		if opt.Progress != nil {
			rows += len(b.rows)
			opt.Progress(rows)
		}
	})
	if err != nil {
		return nil, err
	}
	name := opt.Name
	if name == "" {
		name = fmt.Sprintf("%d files", len(inputs))
	}
	return fhirTables(im, name, InputOptions{Warn: opt.Warn})
}

// readFHIRFile reads one file of a release read from several, with the
// reader's buffer.
func readFHIRFile(in Input, buf *[]byte) (*fhirBatch, error) {
	var b *fhirBatch
	_, err := readOne(in, func(r io.Reader) ([]*Table, error) {
		o := InputOptions{Name: in.Name}
		br := bufio.NewReaderSize(r, sniffSize)
		format, _, err := o.format(br)
		if err != nil {
			return nil, err
		}
		if format != FormatFHIR {
			return nil, invalidf("%s is not FHIR JSON: several files are read as one FHIR release (Bundles or NDJSON); give a CSV file on its own", in.Name)
		}
		if b, err = readFHIRBatch(br, in.Name, buf); err != nil {
			return nil, fmt.Errorf("%s is not a readable FHIR Bundle or NDJSON file: %w", in.Name, err)
		}
		return nil, nil
	})
	return b, err
}

// readEach reads inputs with workers goroutines, each with a buffer of
// its own for read to use, and hands each result to take in the inputs'
// order, stopping at the first error (in that order). At most 2*workers
// results wait for take.
func readEach(inputs []Input, workers int, read func(Input, *[]byte) (*fhirBatch, error), take func(*fhirBatch)) error {
	type result struct {
		b   *fhirBatch
		err error
	}
	results := make([]chan result, len(inputs))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	jobs := make(chan int)
	window := make(chan struct{}, 2*max(workers, 1))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // hands out files while the window has room
		defer wg.Done()
		defer close(jobs)
		for i := range inputs {
			select {
			case window <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case jobs <- i:
			case <-stop:
				return
			}
		}
	}()
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := range jobs {
				b, err := read(inputs[i], &buf)
				results[i] <- result{b, err}
			}
		}()
	}
	defer wg.Wait()
	defer close(stop)
	for i := range inputs {
		r := <-results[i]
		if r.err != nil {
			return r.err
		}
		take(r.b)
		<-window
	}
	return nil
}

func readOne(in Input, read func(io.Reader) ([]*Table, error)) ([]*Table, error) {
	f, err := in.Open()
	if err != nil {
		return nil, &ParseError{Source: in.Name, Err: err}
	}
	defer f.Close()
	return read(f)
}

// readCSVInput reads a CSV file into one table named after the file,
// whole or in batches (opt.BatchRows), refusing one without rows.
func readCSVInput(r io.Reader, opt InputOptions, delim rune) ([]*Table, error) {
	fail := func(err error) ([]*Table, error) {
		return nil, fmt.Errorf("%s is not a readable CSV file: %w", opt.Name, err)
	}
	cr, err := NewCSVReader(r, CSVOptions{Name: opt.Name, Delimiter: delim, Encoding: opt.Encoding})
	if err != nil {
		return fail(err)
	}
	var batches []*Table
	for {
		b, err := cr.Next(opt.BatchRows)
		if b != nil && b.NumRows() > 0 {
			batches = append(batches, b)
			if opt.BatchRows > 0 && opt.Progress != nil {
				opt.Progress(cr.Rows())
			}
		}
		if errors.Is(err, io.EOF) || (err == nil && opt.BatchRows <= 0) {
			break
		}
		if err != nil {
			return fail(err)
		}
	}
	if len(batches) == 0 {
		return nil, invalidf("%s has a header but no rows", opt.Name)
	}
	t := batches[0]
	if len(batches) > 1 {
		if t, err = Concat(batches...); err != nil {
			return fail(err)
		}
	}
	t.Name = strings.TrimSuffix(opt.Name, path.Ext(opt.Name))
	return []*Table{t}, nil
}

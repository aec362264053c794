package anonymize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// FHIR R4 import. Bundles (and bare resources or NDJSON streams of them)
// are flattened into one table per resource type: Patient, Encounter,
// Observation, Condition, MedicationRequest, MedicationStatement,
// Procedure, Immunization, AllergyIntolerance, DiagnosticReport,
// DocumentReference and CarePlan, one row per resource. Every table but
// Patient has a "patient" column holding the Patient's id, and clinical
// tables an "encounter" column, so the tables join on them. References of
// the form "urn:uuid:..." are resolved through the bundle entries'
// fullUrl, "Patient/123" to "123". Codes keep their system in a
// code_system column beside the code. A DocumentReference's attached text
// is its "note" column: free text, which Safe Harbor drops and the policy
// gate refuses until a scrubber has processed it (see freetext.go).
//
// Other resource types are skipped and counted by name (Skipped); a name
// that is not a FHIR R4 resource type but is one edit or two away from a
// type the importer reads ("Patinet") is an error, since reading on would
// lose that resource's rows.

// fhirResourceTypes lists the resource types the importer flattens, in
// the order Tables returns them. Nothing writes to it.
var fhirResourceTypes = []string{"Patient", "Encounter", "Observation", "Condition", "MedicationRequest", "MedicationStatement",
	"Procedure", "Immunization", "AllergyIntolerance", "DiagnosticReport", "DocumentReference", "CarePlan"}

// FHIRImporter collects resources from any number of bundles and
// flattens them once all are read, so references between bundles resolve.
// Rows go into dictionary-coded columns as they are read, so the importer
// holds the tables being built, not the JSON read.
type FHIRImporter struct {
	cols    map[string][]*ColumnBuilder // resource type -> columns, reference columns unresolved
	fullURL map[string]string           // fullUrl -> resource id, where resolving its text would not give the id
	skipped map[string]int              // resource type not flattened -> resources
}

// NewFHIRImporter returns an empty importer.
func NewFHIRImporter() *FHIRImporter {
	return &FHIRImporter{cols: map[string][]*ColumnBuilder{}, fullURL: map[string]string{}, skipped: map[string]int{}}
}

// ReadFHIR reads one stream of FHIR JSON (see FHIRImporter.Add) into tables.
func ReadFHIR(r io.Reader, source string) ([]*Table, error) {
	im := NewFHIRImporter()
	if err := im.Add(r, source); err != nil {
		return nil, err
	}
	return im.Tables(), nil
}

// Add reads FHIR R4 JSON: a Bundle, a bare resource, or a stream of them
// (NDJSON), one value at a time (only the largest Bundle is ever in memory
// whole). Resource types the importer does not flatten are skipped and
// counted (Skipped). Errors are *ParseError values naming the line and the
// JSON path: value[i] for the i-th (0-based) JSON value of the stream, the
// NDJSON line, and entry[i] for a Bundle's entry. Nothing is added when
// the stream has an error.
func (im *FHIRImporter) Add(r io.Reader, source string) error {
	b, err := readFHIRBatch(r, source, nil)
	if err != nil {
		return err
	}
	im.merge(b)
	return nil
}

// readFHIRBatch reads one stream of FHIR JSON (see Add), with *buf as
// its buffer (see newJSONStreamBuffer; nil: its own).
func readFHIRBatch(r io.Reader, source string, buf *[]byte) (*fhirBatch, error) {
	s := newJSONStreamBuffer(r, buf)
	defer s.release()
	b := &fhirBatch{}
	values := 0
	for {
		v, line, col, err := s.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &ParseError{Source: source, Line: line, Err: err}
		}
		values++
		m := b.mark()
		if b.addFast(v) {
			continue
		}
		b.reset(m)
		if err := b.addSlow(source, v, fmt.Sprintf("value[%d]", values-1)); err != nil {
			return nil, shiftError(err, line, col)
		}
	}
	if values == 0 {
		return nil, &ParseError{Source: source, Line: 1, Err: errors.New("no JSON value in input")}
	}
	return b, nil
}

// shiftError moves a *ParseError found in a value that starts at line and
// col to the position in the stream.
func shiftError(err error, line, col int) error {
	var pe *ParseError
	if errors.As(err, &pe) && pe.Line > 0 {
		if pe.Line == 1 && pe.Column > 0 {
			pe.Column += col - 1
		}
		pe.Line += line - 1
	}
	return err
}

// merge adds a batch's rows, references and skipped resources.
func (im *FHIRImporter) merge(b *fhirBatch) {
	for _, r := range b.rows {
		cols := im.cols[r.typ]
		if cols == nil {
			for _, h := range fhirColumns[r.typ] {
				cols = append(cols, NewColumnBuilder(h, TypeString))
			}
			im.cols[r.typ] = cols
		}
		for j, v := range r.cells {
			cols[j].Append(v)
		}
	}
	for _, u := range b.urls {
		im.fullURL[u[0]] = u[1]
	}
	for _, t := range b.skipped {
		im.skipped[t]++
	}
}

// addSlow reads one value the careful way: every fault is a *ParseError
// naming its line and column within data and its JSON path.
func (b *fhirBatch) addSlow(source string, data []byte, path string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return jsonError(source, data, 0, "", err)
	}
	return b.addValue(source, data, leadingSpace(data), raw, path)
}

func leadingSpace(b []byte) int {
	return len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
}

func (b *fhirBatch) addValue(source string, data []byte, base int, raw json.RawMessage, path string) error {
	var head struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return jsonError(source, data, base, path, err)
	}
	switch head.ResourceType {
	case "":
		return &ParseError{Source: source, Line: lineAt(data, base), Field: path + ".resourceType", Err: errors.New("missing resourceType")}
	case "Bundle":
	default:
		return b.addResource(source, data, base, raw, "", path)
	}
	from := base // entries follow one another: each is searched for after the last
	for i, e := range head.Entry {
		p := fmt.Sprintf("entry[%d]", i)
		if len(e.Resource) == 0 || string(e.Resource) == "null" {
			return &ParseError{Source: source, Line: lineAt(data, base), Field: p + ".resource", Err: errors.New("entry without a resource")}
		}
		off := base
		if i := bytes.Index(data[from:], e.Resource); i >= 0 {
			off = from + i
			from = off + len(e.Resource)
		}
		if err := b.addResource(source, data, off, e.Resource, e.FullURL, p+".resource"); err != nil {
			return err
		}
	}
	return nil
}

func (b *fhirBatch) addResource(source string, data []byte, off int, raw json.RawMessage, fullURL, path string) error {
	var res fhirResource
	// Only the types we flatten are decoded in full: the others share
	// field names with different shapes.
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return jsonError(source, data, off, path, err)
	}
	res.ResourceType, res.ID = head.ResourceType, head.ID
	if _, ok := fhirColumns[head.ResourceType]; ok {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&res); err != nil {
			return jsonError(source, data, off, path, err)
		}
	}
	if res.ResourceType == "" {
		return &ParseError{Source: source, Line: lineAt(data, off), Field: path + ".resourceType", Err: errors.New("missing resourceType")}
	}
	if _, ok := fhirColumns[res.ResourceType]; !ok {
		if near := misspeltType(res.ResourceType); near != "" {
			return &ParseError{Source: source, Line: lineAt(data, off), Field: path + ".resourceType",
				Err: fmt.Errorf("%q is not a FHIR R4 resource type: did you mean %s?", res.ResourceType, near)}
		}
	}
	b.add(&res, fullURL)
	return nil
}

// Tables returns one table per resource type that occurred, in the order
// of fhirResourceTypes (Patient first), with references resolved to
// resource ids.
func (im *FHIRImporter) Tables() []*Table {
	var out []*Table
	for _, typ := range fhirResourceTypes {
		bs := im.cols[typ]
		if len(bs) == 0 {
			continue
		}
		cols := make([]*Column, len(bs))
		for j, b := range bs {
			c := *b.Build()
			c.Dict, c.Codes = slices.Clip(c.Dict), slices.Clip(c.Codes) // the builder may go on appending
			cols[j] = &c
			if c.Name == "patient" || c.Name == "encounter" {
				cols[j] = c.MapValues(im.resolve)
			}
			cols[j].Type = InferType(cols[j].Dict)
		}
		out = append(out, &Table{Name: typ, Columns: cols})
	}
	return out
}

// resolve turns a reference into the referenced resource's id.
func (im *FHIRImporter) resolve(ref string) string {
	if id, ok := im.fullURL[ref]; ok {
		return id
	}
	return resolveText(ref)
}

// resolveText is the id a reference names by its text alone:
// "urn:uuid:X" and "Type/X" name X.
func resolveText(ref string) string {
	if ref == "" {
		return ""
	}
	if s, ok := strings.CutPrefix(ref, "urn:uuid:"); ok {
		return s
	}
	if i := strings.LastIndexByte(ref, '/'); i >= 0 && !strings.Contains(ref, "?") {
		return ref[i+1:]
	}
	return ref
}

// jsonError turns a JSON decoding error into a *ParseError with the line
// (counted from data[base:]) and the JSON path.
func jsonError(source string, data []byte, base int, path string, err error) error {
	off := base
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	field := path
	switch {
	case errors.As(err, &syn):
		off = base + int(syn.Offset)
	case errors.As(err, &typ):
		off = base + int(typ.Offset)
		if typ.Field != "" {
			if field != "" {
				field += "."
			}
			field += typ.Field
		}
		// Name the JSON kinds, never the Go type decoded into.
		err = fmt.Errorf("%s where %s is expected", jsonKindOf(typ.Value), jsonKind(typ.Type))
	case strings.HasPrefix(err.Error(), numberLiteral):
		// A json.Number given text: encoding/json names neither the field
		// nor a JSON kind, only the literal.
		lit, _, _ := strings.Cut(strings.TrimPrefix(err.Error(), numberLiteral), " into Number")
		if u, uerr := strconv.Unquote(lit); uerr == nil {
			lit = u
		}
		err = fmt.Errorf("%s where a number is expected", lit)
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = len(data)
		err = errors.New("unexpected end of JSON input")
	}
	off = min(max(off, 0), len(data))
	return &ParseError{Source: source, Line: lineAt(data, off), Column: off - bytes.LastIndexByte(data[:off], '\n'), Field: field, Err: err}
}

// numberLiteral starts encoding/json's error for a json.Number given text.
const numberLiteral = "json: invalid number literal, trying to unmarshal "

func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

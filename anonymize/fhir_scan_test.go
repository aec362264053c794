package anonymize

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// syntheaBundles returns the shared Synthea Bundles, skipping the test
// when the shared data is absent.
func syntheaBundles(t *testing.T) [][]byte {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "data", "synthea-fhir")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared test data not found at %s (expected ../shared/data next to the repository): %v", dir, err)
	}
	if len(files) == 0 {
		t.Fatalf("no bundles in %s: the shared data changed", dir)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestFHIRBatch_quickReadEqualsCarefulRead reads the Synthea Bundles the
// quick way and the careful way: the same rows, references and skipped
// resources, and the quick way takes every one of them.
func TestFHIRBatch_quickReadEqualsCarefulRead(t *testing.T) {
	for i, data := range syntheaBundles(t) {
		fast, slow := &fhirBatch{}, &fhirBatch{}
		if !fast.addFast(data) {
			t.Fatalf("bundle %d: the quick read refused a well-formed Synthea Bundle", i)
		}
		if err := slow.addSlow("b.json", data, "value[0]"); err != nil {
			t.Fatal(err)
		}
		if len(fast.rows) < 50 || !reflect.DeepEqual(fast, slow) {
			t.Errorf("bundle %d: quick read %d rows, %d urls, %d skipped; careful read %d, %d, %d; or they differ",
				i, len(fast.rows), len(fast.urls), len(fast.skipped), len(slow.rows), len(slow.urls), len(slow.skipped))
		}
	}
}

// TestFHIRBatch_quickReadRefusesWhatTheCarefulReadReports: values the
// careful read reports an error for are refused by the quick one, so the
// error names its place.
func TestFHIRBatch_quickReadRefusesWhatTheCarefulReadReports(t *testing.T) {
	for _, v := range []string{
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"a","gender":1}}]}`,
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Claim","id":"a","total":{"value":1,}}}]}`,
		`{"resourceType":"Bundle","entry":[{"fullUrl":"x"}]}`,
		`{"resourceType":"Bundle","entry":[{"resource":null}]}`,
		`{"resourceType":"Patinet","id":"a"}`,
		`{"resourceType":"Bundle","meta":{"x":tru},"entry":[]}`,
		`{"resourceType":"Patient","id":"a"} x`,
		`{"id":"a"}`,
		`[1,2]`,
	} {
		b := &fhirBatch{}
		if b.addFast([]byte(v)) {
			t.Errorf("%s: the quick read took it", v)
		}
		if err := (&fhirBatch{}).addSlow("x.json", []byte(v), "value[0]"); err == nil && !strings.HasSuffix(v, " x") {
			t.Errorf("%s: the careful read found no error", v)
		}
	}
}

// TestJSONStream_splitsValuesAcrossReads splits NDJSON and pretty-printed
// Bundles read one byte at a time (every value crosses a buffer refill),
// with the line and column each value starts at; strings hold brackets,
// quotes and backslashes; a BOM at the start is skipped.
func TestJSONStream_splitsValuesAcrossReads(t *testing.T) {
	values := []string{
		`{"a":"}\\","b":[1,{"c":"\"]"}]}`,
		"{\n  \"resourceType\": \"Bundle\",\n  \"entry\": [ ]\n}",
		`[]`,
		`{"x":"\\\\"}`,
	}
	in := "\ufeff" + values[0] + "\n" + values[1] + "\n\n  " + values[2] + values[3] + "\nnot json\n{\"cut\": ["
	s := newJSONStream(iotest.OneByteReader(strings.NewReader(in)))
	s.buf = make([]byte, 4)
	want := []struct {
		v         string
		line, col int
	}{{values[0], 1, 1}, {values[1], 2, 1}, {values[2], 7, 3}, {values[3], 7, 5}, {"not json", 8, 1}, {`{"cut": [`, 9, 1}}
	for i, w := range want {
		v, line, col, err := s.next()
		if err != nil || string(v) != w.v || line != w.line || col != w.col {
			t.Fatalf("value %d: %q at %d:%d (%v), want %q at %d:%d", i, v, line, col, err, w.v, w.line, w.col)
		}
	}
	if _, _, _, err := s.next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last value: %v, want io.EOF", err)
	}
}

// TestReadFHIR_errorsInLaterValuesNameTheirLine: an error in the third
// NDJSON line, or deep in the second Bundle of a stream, names the line
// and column in the file, not in the value.
func TestReadFHIR_errorsInLaterValuesNameTheirLine(t *testing.T) {
	ok := `{"resourceType":"Patient","id":"p1"}`
	nd := ok + "\n" + ok + "\n" + `{"resourceType":"Patient","id":"p3","gender":5}` + "\n"
	_, err := ReadFHIR(strings.NewReader(nd), "p.ndjson")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || pe.Column < 40 || !strings.Contains(pe.Field, "value[2]") {
		t.Errorf("NDJSON error %v (%+v), want line 3, column past 40, value[2]", err, pe)
	}
	var buf bytes.Buffer
	buf.WriteString("{\"resourceType\":\"Bundle\",\"entry\":[]}\n")
	buf.WriteString("{\n \"resourceType\": \"Bundle\",\n \"entry\": [\n  {\"resource\": {\"resourceType\": \"Patient\", \"id\": \"p\", \"birthDate\": 7}}\n ]\n}\n")
	_, err = ReadFHIR(&buf, "b.json")
	if !errors.As(err, &pe) || pe.Line != 5 || !strings.Contains(pe.Field, "entry[0]") {
		t.Errorf("Bundle error %v, want line 5, entry[0]", err)
	}
}

// TestReadInputs_sideBySideKeepsFileOrder: files read side by side come
// into the tables in their order, and the first bad file in that order
// is the one named, whichever finishes first.
func TestReadInputs_sideBySideKeepsFileOrder(t *testing.T) {
	var inputs []Input
	for i := range 40 {
		data := fmt.Sprintf(`{"resourceType":"Patient","id":"p%02d"}`+"\n"+`{"resourceType":"Observation","id":"o%02d","subject":{"reference":"Patient/p%02d"}}`, i, i, i)
		inputs = append(inputs, Input{Name: fmt.Sprintf("f%02d.ndjson", i), Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(data)), nil }})
	}
	var progress []int
	tables, err := ReadInputs(inputs, InputOptions{Progress: func(rows int) { progress = append(progress, rows) }})
	if err != nil {
		t.Fatal(err)
	}
	ids := tables[0].Column("id").Values()
	for i, id := range ids {
		if id != fmt.Sprintf("p%02d", i) {
			t.Fatalf("Patient row %d is %s: files out of order", i, id)
		}
	}
	if len(progress) != 40 || progress[39] != 80 {
		t.Errorf("progress %v, want one report per file up to 80 rows", progress)
	}
	bad := func(name string) Input {
		return Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{"resourceType":`)), nil }}
	}
	inputs[25], inputs[31] = bad("bad25.json"), bad("bad31.json")
	_, err = ReadInputs(inputs, InputOptions{})
	if err == nil || !strings.Contains(err.Error(), "bad25.json") {
		t.Errorf("error %v, want the first bad file, bad25.json", err)
	}
}

// TestJSONStream_refusesAValueTooLargeToHold: a Bundle larger than the
// stream's bound is refused with what to do, not read into memory.
func TestJSONStream_refusesAValueTooLargeToHold(t *testing.T) {
	big := `{"resourceType":"Bundle","entry":[` + strings.Repeat(`{"resource":{"resourceType":"Basic","id":"x"}},`, 200) + `{}]}`
	s := newJSONStream(strings.NewReader(`{"resourceType":"Patient","id":"a"}` + "\n" + big))
	s.buf, s.max = make([]byte, 512), 2048
	if v, _, _, err := s.next(); err != nil || !strings.Contains(string(v), `"a"`) {
		t.Fatalf("first value %q, %v", v, err)
	}
	_, _, _, err := s.next()
	var tooLarge errValueTooLarge
	if !errors.As(err, &tooLarge) || !strings.Contains(err.Error(), "larger than 2048 bytes") || !strings.Contains(err.Error(), "NDJSON") {
		t.Errorf("error %v, want the value refused as too large, naming the bound and NDJSON", err)
	}
	if len(s.buf) > 2048 {
		t.Errorf("the stream grew to %d bytes past its bound", len(s.buf))
	}
}

// TestFHIRBatch_duplicateKeysReadAsTheCarefulReadReadsThem: a resource
// naming its type twice is read the careful way (the last one counts, as
// encoding/json decides), not by the quick read's first look.
func TestFHIRBatch_duplicateKeysReadAsTheCarefulReadReadsThem(t *testing.T) {
	v := []byte(`{"resourceType":"Patient","id":"a","resourceType":"Observation","status":"final"}`)
	if (&fhirBatch{}).addFast(v) {
		t.Error("the quick read took a resource with two types")
	}
	b := &fhirBatch{}
	if err := b.addSlow("x.json", v, "value[0]"); err != nil || len(b.rows) != 1 || b.rows[0].typ != "Observation" {
		t.Errorf("careful read: %v, %+v; want one Observation row", err, b.rows)
	}
}

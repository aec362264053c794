package anonymize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Reading FHIR JSON at scale. A stream is split into its top-level JSON
// values (jsonStream): one Bundle, or one resource per NDJSON line, is in
// memory at a time, never the whole file. Each value is read the quick
// way first (fhirBatch.addFast): a structural walk finds the Bundle's
// entries, each resource's type and id, and only the resources the
// importer flattens are decoded; every byte is still checked as JSON once.
// Anything the quick way does not take (invalid JSON, a misspelt type, a
// key with escapes, an entry without a resource) is read again the careful
// way (fhirBatch.addSlow), which names the line, column and JSON path of
// the fault.

// jsonStream splits a stream into its top-level JSON values.
type jsonStream struct {
	r      io.Reader
	buf    []byte
	lo, hi int // unread bytes: buf[lo:hi]
	line   int // line and column of buf[lo]
	col    int
	err    error // the reader's error once it has failed (io.EOF at the end)
	began  bool  // a BOM at the start has been skipped
	max    int   // the largest value read (maxJSONValue)
	keep   *[]byte
}

// maxJSONValue is the largest JSON value (one Bundle, one NDJSON line)
// the FHIR reader holds: larger ones are refused rather than filling the
// memory.
const maxJSONValue = 1 << 30

func newJSONStream(r io.Reader) *jsonStream {
	return newJSONStreamBuffer(r, nil)
}

// newJSONStreamBuffer reads with *buf as its buffer (nil or empty: a new
// one), and leaves the buffer, grown as it may be, in *buf on release: a
// reader of many files (ReadInputs) keeps one buffer, grown to hold a
// Bundle, for all of them.
func newJSONStreamBuffer(r io.Reader, buf *[]byte) *jsonStream {
	s := &jsonStream{r: r, line: 1, col: 1, max: maxJSONValue, keep: buf}
	if buf != nil && len(*buf) > 0 {
		s.buf = *buf
	} else {
		s.buf = make([]byte, 256<<10)
	}
	return s
}

// release hands the buffer back to whoever lent it; nothing read from
// the stream refers to it (every string and value taken is a copy).
func (s *jsonStream) release() {
	if s.keep != nil && len(s.buf) <= 16<<20 {
		*s.keep = s.buf
	}
	s.buf = nil
}

// errValueTooLarge says what to do with a Bundle too large to hold.
type errValueTooLarge int

func (e errValueTooLarge) Error() string {
	return fmt.Sprintf("one JSON value (a Bundle or an NDJSON line) is larger than %s, the most medmarket holds at once: "+
		"export the records as NDJSON (one resource per line) or as one Bundle per patient", byteSize(int64(e)))
}

// byteSize says a size in the unit that suits it ("1.2 GB", "512 MB").
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// fill reads more input, keeping buf[lo:hi]; false when nothing more
// comes.
func (s *jsonStream) fill() bool {
	if s.err != nil {
		return false
	}
	if s.lo > 0 {
		s.hi = copy(s.buf, s.buf[s.lo:s.hi])
		s.lo = 0
	}
	if s.hi == len(s.buf) {
		if s.hi >= s.max {
			s.err = errValueTooLarge(s.max)
			return false
		}
		grown := make([]byte, len(s.buf)+min(len(s.buf), s.max))
		copy(grown, s.buf[:s.hi])
		s.buf = grown
	}
	n, err := s.r.Read(s.buf[s.hi:])
	s.hi += n
	if err != nil {
		s.err = err
	}
	return n > 0 || err == nil
}

// begin skips a byte order mark at the start of the stream.
func (s *jsonStream) begin() {
	for s.hi-s.lo < 3 && s.fill() {
	}
	if bytes.HasPrefix(s.buf[s.lo:s.hi], []byte("\ufeff")) {
		s.lo += 3
	}
	s.began = true
}

// next returns the next top-level value (or, where no JSON object or
// array starts, the rest of that line, for the JSON reader to say what is
// wrong), valid until the next call, with the line and column it starts
// at; io.EOF when only white space is left.
func (s *jsonStream) next() ([]byte, int, int, error) {
	if !s.began {
		s.begin()
	}
	for {
		for s.lo < s.hi {
			switch s.buf[s.lo] {
			case '\n':
				s.line, s.col = s.line+1, 1
			case ' ', '\t', '\r':
				s.col++
			default:
				return s.value()
			}
			s.lo++
		}
		if !s.fill() {
			if s.err == nil || errors.Is(s.err, io.EOF) {
				return nil, s.line, s.col, io.EOF
			}
			return nil, s.line, s.col, s.err
		}
	}
}

func (s *jsonStream) value() ([]byte, int, int, error) {
	line, col := s.line, s.col
	end, err := s.scan()
	if err != nil {
		return nil, line, col, err
	}
	v := s.buf[s.lo:end]
	s.lo = end
	if i := bytes.LastIndexByte(v, '\n'); i >= 0 {
		s.line += bytes.Count(v, []byte("\n"))
		s.col = len(v) - i
	} else {
		s.col += len(v)
	}
	return v, line, col, nil
}

// scan returns the end (in buf) of the value starting at buf[lo]: the
// matching bracket, the end of the line for anything but an object or an
// array, or the end of the input for a value cut short.
func (s *jsonStream) scan() (int, error) {
	k := 0 // offset from lo: lo moves when fill compacts
	container := s.buf[s.lo] == '{' || s.buf[s.lo] == '['
	depth, inString := 0, false
	for {
		buf := s.buf[s.lo:s.hi]
		if !container {
			if i := bytes.IndexByte(buf[k:], '\n'); i >= 0 {
				return s.lo + k + i, nil
			}
			k = len(buf)
		}
		for container && k < len(buf) {
			if inString {
				i := bytes.IndexByte(buf[k:], '"')
				if i < 0 {
					k = len(buf)
					break
				}
				k += i
				escapes := 0
				for j := k - 1; j > 0 && buf[j] == '\\'; j-- {
					escapes++
				}
				k++
				inString = escapes%2 == 1
				continue
			}
			for k < len(buf) && !inString {
				switch buf[k] {
				case '"':
					inString = true
				case '{', '[':
					depth++
				case '}', ']':
					if depth--; depth == 0 {
						return s.lo + k + 1, nil
					}
				}
				k++
			}
		}
		if !s.fill() {
			if s.err != nil && !errors.Is(s.err, io.EOF) {
				return 0, s.err
			}
			return s.hi, nil
		}
	}
}

// fhirBatch is what one stream of FHIR JSON holds, before an importer
// takes it (FHIRImporter.merge): each file of a release is read into its
// own batch, so that files can be read side by side.
type fhirBatch struct {
	rows    []fhirRow
	urls    [][2]string // fullUrl -> id, where resolving the fullUrl's text would not give the id
	skipped []string    // the type of each resource not flattened
}

type fhirRow struct {
	typ   string
	cells []string
}

type batchMark struct{ rows, urls, skipped int }

func (b *fhirBatch) mark() batchMark { return batchMark{len(b.rows), len(b.urls), len(b.skipped)} }

func (b *fhirBatch) reset(m batchMark) {
	b.rows, b.urls, b.skipped = b.rows[:m.rows], b.urls[:m.urls], b.skipped[:m.skipped]
}

// add records a resource read either way. A misspelt type is the caller's
// error to report.
func (b *fhirBatch) add(res *fhirResource, fullURL string) {
	if res.ID != "" && fullURL != "" && resolveText(fullURL) != res.ID {
		b.urls = append(b.urls, [2]string{fullURL, res.ID})
	}
	row, ok := flatten(res)
	if !ok {
		b.skipped = append(b.skipped, res.ResourceType)
		return
	}
	if len(row) != len(fhirColumns[res.ResourceType]) {
		panic("fhir: column list and flatten disagree for " + res.ResourceType)
	}
	b.rows = append(b.rows, fhirRow{res.ResourceType, row})
}

// addFast reads one value, a Bundle or a resource, the quick way; false
// when it cannot, leaving b to be reset.
func (b *fhirBatch) addFast(v []byte) bool {
	typ, _, ok := peekTypeID(v)
	if !ok {
		return false
	}
	if typ != "Bundle" {
		return b.addResourceFast(v, "")
	}
	w := &jsonWalk{b: v}
	ok = w.object(func(key string) bool {
		if key != "entry" {
			val, ok := w.skip()
			return ok && json.Valid(val)
		}
		return w.array(func() bool { return b.addEntryFast(w) })
	})
	return ok && w.end()
}

// addEntryFast reads one entry of a Bundle at w.
func (b *fhirBatch) addEntryFast(w *jsonWalk) bool {
	var fullURL string
	var res []byte
	ok := w.object(func(key string) bool {
		switch key {
		case "fullUrl":
			var ok bool
			fullURL, ok = w.str()
			return ok
		case "resource":
			var ok bool
			res, ok = w.skip()
			return ok && len(res) > 0 && res[0] == '{'
		}
		val, ok := w.skip()
		return ok && json.Valid(val)
	})
	return ok && res != nil && b.addResourceFast(res, fullURL)
}

// addResourceFast reads one resource: decoded when the importer flattens
// its type, only checked as JSON otherwise.
func (b *fhirBatch) addResourceFast(raw []byte, fullURL string) bool {
	typ, id, ok := peekTypeID(raw)
	if !ok || typ == "" {
		return false
	}
	res := fhirResource{ResourceType: typ, ID: id}
	if _, flat := fhirColumns[typ]; flat {
		res = fhirResource{}
		if json.Unmarshal(raw, &res) != nil || res.ResourceType != typ || res.ID != id {
			return false
		}
	} else if misspeltType(typ) != "" || !json.Valid(raw) {
		return false
	}
	b.add(&res, fullURL)
	return true
}

// peekTypeID returns the resourceType and id members of a JSON object
// (without checking the rest of it as JSON), stopping once it has both;
// false when they are not plain strings or v is no object. (Should a key
// occur twice, the caller's decoding sees the last: it compares.)
func peekTypeID(v []byte) (typ, id string, ok bool) {
	w := &jsonWalk{b: v}
	var hasType, hasID, stopped bool
	ok = w.object(func(key string) bool {
		var ok bool
		switch key {
		case "resourceType":
			typ, ok = w.str()
			hasType = true
		case "id":
			id, ok = w.str()
			hasID = true
		default:
			_, ok = w.skip()
		}
		if ok && hasType && hasID {
			stopped = true
			return false
		}
		return ok
	})
	return typ, id, ok || stopped
}

// jsonWalk walks the structure of JSON text: objects, arrays and strings
// without escapes; skip passes over any other value without checking it,
// which the caller does (json.Valid, json.Unmarshal).
type jsonWalk struct {
	b []byte
	i int
}

func (w *jsonWalk) ws() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\r', '\n':
			w.i++
		default:
			return
		}
	}
}

func (w *jsonWalk) eat(c byte) bool {
	w.ws()
	if w.i < len(w.b) && w.b[w.i] == c {
		w.i++
		return true
	}
	return false
}

// end says whether only white space is left.
func (w *jsonWalk) end() bool {
	w.ws()
	return w.i == len(w.b)
}

// str reads a string without escapes or control characters.
func (w *jsonWalk) str() (string, bool) {
	if !w.eat('"') {
		return "", false
	}
	j := bytes.IndexByte(w.b[w.i:], '"')
	if j < 0 {
		return "", false
	}
	s := w.b[w.i : w.i+j]
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return "", false
		}
	}
	w.i += j + 1
	return string(s), true
}

// object calls member for each member of the object at w, positioned at
// the member's value, which member must consume.
func (w *jsonWalk) object(member func(key string) bool) bool {
	if !w.eat('{') {
		return false
	}
	if w.eat('}') {
		return true
	}
	for {
		key, ok := w.str()
		if !ok || !w.eat(':') || !member(key) {
			return false
		}
		if !w.eat(',') {
			return w.eat('}')
		}
	}
}

// array calls elem for each element of the array at w, positioned at the
// element, which elem must consume.
func (w *jsonWalk) array(elem func() bool) bool {
	if !w.eat('[') {
		return false
	}
	if w.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if !w.eat(',') {
			return w.eat(']')
		}
	}
}

// skip passes over one value and returns its text.
func (w *jsonWalk) skip() ([]byte, bool) {
	w.ws()
	b, i := w.b, w.i
	start := i
	if i == len(b) {
		return nil, false
	}
	switch b[i] {
	case '"':
		w.i = i + 1
		if !w.skipString() {
			return nil, false
		}
		return b[start:w.i], true
	case '{', '[':
		depth := 0
		for i < len(b) {
			c := b[i]
			i++
			switch c {
			case '"':
				w.i = i
				if !w.skipString() {
					return nil, false
				}
				i = w.i
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					w.i = i
					return b[start:i], true
				}
			}
		}
		return nil, false
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			w.i = i
			return b[start:i], i > start
		}
		i++
	}
	w.i = i
	return b[start:i], i > start
}

// skipString moves past the closing quote of the string w is in.
func (w *jsonWalk) skipString() bool {
	for {
		j := bytes.IndexByte(w.b[w.i:], '"')
		if j < 0 {
			return false
		}
		w.i += j + 1
		escapes := 0
		for k := w.i - 2; k >= 0 && w.b[k] == '\\'; k-- {
			escapes++
		}
		if escapes%2 == 0 {
			return true
		}
	}
}

package anonymize

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// EncodingError reports a byte of a file read as UTF-8 that is not UTF-8.
// Offset is the 0-based byte offset in the file (a byte-order mark
// included), Line the 1-based line it is on, and Hint a guess at the file's
// real encoding and what to do. A CSV reader returns it inside a
// *ParseError.
type EncodingError struct {
	Offset int64
	Line   int
	Hint   string
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("not UTF-8 at byte %s (%s)", groupDigits(e.Offset), e.Hint)
}

// groupDigits writes n with a comma every three digits: 4,096.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// encodingHint guesses, from the bytes from a bad one on, what the file is.
func encodingHint(chunk, from []byte) string {
	switch {
	case bytes.IndexByte(chunk, 0) >= 0:
		return "looks like UTF-16 without a byte-order mark: convert it or choose the encoding"
	case !slices.ContainsFunc(from[:min(len(from), 256)], undefined1252):
		return "looks like Latin-1: convert it or choose the encoding"
	}
	return "convert it to UTF-8 or choose the encoding"
}

// textSource sits between a file's text, decoded to UTF-8, and the CSV
// parser, in a single pass with no buffer of its own: it counts lines,
// refuses the first byte that is not UTF-8 (when the file is read as UTF-8)
// with an *EncodingError, and follows quoted fields so that a quote never
// closed is reported where its field starts.
type textSource struct {
	r        io.Reader
	encoding string // the encoding the file is read with
	validate bool   // UTF-8: check every byte
	base     int64  // bytes of the file before the text (a byte-order mark)
	off      int64  // text bytes passed on
	line     int    // line of the next byte (1-based)
	lineOff  int64  // offset of the first byte of that line
	tail     []byte // incomplete rune ending the last read (validate)
	err      error  // sticky

	delim       rune // a declared delimiter (the detected ones are always field separators)
	prev        byte // last byte passed on
	inQuote     bool // inside a quoted field
	quoteInside bool // the last byte passed on is a quote inside a quoted field
	openLine    int  // where the last quoted field opened (1-based line, byte column)
	openCol     int
}

// openText chooses the encoding of r (see the encodings above) and returns
// its text as UTF-8.
func openText(r io.Reader, opt CSVOptions) (*textSource, error) {
	declared, err := parseEncoding(opt.Encoding)
	if err != nil {
		return nil, &ParseError{Source: opt.Name, Err: err}
	}
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &ParseError{Source: opt.Name, Err: err}
	}
	enc, bom := chooseEncoding(declared, head)
	if _, err := br.Discard(bom); err != nil { // peeked above: cannot fail
		return nil, &ParseError{Source: opt.Name, Err: err}
	}
	s := &textSource{r: br, encoding: enc, base: int64(bom), line: 1, prev: '\n', delim: opt.Delimiter}
	switch enc {
	case EncodingUTF8:
		s.validate = true
	case EncodingLatin1:
		s.r = newDecodeReader(br, decodeLatin1)
	case EncodingUTF16LE, EncodingUTF16BE:
		s.r = newDecodeReader(br, decodeUTF16(enc == EncodingUTF16BE))
	}
	return s, nil
}

func (s *textSource) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	q := p[:n]
	if s.validate {
		tail := slices.Clone(s.tail)
		if bad, found := s.firstInvalid(q, err != nil); found {
			var from []byte
			cut := int(bad - s.off)
			if cut < 0 { // the bad byte ended the last read
				from, cut = append(tail[len(tail)+cut:], q...), 0
			} else {
				from = q[cut:]
			}
			hint := encodingHint(q, from)
			s.track(q[:cut])
			s.err = &EncodingError{Offset: s.base + bad, Line: s.line, Hint: hint}
			return cut, s.err
		}
	}
	s.track(q)
	s.err = err
	return n, err
}

// firstInvalid returns the text offset of the first byte of q (after what
// earlier reads passed on) that is not UTF-8. An incomplete rune ending q
// waits in s.tail for the next read, unless eof.
func (s *textSource) firstInvalid(q []byte, eof bool) (int64, bool) {
	qOff := s.off
	if len(s.tail) > 0 {
		tailOff := qOff - int64(len(s.tail))
		k := min(len(q), utf8.UTFMax-len(s.tail))
		joined := append(slices.Clip(s.tail), q[:k]...)
		if !utf8.FullRune(joined) {
			if eof {
				return tailOff, true
			}
			s.tail = joined
			return 0, false
		}
		if r, size := utf8.DecodeRune(joined); r == utf8.RuneError && size == 1 {
			return tailOff, true
		} else {
			q = q[size-len(s.tail):]
			qOff += int64(size - len(s.tail))
		}
		s.tail = s.tail[:0]
	}
	k := incompleteTail(q)
	body := q[:len(q)-k]
	if !utf8.Valid(body) {
		for i := 0; i < len(body); {
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size == 1 {
				return qOff + int64(i), true
			}
			i += size
		}
	}
	if k > 0 {
		if eof {
			return qOff + int64(len(body)), true
		}
		s.tail = append(s.tail[:0], q[len(body):]...)
	}
	return 0, false
}

// incompleteTail is the length of a rune cut short at the end of q.
func incompleteTail(q []byte) int {
	for i := 1; i < utf8.UTFMax && i <= len(q); i++ {
		b := q[len(q)-i]
		if b < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(b) {
			if utf8.FullRune(q[len(q)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}

// fieldStart reports whether a quote after b opens a quoted field. Any of
// the delimiters detection chooses among counts: with another delimiter,
// such a quote is a bare quote the CSV parser refuses before its end.
func (s *textSource) fieldStart(b byte) bool {
	switch b {
	case '\n', ',', ';', '\t', '|':
		return true
	}
	return rune(b) == s.delim
}

// track passes q on: it counts its lines and follows quoted fields.
func (s *textSource) track(q []byte) {
	opened := -1 // where in q the last quoted field opened
	for i := 0; i < len(q); {
		if s.quoteInside {
			s.quoteInside = false
			if q[i] == '"' { // an escaped quote
				i++
				continue
			}
			s.inQuote = false
		}
		j := bytes.IndexByte(q[i:], '"')
		if j < 0 {
			break
		}
		pos := i + j
		i = pos + 1
		if s.inQuote {
			s.quoteInside = true
			continue
		}
		prev := s.prev
		if pos > 0 {
			prev = q[pos-1]
		}
		if s.fieldStart(prev) {
			s.inQuote, opened = true, pos
		}
	}
	if opened >= 0 { // only the last one counts: find its place once
		before := q[:opened]
		s.openLine, s.openCol = s.line+bytes.Count(before, []byte{'\n'}), int(s.off-s.lineOff)+opened+1
		if nl := bytes.LastIndexByte(before, '\n'); nl >= 0 {
			s.openCol = opened - nl
		}
	}
	if c := bytes.Count(q, []byte{'\n'}); c > 0 {
		s.line += c
		s.lineOff = s.off + int64(bytes.LastIndexByte(q, '\n')+1)
	}
	s.off += int64(len(q))
	if len(q) > 0 {
		s.prev = q[len(q)-1]
	}
}

// unterminated returns where the quoted field that the parser found never
// closed opens, given the parser's error position: the whole text was read
// and ended inside a quoted field opened before that position.
func (s *textSource) unterminated(startLine, line, col int) (int, int, bool) {
	if !errors.Is(s.err, io.EOF) || !s.inQuote || s.quoteInside {
		return 0, 0, false
	}
	if s.openLine < startLine || s.openLine > line || (s.openLine == line && s.openCol >= col) {
		return 0, 0, false
	}
	return s.openLine, s.openCol, true
}

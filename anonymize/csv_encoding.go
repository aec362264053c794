package anonymize

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Text encodings of CSV files. A file is read as UTF-8 unless a byte-order
// mark, the caller (CSVOptions.Encoding) or its first bytes say otherwise:
//
//   - a UTF-16 byte-order mark (FF FE or FE FF) always wins: the file is
//     UTF-16 in that byte order, whatever was declared; a UTF-8 BOM likewise
//     means UTF-8.
//   - "latin1" (also "iso-8859-1", "windows-1252", "cp1252") reads bytes as
//     Windows-1252, the superset of ISO-8859-1 that spreadsheets write: its
//     0x80-0x9F are the euro sign, curly quotes and dashes; the five bytes
//     it leaves undefined read as the Latin-1 control characters.
//   - "utf-16" without a BOM is little-endian (as Windows writes it);
//     "utf-16le" and "utf-16be" fix the order. Unpaired surrogates read as
//     U+FFFD.
//   - Undeclared (""), Latin-1 is detected only when the first 64 KiB are
//     clearly not UTF-8: they hold bytes above 0x7F, none of them forms a
//     UTF-8 sequence, none is undefined in Windows-1252 and no byte is NUL.
//     Anything else is read as UTF-8 and every byte is checked: the first
//     one that is not UTF-8, wherever it is, stops the read with its offset,
//     its line and a guess at the encoding (see EncodingError).
//
// Decoding is done here, with the standard library, in fixed buffers: the
// file is never held whole.

// Encodings CSVOptions.Encoding accepts (other spellings are listed above).
const (
	EncodingUTF8    = "utf-8"
	EncodingLatin1  = "latin1"
	EncodingUTF16   = "utf-16"
	EncodingUTF16LE = "utf-16le"
	EncodingUTF16BE = "utf-16be"
)

// parseEncoding normalizes a declared encoding name; "" means detect.
func parseEncoding(name string) (string, error) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), "_", "-")) {
	case "", "auto":
		return "", nil
	case "utf-8", "utf8":
		return EncodingUTF8, nil
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "windows-1252", "cp1252":
		return EncodingLatin1, nil
	case "utf-16", "utf16":
		return EncodingUTF16, nil
	case "utf-16le", "utf16le":
		return EncodingUTF16LE, nil
	case "utf-16be", "utf16be":
		return EncodingUTF16BE, nil
	}
	return "", fmt.Errorf("encoding %q unknown (want utf-8, latin1 or utf-16)", name)
}

// chooseEncoding returns the encoding to read a file with, given the
// declared one ("" when undeclared) and the file's first bytes, and the
// length of the byte-order mark to skip.
func chooseEncoding(declared string, head []byte) (string, int) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return EncodingUTF16LE, 2
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return EncodingUTF16BE, 2
	case bytes.HasPrefix(head, []byte("\ufeff")):
		return EncodingUTF8, 3
	case declared == EncodingUTF16:
		return EncodingUTF16LE, 0
	case declared != "":
		return declared, 0
	case looksLatin1(head):
		return EncodingLatin1, 0
	}
	return EncodingUTF8, 0
}

// undefined1252 reports the bytes Windows-1252 leaves undefined.
func undefined1252(b byte) bool {
	return b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D
}

// looksLatin1 reports whether b is clearly Windows-1252 rather than UTF-8:
// it holds bytes above 0x7F, none forms a UTF-8 sequence (a truncated one at
// the end aside), none is undefined in Windows-1252, and none is NUL.
func looksLatin1(b []byte) bool {
	b = trimPartialRune(b)
	if utf8.Valid(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == 0 || undefined1252(c) {
			return false
		}
		if c < utf8.RuneSelf {
			continue
		}
		if r, size := utf8.DecodeRune(b[i:]); r != utf8.RuneError || size > 1 {
			return false
		}
	}
	return true
}

// cp1252 holds the runes of Windows-1252's bytes 0x80-0x9F, two bytes each
// (big-endian); the five bytes it leaves undefined read as the Latin-1
// control characters.
const cp1252 = "\x20\xac\x00\x81\x20\x1a\x01\x92\x20\x1e\x20\x26\x20\x20\x20\x21\x02\xc6\x20\x30\x01\x60\x20\x39\x01\x52\x00\x8d\x01\x7d\x00\x8f" +
	"\x00\x90\x20\x18\x20\x19\x20\x1c\x20\x1d\x20\x22\x20\x13\x20\x14\x02\xdc\x21\x22\x01\x61\x20\x3a\x01\x53\x00\x9d\x01\x7e\x01\x78"

// decodeLatin1 appends the UTF-8 form of Windows-1252 src to dst.
func decodeLatin1(dst, src []byte, _ bool) ([]byte, int) {
	for _, c := range src {
		switch {
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		case c < 0xA0:
			i := 2 * int(c-0x80)
			dst = utf8.AppendRune(dst, rune(cp1252[i])<<8|rune(cp1252[i+1]))
		default:
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst, len(src)
}

// decodeUTF16 returns a decoder of UTF-16 in the given byte order. It
// leaves an odd byte or a high surrogate at the end of src for the next
// call, unless eof.
func decodeUTF16(bigEndian bool) func(dst, src []byte, eof bool) ([]byte, int) {
	unit := func(b []byte) rune {
		if bigEndian {
			return rune(b[0])<<8 | rune(b[1])
		}
		return rune(b[1])<<8 | rune(b[0])
	}
	return func(dst, src []byte, eof bool) ([]byte, int) {
		i := 0
		for i+1 < len(src) {
			u := unit(src[i:])
			switch {
			case !utf16.IsSurrogate(u):
				dst = utf8.AppendRune(dst, u)
				i += 2
				continue
			case u < 0xDC00 && i+3 >= len(src) && !eof:
				return dst, i // the low half comes with the next read
			case u < 0xDC00 && i+3 < len(src):
				if r := utf16.DecodeRune(u, unit(src[i+2:])); r != utf8.RuneError {
					dst = utf8.AppendRune(dst, r)
					i += 4
					continue
				}
			}
			dst = utf8.AppendRune(dst, utf8.RuneError)
			i += 2
		}
		if eof && i < len(src) {
			dst = utf8.AppendRune(dst, utf8.RuneError)
			i = len(src)
		}
		return dst, i
	}
}

// decodeReader turns a stream in some encoding into UTF-8 through fixed
// buffers.
type decodeReader struct {
	r      io.Reader
	decode func(dst, src []byte, eof bool) ([]byte, int)
	in     []byte // undecoded input: in[:nin]
	nin    int
	out    []byte // decoded, not yet returned: out[off:]
	off    int
	err    error
}

func newDecodeReader(r io.Reader, decode func(dst, src []byte, eof bool) ([]byte, int)) *decodeReader {
	return &decodeReader{r: r, decode: decode, in: make([]byte, 16<<10), out: make([]byte, 0, 48<<10)}
}

func (d *decodeReader) Read(p []byte) (int, error) {
	for d.off == len(d.out) {
		if d.err != nil {
			return 0, d.err
		}
		n, err := d.r.Read(d.in[d.nin:])
		d.nin += n
		d.err = err
		var used int
		d.out, used = d.decode(d.out[:0], d.in[:d.nin], err != nil)
		d.off = 0
		d.nin = copy(d.in, d.in[used:d.nin])
	}
	n := copy(p, d.out[d.off:])
	d.off += n
	return n, nil
}

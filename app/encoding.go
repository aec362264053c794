package app

import (
	"errors"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// Encodings a user may declare for a CSV file (PublishRequest.InputEncoding,
// PreviewRequest.Encoding); "" detects it (anonymize/csv_encoding.go).
const (
	EncodingUTF8   = anonymize.EncodingUTF8
	EncodingLatin1 = anonymize.EncodingLatin1
	EncodingUTF16  = anonymize.EncodingUTF16
)

// EncodingProblem is a CSV file that is not text in the encoding it was
// read with: an EINVALID error whose message says where (byte, line) and
// what the file looks like, and Likely, the encoding to read it with
// instead (EncodingLatin1, EncodingUTF16, or "" when the reader has no
// guess), so that a page can offer it.
type EncodingProblem struct {
	Likely string
	err    *marketplace.Error
}

func (e *EncodingProblem) Error() string { return e.err.Error() }

// Unwrap gives the EINVALID error: codes and messages read through it.
func (e *EncodingProblem) Unwrap() error { return e.err }

// LikelyEncoding returns the encoding an EncodingProblem in err's chain
// suggests, and whether there is one.
func LikelyEncoding(err error) (string, bool) {
	var p *EncodingProblem
	if !errors.As(err, &p) {
		return "", false
	}
	return p.Likely, true
}

// encodingProblem wraps msg, the reader's message about a file, with the
// encoding its *anonymize.EncodingError suggests; nil when err holds none.
func encodingProblem(err error, msg *marketplace.Error) error {
	var ee *anonymize.EncodingError
	if !errors.As(err, &ee) {
		return nil
	}
	p := &EncodingProblem{err: msg}
	// The reader's hint says what the bytes from the bad one on look like.
	switch {
	case strings.Contains(ee.Hint, "UTF-16"):
		p.Likely = EncodingUTF16
	case strings.Contains(ee.Hint, "Latin-1"):
		p.Likely = EncodingLatin1
	}
	return p
}

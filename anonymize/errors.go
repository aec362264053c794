package anonymize

import (
	"errors"
	"fmt"
)

// ErrInvalid is the cause of every error about bad input (a malformed file,
// a bad config, a column that does not exist): errors.Is(err, ErrInvalid)
// tells callers to show the message to the user rather than treat it as a bug.
var ErrInvalid = errors.New("invalid input")

// ErrNoQuasiIdentifiers is returned by the privacy transform for a table
// without quasi-identifier columns. It wraps ErrInvalid.
var ErrNoQuasiIdentifiers error = &invalidError{msg: "no quasi-identifier columns"}

// ErrPolicy marks a pipeline run whose result failed the policy gate.
var ErrPolicy = errors.New("policy check failed")

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// ParseError reports malformed input with its position: the 1-based line of
// a CSV file (and the 1-based column when known), or the JSON path of a FHIR
// field (for example "entry[3].resource.subject.reference").
type ParseError struct {
	Source string // file or stream name, may be empty
	Line   int    // 1-based line, 0 when unknown
	Column int    // 1-based field number within the record, 0 when unknown
	Field  string // field name or JSON path, may be empty
	Err    error
}

func (e *ParseError) Error() string {
	s := e.Source
	if e.Line > 0 {
		if s != "" {
			s += ":"
		}
		s += fmt.Sprintf("line %d", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf(", column %d", e.Column)
		}
	}
	if e.Field != "" {
		if s != "" {
			s += ", "
		}
		s += "field " + e.Field
	}
	if s == "" {
		return e.Err.Error()
	}
	return s + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error        { return e.Err }
func (e *ParseError) Is(target error) bool { return target == ErrInvalid }

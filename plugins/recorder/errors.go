package recorder

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/medmarket/medmarket/plugins/handshake"
)

// InvalidError is a malformed or refused document: the user's input, not
// the recorder, is at fault. It crosses the wire as InvalidArgument; app
// maps it to marketplace.EINVALID.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// Invalidf returns an InvalidError with a formatted message.
func Invalidf(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// IsInvalid reports whether err is about the input (an InvalidError or
// InputErrors), not the recorder.
func IsInvalid(err error) bool {
	var ie *InvalidError
	var es InputErrors
	return errors.As(err, &ie) || errors.As(err, &es)
}

// InputError is the problem with one record of an input.
type InputError struct {
	Ref string // "row 4", an element path
	Msg string
}

func (e InputError) Error() string { return e.Ref + ": " + e.Msg }

// InputErrors lists the problems of an input, in input order.
type InputErrors []InputError

// Error names the first five problems and counts the others.
func (es InputErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(es)-5)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil for no errors, else es.
func (es InputErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// toStatus: an InvalidError (a malformed document) becomes
// InvalidArgument; anything else keeps the meaning handshake gives it.
func toStatus(err error) error {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return handshake.ToStatus(err)
}

// fromStatus turns InvalidArgument back into an InvalidError.
func fromStatus(err error) error {
	if s, ok := status.FromError(err); ok && s.Code() == codes.InvalidArgument {
		return &InvalidError{Msg: s.Message()}
	}
	return err
}

package marketplace

import (
	"errors"
	"fmt"
	"net/http"
)

// Application error codes. HTTPStatus and ExitCode map them, once, to the
// status of an HTTP answer (the UI and the provider API) and to the exit
// status of a command, so lower layers only say what went wrong.
const (
	ECONFLICT    = "conflict"    // the action clashes with current state (already listed, data dir in use)
	EFORBIDDEN   = "forbidden"   // the caller may not do this (no licence, not the seller)
	EINTERNAL    = "internal"    // a bug or an unexpected failure
	EINVALID     = "invalid"     // bad input: the message names the field and the reason
	ENOTFOUND    = "not_found"   // no such thing
	EUNAVAILABLE = "unavailable" // a dependency (chain node, provider, plugin) cannot be reached
)

// Error is an error with an application code and a message meant for the user.
type Error struct {
	Code    string
	Message string
	Err     error // the underlying cause, if any; not shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the code and message that keeps err as its cause.
func Wrap(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or a generic text for internal errors, whose
// details belong in the log and not in front of a user.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// HTTPStatus returns the HTTP status of err's code: 422 for EINVALID (the
// request was understood, its content is wrong), 403, 404, 409 and 503 for
// EFORBIDDEN, ENOTFOUND, ECONFLICT and EUNAVAILABLE, 500 for anything else.
// The UI and the provider API answer with it; callers that must say "wait"
// (429) decide that before.
func HTTPStatus(err error) int {
	switch ErrorCode(err) {
	case EINVALID:
		return http.StatusUnprocessableEntity
	case EFORBIDDEN:
		return http.StatusForbidden
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// ExitCode returns the exit status a command ends with for err's code, so
// scripts can tell bad input (2) from a busy data dir (3), a missing thing
// (4), a refusal (5) and an unreachable chain or provider (6); anything
// else is 1, and nil is 0.
func ExitCode(err error) int {
	switch ErrorCode(err) {
	case "":
		return 0
	case EINVALID:
		return 2
	case ECONFLICT:
		return 3
	case ENOTFOUND:
		return 4
	case EFORBIDDEN:
		return 5
	case EUNAVAILABLE:
		return 6
	default:
		return 1
	}
}

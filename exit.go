package main

import (
	"errors"

	"github.com/medmarket/medmarket/marketplace"
)

// usageError marks a mistake in the command line itself.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// exitCode maps an error to the process's exit status, so scripts can tell
// bad input from a busy data dir from an unreachable chain.
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	switch marketplace.ErrorCode(err) {
	case marketplace.EINVALID:
		return 2
	case marketplace.ECONFLICT:
		return 3
	case marketplace.ENOTFOUND:
		return 4
	case marketplace.EFORBIDDEN:
		return 5
	case marketplace.EUNAVAILABLE:
		return 6
	default:
		return 1
	}
}

// userMessage is the one line printed on stderr for a failed command.
func userMessage(err error) string {
	var e *marketplace.Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return err.Error()
}

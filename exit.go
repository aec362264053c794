package main

import (
	"errors"

	"github.com/medmarket/medmarket/marketplace"
)

// usageError marks a mistake in the command line itself.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// verificationFailed marks a verification that ran and failed (an audit
// trail with a changed, missing or unpinned part), which scripts must tell
// from input that could not be read.
type verificationFailed struct{ err error }

func (v verificationFailed) Error() string { return v.err.Error() }
func (v verificationFailed) Unwrap() error { return v.err }

// exitVerificationFailed is the exit status of a failed verification.
const exitVerificationFailed = 7

// exitCode maps an error to the process's exit status, so scripts can tell
// bad input from a busy data dir from an unreachable chain from a failed
// verification.
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	var v verificationFailed
	if errors.As(err, &v) {
		return exitVerificationFailed
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

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
// a bad command line (2) and a failed verification (7) from what the error's
// code says (marketplace.ExitCode: bad input, a busy data dir, an
// unreachable chain...).
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	var v verificationFailed
	if errors.As(err, &v) {
		return exitVerificationFailed
	}
	return marketplace.ExitCode(err) // the codes' statuses, beside their HTTP statuses
}

// userMessage is the one line printed on stderr for a failed command.
func userMessage(err error) string {
	var e *marketplace.Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return err.Error()
}

package marketplace

import (
	"errors"
	"fmt"
	"testing"
)

// Every code has one HTTP status and one exit status, found through
// wrapping; errors without a code are internal.
func TestErrorStatuses(t *testing.T) {
	for _, tc := range []struct {
		err          error
		status, exit int
	}{
		{Errorf(EINVALID, "bad"), 422, 2},
		{Errorf(ECONFLICT, "busy"), 409, 3},
		{Errorf(ENOTFOUND, "none"), 404, 4},
		{Errorf(EFORBIDDEN, "no"), 403, 5},
		{Errorf(EUNAVAILABLE, "down"), 503, 6},
		{Errorf(EINTERNAL, "bug"), 500, 1},
		{errors.New("plain"), 500, 1},
		{fmt.Errorf("wrapped: %w", Errorf(ENOTFOUND, "none")), 404, 4},
	} {
		if got := HTTPStatus(tc.err); got != tc.status {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tc.err, got, tc.status)
		}
		if got := ExitCode(tc.err); got != tc.exit {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.exit)
		}
	}
	if ExitCode(nil) != 0 {
		t.Error("ExitCode(nil) != 0")
	}
}

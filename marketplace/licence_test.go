package marketplace

import (
	"testing"
	"time"
)

func TestLicence_ValidAt(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		name string
		l    Licence
		want bool
	}{
		{"never bought", Licence{}, false},
		{"before expiry", Licence{ExpiresAt: uint64(now.Unix()) + 1}, true},
		{"at expiry", Licence{ExpiresAt: uint64(now.Unix())}, false},
		{"perpetual", Licence{ExpiresAt: PerpetualExpiry}, true},
	} {
		if got := tc.l.ValidAt(now); got != tc.want {
			t.Errorf("%s: ValidAt = %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, ok := (Licence{ExpiresAt: PerpetualExpiry}).Expiry(); ok {
		t.Error("perpetual licence has an expiry time")
	}
	if e, ok := (Licence{ExpiresAt: 1_700_000_000}).Expiry(); !ok || !e.Equal(now) {
		t.Errorf("Expiry = %v, %v", e, ok)
	}
	if n := (Licence{Seats: 3, SeatsUsed: 1}).FreeSeats(); n != 2 {
		t.Errorf("FreeSeats = %d", n)
	}
}

package marketplace

import (
	"math/big"
	"testing"
)

func TestTerms_packRoundTrips(t *testing.T) {
	for _, tc := range []Terms{
		{},
		{Use: HMB | NCU | IRB, DurationDays: 365, Seats: 3},
		{Use: GRU, DurationDays: ^uint32(0), Seats: ^uint16(0)},
		{Use: DS | RS | PUB | COL | US | PS | IS | TS | GS | NMDS | RTN | MOR | GSO | CC | NPU | NPOA},
	} {
		got, err := UnpackTerms(tc.Pack())
		if err != nil || got != tc {
			t.Errorf("UnpackTerms(Pack(%v)) = %v, %v", tc, got, err)
		}
	}
}

func TestTerms_packLayoutMatchesContract(t *testing.T) {
	// bits 0..63 DUO, 64..95 days, 96..111 seats: see DataLicenseMarket.sol.
	got := Terms{Use: HMB, DurationDays: 30, Seats: 2}.Pack()
	want := new(big.Int).Lsh(big.NewInt(2), 96)
	want.Or(want, new(big.Int).Lsh(big.NewInt(30), 64))
	want.Or(want, big.NewInt(2)) // HMB is bit 1
	if got.Cmp(want) != 0 {
		t.Fatalf("Pack = %#x, want %#x", got, want)
	}
}

func TestUnpackTerms_refusesReservedBits(t *testing.T) {
	if _, err := UnpackTerms(new(big.Int).Lsh(big.NewInt(1), 112)); ErrorCode(err) != EINVALID {
		t.Fatalf("err = %v, want %s", err, EINVALID)
	}
}

func TestTerms_Validate(t *testing.T) {
	for _, tc := range []struct {
		terms Terms
		ok    bool
	}{
		{Terms{Use: HMB | NCU | IRB}, true},
		{Terms{Use: NRES}, true},
		{Terms{Use: NCU}, false},              // no permission
		{Terms{Use: GRU | HMB}, false},        // two permissions
		{Terms{Use: NRES | PUB}, false},       // NRES takes no modifiers
		{Terms{Use: HMB | DUO(1)<<40}, false}, // unknown bit
	} {
		err := tc.terms.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%v.Validate() = %v, want ok=%v", tc.terms, err, tc.ok)
		}
	}
}

func TestParseDUO(t *testing.T) {
	d, err := ParseDUO("hmb+NCU, IRB")
	if err != nil || d != HMB|NCU|IRB {
		t.Fatalf("ParseDUO = %v, %v", d, err)
	}
	if d.String() != "HMB+NCU+IRB" {
		t.Errorf("String = %q", d.String())
	}
	if HMB.OntologyID() != "DUO:0000006" || RS.Short() != "RS" {
		t.Errorf("HMB id %q, RS short %q", HMB.OntologyID(), RS.Short())
	}
	if _, err := ParseDUO("HMB+XYZ"); ErrorCode(err) != EINVALID {
		t.Errorf("ParseDUO(XYZ) err = %v", err)
	}
}

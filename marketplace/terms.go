package marketplace

import (
	"fmt"
	"math/big"
	"math/bits"
	"strings"
)

// DUO is one GA4GH Data Use Ontology code, as a bit in a listing's on-chain terms. The bit
// positions are fixed by the DataLicenseMarket contract (marketplace/contracts/src): append new
// codes, never renumber.
type DUO uint64

// The DUO codes a listing can carry. Permissions say what the data may be used for (a listing
// states exactly one); modifiers restrict or condition that use.
const (
	GRU  DUO = 1 << iota // general research use (DUO:0000042), permission
	HMB                  // health or medical or biomedical research (DUO:0000006), permission
	DS                   // disease specific research (DUO:0000007), permission; the disease is in the dataset card
	POA                  // population origins or ancestry research only (DUO:0000011), permission
	NRES                 // no restriction (DUO:0000004), permission
	NCU                  // non-commercial use only (DUO:0000046)
	NPU                  // not-for-profit organisation use only (DUO:0000045)
	NPOA                 // population origins or ancestry research prohibited (DUO:0000044)
	IRB                  // ethics approval required (DUO:0000021)
	PUB                  // publication required (DUO:0000019)
	COL                  // collaboration required (DUO:0000020)
	US                   // user specific restriction (DUO:0000026)
	PS                   // project specific restriction (DUO:0000027)
	IS                   // institution specific restriction (DUO:0000028)
	TS                   // time limit on use (DUO:0000025)
	GS                   // geographical restriction (DUO:0000022)
	NMDS                 // no general methods research (DUO:0000015)
	RTN                  // return to database or resource (DUO:0000029)
	MOR                  // publication moratorium (DUO:0000024)
	GSO                  // genetic studies only (DUO:0000016)
	CC                   // clinical care use (DUO:0000043)
	RS                   // research specific restrictions (DUO:0000012)

	duoEnd // one past the last defined code
)

// duoInfo describes each code: shorthand, ontology id, label. Index = bit position.
var duoInfo = []struct{ short, id, label string }{
	{"GRU", "DUO:0000042", "general research use"},
	{"HMB", "DUO:0000006", "health or medical or biomedical research"},
	{"DS", "DUO:0000007", "disease specific research"},
	{"POA", "DUO:0000011", "population origins or ancestry research only"},
	{"NRES", "DUO:0000004", "no restriction"},
	{"NCU", "DUO:0000046", "non-commercial use only"},
	{"NPU", "DUO:0000045", "not-for-profit organisation use only"},
	{"NPOA", "DUO:0000044", "population origins or ancestry research prohibited"},
	{"IRB", "DUO:0000021", "ethics approval required"},
	{"PUB", "DUO:0000019", "publication required"},
	{"COL", "DUO:0000020", "collaboration required"},
	{"US", "DUO:0000026", "user specific restriction"},
	{"PS", "DUO:0000027", "project specific restriction"},
	{"IS", "DUO:0000028", "institution specific restriction"},
	{"TS", "DUO:0000025", "time limit on use"},
	{"GS", "DUO:0000022", "geographical restriction"},
	{"NMDS", "DUO:0000015", "no general methods research"},
	{"RTN", "DUO:0000029", "return to database or resource"},
	{"MOR", "DUO:0000024", "publication moratorium"},
	{"GSO", "DUO:0000016", "genetic studies only"},
	{"CC", "DUO:0000043", "clinical care use"},
	{"RS", "DUO:0000012", "research specific restrictions"},
}

// duoPermissions are the codes of which a listing states exactly one.
const duoPermissions = GRU | HMB | DS | POA | NRES

// Codes returns the individual codes set in d, lowest bit first.
func (d DUO) Codes() []DUO {
	var out []DUO
	for rest := d; rest != 0; rest &= rest - 1 {
		out = append(out, DUO(1)<<bits.TrailingZeros64(uint64(rest)))
	}
	return out
}

// String returns the shorthands of the codes in d joined by "+" ("HMB+NCU+IRB"); unknown bits show
// as "bitN".
func (d DUO) String() string {
	var parts []string
	for _, c := range d.Codes() {
		parts = append(parts, c.Short())
	}
	return strings.Join(parts, "+")
}

// Short returns the shorthand of a single code ("HMB").
func (d DUO) Short() string {
	i := bits.TrailingZeros64(uint64(d))
	if d&(d-1) != 0 || i >= len(duoInfo) {
		return fmt.Sprintf("bit%d", i)
	}
	return duoInfo[i].short
}

// OntologyID returns the ontology term of a single code ("DUO:0000006"), or "" if unknown.
func (d DUO) OntologyID() string {
	i := bits.TrailingZeros64(uint64(d))
	if d&(d-1) != 0 || i >= len(duoInfo) {
		return ""
	}
	return duoInfo[i].id
}

// Label returns the ontology label of a single code ("health or medical or biomedical research").
func (d DUO) Label() string {
	i := bits.TrailingZeros64(uint64(d))
	if d&(d-1) != 0 || i >= len(duoInfo) {
		return ""
	}
	return duoInfo[i].label
}

// ParseDUO parses shorthands separated by '+', ',' or spaces ("HMB+NCU", "hmb, irb").
func ParseDUO(s string) (DUO, error) {
	var d DUO
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '+' || r == ',' || r == ' ' }) {
		found := false
		for i, info := range duoInfo {
			if strings.EqualFold(f, info.short) {
				d |= DUO(1) << i
				found = true
				break
			}
		}
		if !found {
			return 0, Errorf(EINVALID, "Unknown DUO code %q.", f)
		}
	}
	return d, nil
}

// Terms are the machine-readable conditions of a licence, packed on chain into one uint256 (see
// Pack). Human-readable terms (the disease for DS, the region for GS...) belong in the dataset
// card, whose hash the listing carries.
type Terms struct {
	// Use is the set of DUO codes: exactly one permission (GRU, HMB, DS, POA, NRES) and any modifiers.
	Use DUO
	// DurationDays is how long a licence lasts from purchase; 0 means perpetual.
	DurationDays uint32
	// Seats is how many team members a licence holder may add besides itself.
	Seats uint16
}

// Bit layout of packed terms; must match DataLicenseMarket.
const (
	termsDurationShift = 64
	termsSeatsShift    = 96
	termsUsedBits      = 112
)

// Validate reports whether t states exactly one DUO permission and only known codes.
func (t Terms) Validate() error {
	if t.Use&^(duoEnd-1) != 0 {
		return Errorf(EINVALID, "Terms use unknown DUO bits %#x.", uint64(t.Use&^(duoEnd-1)))
	}
	switch n := bits.OnesCount64(uint64(t.Use & duoPermissions)); {
	case n == 0:
		return Errorf(EINVALID, "Terms need one DUO permission (GRU, HMB, DS, POA or NRES).")
	case n > 1:
		return Errorf(EINVALID, "Terms state %d DUO permissions (%s); choose one.", n, t.Use&duoPermissions)
	}
	if t.Use&NRES != 0 && t.Use&^NRES != 0 {
		return Errorf(EINVALID, "NRES (no restriction) cannot carry modifiers (%s).", t.Use&^NRES)
	}
	return nil
}

// Pack returns the on-chain form of t: DUO bits 0..63, duration in days bits 64..95, seats bits
// 96..111.
func (t Terms) Pack() *big.Int {
	v := new(big.Int).SetUint64(uint64(t.Seats))
	v.Lsh(v, termsSeatsShift-termsDurationShift)
	v.Or(v, new(big.Int).SetUint64(uint64(t.DurationDays)))
	v.Lsh(v, termsDurationShift)
	return v.Or(v, new(big.Int).SetUint64(uint64(t.Use)))
}

// UnpackTerms is the inverse of Pack. It refuses values using bits the contract reserves.
func UnpackTerms(v *big.Int) (Terms, error) {
	if v == nil || v.Sign() < 0 || v.BitLen() > termsUsedBits {
		return Terms{}, Errorf(EINVALID, "Packed terms %v use reserved bits.", v)
	}
	lo := new(big.Int).And(v, new(big.Int).SetUint64(^uint64(0))).Uint64()
	hi := new(big.Int).Rsh(v, 64).Uint64()
	return Terms{Use: DUO(lo), DurationDays: uint32(hi), Seats: uint16(hi >> 32)}, nil
}

// String renders t for people: "HMB+NCU, 365 days, 3 seats".
func (t Terms) String() string {
	dur := "perpetual"
	if t.DurationDays > 0 {
		dur = fmt.Sprintf("%d days", t.DurationDays)
	}
	if t.Seats == 1 {
		return fmt.Sprintf("%s, %s, 1 seat", t.Use, dur)
	}
	return fmt.Sprintf("%s, %s, %d seats", t.Use, dur, t.Seats)
}

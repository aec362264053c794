package anonymize

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Domain-separation labels: a pseudonym and a date shift derived from the
// same identifier and secret are unrelated.
const (
	pseudonymLabel = "medmarket/pseudonym/v1\x00"
	dateShiftLabel = "medmarket/date-shift/v1\x00"
)

// MinSecretLen is the shortest publisher secret keyed transforms accept.
const MinSecretLen = 16

// Pseudonymize replaces identifiers with keyed pseudonyms:
// hex(HMAC-SHA256(secret, value)), truncated. The same value under the same
// secret gives the same pseudonym in every column, table and dataset, so a
// patient's rows still link (the PATIENT column of encounters.csv matches
// the Id column of patients.csv), while nobody without the secret can
// recover or confirm an identifier. Empty values stay empty. Columns
// pseudonymized already (a release's patient key, Release.Key) are left
// as they are: hashing a pseudonym again would only break its links.
type Pseudonymize struct {
	// Columns to pseudonymize; empty means every column suggested as a
	// record identifier or medical record number.
	Columns []string `json:"columns,omitempty" yaml:"columns,omitempty"`
	// Length is the number of hex digits kept (8..64, default 32 = 128 bits).
	Length int `json:"length,omitempty" yaml:"length,omitempty"`
	// Prefix is prepended to every pseudonym (for example "P-").
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	// Secret is the per-publisher key (at least MinSecretLen bytes). In
	// configs it comes from the environment of the caller, not the file.
	Secret []byte `json:"-" yaml:"-"`
	// SecretText allows a secret in the parameters (tests, demos).
	SecretText string `json:"secret,omitempty" yaml:"secret,omitempty"`
}

// Validate checks the secret and the length.
func (p *Pseudonymize) Validate() error {
	if err := publisherSecret("pseudonymize", &p.Secret, p.SecretText); err != nil {
		return err
	}
	if p.Length == 0 {
		p.Length = 32
	}
	if p.Length < 8 || p.Length > 64 {
		return invalidf("pseudonymize: length must be between 8 and 64 hex digits, got %d", p.Length)
	}
	return nil
}

// Describe implements Transform.
func (p *Pseudonymize) Describe() Descriptor {
	return Descriptor{Name: "pseudonymize", Version: Version, Scope: ScopeRow,
		Summary: "replace identifiers with keyed HMAC-SHA256 pseudonyms that link across tables"}
}

// Pseudonym returns the pseudonym of one value.
func (p *Pseudonymize) Pseudonym(v string) string {
	if v == "" {
		return ""
	}
	return p.Prefix + hex.EncodeToString(keyedHash(p.Secret, pseudonymLabel, v))[:p.Length]
}

// pseudonyms returns the pseudonyms of values, computed side by side (one
// HMAC per goroutine, reset between values): a column's dictionary can
// hold millions of ids.
func (p *Pseudonymize) pseudonyms(values []string) []string {
	out := make([]string, len(values))
	workers := min(runtime.GOMAXPROCS(0), 1+len(values)/4096)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := newKeyedHasher(p.Secret, pseudonymLabel)
			var hexed [2 * sha256.Size]byte
			for i := w; i < len(values); i += workers {
				if values[i] == "" {
					continue
				}
				hex.Encode(hexed[:], h.sum(values[i]))
				out[i] = p.Prefix + string(hexed[:p.Length])
			}
		}()
	}
	wg.Wait()
	return out
}

// Apply implements Transform.
func (p *Pseudonymize) Apply(ctx context.Context, t *Table) (*Table, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	names := p.Columns
	if len(names) == 0 {
		for _, c := range t.Columns {
			if s := SuggestColumn(c); s.Transform == "pseudonymize" && !wasApplied(c, "pseudonymize") {
				names = append(names, c.Name)
			}
		}
	}
	out := t
	for _, name := range names {
		i := out.Index(name)
		if i < 0 {
			return nil, invalidf("pseudonymize: no column %q", name)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if wasApplied(out.Columns[i], releaseKeyNote) {
			continue // a release's patient key or join, keyed already: a second hash would add nothing
		}
		c := out.Columns[i].MapDict(p.pseudonyms(out.Columns[i].Dict))
		c.Type, c.Role, c.Hierarchy = TypeString, RoleInsensitive, nil
		out = out.Replace(i, c.note("pseudonymize"))
	}
	return out, nil
}

// DateShift moves every date of a patient by the same number of days, so
// intervals between a patient's events survive while calendar dates do not.
// The shift is derived from the keyed hash of the patient identifier, so a
// patient's rows in different tables (and different exports) shift alike,
// and nobody without the secret can undo it. Dates keep their format.
type DateShift struct {
	// PatientColumn holds the patient identifier (raw or pseudonymized).
	PatientColumn string `json:"patient_column" yaml:"patient_column"`
	// Columns to shift; empty means every date or datetime column.
	Columns []string `json:"columns,omitempty" yaml:"columns,omitempty"`
	// MaxDays bounds the shift: it lies in [-MaxDays, MaxDays] and is never 0
	// (default 365).
	MaxDays    int    `json:"max_days,omitempty" yaml:"max_days,omitempty"`
	Secret     []byte `json:"-" yaml:"-"`
	SecretText string `json:"secret,omitempty" yaml:"secret,omitempty"`
}

// Validate checks the parameters.
func (d *DateShift) Validate() error {
	if err := publisherSecret("date-shift", &d.Secret, d.SecretText); err != nil {
		return err
	}
	if d.PatientColumn == "" {
		return invalidf("date-shift: patient_column is required")
	}
	if d.MaxDays == 0 {
		d.MaxDays = 365
	}
	if d.MaxDays < 1 || d.MaxDays > 36500 {
		return invalidf("date-shift: max_days must be between 1 and 36500, got %d", d.MaxDays)
	}
	return nil
}

// Describe implements Transform.
func (d *DateShift) Describe() Descriptor {
	return Descriptor{Name: "date-shift", Version: Version, Scope: ScopeRow,
		Summary: "shift each patient's dates by a keyed per-patient offset that keeps intervals"}
}

// Shift returns the number of days a patient's dates move.
func (d *DateShift) Shift(patient string) int {
	x := binary.BigEndian.Uint64(keyedHash(d.Secret, dateShiftLabel, patient)[:8])
	s := int(x%uint64(2*d.MaxDays)) - d.MaxDays // [-max, max-1]
	if s >= 0 {
		s++ // [-max, -1] U [1, max]
	}
	return s
}

// Apply implements Transform.
func (d *DateShift) Apply(ctx context.Context, t *Table) (*Table, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	pc := t.Column(d.PatientColumn)
	if pc == nil {
		return nil, invalidf("date-shift: no patient column %q", d.PatientColumn)
	}
	shifts := make([]int, len(pc.Dict))
	for i, v := range pc.Dict {
		shifts[i] = d.Shift(v)
	}
	names := d.Columns
	if len(names) == 0 {
		for _, c := range t.Columns {
			if c.Type == TypeDate || c.Type == TypeDateTime {
				names = append(names, c.Name)
			}
		}
	}
	out := t
	for _, name := range names {
		i := out.Index(name)
		if i < 0 {
			return nil, invalidf("date-shift: no column %q", name)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := shiftColumn(out.Columns[i], pc, shifts)
		if err != nil {
			return nil, err
		}
		out = out.Replace(i, n.note("date-shift"))
	}
	return out, nil
}

// shiftColumn moves each row's date of c by its patient's shift (shifts
// by the code of pc). Each distinct date is parsed once; each distinct
// pair of date and shift is shifted once; equal results share a code,
// found by instant and layout rather than by text.
func shiftColumn(c, pc *Column, shifts []int) (*Column, error) {
	type parsed struct {
		t      time.Time
		layout int // index in layouts; -1: blank, kept as it is
		ok     bool
	}
	dates := make([]parsed, len(c.Dict))
	var layouts []string
	for code, v := range c.Dict {
		if strings.TrimSpace(v) == "" {
			dates[code] = parsed{layout: -1, ok: true}
			continue
		}
		t, layout, ok := parseDateLayout(v)
		if !ok {
			continue // an error only if a row uses it
		}
		li := slices.Index(layouts, layout)
		if li < 0 {
			li, layouts = len(layouts), append(layouts, layout)
		}
		dates[code] = parsed{t: t, layout: li, ok: true}
	}
	type instant struct {
		sec          int64
		nsec, offset int32
		layout       int
	}
	var dict []string
	byInstant := map[instant]uint32{}
	// The first shift of each date, and its result, answer most rows (a
	// date most often belongs to one patient); other pairs go to a map.
	first := make([]int, len(c.Dict))
	firstOut := make([]uint32, len(c.Dict))
	pairs := map[uint64]uint32{}
	codes := make([]uint32, len(c.Codes))
	for r, code := range c.Codes {
		shift := shifts[pc.Codes[r]]
		if first[code] == shift && shift != 0 {
			codes[r] = firstOut[code]
			continue
		}
		pair := uint64(code)<<32 | uint64(uint32(shift))
		if out, ok := pairs[pair]; ok {
			codes[r] = out
			continue
		}
		d := dates[code]
		if !d.ok {
			return nil, invalidf("date-shift: column %q row %d: %q is not a date", c.Name, r+1, c.Dict[code])
		}
		key := instant{sec: int64(code), layout: d.layout} // blanks: each kept as it is
		if d.layout >= 0 {
			t := d.t.AddDate(0, 0, shift)
			_, off := t.Zone()
			key = instant{sec: t.Unix(), nsec: int32(t.Nanosecond()), offset: int32(off), layout: d.layout}
			d.t = t
		}
		out, ok := byInstant[key]
		if !ok {
			out = uint32(len(dict))
			byInstant[key] = out
			v := c.Dict[code] // blank: kept
			if d.layout >= 0 {
				v = d.t.Format(layouts[d.layout])
			}
			dict = append(dict, v)
		}
		if first[code] == 0 {
			first[code], firstOut[code] = shift, out
		} else {
			pairs[pair] = out
		}
		codes[r] = out
	}
	n := c.withData(dict, codes)
	n.Hierarchy = nil
	return n, nil
}

// publisherSecret sets *secret from text when it is empty (a secret given in
// the parameters) and checks its length; transform names the transform in
// the error.
func publisherSecret(transform string, secret *[]byte, text string) error {
	if len(*secret) == 0 {
		*secret = []byte(text)
	}
	if len(*secret) < MinSecretLen {
		return invalidf("%s: the publisher secret must be at least %d bytes", transform, MinSecretLen)
	}
	return nil
}

// keyedHasher computes keyedHash for one secret and label, reusing its
// HMAC; not safe for concurrent use.
type keyedHasher struct {
	h     hash.Hash
	label []byte
	buf   []byte
}

func newKeyedHasher(secret []byte, label string) *keyedHasher {
	return &keyedHasher{h: hmac.New(sha256.New, secret), label: []byte(label)}
}

// sum is keyedHash(secret, label, v), valid until the next call.
func (k *keyedHasher) sum(v string) []byte {
	k.h.Reset()
	k.h.Write(k.label)
	k.h.Write([]byte(v))
	k.buf = k.h.Sum(k.buf[:0])
	return k.buf
}

// keyedHash is HMAC-SHA256 under the publisher's secret of label then v. The
// label keeps the derivations apart: a pseudonym never equals the hash a date
// shift is drawn from.
func keyedHash(secret []byte, label, v string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	m.Write([]byte(v))
	return m.Sum(nil)
}

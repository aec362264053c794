package pools

import (
	"encoding/json"
	"fmt"

	"github.com/medmarket/medmarket/marketplace"
)

// Kind is what a pool log entry records.
type Kind string

// The kinds of pool log entries.
const (
	KindConfig    Kind = "config"    // the operator published a configuration version
	KindJoined    Kind = "joined"    // a patient consented and contributed
	KindWithdrawn Kind = "withdrawn" // a patient withdrew consent
	KindReleased  Kind = "released"  // the operator released a version as a listing
	KindRound     Kind = "round"     // the operator posted a payout round
)

// Entry is one leaf of a pool's tamper-evident log: its Kind and exactly the one payload that kind
// carries.
type Entry struct {
	Kind       Kind        `json:"kind"`
	Config     *Config     `json:"config,omitempty"`
	Consent    *Consent    `json:"consent,omitempty"`
	Withdrawal *Withdrawal `json:"withdrawal,omitempty"`
	Release    *Release    `json:"release,omitempty"`
	Round      *Round      `json:"round,omitempty"`
}

// payload returns the payload e's kind carries and how many payloads e has.
func (e Entry) payloads() (want any, n int) {
	for _, p := range []bool{e.Config != nil, e.Consent != nil, e.Withdrawal != nil, e.Release != nil, e.Round != nil} {
		if p {
			n++
		}
	}
	switch e.Kind {
	case KindConfig:
		return e.Config, n
	case KindJoined:
		return e.Consent, n
	case KindWithdrawn:
		return e.Withdrawal, n
	case KindReleased:
		return e.Release, n
	case KindRound:
		return e.Round, n
	}
	return nil, n
}

// Validate checks that e carries exactly the payload of its kind, and that payload (a consent's or
// withdrawal's signature is Replay's check).
func (e Entry) Validate() error {
	want, n := e.payloads()
	switch {
	case want == nil && !e.Kind.known():
		return marketplace.Errorf(marketplace.EINVALID, "Pool log entry: unknown kind %q.", e.Kind)
	case isNilPayload(want):
		return marketplace.Errorf(marketplace.EINVALID, "Pool log entry: a %q entry without its %s.", e.Kind, e.Kind.payloadName())
	case n != 1:
		return marketplace.Errorf(marketplace.EINVALID, "Pool log entry: a %q entry carries %d payloads; it carries its %s alone.", e.Kind, n, e.Kind.payloadName())
	}
	switch e.Kind {
	case KindConfig:
		return e.Config.Validate()
	case KindJoined:
		return e.Consent.Validate()
	case KindWithdrawn:
		return e.Withdrawal.Validate()
	case KindReleased:
		return e.Release.Validate()
	default:
		return e.Round.Validate()
	}
}

func (k Kind) known() bool {
	switch k {
	case KindConfig, KindJoined, KindWithdrawn, KindReleased, KindRound:
		return true
	}
	return false
}

func (k Kind) payloadName() string {
	switch k {
	case KindConfig:
		return "config"
	case KindJoined:
		return "consent"
	case KindWithdrawn:
		return "withdrawal"
	case KindReleased:
		return "release"
	}
	return "round"
}

// isNilPayload reports whether p is a nil pointer of one of the payload types.
func isNilPayload(p any) bool {
	switch v := p.(type) {
	case *Config:
		return v == nil
	case *Consent:
		return v == nil
	case *Withdrawal:
		return v == nil
	case *Release:
		return v == nil
	case *Round:
		return v == nil
	}
	return true
}

// Marshal returns e's canonical JSON, one log leaf: fields in declaration order, times in UTC,
// amounts as decimal strings. It refuses an entry that does not validate.
func (e Entry) Marshal() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	c := e
	if c.Consent != nil {
		v := *c.Consent
		v.At = v.At.UTC()
		c.Consent = &v
	}
	if c.Withdrawal != nil {
		v := *c.Withdrawal
		v.At = v.At.UTC()
		c.Withdrawal = &v
	}
	if c.Release != nil {
		v := *c.Release
		v.At = v.At.UTC()
		c.Release = &v
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("pool log entry: %w", err)
	}
	return b, nil
}

// ParseEntry reads one log leaf strictly (unknown fields refused) and validates it: EINVALID
// naming what is wrong.
func ParseEntry(b []byte) (Entry, error) {
	var e Entry
	if err := strictJSON(b, &e); err != nil {
		return Entry{}, marketplace.Errorf(marketplace.EINVALID, "Pool log entry: malformed JSON: %v.", err)
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// Package recorder is the trial recorder kind of plugin: a recorder turns
// a source document (a CSV export, CDISC ODM XML, JSON lines...) into trial
// steps, appending nothing. It holds the Go interface the host uses
// ([Recorder]), the types that cross the wire ([Step], [Config],
// [InputErrors], [InvalidError]), its go-plugin [Plugin], and the gRPC
// client ([GRPCClient]) and server ([GRPCServer]) adapters side by side.
//
// Its types mirror marketplace/trials' (StepInput, RecorderConfig,
// InputErrors) without importing them: app converts between the two, so a
// recorder plugin links no chain code. It imports plugins/handshake and
// plugins/proto, and never any marketplace package, the host (plugins),
// anonymize or another kind.
package recorder

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Recorder is the service a recorder plugin provides: it turns a source
// document into trial steps, appending nothing, across a process boundary,
// with a description for listings.
type Recorder interface {
	// Describe says what the recorder is: name, version, the formats it
	// reads and its config's JSON Schema.
	Describe(ctx context.Context) (Descriptor, error)
	// Parse reads one document: a malformed document is an InvalidError,
	// or InputErrors when it names several rows or elements.
	Parse(ctx context.Context, r io.Reader, cfg Config) ([]Step, error)
}

// Parser is what a recorder plugin implements to be served with Static
// (through plugins/sdk): a name and Parse. It may also describe itself
// (Describer).
type Parser interface {
	Name() string
	Parse(ctx context.Context, r io.Reader, cfg Config) ([]Step, error)
}

// Describer is what a Parser served with Static may implement to describe
// itself beyond its name.
type Describer interface {
	Describe() Descriptor
}

// Descriptor describes a recorder.
type Descriptor struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Summary string `json:"summary,omitempty"`
	// Formats are what it reads: media types or short names.
	Formats []string `json:"formats,omitempty"`
	// ConfigSchema is an optional JSON Schema of its config (an object of
	// strings).
	ConfigSchema json.RawMessage `json:"config_schema,omitempty"`
}

// Config tunes a recorder (for csv, the column mapping): strings, so that
// it travels as it is.
type Config map[string]string

// Step is one step as a recorder read it, before the trial service checks
// it, pseudonymizes its subject, fixes its index and time, and signs it.
// Fields are as the source wrote them; the JSON names are those of
// marketplace/trials.StepInput, so a plugin may decode steps written for it.
type Step struct {
	// Ref says where the step came from, for errors and the preview:
	// "row 4", "line 2", an element path.
	Ref string `json:"ref"`
	// Type is a step type or one of its spellings ("visit", "enrolment").
	Type string `json:"type"`
	// Subject is the subject id the sponsor uses (S-001).
	Subject string `json:"subject,omitempty"`
	// Protocol references a registered protocol version: "", "2", "v2" or
	// its SHA-256 in hex.
	Protocol string `json:"protocol,omitempty"`
	// Data is a JSON object.
	Data      json.RawMessage `json:"data,omitempty"`
	Documents []Document      `json:"documents,omitempty"`
	// Meaning is the signature meaning; empty means authored.
	Meaning string `json:"meaning,omitempty"`
	// Corrects is the index of an earlier entry this step corrects, or
	// CorrectsKey the source key of the entry it corrects; UpdateOf is a
	// source key of a record that may or may not be in the log already.
	Corrects    *uint64 `json:"corrects,omitempty"`
	CorrectsKey string  `json:"corrects_key,omitempty"`
	UpdateOf    string  `json:"update_of,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	// Source says where in the source system the step was found.
	Source Source `json:"source"`
}

// Document is a file a step refers to by its SHA-256.
type Document struct {
	Name   string `json:"name"`
	SHA256 Hash   `json:"sha256"`
	Size   int64  `json:"size"`
}

// Hash is a SHA-256, written in JSON as 0x-prefixed hex (as
// marketplace.Document's is).
type Hash [32]byte

// MarshalText writes h as 0x-prefixed hex.
func (h Hash) MarshalText() ([]byte, error) {
	return []byte("0x" + hex.EncodeToString(h[:])), nil
}

// UnmarshalText reads 64 hex digits, 0x-prefixed or not.
func (h *Hash) UnmarshalText(b []byte) error {
	s := strings.TrimPrefix(strings.TrimPrefix(string(b), "0x"), "0X")
	if len(s) != 2*len(h) {
		return fmt.Errorf("SHA-256 %q: want %d hex digits", b, 2*len(h))
	}
	_, err := hex.Decode(h[:], []byte(s))
	return err
}

// Source is where a recorder took a step from.
type Source struct {
	Recorder string `json:"recorder"`      // the recorder's name
	Ref      string `json:"ref,omitempty"` // where in the input
	// Key identifies the record in the source system; a later update of
	// the same record corrects the step that recorded it.
	Key string `json:"key,omitempty"`
	// Actor is the person the source system names.
	Actor string `json:"actor,omitempty"`
	// At is when the source system says it happened.
	At *time.Time `json:"at,omitempty"`
}

// Default bounds of a recorder call: the document sent (as much as
// marketplace/trials reads of an import, trials.MaxImportSize; app checks
// they agree) and the steps answered in all.
const (
	DefaultMaxInput  = 64 << 20
	DefaultMaxOutput = 256 << 20
)

// chunkBytes is the size of the document's chunks.
const chunkBytes = 1 << 20

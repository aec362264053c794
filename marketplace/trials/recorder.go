package trials

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// StepInput is one step as a recorder read it, before the service checks it,
// pseudonymizes its subject, fixes its index and time, and signs it.
// Fields are as the source wrote them; the service parses and validates
// them and names Ref in every error.
type StepInput struct {
	// Ref says where the step came from, for errors and the preview:
	// "form", "row 4", "ODM/ClinicalData[1]/SubjectData[2]/StudyEventData[1]/FormData[1]".
	Ref string `json:"ref"`
	// Type is a step type or one of its spellings (marketplace.ParseStepType).
	Type string `json:"type"`
	// Subject is the subject id the sponsor uses (S-001); the log only ever
	// holds its pseudonym.
	Subject string `json:"subject,omitempty"`
	// Protocol references a registered protocol version: "", "2", "v2" or its
	// SHA-256 in hex. Empty means the version in force.
	Protocol string `json:"protocol,omitempty"`
	// Data is a JSON object (any key order).
	Data      json.RawMessage        `json:"data,omitempty"`
	Documents []marketplace.Document `json:"documents,omitempty"`
	// Meaning is the signature meaning; empty means authored.
	Meaning string `json:"meaning,omitempty"`
	// Corrects is the index of an earlier entry this step corrects, or
	// CorrectsKey the source key (StepSource.Key) of the entry it corrects:
	// the latest entry with that key, which must exist. UpdateOf is a source
	// key too, for a record that may or may not be in the log already: the
	// step corrects the latest entry with that key if there is one, and is
	// a new record otherwise.
	Corrects    *uint64 `json:"corrects,omitempty"`
	CorrectsKey string  `json:"corrects_key,omitempty"`
	UpdateOf    string  `json:"update_of,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	// Site is the site the step is recorded at; empty takes the subject's
	// site, or the signer's when it is authorized for one site only.
	Site string `json:"site,omitempty"`
	// Concerns is the entry a query, answer, closing or SDV mark is about
	// (for an answer or a closing: the query), Item the form item of it.
	Concerns *uint64 `json:"concerns,omitempty"`
	Item     string  `json:"item,omitempty"`
	// Name is the sponsor's printed name for its signature; staff sign
	// under the name the sponsor authorized them with, whatever Name says.
	Name string `json:"name,omitempty"`
	// Source is copied into the step (Recorder and Ref are filled in by the
	// service when empty).
	Source marketplace.StepSource `json:"source"`
}

// RecorderConfig tunes a recorder: for csv, the column mapping; for odm, the
// step type of a form. Keys and values are strings so that plugins can
// receive it as they are.
type RecorderConfig map[string]string

// Recorder turns a source file into steps. It only parses: it appends
// nothing. It reports a malformed input with an EINVALID error that names
// where (a row and column, an element path); InputErrors carries one error
// per bad record when there are several. The built-in recorders are form,
// csv and odm (LookupRecorder); others come from a RecorderSource, such as
// the plugin host's trusted recorder plugins (FindRecorder).
type Recorder interface {
	Name() string
	Parse(ctx context.Context, r io.Reader, cfg RecorderConfig) ([]StepInput, error)
}

// MaxImportSize bounds what a recorder reads.
const MaxImportSize = 64 << 20

// builtinRecorders returns the built-in recorders, sorted by name. The set
// is fixed: other recorders come through a RecorderSource.
func builtinRecorders() []Recorder {
	return []Recorder{CSVRecorder{}, FormRecorder{}, ODMRecorder{}}
}

// LookupRecorder returns the built-in recorder called name (EINVALID if
// none, listing the built-ins).
func LookupRecorder(name string) (Recorder, error) {
	for _, r := range builtinRecorders() {
		if r.Name() == name {
			return r, nil
		}
	}
	return nil, marketplace.Errorf(marketplace.EINVALID, "Recorder %q: not one of %s.", name, strings.Join(RecorderNames(), ", "))
}

// RecorderSource finds recorders besides the built-in ones: the app
// passes the plugin host's trusted recorder plugins, so this package needs
// no plugin code.
type RecorderSource interface {
	// Recorder returns the recorder called name, if the source has one.
	Recorder(name string) (Recorder, bool, error)
	// Names lists the source's recorders, sorted.
	Names() ([]string, error)
}

// FindRecorder returns the built-in recorder called name, else the one
// more has by that name (more may be nil). The EINVALID error of an
// unknown name lists every recorder of both.
func FindRecorder(name string, more RecorderSource) (Recorder, error) {
	if r, err := LookupRecorder(name); err == nil || more == nil {
		return r, err
	}
	r, ok, err := more.Recorder(name)
	if err != nil {
		return nil, err
	}
	if ok {
		return r, nil
	}
	names := RecorderNames()
	if extra, err := more.Names(); err == nil {
		names = append(names, extra...)
		sort.Strings(names)
		names = slices.Compact(names)
	}
	return nil, marketplace.Errorf(marketplace.EINVALID, "Recorder %q: not one of %s.", name, strings.Join(names, ", "))
}

// RecorderNames lists the built-in recorders, sorted.
func RecorderNames() []string {
	rs := builtinRecorders()
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name()
	}
	return names
}

// InputError is the problem with one record of an input.
type InputError struct {
	Ref string // "row 4", an element path
	Msg string
}

func (e InputError) Error() string { return e.Ref + ": " + e.Msg }

// InputErrors lists the problems of an input, in input order.
type InputErrors []InputError

func (es InputErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(es)-5)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives InputErrors the EINVALID code.
func (es InputErrors) Unwrap() error {
	return &marketplace.Error{Code: marketplace.EINVALID, Message: es.Error()}
}

// Err returns nil for no errors, else es: an EINVALID error (through
// Unwrap) that names the first problems, and that errors.As finds.
func (es InputErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// FormRecorder reads the UI's step form, URL-encoded
// (application/x-www-form-urlencoded): type, subject, protocol, data (a JSON
// object), meaning, corrects (an entry index), reason. It yields one step.
type FormRecorder struct{}

// Name implements Recorder.
func (FormRecorder) Name() string { return "form" }

// Parse implements Recorder.
func (FormRecorder) Parse(ctx context.Context, r io.Reader, cfg RecorderConfig) ([]StepInput, error) {
	b, err := io.ReadAll(io.LimitReader(r, marketplace.MaxStepDataLen+8<<10))
	if err != nil {
		return nil, fmt.Errorf("read form: %w", err)
	}
	v, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "form: not URL-encoded: %v", err)
	}
	in := StepInput{
		Ref: "form", Type: v.Get("type"), Subject: v.Get("subject"), Protocol: v.Get("protocol"),
		Meaning: v.Get("meaning"), Reason: strings.TrimSpace(v.Get("reason")),
		Source: marketplace.StepSource{Recorder: "form"},
	}
	var errs InputErrors
	if d := strings.TrimSpace(v.Get("data")); d != "" {
		in.Data = json.RawMessage(d)
	}
	if c := strings.TrimSpace(v.Get("corrects")); c != "" {
		n, err := strconv.ParseUint(c, 10, 64)
		if err != nil {
			errs = append(errs, InputError{"form", fmt.Sprintf("corrects: %q is not an entry index", c)})
		} else {
			in.Corrects = &n
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []StepInput{in}, nil
}

package anonymize

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"
)

// Version is the engine's version, reported by the built-in transforms.
const Version = "0.1.0"

// Scope says how much of a table a transform must see at once; a plugin
// host uses it to decide whether it may stream batches.
type Scope string

const (
	// ScopeRow transforms compute each output row from its input row alone
	// (plus fixed parameters such as a secret), keep the number and order of
	// rows, and may add, drop or rename columns. They can run on any batch
	// of rows (Table.Batches) and the results concatenated (Concat).
	ScopeRow Scope = "row"
	// ScopeTable transforms need every row at once (privacy models, record
	// suppression) and may drop rows (counted in Table.Suppressed).
	ScopeTable Scope = "table"
)

// Descriptor describes a transform to a pipeline, a plugin host or a UI.
type Descriptor struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Scope   Scope  `json:"scope"`
	Summary string `json:"summary,omitempty"`
	// ConfigSchema is an optional JSON Schema of the parameters.
	ConfigSchema json.RawMessage `json:"config_schema,omitempty"`
	// Scrubber declares that the transform removes identifiers from the
	// free text of every column it processes (and adds its Name to those
	// columns' Applied list): the policy gate then lets those free-text
	// columns through. Only a transform the publisher trusts to scrub
	// (a built-in, or a pinned plugin) may say so.
	Scrubber bool `json:"scrubber,omitempty"`
}

// Transform is one step of an anonymization pipeline. Built-in transforms
// implement it directly; the plugin host adapts out-of-process plugins to it.
//
// Apply must not modify its input (tables and columns are shared between
// steps); it returns a new table. Row-scoped transforms must return exactly
// one output row per input row, in order. Errors about the data or the
// parameters wrap ErrInvalid. Apply must return promptly with ctx.Err()
// when ctx is cancelled.
type Transform interface {
	Describe() Descriptor
	Apply(ctx context.Context, t *Table) (*Table, error)
}

// Searcher is implemented by transforms that search for an anonymization
// and say what the search decided: the privacy step, in process or through
// a plugin host. A pipeline runs them with Anonymize, which returns what
// Apply would and the search for the report (nil when the transform did
// not search: a plugin host's transforms implement Searcher whatever runs
// behind them).
type Searcher interface {
	Transform
	Anonymize(ctx context.Context, t *Table) (*Table, *SearchResult, error)
}

// ColumnAction is what a row-scoped transform does with one input column.
type ColumnAction int

const (
	// ActTransform: the column's values are needed (the zero value, so a
	// transform that cannot plan transforms everything).
	ActTransform ColumnAction = iota
	// ActPass: the output has the column unchanged, metadata included.
	ActPass
	// ActDrop: the output does not have the column.
	ActDrop
	// ActMap: the output column maps each value on its own (equal values
	// give equal results, whatever the row): the transform needs only the
	// column's distinct values, and Column.MapDict applies its answer.
	ActMap
)

// ColumnPlanner is implemented by row-scoped transforms that decide column
// by column, from each column's metadata and the sample of its values
// ColumnSample holds (exactly what Apply would read to decide). A plugin
// host sends a plugin only the columns to transform.
type ColumnPlanner interface {
	// PlanColumns returns one action per column and the transform to apply
	// to a table of the ActTransform columns alone, in their order, or of
	// one ActMap column's distinct values: it must return one column per
	// input column, in order, each the output Apply gives for that column.
	// Output columns keep the input columns' order.
	PlanColumns(cols []ColumnSample) ([]ColumnAction, Transform, error)
}

// Params are a transform's parameters as they come from a pipeline config
// (YAML or JSON objects): names to values.
type Params map[string]any

// Decode fills v (a pointer to a struct with json tags) from p, rejecting
// unknown parameters.
func (p Params) Decode(v any) error {
	b, err := json.Marshal(p)
	if err != nil {
		return invalidf("parameters: %v", err)
	}
	dec := json.NewDecoder(bytesReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalidf("parameters: %v", err)
	}
	return nil
}

// Env is what a factory may need beyond its parameters: the publisher's
// secret for keyed transforms, and a way to open hierarchy files; and what
// a pipeline config's transform names resolve to.
type Env struct {
	// Secret is the per-publisher key for pseudonyms and date shifts.
	Secret []byte
	// Open opens a file named in a config (hierarchies); nil when the
	// caller offers no files.
	Open OpenFunc
	// Transforms are the transforms Config.Build may name; nil means the
	// built-ins alone. A plugin host passes its own, with the third-party
	// plugins it trusts.
	Transforms *Transforms
	// AsOf is the reference date of the release (the publisher's clock,
	// read by the caller): Config.Build gives it to Safe Harbor steps that
	// do not set as_of, to count ages. Zero: not known.
	AsOf time.Time
}

// Factory builds a transform from its parameters.
type Factory func(p Params, env Env) (Transform, error)

// Transforms is a set of transform factories by name: the built-ins and
// whatever its owner registers (a plugin host, its trusted plugins). Each
// owner has its own, so registrations never leak between two owners in one
// process. It is safe for concurrent use. A nil *Transforms holds the
// built-ins alone and accepts no registrations.
type Transforms struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewTransforms returns a set holding the built-in transforms.
func NewTransforms() *Transforms {
	return &Transforms{factories: builtinFactories()}
}

// Register makes a transform available under name, replacing any earlier
// registration in r, built-ins included (the plugin host skips their names).
func (r *Transforms) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.factories[name] = f
}

// Names returns the names of the transforms in r, sorted.
func (r *Transforms) Names() []string {
	if r == nil {
		return NewTransforms().Names()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds the transform called name with params. An unknown name is
// ErrInvalid and lists the known ones.
func (r *Transforms) New(name string, p Params, env Env) (Transform, error) {
	if r == nil {
		return NewTransforms().New(name, p, env)
	}
	r.mu.RLock()
	f, ok := r.factories[name]
	r.mu.RUnlock()
	if !ok {
		return nil, invalidf("unknown transform %q (known: %v)", name, r.Names())
	}
	t, err := f(p, env)
	if err != nil {
		return nil, fmt.Errorf("transform %s: %w", name, err)
	}
	return t, nil
}

// builtinFactories returns the factories of the built-in transforms, a new
// map on each call.
func builtinFactories() map[string]Factory {
	return map[string]Factory{
		"safe-harbor": func(p Params, env Env) (Transform, error) {
			s := &SafeHarbor{}
			if err := p.Decode(s); err != nil {
				return nil, err
			}
			return s, s.Validate()
		},
		"pseudonymize": func(p Params, env Env) (Transform, error) {
			s := &Pseudonymize{}
			if err := p.Decode(s); err != nil {
				return nil, err
			}
			if len(s.Secret) == 0 {
				s.Secret = env.Secret
			}
			return s, s.Validate()
		},
		"date-shift": func(p Params, env Env) (Transform, error) {
			s := &DateShift{}
			if err := p.Decode(s); err != nil {
				return nil, err
			}
			if len(s.Secret) == 0 {
				s.Secret = env.Secret
			}
			return s, s.Validate()
		},
		ScrubNotesName: func(p Params, env Env) (Transform, error) {
			s := &ScrubNotes{}
			if err := p.Decode(s); err != nil {
				return nil, err
			}
			if len(s.Secret) == 0 {
				s.Secret = env.Secret
			}
			_, err := s.shifter()
			return s, err
		},
		"generalize": func(p Params, env Env) (Transform, error) {
			s := &Generalize{}
			if err := p.Decode(s); err != nil {
				return nil, err
			}
			return s, nil
		},
		"suppress": func(p Params, env Env) (Transform, error) {
			s := &Suppress{}
			if err := p.Decode(s); err != nil {
				return nil, err
			}
			return s, nil
		},
		"drop": func(p Params, env Env) (Transform, error) {
			s := &Drop{}
			if err := p.Decode(s); err != nil {
				return nil, err
			}
			return s, nil
		},
		"privacy": func(p Params, env Env) (Transform, error) {
			s := &Privacy{}
			if err := p.Decode(s); err != nil {
				return nil, err
			}
			return s, s.Validate()
		},
	}
}

// Drop removes columns (or blanks them, keeping the column).
type Drop struct {
	Columns []string `json:"columns"`
	// Blank keeps the columns with empty values instead of removing them.
	Blank bool `json:"blank,omitempty"`
}

// Describe implements Transform.
func (d *Drop) Describe() Descriptor {
	return Descriptor{Name: "drop", Version: Version, Scope: ScopeRow, Summary: "remove or blank columns"}
}

// Apply implements Transform.
func (d *Drop) Apply(ctx context.Context, t *Table) (*Table, error) {
	for _, name := range d.Columns {
		if t.Index(name) < 0 {
			return nil, invalidf("drop: no column %q", name)
		}
	}
	cols := make([]*Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if !slices.ContainsFunc(d.Columns, func(n string) bool { return t.Column(n) == c }) {
			cols = append(cols, c)
		} else if d.Blank {
			cols = append(cols, blankColumn(c, "drop"))
		}
	}
	return t.WithColumns(cols), nil
}

func blankColumn(c *Column, by string) *Column {
	n := c.withData([]string{""}, make([]uint32, c.Len()))
	n.Role = RoleInsensitive
	n.Type = TypeString
	n.Hierarchy = nil
	return n.note(by)
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

package anonymizer

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/medmarket/medmarket/anonymize"
)

// BuiltinNames returns the names of the built-in transforms, sorted.
func BuiltinNames() []string { return anonymize.NewTransforms().Names() }

// IsBuiltin reports whether name is a built-in transform.
func IsBuiltin(name string) bool { return slices.Contains(BuiltinNames(), name) }

// Builtin returns the built-in transform name (of package anonymize) as an
// Anonymizer running in this process.
func Builtin(name string) Anonymizer { return builtin{name: name, set: anonymize.NewTransforms()} }

type builtin struct {
	name string
	set  *anonymize.Transforms // the built-ins alone
}

// builtinZero returns the built-in name without parameters, to describe
// it (some factories refuse empty parameters).
func builtinZero(name string) (anonymize.Transform, bool) {
	switch name {
	case "safe-harbor":
		return &anonymize.SafeHarbor{}, true
	case "pseudonymize":
		return &anonymize.Pseudonymize{}, true
	case "date-shift":
		return &anonymize.DateShift{}, true
	case "generalize":
		return &anonymize.Generalize{}, true
	case "suppress":
		return &anonymize.Suppress{}, true
	case "drop":
		return &anonymize.Drop{}, true
	case "privacy":
		return &anonymize.Privacy{}, true
	case anonymize.ScrubNotesName:
		return &anonymize.ScrubNotes{}, true
	}
	return nil, false
}

func (b builtin) Describe(ctx context.Context) (anonymize.Descriptor, error) {
	if t, ok := builtinZero(b.name); ok {
		return t.Describe(), nil
	}
	t, err := b.set.New(b.name, anonymize.Params{}, anonymize.Env{})
	if err != nil {
		return anonymize.Descriptor{Name: b.name, Version: anonymize.Version, Scope: anonymize.ScopeTable}, nil
	}
	return t.Describe(), nil
}

func (b builtin) New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
	return b.set.New(b.name, p, anonymize.Env{Secret: env.Secret})
}

// Static returns t as an Anonymizer: New returns a copy of t with the
// parameters decoded over it (t must be a pointer to a struct with json
// tags when it takes parameters), or t itself without parameters.
func Static(t anonymize.Transform) Anonymizer { return static{t} }

type static struct{ t anonymize.Transform }

func (s static) Describe(ctx context.Context) (anonymize.Descriptor, error) {
	return s.t.Describe(), nil
}

func (s static) New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
	if len(p) == 0 {
		return s.t, nil
	}
	v := reflect.ValueOf(s.t)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, invalidErr{msg: fmt.Sprintf("%s takes no parameters", s.t.Describe().Name)}
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	if err := p.Decode(c.Interface()); err != nil {
		return nil, err
	}
	return c.Interface().(anonymize.Transform), nil
}

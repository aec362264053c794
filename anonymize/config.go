package anonymize

import (
	"io"

	"gopkg.in/yaml.v3"
)

// OpenFunc opens a file a config refers to (hierarchy CSVs), relative to
// wherever the caller keeps configs. The engine does no file I/O itself.
type OpenFunc func(name string) (io.ReadCloser, error)

// Config is a pipeline as a publisher writes it (YAML or JSON): column
// roles and hierarchies, transforms in order with their parameters, the
// policy the result must pass, and report options. A preset fills in
// transforms and policy that the config does not set.
//
//	preset: safe-harbor-k5
//	columns:
//	  age: {role: quasi-identifier, hierarchy: hierarchies/age.csv}
//	  zip: {role: quasi-identifier, hierarchy: {auto: zip}}
//	  diagnosis: {role: sensitive}
//	transforms:
//	  - name: privacy
//	    k: 5
//	    l: 2
//	policy: {min_k: 5, max_risk: 0.2}
type Config struct {
	Preset string `json:"preset,omitempty" yaml:"preset,omitempty"`
	// SuggestRoles gives columns the config does not list their suggested
	// role (SuggestColumn); default true.
	SuggestRoles *bool                   `json:"suggest_roles,omitempty" yaml:"suggest_roles,omitempty"`
	Columns      map[string]ColumnConfig `json:"columns,omitempty" yaml:"columns,omitempty"`
	Transforms   []TransformConfig       `json:"transforms,omitempty" yaml:"transforms,omitempty"`
	Policy       *Policy                 `json:"policy,omitempty" yaml:"policy,omitempty"`
	Report       ReportOptions           `json:"report,omitempty" yaml:"report,omitempty"`
}

// ColumnConfig overrides what the engine would guess about a column.
type ColumnConfig struct {
	Role      *Role          `json:"role,omitempty" yaml:"role,omitempty"`
	Type      *Type          `json:"type,omitempty" yaml:"type,omitempty"`
	Hierarchy *HierarchySpec `json:"hierarchy,omitempty" yaml:"hierarchy,omitempty"`
}

// HierarchySpec names a hierarchy: an ARX hierarchy CSV (File), or an
// automatic one (Auto: "interval", "date", "zip", "flat" or "auto"). In
// YAML a plain string is a file name.
type HierarchySpec struct {
	File   string  `json:"file,omitempty" yaml:"file,omitempty"`
	Auto   string  `json:"auto,omitempty" yaml:"auto,omitempty"`
	Width  float64 `json:"width,omitempty" yaml:"width,omitempty"`   // interval: level-1 width
	Factor int     `json:"factor,omitempty" yaml:"factor,omitempty"` // interval: growth per level
	// Hierarchy is an already built hierarchy (set by programs, not configs).
	Hierarchy *Hierarchy `json:"-" yaml:"-"`
}

// UnmarshalYAML accepts a file name as a plain scalar.
func (h *HierarchySpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		h.File = n.Value
		return nil
	}
	type plain HierarchySpec
	return n.Decode((*plain)(h))
}

// TransformConfig is one step: a transform name (in Env.Transforms) and its
// parameters, written inline next to the name.
type TransformConfig struct {
	Name   string `json:"name" yaml:"name"`
	Params Params `json:"params,omitempty" yaml:",inline"`
}

// LoadConfig reads a YAML (or JSON, which is YAML) pipeline config,
// rejecting unknown fields.
func LoadConfig(r io.Reader) (*Config, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil && err != io.EOF {
		return nil, invalidf("pipeline config: %v", err)
	}
	return &c, nil
}

// Marshal writes the config as YAML.
func (c *Config) Marshal() ([]byte, error) { return yaml.Marshal(c) }

// Presets returns the names of the built-in presets.
func Presets() []string { return []string{"safe-harbor", "safe-harbor-k5"} }

// Preset returns a built-in config:
//   - "safe-harbor": pseudonymize record identifiers (when a secret is
//     given; without one they are removed), then Safe Harbor; the policy
//     refuses any direct identifier left.
//   - "safe-harbor-k5": the same, then 5-anonymity over the remaining
//     quasi-identifiers with at most 2% of rows suppressed; the policy also
//     requires k >= 5.
func Preset(name string) (*Config, error) {
	switch name {
	case "safe-harbor":
		return &Config{Preset: name,
			Transforms: []TransformConfig{{Name: "pseudonymize"}, {Name: "safe-harbor"}},
			Policy:     &Policy{}}, nil
	case "safe-harbor-k5":
		return &Config{Preset: name,
			Transforms: []TransformConfig{{Name: "pseudonymize"}, {Name: "safe-harbor"}, {Name: "privacy", Params: Params{"k": 5}}},
			Policy:     &Policy{MinK: 5}}, nil
	}
	return nil, invalidf("unknown preset %q (known: %v)", name, Presets())
}

// SuggestConfig returns a starting config for t: every column with its
// suggested role, automatic hierarchies for quasi-identifiers, and the
// safe-harbor-k5 steps.
func SuggestConfig(t *Table) *Config {
	c := &Config{Columns: map[string]ColumnConfig{}}
	p, _ := Preset("safe-harbor-k5")
	c.Transforms, c.Policy = p.Transforms, p.Policy
	for _, s := range Suggest(t) {
		role := s.Role
		cc := ColumnConfig{Role: &role}
		if role == RoleQuasi {
			cc.Hierarchy = &HierarchySpec{Auto: "auto"}
		}
		c.Columns[s.Column] = cc
	}
	return c
}

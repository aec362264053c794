package anonymize

import (
	"context"
)

// Method selects how the privacy transform searches for a safe generalization.
type Method string

const (
	// MethodAuto uses the optimal full-domain search when the generalization
	// lattice is small enough (MaxLatticeNodes) and Mondrian otherwise.
	MethodAuto Method = "auto"
	// MethodOptimal searches the lattice of full-domain generalizations (one
	// hierarchy level per quasi-identifier for all rows) for the anonymous
	// node with the least information loss, pruning with monotonicity as
	// ARX's Flash does.
	MethodOptimal Method = "optimal"
	// MethodMondrian partitions the rows recursively on the
	// quasi-identifiers (strict multidimensional partitioning, local
	// recoding): each partition is generalized to its own ranges.
	MethodMondrian Method = "mondrian"
)

// DefaultSuppressionLimit is the share of rows the search may suppress when
// the configuration says nothing.
const DefaultSuppressionLimit = 0.02

// MaxLatticeNodes is the lattice size above which MethodAuto picks Mondrian.
const MaxLatticeNodes = 200_000

// LDiversity variants.
const (
	LDistinct = "distinct" // each class holds at least L distinct sensitive values
	LEntropy  = "entropy"  // each class's sensitive entropy is at least log(L)
)

// Privacy is the privacy-model transform: it generalizes the
// quasi-identifiers (columns with RoleQuasi) and suppresses rows until every
// equivalence class (rows equal on all quasi-identifiers) satisfies the
// models, and removes the suppressed rows from the output.
//
// Quasi-identifiers use their Column.Hierarchy; those without one get an
// automatic hierarchy (AutoHierarchy). The sensitive columns (RoleSensitive)
// are what l-diversity and t-closeness protect.
type Privacy struct {
	// K: every class holds at least K rows (k-anonymity). At least 1.
	K int `json:"k" yaml:"k"`
	// L, when > 0: l-diversity of each sensitive column in every class.
	L float64 `json:"l,omitempty" yaml:"l,omitempty"`
	// LVariant is LDistinct (default) or LEntropy.
	LVariant string `json:"l_variant,omitempty" yaml:"l_variant,omitempty"`
	// T, when > 0: t-closeness of each sensitive column: the earth mover's
	// distance between a class's distribution and the table's is at most T
	// (equal ground distance for categorical columns, ordered distance for
	// numeric ones).
	T float64 `json:"t,omitempty" yaml:"t,omitempty"`
	// SuppressionLimit is the largest share of rows the search may remove
	// (0..1); nil means DefaultSuppressionLimit.
	SuppressionLimit *float64 `json:"suppression_limit,omitempty" yaml:"suppression_limit,omitempty"`
	// Method picks the search; empty means MethodAuto.
	Method Method `json:"method,omitempty" yaml:"method,omitempty"`
}

// Validate checks the parameters.
func (p *Privacy) Validate() error {
	if p.K < 1 {
		return invalidf("privacy: k must be at least 1, got %d", p.K)
	}
	if p.L < 0 {
		return invalidf("privacy: l must not be negative")
	}
	switch p.LVariant {
	case "", LDistinct, LEntropy:
	default:
		return invalidf("privacy: l_variant must be %q or %q, got %q", LDistinct, LEntropy, p.LVariant)
	}
	if p.T < 0 || p.T > 1 {
		return invalidf("privacy: t must be between 0 and 1, got %v", p.T)
	}
	if s := p.suppression(); s < 0 || s > 1 {
		return invalidf("privacy: suppression_limit must be between 0 and 1, got %v", s)
	}
	switch p.Method {
	case "", MethodAuto, MethodOptimal, MethodMondrian:
	default:
		return invalidf("privacy: method must be auto, optimal or mondrian, got %q", p.Method)
	}
	return nil
}

func (p *Privacy) suppression() float64 {
	if p.SuppressionLimit == nil {
		return DefaultSuppressionLimit
	}
	return *p.SuppressionLimit
}

func (p *Privacy) needsSensitive() bool { return p.L > 0 || p.T > 0 }

// Describe implements Transform.
func (p *Privacy) Describe() Descriptor {
	return Descriptor{Name: "privacy", Version: Version, Scope: ScopeTable,
		Summary: "k-anonymity, l-diversity and t-closeness by generalization and record suppression"}
}

// Apply implements Transform.
func (p *Privacy) Apply(ctx context.Context, t *Table) (*Table, error) {
	out, _, err := p.Anonymize(ctx, t)
	return out, err
}

// SearchResult describes what the privacy transform did.
type SearchResult struct {
	Method     Method         `json:"method"`
	Levels     map[string]int `json:"levels,omitempty"` // full-domain: the chosen level per quasi-identifier
	Suppressed int            `json:"suppressed"`
	// Loss is the normalized certainty penalty of the result with
	// suppressed rows counted as fully generalized (0 best, 1 worst).
	Loss float64 `json:"loss"`
	// Evaluated is the number of lattice nodes whose classes were computed
	// (full-domain) or partitions created (Mondrian).
	Evaluated int `json:"evaluated"`
	// LatticeNodes is the lattice size (full-domain).
	LatticeNodes int `json:"lattice_nodes,omitempty"`
}

// Anonymize runs the search and returns the transformed table with what the
// search decided. It fails with ErrInvalid when no anonymous result exists
// within the suppression limit.
func (p *Privacy) Anonymize(ctx context.Context, t *Table) (*Table, *SearchResult, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	sp, err := newSpace(t, p)
	if err != nil {
		return nil, nil, err
	}
	method := p.Method
	if method == "" || method == MethodAuto {
		method = MethodOptimal
		if sp.latticeSize() > MaxLatticeNodes {
			method = MethodMondrian
		}
	}
	var res *SearchResult
	var out *Table
	switch method {
	case MethodOptimal:
		out, res, err = sp.searchOptimal(ctx)
	default:
		out, res, err = sp.mondrian(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	res.Method = method
	return out, res, nil
}

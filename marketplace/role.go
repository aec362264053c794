package marketplace

import (
	"slices"
	"strings"
)

// Role is a part a user plays on the marketplace. Roles shape what the UI
// shows a user; they are local settings of this node, kept per account
// address, not on chain, and they grant nothing: the chain and sessions
// decide what an account may do.
type Role string

const (
	RolePatient    Role = "patient"    // publishes data: My data
	RoleResearcher Role = "researcher" // finds and buys data: Catalog
	RoleSponsor    Role = "sponsor"    // runs trials: Trials
)

// AllRoles returns the roles in their canonical order; an account with no
// roles set holds them all.
func AllRoles() Roles { return slices.Clone(allRoles) }

// allRoles is the list AllRoles copies; never written.
var allRoles = Roles{RolePatient, RoleResearcher, RoleSponsor}

// Roles is a set of roles in canonical order, without repeats.
type Roles []Role

// Has reports whether r is among the roles.
func (rs Roles) Has(r Role) bool { return slices.Contains(rs, r) }

// String is the comma-separated list, e.g. "patient,researcher".
func (rs Roles) String() string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// NewRoles checks and normalizes roles: known names only (case and
// surrounding spaces do not matter), at least one, canonical order, no
// repeats. An unknown role is EINVALID naming it.
func NewRoles(roles []Role) (Roles, error) {
	seen := map[Role]bool{}
	for _, r := range roles {
		n := Role(strings.ToLower(strings.TrimSpace(string(r))))
		if !allRoles.Has(n) {
			return nil, Errorf(EINVALID, "Unknown role %q: the roles are patient, researcher and sponsor.", string(r))
		}
		seen[n] = true
	}
	var out Roles
	for _, r := range allRoles {
		if seen[r] {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EINVALID, "Choose at least one role: patient, researcher or sponsor.")
	}
	return out, nil
}

// ParseRoles reads a comma-separated list such as "patient,researcher".
func ParseRoles(s string) (Roles, error) {
	var roles []Role
	for f := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(f) != "" {
			roles = append(roles, Role(f))
		}
	}
	return NewRoles(roles)
}

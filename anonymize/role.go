package anonymize

import (
	"fmt"
	"strings"
)

// Role is what a column means for re-identification; it decides what the
// engine does with it.
type Role uint8

const (
	// RoleInsensitive columns are published as they are.
	RoleInsensitive Role = iota
	// RoleDirect columns identify a person on their own (name, SSN, e-mail);
	// they must be removed or pseudonymized before publication.
	RoleDirect
	// RoleQuasi columns identify a person in combination (age, ZIP, sex);
	// privacy models group rows by them and generalize them.
	RoleQuasi
	// RoleSensitive columns hold what must not be learnt about a person
	// (a diagnosis); l-diversity and t-closeness protect them.
	RoleSensitive
)

var roleNames = [...]string{"insensitive", "direct-identifier", "quasi-identifier", "sensitive"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", r)
}

// MarshalText writes the role's name ("quasi-identifier").
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a role name; short forms ("qi", "direct", "id") are accepted.
func (r *Role) UnmarshalText(b []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	for i, n := range roleNames {
		if s == n {
			*r = Role(i)
			return nil
		}
	}
	switch s {
	case "", "none", "insensitive-attribute":
		*r = RoleInsensitive
	case "direct", "identifier", "id", "identifying":
		*r = RoleDirect
	case "qi", "quasi", "quasi-identifying":
		*r = RoleQuasi
	case "sensitive-attribute":
		*r = RoleSensitive
	default:
		return invalidf("unknown column role %q (want one of %s)", s, strings.Join(roleNames[:], ", "))
	}
	return nil
}

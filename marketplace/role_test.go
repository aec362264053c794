package marketplace

import (
	"strings"
	"testing"
)

func TestParseRoles(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"patient", "patient"},
		{"researcher,patient", "patient,researcher"},
		{" Sponsor , patient,sponsor ", "patient,sponsor"},
		{"patient,researcher,sponsor", "patient,researcher,sponsor"},
	} {
		got, err := ParseRoles(tc.in)
		if err != nil || got.String() != tc.want {
			t.Errorf("ParseRoles(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, names string }{
		{"", "at least one"},
		{" , ", "at least one"},
		{"patient,doctor", `"doctor"`},
	} {
		_, err := ParseRoles(tc.in)
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tc.names) {
			t.Errorf("ParseRoles(%q): %v; want EINVALID naming %s", tc.in, err, tc.names)
		}
	}
}

func TestRoles_Has(t *testing.T) {
	rs := Roles{RolePatient, RoleSponsor}
	if !rs.Has(RolePatient) || rs.Has(RoleResearcher) || !AllRoles().Has(RoleResearcher) {
		t.Error("Has")
	}
}

func TestSession_HasRole(t *testing.T) {
	if !(Session{}).HasRole(RoleSponsor) {
		t.Error("a session without roles read holds them all")
	}
	s := Session{Roles: Roles{RoleResearcher}}
	if s.HasRole(RolePatient) || !s.HasRole(RoleResearcher) {
		t.Error("HasRole")
	}
}

package frontend

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// signing is who signs an entry from a page, shown before they sign.
type signing struct {
	Signed   bool // a session: its account signs
	Account  string
	Name     string // the printed name the signature carries
	Address  common.Address
	Role     string // "Study coordinator at site A", "Sponsor"
	Meaning  marketplace.SignatureMeaning
	Meanings []marketplace.SignatureMeaning
	// Grants are the signer's roles in the trial: none for a stranger,
	// who is offered no form.
	Grants []marketplace.StaffGrant
}

// Can reports whether the signer may sign a step of type t at all.
func (s signing) Can(t marketplace.StepType) bool {
	for _, g := range s.Grants {
		if g.Role.Allows(t, marketplace.MeaningAuthored) {
			return true
		}
	}
	return false
}

// teamRoles is what the signing block needs of the application.
type teamRoles interface {
	TrialRolesOf(ctx context.Context, ref string, account common.Address) ([]marketplace.StaffGrant, error)
}

// signingFor is how the session of r signs in trial ref: its printed name
// and roles there. Without a session the form asks for an account.
func signingFor(r *http.Request, svc teamRoles, ref string) signing {
	s := signing{Meaning: marketplace.MeaningAuthored, Meanings: marketplace.SignatureMeanings()}
	sess, ok := sessionFrom(r.Context())
	if !ok {
		s.Account = r.FormValue("account")
		return s
	}
	s.Signed, s.Name, s.Address = true, sess.Account.Name, sess.Account.Address
	if m, err := marketplace.ParseSignatureMeaning(r.FormValue("meaning")); err == nil {
		s.Meaning = m
	}
	gs, err := svc.TrialRolesOf(r.Context(), ref, sess.Account.Address)
	if err != nil {
		return s
	}
	s.Grants = gs
	var roles []string
	for _, g := range gs {
		if g.Name != "" {
			s.Name = g.Name
		}
		role := g.Role.Label()
		if g.Site != "" {
			role += " at site " + g.Site
		}
		roles = append(roles, role)
	}
	s.Role = strings.Join(roles, ", ")
	// A coordinator authors site data: it neither reviews nor approves it.
	if len(gs) > 0 && !slices.ContainsFunc(gs, func(g marketplace.StaffGrant) bool { return g.Role != marketplace.RoleCoordinator }) {
		s.Meanings = []marketplace.SignatureMeaning{marketplace.MeaningAuthored}
	}
	return s
}

// signer is who signs a trial entry posted in r: the session's account with
// the passphrase typed again, or the account and passphrase of the form.
func signer(r *http.Request) app.Actor {
	pass := r.FormValue("passphrase")
	if token, ok := sessionTokenFrom(r.Context()); ok {
		return app.BySessionSigning(token, pass)
	}
	return app.ByAccount(strings.TrimSpace(r.FormValue("account")), pass)
}

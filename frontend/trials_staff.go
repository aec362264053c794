package frontend

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// staffService is what the staff page needs of the application.
type staffService interface {
	TrialTeam(ctx context.Context, ref string) (*app.TrialTeamState, error)
	AuthorizeStaff(ctx context.Context, who app.Actor, ref string, g marketplace.StaffGrant) (app.TrialEntry, error)
	RevokeStaff(ctx context.Context, who app.Actor, ref string, g marketplace.StaffGrant, reason string) (app.TrialEntry, error)
	// Accounts are this node's accounts, offered to pick a staff member's
	// address from.
	Accounts(ctx context.Context) ([]marketplace.Account, error)
}

// staffPeriod is one authorization of a staff member and its end, if any.
type staffPeriod struct {
	Grant      marketplace.StaffGrant
	Authorized app.StaffChange
	Revoked    *app.StaffChange
}

// Key names the grant (account, role, site) in forms.
func (p staffPeriod) Key() string { return grantKey(p.Grant) }

func grantKey(g marketplace.StaffGrant) string {
	return g.Account.Hex() + "/" + string(g.Role) + "/" + g.Site
}

// staffPeriods pairs each authorization with the revocation that ended it,
// in log order of the authorizations.
func staffPeriods(changes []app.StaffChange) []staffPeriod {
	var out []staffPeriod
	open := map[string]int{} // grant key -> its period in force
	for _, c := range changes {
		k := grantKey(c.Grant)
		if !c.Revoked {
			open[k] = len(out)
			out = append(out, staffPeriod{Grant: c.Grant, Authorized: c})
			continue
		}
		if i, ok := open[k]; ok {
			out[i].Revoked = &c
			delete(open, k)
		}
	}
	return out
}

// staffForm is the authorization form as typed, with its problems: one per
// field it names, or one for the whole form.
type staffForm struct {
	Address, Name, Role, Site string
	Problems                  map[string]string // field -> problem
	Problem                   string
}

// revokeForm is the revocation form of one grant (Key) as typed.
type revokeForm struct {
	Key, Reason, Problem string
}

// staffView is everything the staff page shows.
type staffView struct {
	T        app.TrialSummary
	Periods  []staffPeriod
	Sign     signing
	Accounts []marketplace.Account // this node's, for the sponsor's form
	Form     staffForm
	Revoke   revokeForm
	Done     string
}

// Current are the grants in force, in the order they were made.
func (v staffView) Current() []staffPeriod {
	var out []staffPeriod
	for _, p := range v.Periods {
		if p.Revoked == nil {
			out = append(out, p)
		}
	}
	return out
}

// teamNow answers what the signing block asks from a team replayed
// already, rather than replaying the log again.
type teamNow struct{ tm *app.TrialTeamState }

func (n teamNow) TrialRolesOf(_ context.Context, _ string, a common.Address) ([]marketplace.StaffGrant, error) {
	return n.tm.Roles(a), nil
}

// staffViewOf loads trial id's team as the viewer of r sees it.
func staffViewOf(r *http.Request, svc TrialService, id string) (staffView, error) {
	t, err := svc.Trial(r.Context(), id)
	if err != nil {
		return staffView{}, err
	}
	tm, err := svc.TrialTeam(r.Context(), id)
	if err != nil {
		return staffView{}, err
	}
	v := staffView{T: t, Periods: staffPeriods(tm.Changes()), Sign: signingFor(r, teamNow{tm}, id)}
	// The app records staff changes as authored by the sponsor.
	v.Sign.Meaning, v.Sign.Meanings = marketplace.MeaningAuthored, []marketplace.SignatureMeaning{marketplace.MeaningAuthored}
	if v.Sign.Can(marketplace.StepStaffAuthorization) {
		if v.Accounts, err = svc.Accounts(r.Context()); err != nil {
			return staffView{}, err
		}
	}
	return v, nil
}

// handleTrialStaff handles GET /trials/{id}/staff/: the staff and their
// roles over time, and the sponsor's forms to authorize and revoke.
func handleTrialStaff(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := staffViewOf(r, svc, r.PathValue("id"))
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		render(w, r, logger, http.StatusOK, page{Title: "Team · " + v.T.Identifier, Section: "trials", Content: staffPage(v)})
	})
}

// handleTrialStaffSlash handles GET /trials/{id}/staff: the page lives at
// staff/ (pages end in "/": see addRoutes).
func handleTrialStaffSlash() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
	})
}

// readStaffForm reads the authorization form into a grant, naming the
// field of each problem.
func readStaffForm(r *http.Request) (staffForm, marketplace.StaffGrant) {
	f := staffForm{Address: strings.TrimSpace(r.PostForm.Get("address")), Name: strings.TrimSpace(r.PostForm.Get("name")),
		Role: r.PostForm.Get("role"), Site: strings.TrimSpace(r.PostForm.Get("site")), Problems: map[string]string{}}
	var g marketplace.StaffGrant
	if common.IsHexAddress(f.Address) && strings.HasPrefix(f.Address, "0x") {
		g.Account = common.HexToAddress(f.Address)
	} else {
		f.Problems["address"] = fmt.Sprintf("Account address %q: type 0x followed by 40 hex digits, or pick an account of this node.", f.Address)
	}
	if f.Name == "" {
		f.Problems["name"] = "Printed name required: it manifests on every entry this person signs."
	}
	g.Name = f.Name
	role, err := marketplace.ParseTrialRole(f.Role)
	if err != nil {
		f.Problems["role"] = marketplace.ErrorMessage(err)
	}
	g.Role = role
	if err := marketplace.ValidateSite(f.Site); err != nil {
		f.Problems["site"] = marketplace.ErrorMessage(err)
	}
	g.Site = f.Site
	return f, g
}

// userError reports whether err is the user's to fix (shown on the form).
func userError(err error) bool {
	switch marketplace.ErrorCode(err) {
	case marketplace.EINVALID, marketplace.EFORBIDDEN, marketplace.ECONFLICT, marketplace.ENOTFOUND:
		return true
	}
	return false
}

// onlySponsor is the refusal of a staff change to anyone but the sponsor.
func onlySponsor(s signing) error {
	as := "you hold no role in this trial"
	if s.Role != "" {
		as = "you sign here as " + s.Role
	}
	return marketplace.Errorf(marketplace.EFORBIDDEN, "Only the trial's sponsor authorizes and revokes staff: %s.", as)
}

// handleTrialStaffAuthorize handles POST /trials/{id}/staff: the sponsor
// authorizes an account, signing the entry with its passphrase. It answers
// with the staff section (the form refilled with the problem, or cleared).
func handleTrialStaffAuthorize(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		f, g := readStaffForm(r)
		var e app.TrialEntry
		var err error
		switch sign := signingFor(r, svc, id); {
		case !sign.Can(marketplace.StepStaffAuthorization):
			err = onlySponsor(sign)
		case len(f.Problems) > 0:
			err = marketplace.Errorf(marketplace.EINVALID, "Check the fields marked.")
		default:
			e, err = svc.AuthorizeStaff(r.Context(), signer(r), id, g)
		}
		if err != nil && len(f.Problems) == 0 {
			f.Problem = marketplace.ErrorMessage(err)
		}
		done := ""
		if err == nil {
			f, done = staffForm{}, fmt.Sprintf("Entry %d: %s (%s) is authorized as %s.", e.Index, g.Name, g.Account.Hex(), describeRole(g))
		}
		respondStaff(w, r, logger, svc, id, err, func(v *staffView) { v.Form, v.Done = f, done })
	})
}

// handleTrialStaffRevoke handles POST /trials/{id}/staff/revoke: the
// sponsor ends a grant, with a reason, signing the entry.
func handleTrialStaffRevoke(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		g := marketplace.StaffGrant{Account: common.HexToAddress(r.PostForm.Get("account")), Role: marketplace.TrialRole(r.PostForm.Get("role")),
			Site: r.PostForm.Get("site")}
		rf := revokeForm{Key: grantKey(g), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
		var e app.TrialEntry
		var err error
		switch sign := signingFor(r, svc, id); {
		case !sign.Can(marketplace.StepStaffRevocation):
			err = onlySponsor(sign)
		case rf.Reason == "":
			err = marketplace.Errorf(marketplace.EINVALID, "Reason required: say why this authorization ends.")
		default:
			e, err = svc.RevokeStaff(r.Context(), signer(r), id, g, rf.Reason)
		}
		done := ""
		if err != nil {
			rf.Problem = marketplace.ErrorMessage(err)
		} else {
			rf, done = revokeForm{}, fmt.Sprintf("Entry %d: %s's authorization as %s is revoked.", e.Index, g.Account.Hex(), describeRole(g))
		}
		respondStaff(w, r, logger, svc, id, err, func(v *staffView) { v.Revoke, v.Done = rf, done })
	})
}

// respondStaff answers a staff change: the staff section (htmx) or page,
// with what set adds, or a redirect to the page after a change without
// htmx. A user error is answered with its status and the form refilled.
func respondStaff(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc TrialService, id string, err error, set func(*staffView)) {
	if err != nil && !userError(err) {
		renderError(w, r, logger, err)
		return
	}
	if err == nil && !isHTMX(r) {
		http.Redirect(w, r, "/trials/"+url.PathEscape(id)+"/staff/", http.StatusSeeOther)
		return
	}
	v, verr := staffViewOf(r, svc, id)
	if verr != nil {
		renderError(w, r, logger, verr)
		return
	}
	set(&v)
	status := http.StatusOK
	if err != nil {
		status = httpStatus(marketplace.ErrorCode(err))
	}
	if isHTMX(r) {
		renderComponent(w, r, logger, status, staffSection(v))
		return
	}
	render(w, r, logger, status, page{Title: "Team · " + v.T.Identifier, Section: "trials", Content: staffPage(v)})
}

// describeRole is a grant's role and site for people.
func describeRole(g marketplace.StaffGrant) string {
	if g.Site == "" {
		return g.Role.Label() + " at every site"
	}
	return g.Role.Label() + " at site " + g.Site
}

// staffURL is the staff page of trial t.
func staffURL(t marketplace.Trial) string { return trialURL(t) + "staff/" }

// trialStaffPath is the page the staff forms post from, for requireSessionFrom.
func trialStaffPath(r *http.Request) string {
	return "/trials/" + url.PathEscape(r.PathValue("id")) + "/staff/"
}

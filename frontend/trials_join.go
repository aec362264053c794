package frontend

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// trialJoins is what joining a trial run on another node needs of the
// application (app/trialremote.go).
type trialJoins interface {
	JoinTrial(ctx context.Context, nodeURL, trialID string) error
	RemoteTrialExport(ctx context.Context, who app.Actor, trialID string) (*app.TrialExport, *app.VerifyReport, error)
}

// joinRefusal reports whether err is the user's to fix (shown in the
// form) rather than the node's.
func joinRefusal(err error) bool {
	switch marketplace.ErrorCode(err) {
	case marketplace.EINVALID, marketplace.EFORBIDDEN, marketplace.ECONFLICT, marketplace.ENOTFOUND, marketplace.EUNAVAILABLE:
		return true
	}
	return false
}

// handleTrialJoin handles POST /trials/join: joins the trial of the node
// given, then reads its export signed as the session (its passphrase typed
// again) and verifies it; the trial's page follows. A refusal shows the
// join card again with the reason.
func handleTrialJoin(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		f := joinForm{Node: strings.TrimSpace(r.PostForm.Get("node")), Trial: strings.TrimSpace(r.PostForm.Get("trial"))}
		err := passphraseTyped(r)
		if err == nil {
			err = svc.JoinTrial(r.Context(), f.Node, f.Trial)
		}
		var e *app.TrialExport
		if err == nil {
			if e, _, err = svc.RemoteTrialExport(r.Context(), signer(r), f.Trial); err != nil {
				err = marketplace.Wrap(marketplace.ErrorCode(err), err, "Joined, but the trial could not be read yet (send this form again to read it)")
			}
		}
		if joinRefusal(err) {
			f.Problem = marketplace.ErrorMessage(err)
			ts, lerr := svc.Trials(r.Context())
			if lerr != nil {
				renderError(w, r, logger, lerr)
				return
			}
			status := httpStatus(marketplace.ErrorCode(err))
			if isHTMX(r) {
				renderComponent(w, r, logger, status, joinCard(ts, f))
				return
			}
			render(w, r, logger, status, page{Title: "Join a trial", Section: "trials", Content: joinCard(ts, f)})
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		redirectTo(w, r, trialURL(e.Trial))
	})
}

// handleTrialRefresh handles POST /trials/{id}/refresh: a joined trial's
// export fetched from its node again, signed as the session, and verified;
// the page follows. When it does not verify, the verdict banner says why
// and the export read before stays.
func handleTrialRefresh(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		t, err := svc.Trial(r.Context(), id)
		if err == nil && t.Node == "" {
			err = marketplace.Errorf(marketplace.ECONFLICT, "Trial %s is this node's own: there is no other node to read it from.", t.Identifier)
		}
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		var rep *app.VerifyReport
		if err = passphraseTyped(r); err == nil {
			_, rep, err = svc.RemoteTrialExport(r.Context(), signer(r), id)
		}
		if code := marketplace.ErrorCode(err); err != nil && (joinRefusal(err) || rep != nil) {
			renderComponent(w, r, logger, httpStatus(code), refreshCard(t, marketplace.ErrorMessage(err), rep, ""))
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		redirectTo(w, r, trialURL(t.Trial))
	})
}

// passphraseTyped refuses a request for a trial's log that was not
// signed with the passphrase typed again: the session alone does not sign.
func passphraseTyped(r *http.Request) error {
	if r.PostForm.Get("passphrase") == "" {
		return marketplace.Errorf(marketplace.EINVALID, "Passphrase required: type it to sign the request for the trial's log.")
	}
	return nil
}

// redirectTo sends the browser to url: a full page load for htmx too.
func redirectTo(w http.ResponseWriter, r *http.Request, url string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", url)
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}

package frontend

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// casebookService is what the casebook and dashboard pages need from the
// application: the views, and the team's signed actions on them.
type casebookService interface {
	Casebook(ctx context.Context, ref, subject string) (app.TrialCasebook, error)
	TrialProgress(ctx context.Context, ref string) (app.TrialDashboard, error)
	RaiseQuery(ctx context.Context, who app.Actor, ref string, entry uint64, item, text string) (app.TrialEntry, error)
	AnswerQuery(ctx context.Context, who app.Actor, ref string, query uint64, text string, correction *app.StepInput) ([]app.TrialEntry, error)
	CloseQuery(ctx context.Context, who app.Actor, ref string, query uint64, text string) (app.TrialEntry, error)
	MarkVerified(ctx context.Context, who app.Actor, ref string, entry uint64, item string) (app.TrialEntry, error)
	LockCasebook(ctx context.Context, who app.Actor, ref, subject, reason string, unlock bool) (app.TrialEntry, error)
	LockTrial(ctx context.Context, who app.Actor, ref, reason string, unlock bool) (app.TrialEntry, error)
}

// casebooksURL is where the team reads subjects' casebooks, raises queries
// and verifies source data; casebookURL is one subject's.
func casebooksURL(t marketplace.Trial) string { return trialURL(t) + "casebook/" }

func casebookURL(t marketplace.Trial, subject string) string {
	return casebooksURL(t) + url.PathEscape(subject)
}

func dashboardURL(t marketplace.Trial) string { return trialURL(t) + "dashboard" }

// handleTrialDashboard handles GET /trials/{id}/dashboard: progress per
// site, open queries, adverse events, anchoring and the database lock.
func handleTrialDashboard(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		renderDashboard(w, r, logger, svc, http.StatusOK, "")
	})
}

func renderDashboard(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc TrialService, status int, problem string) {
	id := r.PathValue("id")
	d, err := svc.TrialProgress(r.Context(), id)
	if err != nil {
		renderError(w, r, logger, err)
		return
	}
	render(w, r, logger, status, page{Title: d.Trial.Identifier + " dashboard", Section: "trials",
		Content: dashboardPage(d, signingFor(r, svc, id), problem)})
}

// handleCasebooks handles GET /trials/{id}/casebook/: the subjects, each
// with its site, progress, open queries and lock.
func handleCasebooks(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := svc.TrialProgress(r.Context(), r.PathValue("id"))
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		ids := subjectIDsFor(r, svc, r.PathValue("id"), d.Trial)
		render(w, r, logger, http.StatusOK, page{Title: d.Trial.Identifier + " casebooks", Section: "trials", Content: casebookListPage(d, ids)})
	})
}

// handleCasebook handles GET /trials/{id}/casebook/{subject}: one subject's
// casebook (subject: its pseudonym or the sponsor's id for it).
func handleCasebook(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		renderCasebook(w, r, logger, svc, http.StatusOK, "")
	})
}

func renderCasebook(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc TrialService, status int, problem string) {
	id := r.PathValue("id")
	c, err := svc.Casebook(r.Context(), id, r.PathValue("subject"))
	if err != nil {
		renderError(w, r, logger, err)
		return
	}
	ids := subjectIDsFor(r, svc, id, c.Trial)
	render(w, r, logger, status, page{Title: "Casebook " + shortSubject(c.Subject), Section: "trials",
		Content: casebookPage(c, signingFor(r, svc, id), problem, ids[c.Subject])})
}

// subjectIDsFor is the sponsor's subject ids by pseudonym when r's session
// is on the trial's team on this node, else nothing: everyone else sees
// pseudonyms only.
func subjectIDsFor(r *http.Request, svc TrialService, ref string, t marketplace.Trial) map[string]string {
	if !seesSubjectIDs(r, svc, ref, t) {
		return nil
	}
	ids, err := svc.TrialSubjectIDs(r.Context(), ref)
	if err != nil {
		return nil // a joined trial: the ids stay on the trial's node
	}
	return ids
}

// handleCasebookAction handles POST /trials/{id}/casebook/{subject}/{action}
// (query, answer, close, sdv, lock, unlock), each signed by the session's
// account with its passphrase typed again. It goes back to the casebook at
// the entry acted on, or shows the casebook with the reason it was refused.
func handleCasebookAction(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		anchor, err := casebookAction(r, svc, r.PathValue("id"), r.PathValue("subject"), r.PathValue("action"))
		if !refusal(err) {
			renderError(w, r, logger, err)
			return
		}
		if err != nil {
			renderCasebook(w, r, logger, svc, httpStatus(marketplace.ErrorCode(err)), marketplace.ErrorMessage(err))
			return
		}
		http.Redirect(w, r, r.URL.Path[:strings.LastIndexByte(r.URL.Path, '/')]+"#"+anchor, http.StatusSeeOther)
	})
}

// refusal reports whether err is nil or a refusal the page shows where the
// user acted (input, role, lock), not a failure of the node.
func refusal(err error) bool {
	switch marketplace.ErrorCode(err) {
	case "", marketplace.EINVALID, marketplace.EFORBIDDEN, marketplace.ENOTFOUND, marketplace.ECONFLICT:
		return true
	}
	return err == nil
}

// casebookAction records what the form of r asks and returns the fragment
// of the casebook to go back to.
func casebookAction(r *http.Request, svc TrialService, ref, subject, action string) (string, error) {
	ctx, who, f := r.Context(), signer(r), r.PostForm
	item := strings.TrimSpace(f.Get("item"))
	switch action {
	case "query", "sdv":
		entry, err := formIndex(f.Get("entry"), "Entry")
		if err != nil {
			return "", err
		}
		if action == "query" {
			_, err = svc.RaiseQuery(ctx, who, ref, entry, item, f.Get("text"))
		} else {
			_, err = svc.MarkVerified(ctx, who, ref, entry, item)
		}
		return "entry-" + strconv.FormatUint(entry, 10), err
	case "answer", "close":
		q, err := formIndex(f.Get("query"), "Query")
		if err != nil {
			return "", err
		}
		if action == "close" {
			_, err = svc.CloseQuery(ctx, who, ref, q, f.Get("text"))
		} else {
			err = answerQuery(r, svc, ref, subject, q)
		}
		return "query-" + strconv.FormatUint(q, 10), err
	case "lock", "unlock":
		_, err := svc.LockCasebook(ctx, who, ref, subject, f.Get("reason"), action == "unlock")
		return "casebook-lock", err
	}
	return "", marketplace.Errorf(marketplace.ENOTFOUND, "No casebook action %q: use query, answer, close, sdv, lock or unlock.", action)
}

// answerQuery records the site's answer to query q, with the correction of
// the queried item first when a corrected value is given.
func answerQuery(r *http.Request, svc TrialService, ref, subject string, q uint64) error {
	f := r.PostForm
	var fix *app.StepInput
	if value := strings.TrimSpace(f.Get("value")); value != "" {
		entry, err := formIndex(f.Get("entry"), "Entry")
		if err != nil {
			return err
		}
		c, err := svc.Casebook(r.Context(), ref, subject)
		if err != nil {
			return err
		}
		e, ok := c.Entry(entry)
		if !ok {
			return marketplace.Errorf(marketplace.ENOTFOUND, "Entry %d is not in the casebook of %s.", entry, c.Subject)
		}
		in, err := e.Correction(c.Subject, strings.TrimSpace(f.Get("item")), value, f.Get("reason"))
		if err != nil {
			return err
		}
		fix = &in
	}
	_, err := svc.AnswerQuery(r.Context(), signer(r), ref, q, f.Get("text"), fix)
	return err
}

// handleDatabaseLock handles POST /trials/{id}/database/{action} (lock or
// unlock): the whole trial's database, with a reason.
func handleDatabaseLock(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		var err error
		switch action := r.PathValue("action"); action {
		case "lock", "unlock":
			_, err = svc.LockTrial(r.Context(), signer(r), r.PathValue("id"), r.PostForm.Get("reason"), action == "unlock")
		default:
			err = marketplace.Errorf(marketplace.ENOTFOUND, "No database action %q: use lock or unlock.", action)
		}
		switch {
		case !refusal(err):
			renderError(w, r, logger, err)
		case err != nil:
			renderDashboard(w, r, logger, svc, httpStatus(marketplace.ErrorCode(err)), marketplace.ErrorMessage(err))
		default:
			http.Redirect(w, r, "/trials/"+url.PathEscape(r.PathValue("id"))+"/dashboard#database-lock", http.StatusSeeOther)
		}
	})
}

// formIndex reads an entry number from a form field.
func formIndex(s, what string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, marketplace.Errorf(marketplace.EINVALID, "%s number required, got %q.", what, s)
	}
	return n, nil
}

// cbTime is a signature's time as people read it.
func cbTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// signedLine is a signature manifestation: printed name, time, meaning.
func signedLine(s app.EntrySignature) string {
	line := s.Signer() + ", " + cbTime(s.When)
	if s.Meaning != "" && s.Meaning != marketplace.MeaningAuthored {
		line += " (" + string(s.Meaning) + ")"
	}
	return line
}

func queryStateLabel(s app.QueryState) string {
	switch s {
	case app.QueryOpen:
		return "Open"
	case app.QueryAnswered:
		return "Answered"
	}
	return "Closed"
}

func entryNo(i uint64) string { return strconv.FormatUint(i, 10) }

// queryAbout is what a query is about, before its text: "on Weight:".
func queryAbout(q app.CasebookQuery) string {
	if q.Item == "" {
		return "on the entry:"
	}
	return "on " + q.Label + ":"
}

// count is n things in words: "1 entry", "3 entries".
func cbCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// casebookOpen reports whether c takes entries: no lock of the casebook or
// the database, which would refuse them (so they are not offered).
func casebookOpen(c app.TrialCasebook) bool { return c.Lock == nil && c.Database == nil }

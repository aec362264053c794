package frontend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// TrialService is what the trial pages need from the application.
type TrialService interface {
	Trials(ctx context.Context) ([]app.TrialSummary, error)
	Trial(ctx context.Context, ref string) (app.TrialSummary, error)
	TrialSteps(ctx context.Context, ref string, f app.StepFilter) ([]app.TrialEntry, error)
	RegisterTrial(ctx context.Context, who app.Actor, title, identifier, protocolName string, protocol io.Reader) (marketplace.Trial, error)
	RecordTrialSteps(ctx context.Context, who app.Actor, ref string, inputs []app.StepInput) ([]app.TrialEntry, error)
	ParseTrialImport(ctx context.Context, recorder string, r io.Reader, cfg app.RecorderConfig) ([]app.StepInput, error)
	ParseTrialImportFor(ctx context.Context, ref, recorder string, r io.Reader, cfg app.RecorderConfig) ([]app.StepInput, error)
	PreviewTrialSteps(ctx context.Context, as, ref string, inputs []app.StepInput) ([]app.PreparedStep, error)
	AnchorTrial(ctx context.Context, who app.Actor, ref string) (app.AnchorReceipt, error)
	ExportTrial(ctx context.Context, ref string) (*app.TrialExport, error)
	VerifyTrialLog(ctx context.Context, ref string) (*app.VerifyReport, error)
	VerifyTrialExport(ctx context.Context, e *app.TrialExport, key string) (*app.VerifyReport, error)
	TrialRecorderNames() []string
	teamRoles
	// TrialSubjectIDs maps the pseudonyms this node recorded to the
	// sponsor's subject ids: shown to the trial team only.
	TrialSubjectIDs(ctx context.Context, ref string) (map[string]string, error)
	staffService      // the staff page (trials_staff.go)
	trialDesigns      // the design page and designed forms (trials_design.go)
	casebookService   // the casebooks, dashboard, queries, SDV and locks (trials_casebook.go)
	inspectionReports // the inspection report (trials_report.go)
	trialJoins        // joining a trial run on another node (trials_join.go)
}

// sponsor says who signs a trial action: the account and passphrase
// fields of the form when given, else the signed-in session. It is the one
// place that knows how a sponsor proves who it is.
func sponsor(r *http.Request) app.Actor {
	pass := r.FormValue("passphrase")
	if who, ok := actorOf(r); ok && pass == "" {
		return who
	}
	return app.ByAccount(strings.TrimSpace(r.FormValue("account")), pass)
}

const (
	maxFormBytes   = 64 << 10
	maxUploadBytes = 64 << 20
)

// parseUpload reads a multipart form (files up to maxUploadBytes) into
// memory: with a smaller limit the parser writes larger files to the
// system's temp directory, where a crash would leave trial data behind.
func parseUpload(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes+1<<20)
	if err := r.ParseMultipartForm(maxUploadBytes + 1<<20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return marketplace.Errorf(marketplace.EINVALID, "The upload is larger than %d MiB.", maxUploadBytes>>20)
		}
		if err := r.ParseForm(); err != nil {
			return marketplace.Errorf(marketplace.EINVALID, "The form could not be read.")
		}
	}
	return nil
}

// parseSmallForm reads a urlencoded form of up to maxFormBytes.
func parseSmallForm(w http.ResponseWriter, r *http.Request) error {
	return parseFormUpTo(w, r, maxFormBytes)
}

// parseFormUpTo reads a urlencoded form of up to limit bytes; a larger or
// broken one is EINVALID.
func parseFormUpTo(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "The form could not be read.")
	}
	return nil
}

// formFile returns the uploaded file of field name (EINVALID when missing).
func formFile(r *http.Request, name, what string) (multipart.File, *multipart.FileHeader, error) {
	f, h, err := r.FormFile(name)
	if err != nil {
		return nil, nil, marketplace.Errorf(marketplace.EINVALID, "%s: choose a file.", what)
	}
	return f, h, nil
}

// handleTrials handles GET /trials/: the trial list and the register form.
func handleTrials(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts, err := svc.Trials(r.Context())
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		render(w, r, logger, http.StatusOK, page{Title: "Trials", Section: "trials", Content: trialsPage(ts, registerForm{})})
	})
}

// handleTrialRegister handles POST /trials/: registers a trial and goes to
// its page, or shows the form again with the reason.
func handleTrialRegister(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := parseUpload(w, r)
		f := registerForm{Title: r.FormValue("title"), Identifier: r.FormValue("identifier"), Account: r.FormValue("account")}
		var t marketplace.Trial
		if err == nil {
			var file multipart.File
			var hdr *multipart.FileHeader
			if file, hdr, err = formFile(r, "protocol", "Protocol document"); err == nil {
				defer file.Close()
				t, err = svc.RegisterTrial(r.Context(), sponsor(r), f.Title, f.Identifier, hdr.Filename, file)
			}
		}
		if code := marketplace.ErrorCode(err); code == marketplace.EINVALID || code == marketplace.EFORBIDDEN ||
			code == marketplace.ECONFLICT || code == marketplace.ENOTFOUND {
			f.Problem = marketplace.ErrorMessage(err)
			ts, lerr := svc.Trials(r.Context())
			if lerr != nil {
				renderError(w, r, logger, lerr)
				return
			}
			render(w, r, logger, httpStatus(code), page{Title: "Trials", Section: "trials", Content: trialsPage(ts, f)})
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		http.Redirect(w, r, trialURL(t), http.StatusSeeOther)
	})
}

// stepFilter reads the timeline filter from the query.
func stepFilter(r *http.Request) (app.StepFilter, string, error) {
	var f app.StepFilter
	if t := r.URL.Query().Get("type"); t != "" {
		st, err := marketplace.ParseStepType(t)
		if err != nil {
			return f, "", err
		}
		f.Type = st
	}
	subject := strings.TrimSpace(r.URL.Query().Get("subject"))
	f.Subject = subject
	return f, subject, nil
}

// handleTrialView handles GET /trials/{id}/: the trial page.
func handleTrialView(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		t, err := svc.Trial(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		f, subject, err := stepFilter(r)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		steps, err := svc.TrialSteps(r.Context(), id, f)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		tv, err := loadTimeline(r, svc, t.Trial, steps, f != (app.StepFilter{}))
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		forms, err := designedFormsOf(r.Context(), svc, t.Trial)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		v := trialView{T: t, Steps: steps, Timeline: tv, Filter: f, Subject: subject, Recorders: svc.TrialRecorderNames(), Sign: signingFor(r, svc, id), Forms: forms}
		render(w, r, logger, http.StatusOK, page{Title: t.Identifier, Section: "trials", Content: trialPage(v)})
	})
}

// handleTrialSteps handles GET /trials/{id}/steps: the timeline, filtered by
// type and subject (an htmx fragment).
func handleTrialSteps(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		t, err := svc.Trial(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		f, _, err := stepFilter(r)
		if err == nil {
			var steps []app.TrialEntry
			if steps, err = svc.TrialSteps(r.Context(), id, f); err == nil {
				var tv timelineView
				if tv, err = loadTimeline(r, svc, t.Trial, steps, f != (app.StepFilter{})); err == nil {
					renderComponent(w, r, logger, http.StatusOK, timeline(tv, false))
					return
				}
			}
		}
		renderError(w, r, logger, err)
	})
}

// handleTrialRecord handles POST /trials/{id}/steps: the step form, through
// the form recorder. It answers with the form (cleared, or refilled with the
// reason) and the timeline out of band.
func handleTrialRecord(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		t, err := svc.Trial(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		v := stepFormValues{Type: r.PostForm.Get("type"), Subject: r.PostForm.Get("subject"), Data: r.PostForm.Get("data"),
			Meaning: r.PostForm.Get("meaning"), Corrects: r.PostForm.Get("corrects"), Reason: r.PostForm.Get("reason"),
			Protocol: r.PostForm.Get("protocol"), Account: r.PostForm.Get("account"), Sign: signingFor(r, svc, id)}
		step := make(map[string][]string)
		for _, k := range []string{"type", "subject", "data", "meaning", "corrects", "reason", "protocol"} {
			step[k] = r.PostForm[k]
		}
		var es []app.TrialEntry
		ins, err := svc.ParseTrialImport(r.Context(), "form", strings.NewReader(encodeForm(step)), nil)
		if err == nil {
			es, err = svc.RecordTrialSteps(r.Context(), signer(r), id, ins)
		}
		if code := marketplace.ErrorCode(err); code == marketplace.EINVALID || code == marketplace.EFORBIDDEN || code == marketplace.ENOTFOUND {
			renderComponent(w, r, logger, httpStatus(code), stepForm(t.Trial, v, strings.TrimPrefix(marketplace.ErrorMessage(err), "form: "), ""))
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		if !isHTMX(r) {
			http.Redirect(w, r, trialURL(t.Trial), http.StatusSeeOther)
			return
		}
		steps, err := svc.TrialSteps(r.Context(), id, app.StepFilter{})
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		tv, err := loadTimeline(r, svc, t.Trial, steps, false)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		e := es[len(es)-1]
		done := fmt.Sprintf("Entry %d recorded: %s, %s by %s.", e.Index, e.Step.Type.Label(), e.Step.Meaning, e.Step.Who.Hex())
		renderComponent(w, r, logger, http.StatusOK, templ.Join(
			stepForm(t.Trial, stepFormValues{Account: v.Account, Meaning: v.Meaning, Type: v.Type, Sign: v.Sign}, "", done),
			timeline(tv, true)))
	})
}

func encodeForm(v map[string][]string) string {
	var b strings.Builder
	for k, vs := range v {
		for _, x := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(k + "=" + url.QueryEscape(x))
		}
	}
	return b.String()
}

// importInputs reads an import upload and parses it with its recorder,
// onto the items of the trial's design when it has one.
func importInputs(w http.ResponseWriter, r *http.Request, svc TrialService) ([]app.StepInput, error) {
	if err := parseUpload(w, r); err != nil {
		return nil, err
	}
	file, _, err := formFile(r, "file", "File to import")
	if err != nil {
		return nil, err
	}
	defer file.Close()
	cfg, err := app.ParseRecorderConfig(r.FormValue("map"), "Mapping")
	if err != nil {
		return nil, err
	}
	return svc.ParseTrialImportFor(r.Context(), r.PathValue("id"), r.FormValue("recorder"), file, cfg)
}

// handleTrialImportPreview handles POST /trials/{id}/import/preview: the
// steps a file would record, with each row's problem; nothing is recorded.
func handleTrialImportPreview(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		ins, err := importInputs(w, r, svc)
		var pre []app.PreparedStep
		if err == nil {
			as := strings.TrimSpace(r.FormValue("account"))
			if sess, ok := sessionFrom(r.Context()); ok {
				as = sess.Account.Name
			}
			pre, err = svc.PreviewTrialSteps(r.Context(), as, id, ins)
		}
		switch code := marketplace.ErrorCode(err); {
		case err == nil:
			renderComponent(w, r, logger, http.StatusOK, importPreview(pre, ""))
		case code == marketplace.EINVALID && len(pre) > 0:
			renderComponent(w, r, logger, http.StatusUnprocessableEntity, importPreview(pre, "Nothing can be recorded until every row is fixed."))
		case code == marketplace.EINVALID || code == marketplace.ENOTFOUND:
			renderComponent(w, r, logger, httpStatus(code), importPreview(nil, marketplace.ErrorMessage(err)))
		default:
			renderError(w, r, logger, err)
		}
	})
}

// handleTrialImport handles POST /trials/{id}/import: records every step of
// the file, or none.
func handleTrialImport(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		ins, err := importInputs(w, r, svc)
		var es []app.TrialEntry
		if err == nil {
			es, err = svc.RecordTrialSteps(r.Context(), signer(r), id, ins)
		}
		switch code := marketplace.ErrorCode(err); {
		case err == nil:
			t, terr := svc.Trial(r.Context(), id)
			steps, serr := svc.TrialSteps(r.Context(), id, app.StepFilter{})
			if err := errors.Join(terr, serr); err != nil {
				renderError(w, r, logger, err)
				return
			}
			tv, err := loadTimeline(r, svc, t.Trial, steps, false)
			if err != nil {
				renderError(w, r, logger, err)
				return
			}
			renderComponent(w, r, logger, http.StatusOK, templ.Join(importDone(len(es), es[0].Index, es[len(es)-1].Index), timeline(tv, true)))
		case code == marketplace.EINVALID || code == marketplace.EFORBIDDEN || code == marketplace.ENOTFOUND:
			renderComponent(w, r, logger, httpStatus(code), importPreview(nil, "Nothing was recorded: "+marketplace.ErrorMessage(err)))
		default:
			renderError(w, r, logger, err)
		}
	})
}

// handleTrialAnchor handles POST /trials/{id}/anchor: anchors the log now
// and answers with the anchoring card.
func handleTrialAnchor(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		_, aerr := svc.AnchorTrial(r.Context(), sponsor(r), id)
		t, err := svc.Trial(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		status, problem := http.StatusOK, ""
		if aerr != nil {
			status, problem = httpStatus(marketplace.ErrorCode(aerr)), marketplace.ErrorMessage(aerr)
			if status >= 500 {
				logger.Error("anchor", "trial", id, "err", aerr)
			}
		}
		if !isHTMX(r) && aerr == nil {
			http.Redirect(w, r, trialURL(t.Trial), http.StatusSeeOther)
			return
		}
		renderComponent(w, r, logger, status, anchoringCard(t, r.PostForm.Get("account"), problem, true))
	})
}

// handleTrialVerify handles POST /trials/{id}/verify: the whole log checked.
func handleTrialVerify(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, err := svc.VerifyTrialLog(r.Context(), r.PathValue("id"))
		switch {
		case rep != nil:
			renderComponent(w, r, logger, http.StatusOK, verifyResult(rep, ""))
		case marketplace.ErrorCode(err) == marketplace.EINTERNAL:
			renderError(w, r, logger, err)
		default:
			renderComponent(w, r, logger, httpStatus(marketplace.ErrorCode(err)), verifyResult(nil, marketplace.ErrorMessage(err)))
		}
	})
}

// handleTrialExport handles GET /trials/{id}/export.json and export.csv:
// the audit trail as a download.
func handleTrialExport(logger *slog.Logger, svc TrialService, format string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := svc.ExportTrial(r.Context(), r.PathValue("id"))
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		var buf bytes.Buffer
		ctype := "application/json"
		if format == "csv" {
			ctype = "text/csv; charset=utf-8"
			err = app.WriteTrialCSV(&buf, e)
		} else {
			err = app.WriteTrialExport(&buf, e)
		}
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		name := fmt.Sprintf("audit-%s.%s", safeFileName(e.Trial.Identifier), format)
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Write(buf.Bytes())
	})
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, s)
}

// handleVerifyUpload handles POST /verify/: an auditor's uploaded export,
// verified against the chain (or offline, with the log key the auditor
// pins in the key field); no account needed.
func handleVerifyUpload(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rep *app.VerifyReport
		err := parseUpload(w, r)
		if err == nil {
			var file multipart.File
			if file, _, err = formFile(r, "bundle", "Audit trail"); err == nil {
				defer file.Close()
				var e *app.TrialExport
				if e, err = app.ReadTrialExport(file); err == nil {
					key := strings.TrimSpace(r.FormValue("key"))
					if r.FormValue("offline") != "" {
						rep, err = app.VerifyTrialExportOffline(r.Context(), e, key)
					} else {
						rep, err = svc.VerifyTrialExport(r.Context(), e, key)
					}
				}
			}
		}
		var c = verifyResult(rep, "")
		status := http.StatusOK
		if rep == nil {
			status = httpStatus(marketplace.ErrorCode(err))
			if status >= 500 {
				logger.Error("verify upload", "err", err)
			}
			c = verifyResult(nil, marketplace.ErrorMessage(err))
		}
		if !isHTMX(r) {
			render(w, r, logger, status, page{Title: "Verify", Section: "trials", Content: templ.Join(verifyPage(), c)})
			return
		}
		renderComponent(w, r, logger, status, c)
	})
}

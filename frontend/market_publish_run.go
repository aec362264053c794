package frontend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// The wizard's anonymization (step 3) runs in the background so that a
// large file shows how far it is: POST /mydata/publish/run starts a run and
// answers with the report when it ends quickly, else with a progress
// fragment that polls GET /mydata/publish/run/{id}/ until the report is
// ready. htmx polling works in the desktop window too (no WebSockets there).

// defaultRunWait is how long the run request waits for the report before
// answering with the progress fragment.
const defaultRunWait = time.Second

// maxRunTime bounds a run: a runaway search must not hold a core forever.
const maxRunTime = 30 * time.Minute

// wizardRun is one anonymization run of an upload.
type wizardRun struct {
	ID      string
	Upload  *wizardUpload
	Preset  string
	Privacy privacyForm
	Table   string            // the table the user chose ("" for the first)
	Roles   map[string]string // the roles the user chose for it
	// Release: every table as one release, with TableRoles per table.
	Release    bool
	TableRoles map[string]map[string]string
	canRelease bool // the upload reads as one release
	Created    time.Time
	cancel     context.CancelFunc
	done       chan struct{}

	mu       sync.Mutex
	progress app.AnonymizeProgress
	result   app.PreviewResult
	err      error
}

// runProgress is what the progress fragment shows.
type runProgress struct {
	ID      string
	Name    string
	Percent int
	Doing   string
}

// status reports where the run is, as a percentage: reading the file is the
// first 30%, the preset's steps share the rest equally.
func (run *wizardRun) status() runProgress {
	run.mu.Lock()
	p := run.progress
	run.mu.Unlock()
	v := runProgress{ID: run.ID, Name: run.Upload.Name, Doing: "Starting…"}
	switch p.Stage {
	case "read":
		if p.Size > 0 {
			v.Percent = int(30 * p.Bytes / p.Size)
		}
		v.Doing = fmt.Sprintf("Reading the file: %s of %s", fmtSize(p.Bytes), fmtSize(p.Size))
	case "transform":
		v.Percent = 30 + 70*(p.Step-1)/max(p.Steps, 1)
		v.Doing = fmt.Sprintf("Step %d of %d: %s", p.Step, p.Steps, stepWords(p.Transform))
		if run.Release && p.Table != "" { // each table of a release runs its steps
			v.Doing = "Table " + p.Table + ", s" + v.Doing[1:]
		}
	}
	return v
}

// stepWords says what a preset's step does, for the progress line.
func stepWords(transform string) string {
	switch transform {
	case "safe-harbor":
		return "removing and coarsening HIPAA's 18 identifiers"
	case "k-anonymity":
		return "searching the least generalization that makes every record look like at least k-1 others"
	case "pseudonymize":
		return "replacing identifiers with keyed pseudonyms"
	case "date-shift":
		return "shifting dates"
	}
	return transform
}

func (run *wizardRun) finished() bool {
	select {
	case <-run.done:
		return true
	default:
		return false
	}
}

// start begins a run of preset on u, cancelling an earlier run of the same
// upload (the user changed their mind).
func (s *wizardStore) start(svc Service, u *wizardUpload, req app.PreviewRequest, privacy privacyForm) *wizardRun {
	// The run outlives the request that started it, not the server: it ends
	// when done, when cancelled, after maxRunTime, or with the server's
	// lifetime (Options.Context).
	ctx, cancel := context.WithTimeout(s.base, maxRunTime)
	run := &wizardRun{ID: newWizardID(), Upload: u, Preset: req.Preset, Privacy: privacy, Table: req.Table, Roles: req.Roles,
		Release: req.Release, TableRoles: req.TableRoles, canRelease: s.canRelease(u), Created: s.now(), cancel: cancel, done: make(chan struct{})}
	req.Progress = func(p app.AnonymizeProgress) {
		run.mu.Lock()
		run.progress = p
		run.mu.Unlock()
	}
	s.mu.Lock()
	for id, old := range s.runs {
		if old.Upload.ID == u.ID {
			old.cancel()
			delete(s.runs, id)
		}
	}
	s.runs[run.ID] = run
	s.mu.Unlock()
	go func() {
		defer close(run.done)
		defer cancel()
		res, err := u.preview(ctx, svc, req)
		run.mu.Lock()
		run.result, run.err = res, err
		run.mu.Unlock()
	}()
	return run
}

// run returns owner's run id, or ENOTFOUND as get does for uploads.
func (s *wizardStore) run(owner common.Address, id string) (*wizardRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	run, ok := s.runs[id]
	if !ok || run.Upload.Owner != owner {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "This anonymization run has ended or is not yours: start again with the file.")
	}
	return run, nil
}

// wait waits up to d (forever if d < 0) for run to finish, or for the
// request to go away; it reports whether the run finished.
func (run *wizardRun) wait(ctx context.Context, d time.Duration) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-run.done:
		return true
	case <-timeout:
	case <-ctx.Done():
	}
	return false
}

// handlePublishRun handles POST /mydata/publish/run: starts the chosen
// preset on the upload (nothing is published) and answers with step 3, the
// report and the gate's verdict (and step 4's form when it passes), or with
// the run's progress when it takes longer. Without htmx (no polling) it
// waits for the report. With step=edit it runs nothing and answers with
// step 2 for the form's choices, read again from the kept upload: the
// table chosen (with that table's own roles), or a step back from the
// report. A problem with the choices answers with step 2, every choice
// kept.
func handlePublishRun(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if err := parseSmallForm(w, r); err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		u, err := wz.get(s.Address(), r.PostForm.Get("upload"))
		if err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		c := wz.choices(u, r)
		if r.PostForm.Get("step") == "edit" {
			p, problem, status := editChoices(r, svc, wz, u, &c) // encoding, saved settings (configs.go)
			renderChoices(w, r, logger, svc, u, c, p, problem, status)
			return
		}
		req := app.PreviewRequest{Table: c.Table, Preset: c.Preset, Roles: c.Roles, Rows: reportRows}
		if c.Release {
			req.Roles, req.Release, req.TableRoles, req.Rows = nil, true, c.TableRoles, releaseReportRows
		} else {
			wz.keepRoles(u, c.Table, c.Roles)
		}
		if c.Preset == "" {
			err = marketplace.Errorf(marketplace.EINVALID, "Preset: choose one of the presets.")
		} else if c.Preset == app.PresetCustom {
			if req.Privacy, err = c.Privacy.params(); err == nil {
				err = req.Privacy.Validate()
			}
		}
		if err != nil { // step 2 again, with the field's problem and what was chosen
			renderChoices(w, r, logger, svc, u, c, app.PreviewResult{}, marketplace.ErrorMessage(err), httpStatus(marketplace.ErrorCode(err)))
			return
		}
		run := wz.start(svc, u, req, c.Privacy)
		wait := wz.runWait
		if !isHTMX(r) {
			wait = -1
		}
		if !run.wait(r.Context(), wait) {
			if r.Context().Err() != nil {
				return // the user left; the run goes on and can be polled
			}
			renderWizard(w, r, logger, http.StatusAccepted, wizardRunning(run.status()))
			return
		}
		renderRunResult(w, r, logger, svc, run)
	})
}

// reportRows is how many first rows the report shows, original beside
// anonymized.
const reportRows = 10

// choices reads the user's step-2 choices from the form. The roles are the
// form's when they were chosen for the form's table (field roles-table),
// else the ones last chosen for that table: roles are per table. The
// release view's fields set the roles of each table (tableRolesOf); with
// no table chosen, an upload of several tables is one release, run with
// the roles kept for each.
func (s *wizardStore) choices(u *wizardUpload, r *http.Request) wizardChoices {
	c := wizardChoices{Table: r.PostForm.Get("table"), Roles: rolesOf(r), Preset: r.PostForm.Get("preset"), Privacy: readPrivacyForm(r.PostForm)}
	for table, roles := range tableRolesOf(r) {
		s.keepRoles(u, table, roles)
	}
	if rt, ok := r.PostForm["roles-table"]; ok && (len(rt) == 0 || rt[0] != c.Table) {
		if len(rt) > 0 && rt[0] != "" { // the table left: its roles wait for the user's return
			s.keepRoles(u, rt[0], c.Roles)
		}
		c.Roles = s.rolesFor(u, c.Table)
	}
	c.CanRelease = s.canRelease(u)
	if c.Release = c.CanRelease && c.Table == ""; c.Release {
		c.Roles, c.TableRoles = nil, s.allRoles(u)
	}
	return c
}

// handlePublishRunStatus handles GET /mydata/publish/run/{id}/: the run's
// progress while it goes on, its report when it is done.
func handlePublishRunStatus(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return withRun(logger, wz, func(w http.ResponseWriter, r *http.Request, run *wizardRun) {
		if !run.finished() {
			renderWizard(w, r, logger, http.StatusAccepted, wizardRunning(run.status()))
			return
		}
		renderRunResult(w, r, logger, svc, run)
	})
}

// handlePublishRunCancel handles POST /mydata/publish/run/{id}/cancel:
// stops the run and answers with step 2 again.
func handlePublishRunCancel(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return withRun(logger, wz, func(w http.ResponseWriter, r *http.Request, run *wizardRun) {
		run.cancel()
		run.wait(r.Context(), -1)
		renderRunResult(w, r, logger, svc, run)
	})
}

// runPreview returns the app's id of the latest finished dry run of the
// form's upload, "" for none: the app publishes that run's output when it
// ran what the form publishes, and anonymizes the file again otherwise.
func (s *wizardStore) runPreview(f listingForm) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var id string
	var at time.Time
	for _, run := range s.runs {
		if run.Upload.ID != f.Upload || !run.finished() {
			continue
		}
		run.mu.Lock()
		res, err := run.result, run.err
		run.mu.Unlock()
		if err == nil && res.ID != "" && (id == "" || run.Created.After(at)) {
			id, at = res.ID, run.Created
		}
	}
	return id
}

// withRun calls f with the signed-in user's run {id}, or answers that it has
// ended or is not theirs.
func withRun(logger *slog.Logger, wz *wizardStore, f func(http.ResponseWriter, *http.Request, *wizardRun)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		run, err := wz.run(s.Address(), r.PathValue("id"))
		if err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		f(w, r, run)
	})
}

// renderRunResult answers with a finished run's report, its problem, or
// step 2 again when it was cancelled.
func renderRunResult(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc Service, run *wizardRun) {
	run.mu.Lock()
	p, err := run.result, run.err
	run.mu.Unlock()
	u := run.Upload
	c := wizardChoices{Table: run.Table, Roles: run.Roles, Preset: run.Preset, Privacy: run.Privacy, Release: run.Release, TableRoles: run.TableRoles,
		CanRelease: run.canRelease}
	if errors.Is(err, context.Canceled) {
		renderChoices(w, r, logger, svc, u, c, p, "Anonymization cancelled: nothing was kept. Change the roles or the preset and run it again.", http.StatusOK)
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = marketplace.Errorf(marketplace.EINVALID, "Anonymization took longer than %s and was stopped: choose fewer quasi-identifiers or the Safe Harbor preset.", maxRunTime)
	}
	if code := marketplace.ErrorCode(err); code == marketplace.EINVALID {
		// A problem with the choices: step 2 again, every choice kept.
		renderChoices(w, r, logger, svc, u, c, p, marketplace.ErrorMessage(err), httpStatus(code))
		return
	}
	if err != nil {
		wizardFail(w, r, logger, err)
		return
	}
	renderWizard(w, r, logger, http.StatusOK, wizardReportStep(reportStep(run, p)))
}

// reportStep is step 3 of a finished run p, with step 4's form filled in.
func reportStep(run *wizardRun, p app.PreviewResult) wizardReport {
	u := run.Upload
	v := wizardReport{U: u, Table: p.Table, Preset: run.Preset, P: p, RunID: run.ID,
		Form: listingForm{Upload: u.ID, Table: p.Table, Preset: run.Preset, Privacy: run.Privacy, Permission: "HMB", Duration: "365", Seats: "3", Format: "csv", Roles: p.Roles,
			Title: strings.TrimSuffix(u.Name, filepath.Ext(u.Name))}}
	if p.Release != nil {
		v = releaseReport(v)
	}
	return v
}

package frontend

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// The publish wizard keeps its state on the server: the uploaded file sits
// in a temporary directory under a random id bound to the session's
// account, and each step is an htmx fragment swapped into #wizard.

// wizardTTL is how long an upload waits for its owner to finish the wizard.
const wizardTTL = time.Hour

// wizardUpload is one file uploaded to the wizard.
type wizardUpload struct {
	ID      string
	Owner   common.Address
	Path    string
	Name    string
	Format  string // "csv" or "fhir"
	Size    int64
	Created time.Time
	// Local is a file the desktop window's user chose in place: it is read
	// where it is and never deleted.
	Local bool
}

// wizardStore holds the uploads in progress.
type wizardStore struct {
	mu      sync.Mutex
	dir     string
	uploads map[string]*wizardUpload
	runs    map[string]*wizardRun // anonymization runs (market_publish_run.go)
	// runWait is how long POST /mydata/publish/run waits for the report
	// before answering with the run's progress.
	runWait time.Duration
}

func newWizardStore() *wizardStore {
	return &wizardStore{uploads: map[string]*wizardUpload{}, runs: map[string]*wizardRun{}, runWait: defaultRunWait}
}

// put saves r as a new upload of owner, dropping expired ones.
func (s *wizardStore) put(owner common.Address, name, format string, r io.Reader) (*wizardUpload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	if s.dir == "" {
		d, err := os.MkdirTemp("", "medmarket-publish-*")
		if err != nil {
			return nil, err
		}
		s.dir = d
	}
	var b [16]byte
	rand.Read(b[:])
	u := &wizardUpload{ID: hex.EncodeToString(b[:]), Owner: owner, Name: filepath.Base(name), Format: format, Created: time.Now()}
	u.Path = filepath.Join(s.dir, u.ID)
	f, err := os.OpenFile(u.Path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	u.Size, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(u.Path)
		return nil, err
	}
	s.uploads[u.ID] = u
	return u, nil
}

// putLocal records a local file of owner (desktop window only) as an
// upload without copying it.
func (s *wizardStore) putLocal(owner common.Address, path, format string) (*wizardUpload, error) {
	if !filepath.IsAbs(path) {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Choose the file again: the path %q is not absolute.", path)
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, marketplace.Errorf(marketplace.EINVALID, "%s cannot be read: choose the file again.", filepath.Base(path))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	var b [16]byte
	rand.Read(b[:])
	u := &wizardUpload{ID: hex.EncodeToString(b[:]), Owner: owner, Path: filepath.Clean(path), Name: filepath.Base(path),
		Format: format, Size: fi.Size(), Created: time.Now(), Local: true}
	s.uploads[u.ID] = u
	return u, nil
}

// get returns owner's upload id, or ENOTFOUND (unknown, expired or another
// account's: the same answer, so ids cannot be probed).
func (s *wizardStore) get(owner common.Address, id string) (*wizardUpload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	u, ok := s.uploads[id]
	if !ok || u.Owner != owner || time.Since(u.Created) > wizardTTL {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "This upload has expired or is not yours: start again with the file.")
	}
	return u, nil
}

// sweep deletes the uploads older than wizardTTL, and their runs; the
// caller holds s.mu.
func (s *wizardStore) sweep() {
	for id, u := range s.uploads {
		if time.Since(u.Created) > wizardTTL {
			s.dropLocked(id)
		}
	}
}

func (s *wizardStore) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(id)
}

func (s *wizardStore) dropLocked(id string) {
	for rid, run := range s.runs {
		if run.Upload.ID == id {
			run.cancel()
			delete(s.runs, rid)
		}
	}
	if u, ok := s.uploads[id]; ok {
		if !u.Local {
			os.Remove(u.Path)
		}
		delete(s.uploads, id)
	}
}

// preview runs svc's PreviewAnonymization on the upload.
func (u *wizardUpload) preview(ctx context.Context, svc Service, req app.PreviewRequest) (app.PreviewResult, error) {
	req.Path, req.Name, req.Format = u.Path, u.Name, u.Format
	return svc.PreviewAnonymization(ctx, req)
}

// wizardPreview is step 2: the first rows and the suggested roles.
type wizardPreview struct {
	U       *wizardUpload
	P       app.PreviewResult
	Preset  string
	Privacy privacyForm
	Problem string
}

// roleOf is the role column's select shows: the user's choice, else the
// suggestion.
func (v wizardPreview) roleOf(s app.ColumnSuggestion) string {
	if r, ok := v.P.Roles[s.Column]; ok {
		return r
	}
	return s.Role
}

// privacyForm is the custom preset's privacy model as typed in step 2.
type privacyForm struct {
	K, L, T, Suppression, Method string
}

// defaultPrivacy is what the custom preset's fields start with.
var defaultPrivacy = privacyForm{K: "5", L: "0", T: "0", Suppression: "2", Method: "optimal"}

func readPrivacyForm(v url.Values) privacyForm {
	return privacyForm{K: strings.TrimSpace(v.Get("k")), L: strings.TrimSpace(v.Get("l")), T: strings.TrimSpace(v.Get("t")),
		Suppression: strings.TrimSpace(v.Get("suppression")), Method: v.Get("method")}
}

// params reads the fields, or EINVALID naming the one that is not a number;
// app.PresetConfig checks the ranges.
func (f privacyForm) params() (*app.PrivacyParams, error) {
	p := &app.PrivacyParams{Method: f.Method}
	var err error
	if p.K, err = strconv.Atoi(f.K); err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "k: %q is not a whole number.", f.K)
	}
	if f.L != "" {
		if p.L, err = strconv.Atoi(f.L); err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "l: %q is not a whole number.", f.L)
		}
	}
	for _, n := range []struct {
		name, s string
		dst     *float64
	}{{"t", f.T, &p.T}, {"Suppression", f.Suppression, &p.Suppression}} {
		if n.s == "" {
			continue
		}
		if *n.dst, err = strconv.ParseFloat(n.s, 64); err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a number.", n.name, n.s)
		}
	}
	return p, nil
}

// config is the pipeline of preset with the form's privacy model (custom
// preset only) and the roles chosen, or EINVALID naming the field.
func (f privacyForm) config(preset string, roles map[string]string) (*anonymize.Config, error) {
	var p *app.PrivacyParams
	if preset == app.PresetCustom {
		var err error
		if p, err = f.params(); err != nil {
			return nil, err
		}
	}
	return app.PresetConfig(preset, p, roles)
}

// wizardReport is step 3: the dry run's report and verdict, with the
// listing form when the gate passes.
type wizardReport struct {
	U      *wizardUpload
	Table  string
	Preset string
	P      app.PreviewResult
	Form   listingForm
}

// listingForm is step 4 as filled in.
type listingForm struct {
	Upload, Table, Preset             string
	Privacy                           privacyForm // the custom preset's model
	Title, Description, Tags, Publish string
	Types                             []string
	Price, Permission, Disease        string
	Modifiers                         []string
	Duration, Seats, Format           string
	Provider, Hub                     string            // "self" or "hub", and the hub's provider URL
	Roles                             map[string]string // column -> role chosen in step 2, where it differs from the suggestion
	Problem                           string
}

func (f listingForm) hasModifier(c marketplace.DUO) bool {
	return slices.Contains(f.Modifiers, c.Short())
}
func (f listingForm) hasType(t string) bool { return slices.Contains(f.Types, t) }

func readListingForm(r *http.Request) listingForm {
	p := r.PostForm
	return listingForm{Upload: p.Get("upload"), Table: p.Get("table"), Preset: p.Get("preset"), Privacy: readPrivacyForm(p),
		Title: strings.TrimSpace(p.Get("title")), Description: strings.TrimSpace(p.Get("description")),
		Tags: p.Get("tags"), Publish: strings.TrimSpace(p.Get("publisher")), Types: p["type"],
		Price: strings.TrimSpace(p.Get("price")), Permission: p.Get("permission"), Disease: strings.TrimSpace(p.Get("disease")),
		Modifiers: p["modifier"], Duration: p.Get("duration"), Seats: p.Get("seats"), Format: p.Get("format"),
		Provider: p.Get("provider"), Hub: strings.TrimSpace(p.Get("hub")),
		Roles: rolesOf(r)}
}

// rolePrefix names the step-2 fields that set a column's role ("role.AGE").
const rolePrefix = "role."

// rolesOf reads the role fields of a wizard form.
func rolesOf(r *http.Request) map[string]string {
	m := map[string]string{}
	for k, v := range r.PostForm {
		if col, ok := strings.CutPrefix(k, rolePrefix); ok && len(v) > 0 && v[0] != "" {
			m[col] = v[0]
		}
	}
	return m
}

// request turns the form into a publish request (without the input).
func (f listingForm) request(r *http.Request) (app.PublishRequest, error) {
	req := app.PublishRequest{Title: f.Title, Description: f.Description, Publisher: f.Publish, DataTypes: f.Types,
		Format: f.Format, Preset: f.Preset, Table: f.Table, Provider: "self"}
	if f.Title == "" {
		return req, marketplace.Errorf(marketplace.EINVALID, "Title: required.")
	}
	if f.Provider == "hub" {
		if f.Hub == "" {
			return req, marketplace.Errorf(marketplace.EINVALID, "Hub: give the hub's provider URL, or choose this node.")
		}
		req.Provider = f.Hub
	}
	for _, t := range strings.Split(f.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			req.Tags = append(req.Tags, t)
		}
	}
	var err error
	if req.Price, err = parseEtherField(r, "price", "Price"); err != nil {
		return req, err
	}
	if req.Terms, err = parseTerms(r); err != nil {
		return req, err
	}
	if req.Terms.Use&marketplace.DS != 0 {
		if f.Disease == "" {
			return req, marketplace.Errorf(marketplace.EINVALID, "Disease: the DS permission needs the disease the data may be used for.")
		}
		req.TermsDetail = map[string]string{"DS": f.Disease}
	}
	return req, nil
}

// handlePublishPage handles GET /mydata/publish/: step 1, the upload.
func handlePublishPage(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, logger, http.StatusOK, page{Title: "Publish a dataset", Section: "mydata", Content: wizardPage(wizardUploadStep(""))})
	})
}

// wizardFail answers a wizard step with its reason: step 1 again for a
// problem with the file, in place otherwise.
func wizardFail(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := marketplace.ErrorCode(err)
	if code == marketplace.EINTERNAL || code == marketplace.EUNAVAILABLE {
		renderError(w, r, logger, err)
		return
	}
	renderWizard(w, r, logger, httpStatus(code), wizardUploadStep(marketplace.ErrorMessage(err)))
}

// handlePublishUpload handles POST /mydata/publish/upload: stores the file
// and answers with step 2, its first rows and suggested column roles. It
// takes uploads only: a local path is for the desktop window's
// /mydata/publish/local.
func handlePublishUpload(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if err := parseUpload(w, r); err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		if r.FormValue("path") != "" {
			wizardFail(w, r, logger, errLocalPath)
			return
		}
		file, hdr, err := formFile(r, "file", "Records file")
		if err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		defer file.Close()
		u, err := wz.put(s.Address(), hdr.Filename, wizardFormat(r.FormValue("format"), hdr.Filename), file)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		renderPreview(w, r, logger, svc, u, r.FormValue("table"), false)
	})
}

// errLocalPath refuses a local file path outside the desktop window.
var errLocalPath = marketplace.Errorf(marketplace.EFORBIDDEN, "A file path is accepted only in the desktop app: upload the file instead.")

// handlePublishLocal handles POST /mydata/publish/local, in the desktop
// window only: the file the user chose in the native dialog
// (Desktop.ChooseDataFile) is read where it is, so nothing is uploaded
// through a form. With whole=1 it answers with the whole wizard (from My
// data), else with step 2. Elsewhere it is refused: a browser's visitor
// must not name files on the server's disk.
func handlePublishLocal(logger *slog.Logger, svc Service, wz *wizardStore, window bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !window {
			renderError(w, r, logger, errLocalPath)
			return
		}
		s, _ := sessionFrom(r.Context())
		if err := parseSmallForm(w, r); err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		whole := r.PostForm.Get("whole") != ""
		path := r.PostForm.Get("path")
		u, err := wz.putLocal(s.Address(), path, wizardFormat(r.PostForm.Get("format"), path))
		if err != nil {
			if whole {
				renderComponent(w, r, logger, httpStatus(marketplace.ErrorCode(err)), wizardPage(wizardUploadStep(marketplace.ErrorMessage(err))))
				return
			}
			wizardFail(w, r, logger, err)
			return
		}
		renderPreview(w, r, logger, svc, u, r.PostForm.Get("table"), whole)
	})
}

// wizardFormat is the format chosen, else guessed from the file's name.
func wizardFormat(format, name string) string {
	switch format {
	case "csv", "fhir":
		return format
	}
	if strings.EqualFold(filepath.Ext(name), ".json") {
		return "fhir"
	}
	return "csv"
}

// renderPreview answers with step 2 (inside the whole wizard if whole).
func renderPreview(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc Service, u *wizardUpload, table string, whole bool) {
	p, err := u.preview(r.Context(), svc, app.PreviewRequest{Table: table})
	step := wizardPreviewStep(wizardPreview{U: u, P: p, Preset: "safe-harbor-k5", Privacy: defaultPrivacy})
	status := http.StatusOK
	if err != nil {
		code := marketplace.ErrorCode(err)
		if code == marketplace.EINTERNAL || code == marketplace.EUNAVAILABLE {
			renderError(w, r, logger, err)
			return
		}
		step, status = wizardUploadStep(marketplace.ErrorMessage(err)), httpStatus(code)
	}
	if whole {
		renderComponent(w, r, logger, status, wizardPage(step))
		return
	}
	renderWizard(w, r, logger, status, step)
}

// handlePublishCost handles POST /mydata/publish/cost: the listing's cost
// preview (gas estimate x gas price; no platform fee) or the form's problem.
func handlePublishCost(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		f := readListingForm(r)
		req, err := f.request(r)
		var c app.CostPreview
		if err == nil {
			c, err = svc.PublishPreview(r.Context(), s.Address(), req.Price, req.Terms, req.Provider)
		}
		if err != nil {
			if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
				renderError(w, r, logger, err)
				return
			}
			renderComponent(w, r, logger, httpStatus(marketplace.ErrorCode(err)), costProblem(marketplace.ErrorMessage(err)))
			return
		}
		renderComponent(w, r, logger, http.StatusOK, publishCost(c, req.Price))
	})
}

// handlePublish handles POST /mydata/publish/: publishes the upload with
// the chosen preset and listing details and answers with a link to the new
// listing's card, or the form again with the reason (the gate's refusal
// included).
func handlePublish(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		who, _ := actorOf(r)
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		f := readListingForm(r)
		u, err := wz.get(s.Address(), f.Upload)
		if err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		req, err := f.request(r)
		var p app.Published
		if err == nil {
			p, err = publishUpload(r.Context(), svc, who, u, wz.runResult(f), f, req)
		}
		if err != nil {
			code := marketplace.ErrorCode(err)
			if code == marketplace.EINTERNAL {
				renderError(w, r, logger, err)
				return
			}
			f.Problem = marketplace.ErrorMessage(err)
			renderWizard(w, r, logger, httpStatus(code), listingFormView(f, true))
			return
		}
		wz.drop(u.ID)
		renderWizard(w, r, logger, http.StatusOK, publishDone(p))
	})
}

// publishUpload publishes u as req says: the output of the wizard's run
// when it ran what the form publishes (nothing is anonymized twice), else
// the file anonymized as the form says.
func publishUpload(ctx context.Context, svc Service, who app.Actor, u *wizardUpload, ran *anonymize.Result, f listingForm, req app.PublishRequest) (app.Published, error) {
	req.InputName, req.InputFormat = u.Name, u.Format
	if ran != nil {
		req.Anonymized = ran
		return svc.Publish(ctx, who, req)
	}
	in, err := os.Open(u.Path)
	if err != nil {
		return app.Published{}, marketplace.Errorf(marketplace.EINVALID, "%s cannot be read any more: start again with the file.", u.Name)
	}
	defer in.Close()
	req.Reader = in
	if req.Config, err = f.Privacy.config(f.Preset, f.Roles); err != nil {
		return app.Published{}, err
	}
	return svc.Publish(ctx, who, req)
}

func weiOrZero(w *big.Int) *big.Int {
	if w == nil {
		return new(big.Int)
	}
	return w
}

func fmtSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// renderWizard answers a wizard step: the fragment for htmx, or the whole
// wizard page around it for a plain form post (no script, or a click before
// htmx took over the form).
func renderWizard(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, step templ.Component) {
	if isHTMX(r) {
		renderComponent(w, r, logger, status, step)
		return
	}
	render(w, r, logger, status, page{Title: "Publish a dataset", Section: "mydata", Content: wizardPage(step)})
}

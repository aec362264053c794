package frontend

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// The publish wizard keeps its state on the server: the uploaded files (one,
// or several read as one release) are saved by the app in the data
// directory (app.SaveUploadFile; never the system's temp directory) under a
// random id bound to the session's account, and each step is an htmx
// fragment swapped into #wizard. An upload is discarded once published,
// abandoned (its owner starts again) or expired (wizardTTL), and when the
// server's lifetime (Options.Context) ends. An account keeps at most
// maxOwnerUploads, each at most maxUploadBytes, so one account's
// abandoned uploads cannot fill the disk.

// wizardTTL is how long an upload waits for its owner to finish the wizard.
const wizardTTL = time.Hour

// maxOwnerUploads is how many uploads one account keeps: a new one beyond
// discards the account's oldest (a wizard left in another tab).
const maxOwnerUploads = 3

// wizardSweepEvery is how often expired uploads are discarded when no
// wizard request comes to do it.
const wizardSweepEvery = time.Minute

// wizardUpload is one upload to the wizard: a file, or several files
// read as one release.
type wizardUpload struct {
	ID    string
	Owner common.Address
	Path  string // the file, or the folder of several (app.Upload.Path)
	// Name names the upload: the file's name, or "N files".
	Name string
	// Files are the names of several files, sorted; nil for one.
	Files   []string
	Format  string // "csv" or "fhir" as the user chose, "" to recognise it
	Size    int64
	Created time.Time
	// Saved is the app's id of the uploaded files (app.SaveUploadFile), ""
	// for a local file.
	Saved string
	// Local is a file the desktop window's user chose in place: it is read
	// where it is and never deleted.
	Local bool
	// roles are the roles the user chose, per table (column -> role), so
	// that changing the table and back keeps each table's own choices;
	// guarded by the store's mu.
	roles map[string]map[string]string
	// seq orders the store's uploads by arrival.
	seq uint64
	// release: the upload holds several tables that read as one release
	// (a FHIR record), offered as such; guarded by the store's mu.
	release bool
	// secret keys the release's pseudonyms and date shifts, so that its
	// tables link by patient: random, and gone with the upload.
	secret []byte
	// enc is the CSV encoding the user chose ("" or nil: detect; see
	// wizard_encoding.go).
	enc atomic.Pointer[string]
	// usedConfig names the saved settings last used on it (configs.go);
	// guarded by the store's mu.
	usedConfig string
}

// wizardStore holds the uploads in progress.
type wizardStore struct {
	log  *slog.Logger
	svc  Service
	base context.Context // the server's lifetime: runs end with it
	now  func() time.Time

	mu      sync.Mutex
	seq     uint64 // the last upload's wizardUpload.seq
	uploads map[string]*wizardUpload
	runs    map[string]*wizardRun // anonymization runs (market_publish_run.go)
	// runWait is how long POST /mydata/publish/run waits for the report
	// before answering with the run's progress.
	runWait time.Duration
}

// newWizardStore returns an empty store whose runs end with base (nil:
// never) and whose uploads expire by now (nil: time.Now). With a base, a
// goroutine discards expired uploads every wizardSweepEvery and, when base
// ends, cancels every run and discards every upload.
func newWizardStore(logger *slog.Logger, svc Service, base context.Context, now func() time.Time) *wizardStore {
	s := &wizardStore{log: logger, svc: svc, base: base, now: now,
		uploads: map[string]*wizardUpload{}, runs: map[string]*wizardRun{}, runWait: defaultRunWait}
	if s.now == nil {
		s.now = time.Now
	}
	if s.base == nil {
		s.base = context.Background()
	} else {
		go s.expire(base)
	}
	return s
}

// expire discards expired uploads every wizardSweepEvery until ctx ends,
// then cancels every run and discards every upload.
func (s *wizardStore) expire(ctx context.Context) {
	t := time.NewTicker(wizardSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.mu.Lock()
			s.sweep()
			s.mu.Unlock()
		case <-ctx.Done():
			s.mu.Lock()
			for id := range s.uploads {
				s.dropLocked(id)
			}
			s.mu.Unlock()
			return
		}
	}
}

// put registers the saved upload of owner, dropping expired ones and,
// beyond maxOwnerUploads, owner's oldest. name is the file's name (one
// file). The files are copied (app.SaveUploadFile) before, without the
// store's lock.
func (s *wizardStore) put(owner common.Address, name, format string, saved app.Upload) *wizardUpload {
	u := &wizardUpload{ID: newWizardID(), Owner: owner, Path: saved.Path, Name: filepath.Base(name), Format: format,
		Size: saved.Size, Saved: saved.ID, secret: newReleaseSecret()}
	if len(saved.Files) > 1 {
		u.Name, u.Files = strconv.Itoa(len(saved.Files))+" files", saved.Files
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.seq++
	u.Created, u.seq = s.now(), s.seq
	s.uploads[u.ID] = u
	s.boundOwnerLocked(owner)
	return u
}

// boundOwnerLocked discards owner's oldest uploads beyond maxOwnerUploads;
// the caller holds s.mu.
func (s *wizardStore) boundOwnerLocked(owner common.Address) {
	var mine []*wizardUpload
	for _, u := range s.uploads {
		if u.Owner == owner && u.Saved != "" { // a local file takes no room
			mine = append(mine, u)
		}
	}
	slices.SortFunc(mine, func(a, b *wizardUpload) int { return cmp.Compare(a.seq, b.seq) })
	for len(mine) > maxOwnerUploads {
		s.dropLocked(mine[0].ID)
		mine = mine[1:]
	}
}

// newWizardID returns a random id for an upload or a run.
func newWizardID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// putLocal records a local file of owner (desktop window only) as an
// upload without copying it. A folder is its records files read in place
// as one release (app.RecordsFolder); one holding none is refused, named.
func (s *wizardStore) putLocal(owner common.Address, path, format string) (*wizardUpload, error) {
	if !filepath.IsAbs(path) {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Choose the file again: the path %q is not absolute.", path)
	}
	path = filepath.Clean(path)
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() && !fi.IsDir() {
		return nil, marketplace.Errorf(marketplace.EINVALID, "%s cannot be read: choose the file again.", filepath.Base(path))
	}
	u := &wizardUpload{ID: newWizardID(), Owner: owner, Path: path, Name: filepath.Base(path),
		Format: format, Size: fi.Size(), Local: true, secret: newReleaseSecret()}
	if fi.IsDir() {
		files, size, err := app.RecordsFolder(path)
		if err != nil {
			return nil, err
		}
		u.Size, u.Files = size, make([]string, len(files))
		for i, f := range files {
			u.Files[i] = filepath.Base(f)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	u.Created = s.now()
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
	if !ok || u.Owner != owner {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "This upload has expired or is not yours: start again with the file.")
	}
	return u, nil
}

// sweep deletes the uploads older than wizardTTL, and their runs; the
// caller holds s.mu.
func (s *wizardStore) sweep() {
	now := s.now()
	for id, u := range s.uploads {
		if now.Sub(u.Created) > wizardTTL {
			s.dropLocked(id)
		}
	}
}

func (s *wizardStore) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(id)
}

// dropLocked cancels the upload's runs and discards its file; the caller
// holds s.mu.
func (s *wizardStore) dropLocked(id string) {
	for rid, run := range s.runs {
		if run.Upload.ID == id {
			run.cancel()
			delete(s.runs, rid)
		}
	}
	if u, ok := s.uploads[id]; ok {
		if u.Saved != "" {
			// Removing a file is quick; the app's Close removes what an
			// error leaves.
			if err := s.svc.DiscardUpload(context.WithoutCancel(s.base), u.Saved); err != nil {
				s.log.Error("discard wizard upload", "upload", u.Saved, "err", err)
			}
		}
		delete(s.uploads, id)
	}
}

// keepRoles remembers the roles chosen for u's table.
func (s *wizardStore) keepRoles(u *wizardUpload, table string, roles map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.roles == nil {
		u.roles = map[string]map[string]string{}
	}
	u.roles[table] = maps.Clone(roles)
}

// rolesFor returns the roles last chosen for u's table (nil: none, the
// suggestions hold).
func (s *wizardStore) rolesFor(u *wizardUpload, table string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(u.roles[table])
}

// preview runs svc's PreviewAnonymization on the upload, for its owner
// (the app keeps a dry run for them to publish).
func (u *wizardUpload) preview(ctx context.Context, svc Service, req app.PreviewRequest) (app.PreviewResult, error) {
	req.Path, req.Name, req.Format, req.Owner, req.Encoding = u.Path, u.Name, u.Format, u.Owner, u.encoding()
	if req.Release {
		req.Secret = u.secret
	}
	return svc.PreviewAnonymization(ctx, req)
}

// wizardPreview is step 2: the first rows and the suggested roles.
type wizardPreview struct {
	U       *wizardUpload
	P       app.PreviewResult
	Preset  string
	Privacy privacyForm
	// Roles are the roles the user chose for P's table (column -> role),
	// shown even when the app refused them.
	Roles map[string]string
	// TableRoles are the roles the user chose per table (table -> column
	// -> role), shown in the release view (P.Release).
	TableRoles map[string]map[string]string
	// CanRelease offers every table as one release (U reads as one).
	CanRelease bool
	Problem    string
	// Saved are the names of the user's saved configurations (configs.go);
	// Note says what applying one did.
	Saved []string
	Note  string
}

// roleOf is the role column's select shows: the user's choice, else the
// suggestion.
func (v wizardPreview) roleOf(s app.ColumnSuggestion) string {
	if r, ok := v.Roles[s.Column]; ok && slices.Contains(app.ColumnRoles(), r) {
		return r
	}
	if r, ok := v.P.Roles[s.Column]; ok {
		return r
	}
	return s.Role
}

// tableRowsNote is how many rows table i of p has, for its option.
func tableRowsNote(p app.PreviewResult, i int) string {
	if i >= len(p.TableRows) {
		return ""
	}
	return " (" + plural(p.TableRows[i], "row", "rows") + ")"
}

// wizardChoices are the user's choices in step 2: what a failed run or a
// step back shows again.
type wizardChoices struct {
	Table   string
	Roles   map[string]string
	Preset  string
	Privacy privacyForm
	// Release: every table of the upload as one release (Table ""), with
	// each table's roles in TableRoles.
	Release    bool
	TableRoles map[string]map[string]string
	CanRelease bool   // the upload reads as one release
	Note       string // what applying saved settings did (configs.go)
}

// renderChoices answers with step 2 for u with the user's choices and
// problem (a run's failure in plain words, "" for none): p when it read the
// choices' table, else a new preview of the kept upload. Only a file that
// cannot be read any more goes back to step 1.
func renderChoices(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc Service, u *wizardUpload, c wizardChoices, p app.PreviewResult, problem string, status int) {
	if c.Release && p.Release == nil || !c.Release && (len(p.Columns) == 0 || p.Table != c.Table && c.Table != "") {
		var err error
		if c.Release {
			p, err = previewReleaseView(r.Context(), svc, u, c.TableRoles)
		} else {
			p, err = u.preview(r.Context(), svc, app.PreviewRequest{Table: c.Table, Roles: c.Roles})
		}
		if err != nil && len(p.Columns) == 0 && p.Release == nil {
			wizardReadFail(w, r, logger, u, err)
			return
		} else if err != nil && problem == "" {
			problem, status = marketplace.ErrorMessage(err), httpStatus(marketplace.ErrorCode(err))
		}
	}
	if c.Preset == "" {
		c.Preset = "safe-harbor-k5"
	}
	if c.Privacy == (privacyForm{}) {
		c.Privacy = defaultPrivacy()
	}
	renderWizard(w, r, logger, status, wizardPreviewStep(wizardPreview{U: u, P: p, Preset: c.Preset, Privacy: c.Privacy, Roles: c.Roles,
		TableRoles: c.TableRoles, CanRelease: c.CanRelease, Problem: problem, Saved: savedConfigNames(r.Context(), svc, u.Owner), Note: c.Note}))
}

// privacyForm is the custom preset's privacy model as typed in step 2.
type privacyForm struct {
	K, L, T, Suppression, Method string
}

// defaultPrivacy is what the custom preset's fields start with.
func defaultPrivacy() privacyForm {
	return privacyForm{K: "5", L: "0", T: "0", Suppression: "2", Method: "optimal"}
}

func readPrivacyForm(v url.Values) privacyForm {
	return privacyForm{K: strings.TrimSpace(v.Get("k")), L: strings.TrimSpace(v.Get("l")), T: strings.TrimSpace(v.Get("t")),
		Suppression: strings.TrimSpace(v.Get("suppression")), Method: v.Get("method")}
}

// params reads the fields, or EINVALID naming the one that is not a number;
// app.PrivacyParams.Validate checks the ranges.
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

// wizardReport is step 3: the dry run's report and verdict, with the
// listing form when the gate passes.
type wizardReport struct {
	U      *wizardUpload
	Table  string
	Preset string
	P      app.PreviewResult
	Form   listingForm
	// RunID is the run the report is of; RiskProblem what is wrong with a
	// risk acceptance the publisher sent (market_publish_risk.go).
	RunID, RiskProblem string
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
	// Release publishes every table of the upload as one release, with
	// the roles chosen per table (table -> column -> role).
	Release                 bool
	TableRoles              map[string]map[string]string
	Problem                 string
	AcceptRisk, AcceptWords string // the risk the publisher accepted (a share) and their words, from the confirm step
	Budget                  privacyBudgetForm
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
		Roles: rolesOf(r), Release: p.Get("release") != "", TableRoles: tableRolesOf(r),
		AcceptRisk: p.Get("accept-risk"), AcceptWords: strings.TrimSpace(p.Get("accept-words")), Budget: readPrivacyBudgetForm(p)}
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
		Format: f.Format, Preset: f.Preset, Table: f.Table, Provider: "self", Release: f.Release}
	if f.Release {
		req.Table, req.TableRoles = "", f.TableRoles
	}
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
	if err := f.Budget.apply(&req); err != nil {
		return req, err
	}
	if f.AcceptRisk != "" {
		risk, err := strconv.ParseFloat(f.AcceptRisk, 64)
		if err != nil {
			return req, marketplace.Errorf(marketplace.EINVALID, "The accepted risk %q is not a number: accept the risk again.", f.AcceptRisk)
		}
		req.AcceptRisk = &app.RiskAcceptance{Risk: risk, Words: f.AcceptWords}
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

// handlePublishUpload handles POST /mydata/publish/upload: saves the file
// and answers with step 2, its first rows and suggested column roles. It
// takes uploads only: a local path is for the desktop window's
// /mydata/publish/local.
func handlePublishUpload(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		f, err := readUploadForm(w, r, svc)
		if err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		u := wz.put(s.Address(), f.Name, wizardFormat(f.Format), f.Saved)
		wz.setEncoding(u, f.Encoding)
		if f.Config != "" {
			renderWithSavedConfig(w, r, logger, svc, wz, u, f.Table, f.Config)
			return
		}
		renderPreview(w, r, logger, svc, wz, u, f.Table, false)
	})
}

// uploadForm is step 1's form: the files, saved by the app as they
// streamed in, and the fields.
type uploadForm struct {
	Name, Format, Table, Encoding string // Name: the first file's
	Config                        string // saved settings to use (configs.go)
	Saved                         app.Upload
}

// readUploadForm streams the multipart form of step 1, each file straight
// into the app's data directory, several files into one upload (one
// release): it is not parsed with ParseMultipartForm, which writes large
// files to the system's temp directory, where a crash would leave them.
// The files together are at most maxUploadBytes. On error nothing saved is
// left.
func readUploadForm(w http.ResponseWriter, r *http.Request, svc Service) (uploadForm, error) {
	var f uploadForm
	fail := func(err error) (uploadForm, error) {
		if f.Saved.ID != "" {
			if derr := svc.DiscardUpload(context.WithoutCancel(r.Context()), f.Saved.ID); derr != nil {
				err = errors.Join(err, derr)
			}
		}
		return uploadForm{}, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		if err := r.ParseForm(); err == nil && r.PostForm.Get("path") != "" {
			return f, errLocalPath
		}
		return f, marketplace.Errorf(marketplace.EINVALID, "Records file: choose a file.")
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if err = uploadTooLarge(err); marketplace.ErrorCode(err) == marketplace.EINTERNAL {
				err = marketplace.Wrap(marketplace.EINVALID, err, "The form could not be read")
			}
			return fail(err)
		}
		if err := f.readPart(r.Context(), svc, p); err != nil {
			return fail(err)
		}
	}
	if f.Saved.ID == "" {
		return f, marketplace.Errorf(marketplace.EINVALID, "Records file: choose a file.")
	}
	return f, nil
}

// readPart reads one part of step 1's form into f: a file is saved into
// f's upload (a new one for the first file).
func (f *uploadForm) readPart(ctx context.Context, svc Service, p *multipart.Part) error {
	switch name := p.FormName(); name {
	case "file":
		if p.FileName() == "" { // no file chosen
			return nil
		}
		saved, err := svc.SaveUploadFile(ctx, f.Saved.ID, p.FileName(), p)
		if err != nil {
			return uploadTooLarge(err)
		}
		if f.Saved.ID == "" {
			f.Name = p.FileName()
		}
		f.Saved = saved
	case "path":
		return errLocalPath
	case "format", "table", "encoding", "saved":
		v, err := io.ReadAll(io.LimitReader(p, 4<<10))
		if err != nil {
			return marketplace.Wrap(marketplace.EINVALID, uploadTooLarge(err), "The form could not be read")
		}
		switch name {
		case "format":
			f.Format = string(v)
		case "table":
			f.Table = string(v)
		case "saved":
			f.Config = string(v)
		default:
			f.Encoding = string(v)
		}
	}
	return nil
}

// uploadTooLarge says that an upload over maxUploadBytes is too large, and
// passes any other error on.
func uploadTooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return marketplace.Errorf(marketplace.EINVALID, "The upload is larger than %d MiB (all files together).", maxUploadBytes>>20)
	}
	return err
}

// errLocalPath refuses a local file path outside the desktop window.
var errLocalPath = marketplace.Errorf(marketplace.EFORBIDDEN, "A file path is accepted only in the desktop app: upload the file instead.")

// handlePublishLocal handles POST /mydata/publish/local, in the desktop
// window only: the file or folder the user chose in the native dialog
// (Desktop.ChooseDataFile, ChooseDataFolder) is read where it is, so nothing is uploaded
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
		u, err := wz.putLocal(s.Address(), path, wizardFormat(r.PostForm.Get("format")))
		if err != nil {
			if whole {
				renderComponent(w, r, logger, httpStatus(marketplace.ErrorCode(err)), wizardPage(wizardUploadStep(marketplace.ErrorMessage(err))))
				return
			}
			wizardFail(w, r, logger, err)
			return
		}
		wz.setEncoding(u, r.PostForm.Get("encoding"))
		renderPreview(w, r, logger, svc, wz, u, r.PostForm.Get("table"), whole)
	})
}

// wizardFormat is the format the user chose, or "" for the app to choose
// by the file's content and name.
func wizardFormat(format string) string {
	switch format {
	case "csv", "fhir":
		return format
	}
	return ""
}

// renderPreview answers with step 2 (inside the whole wizard if whole).
func renderPreview(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc Service, wz *wizardStore, u *wizardUpload, table string, whole bool) {
	p, err := u.preview(r.Context(), svc, app.PreviewRequest{Table: table})
	v := wizardPreview{U: u, P: p, Preset: "safe-harbor-k5", Privacy: defaultPrivacy(), Saved: savedConfigNames(r.Context(), svc, u.Owner)}
	if err == nil && table == "" && len(p.Tables) > 1 {
		v = wz.offerRelease(r.Context(), svc, v)
	}
	step := wizardPreviewStep(v)
	status := http.StatusOK
	if err != nil {
		code := marketplace.ErrorCode(err)
		if code == marketplace.EINTERNAL || code == marketplace.EUNAVAILABLE {
			renderError(w, r, logger, err)
			return
		}
		step, status = readFailStep(u, err), httpStatus(code)
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
			p, err = publishUpload(r.Context(), svc, who, u, wz.runPreview(f), f, req)
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

// publishUpload publishes u as the form says: the upload with the preset,
// privacy model and roles chosen. The app decides whether the wizard's dry
// run (previewID, "" for none) ran exactly that, and then publishes its
// output rather than anonymizing the file twice; it computes the gate's
// verdict either way.
func publishUpload(ctx context.Context, svc Service, who app.Actor, u *wizardUpload, previewID string, f listingForm, req app.PublishRequest) (app.Published, error) {
	req.Input, req.InputName, req.InputFormat, req.InputEncoding = u.Path, u.Name, u.Format, u.encoding()
	req.Roles, req.Preview = f.Roles, previewID
	if req.Release {
		req.Roles, req.Secret = nil, u.secret
	}
	if f.Preset == app.PresetCustom {
		var err error
		if req.Privacy, err = f.Privacy.params(); err != nil {
			return app.Published{}, err
		}
	}
	if _, err := os.Stat(u.Path); err != nil && previewID == "" {
		return app.Published{}, marketplace.Errorf(marketplace.EINVALID, "%s cannot be read any more: start again with the file.", u.Name)
	}
	return svc.Publish(ctx, who, req)
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

// handlePublishDiscard handles POST /mydata/publish/discard: deletes the
// upload (its file and runs) and answers with step 1. An unknown or expired
// upload is already gone: step 1 all the same.
func handlePublishDiscard(logger *slog.Logger, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if err := parseSmallForm(w, r); err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		if u, err := wz.get(s.Address(), r.PostForm.Get("upload")); err == nil {
			wz.drop(u.ID)
		}
		renderWizard(w, r, logger, http.StatusOK, wizardUploadStep(""))
	})
}

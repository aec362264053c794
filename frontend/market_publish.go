package frontend

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
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
}

// wizardStore holds the uploads in progress.
type wizardStore struct {
	mu      sync.Mutex
	dir     string
	uploads map[string]*wizardUpload
}

func newWizardStore() *wizardStore { return &wizardStore{uploads: map[string]*wizardUpload{}} }

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

// sweep deletes the uploads older than wizardTTL; the caller holds s.mu.
func (s *wizardStore) sweep() {
	for id, u := range s.uploads {
		if time.Since(u.Created) > wizardTTL {
			os.Remove(u.Path)
			delete(s.uploads, id)
		}
	}
}

func (s *wizardStore) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.uploads[id]; ok {
		os.Remove(u.Path)
		delete(s.uploads, id)
	}
}

// readTables reads the upload into tables.
func (u *wizardUpload) readTables() ([]*anonymize.Table, error) {
	f, err := os.Open(u.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if u.Format == "fhir" {
		ts, err := anonymize.ReadFHIR(f, u.Name)
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "%s is not a readable FHIR Bundle", u.Name)
		}
		return ts, nil
	}
	t, err := anonymize.ReadCSV(f, anonymize.CSVOptions{Name: strings.TrimSuffix(u.Name, filepath.Ext(u.Name))})
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "%s is not a readable CSV file", u.Name)
	}
	return []*anonymize.Table{t}, nil
}

func pickTable(ts []*anonymize.Table, name string) (*anonymize.Table, error) {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
		if t.Name == name || (name == "" && len(ts) == 1) {
			return t, nil
		}
	}
	return nil, marketplace.Errorf(marketplace.EINVALID, "Table: choose one of %s.", strings.Join(names, ", "))
}

// wizardPreview is step 2: the first rows and the suggested roles.
type wizardPreview struct {
	U           *wizardUpload
	Tables      []string
	Table       string
	Header      []string
	Rows        [][]string
	Suggestions []anonymize.Suggestion
	NumRows     int
	Preset      string
}

// wizardReport is step 3: the dry run's report and verdict, with the
// listing form when the gate passes.
type wizardReport struct {
	U       *wizardUpload
	Table   string
	Preset  string
	Report  *anonymize.Report
	Verdict anonymize.Verdict
	Form    listingForm
}

// listingForm is step 4 as filled in.
type listingForm struct {
	Upload, Table, Preset             string
	Title, Description, Tags, Publish string
	Types                             []string
	Price, Permission, Disease        string
	Modifiers                         []string
	Duration, Seats, Format           string
	Roles                             map[string]string // column -> role chosen in step 2, where it differs from the suggestion
	Problem                           string
}

func (f listingForm) hasModifier(c marketplace.DUO) bool {
	return slices.Contains(f.Modifiers, c.Short())
}
func (f listingForm) hasType(t string) bool { return slices.Contains(f.Types, t) }

func readListingForm(r *http.Request) listingForm {
	p := r.PostForm
	return listingForm{Upload: p.Get("upload"), Table: p.Get("table"), Preset: p.Get("preset"),
		Title: strings.TrimSpace(p.Get("title")), Description: strings.TrimSpace(p.Get("description")),
		Tags: p.Get("tags"), Publish: strings.TrimSpace(p.Get("publisher")), Types: p["type"],
		Price: strings.TrimSpace(p.Get("price")), Permission: p.Get("permission"), Disease: strings.TrimSpace(p.Get("disease")),
		Modifiers: p["modifier"], Duration: p.Get("duration"), Seats: p.Get("seats"), Format: p.Get("format"),
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

// roleOverrides keeps the roles that differ from what medmarket suggests
// for t's columns, or EINVALID for an unknown role or column.
func roleOverrides(t *anonymize.Table, roles map[string]string) (map[string]string, error) {
	out := map[string]string{}
	sugg := map[string]anonymize.Role{}
	for _, s := range anonymize.Suggest(t) {
		sugg[s.Column] = s.Role
	}
	for col, v := range roles {
		want, ok := sugg[col]
		if !ok {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Column %q is not in the table.", col)
		}
		var role anonymize.Role
		if err := role.UnmarshalText([]byte(v)); err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Column %s: unknown role %q.", col, v)
		}
		if role != want {
			out[col] = role.String()
		}
	}
	return out, nil
}

// wizardConfig is the preset with the roles the patient changed.
func wizardConfig(preset string, roles map[string]string) (*anonymize.Config, error) {
	cfg, err := anonymize.Preset(preset)
	if err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Preset: choose one of %s.", strings.Join(anonymize.Presets(), ", "))
	}
	if len(roles) == 0 {
		return cfg, nil
	}
	c := *cfg
	c.Columns = map[string]anonymize.ColumnConfig{}
	for k, v := range cfg.Columns {
		c.Columns[k] = v
	}
	for col, v := range roles {
		var role anonymize.Role
		if err := role.UnmarshalText([]byte(v)); err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Column %s: unknown role %q.", col, v)
		}
		cc := c.Columns[col]
		cc.Role = &role
		if role == anonymize.RoleQuasi && cc.Hierarchy == nil {
			cc.Hierarchy = &anonymize.HierarchySpec{Auto: "auto"}
		}
		c.Columns[col] = cc
	}
	return &c, nil
}

// request turns the form into a publish request (without the input).
func (f listingForm) request(r *http.Request) (app.PublishRequest, error) {
	req := app.PublishRequest{Title: f.Title, Description: f.Description, Publisher: f.Publish, DataTypes: f.Types,
		Format: f.Format, Preset: f.Preset, Table: f.Table}
	if f.Title == "" {
		return req, marketplace.Errorf(marketplace.EINVALID, "Title: required.")
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
// and answers with step 2, its first rows and suggested column roles.
func handlePublishUpload(logger *slog.Logger, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if err := parseUpload(w, r); err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		file, hdr, err := formFile(r, "file", "Records file")
		if err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		defer file.Close()
		format := r.FormValue("format")
		switch format {
		case "csv", "fhir":
		default:
			format = "csv"
			if strings.EqualFold(filepath.Ext(hdr.Filename), ".json") {
				format = "fhir"
			}
		}
		u, err := wz.put(s.Address(), hdr.Filename, format, file)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		renderPreview(w, r, logger, u, r.FormValue("table"))
	})
}

func renderPreview(w http.ResponseWriter, r *http.Request, logger *slog.Logger, u *wizardUpload, table string) {
	ts, err := u.readTables()
	if err != nil {
		wizardFail(w, r, logger, err)
		return
	}
	v := wizardPreview{U: u, Preset: "safe-harbor-k5"}
	for _, t := range ts {
		v.Tables = append(v.Tables, t.Name)
	}
	t, err := pickTable(ts, table)
	if err != nil && table == "" && len(ts) > 0 {
		t, err = ts[0], nil
	}
	if err != nil {
		wizardFail(w, r, logger, err)
		return
	}
	v.Table, v.Header, v.NumRows = t.Name, t.Names(), t.NumRows()
	for i := 0; i < t.NumRows() && i < 5; i++ {
		v.Rows = append(v.Rows, t.Row(i))
	}
	v.Suggestions = anonymize.Suggest(t)
	renderWizard(w, r, logger, http.StatusOK, wizardPreviewStep(v))
}

// handlePublishRun handles POST /mydata/publish/run: runs the chosen
// preset on the upload (nothing is published) and answers with step 3,
// the report and the gate's verdict, and step 4's form when it passes.
func handlePublishRun(logger *slog.Logger, wz *wizardStore) http.Handler {
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
		table, preset := r.PostForm.Get("table"), r.PostForm.Get("preset")
		ts, err := u.readTables()
		var t *anonymize.Table
		if err == nil {
			t, err = pickTable(ts, table)
		}
		var roles map[string]string
		if err == nil {
			roles, err = roleOverrides(t, rolesOf(r))
		}
		var cfg *anonymize.Config
		if err == nil {
			cfg, err = wizardConfig(preset, roles)
		}
		var res *anonymize.Result
		if err == nil {
			var pipe *anonymize.Pipeline
			if pipe, err = cfg.Build(anonymize.Env{}); err == nil {
				res, err = pipe.Run(r.Context(), t)
			}
			if err != nil {
				msg := marketplace.ErrorMessage(err)
				if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
					msg = err.Error() // the engine's reason, about the user's own data
				}
				err = marketplace.Errorf(marketplace.EINVALID, "Anonymization failed: %s", msg)
			}
		}
		if err != nil {
			wizardFail(w, r, logger, err)
			return
		}
		v := wizardReport{U: u, Table: t.Name, Preset: preset, Report: res.Report, Verdict: res.Verdict,
			Form: listingForm{Upload: u.ID, Table: t.Name, Preset: preset, Permission: "HMB", Duration: "365", Seats: "3", Format: "csv", Roles: roles,
				Title: strings.TrimSuffix(u.Name, filepath.Ext(u.Name))}}
		renderWizard(w, r, logger, http.StatusOK, wizardReportStep(v))
	})
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
			c, err = svc.PublishPreview(r.Context(), s.Address(), req.Price, req.Terms, "self")
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
			var in *os.File
			if in, err = os.Open(u.Path); err == nil {
				req.Reader, req.InputName, req.InputFormat = in, u.Name, u.Format
				if len(f.Roles) > 0 {
					req.Config, err = wizardConfig(f.Preset, f.Roles)
				}
				if err == nil {
					p, err = svc.Publish(r.Context(), who, req)
				}
				in.Close()
			}
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

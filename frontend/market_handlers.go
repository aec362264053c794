package frontend

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// actorOf is who acts for a request: its signed-in session.
func actorOf(r *http.Request) (app.Actor, bool) {
	token, ok := sessionTokenFrom(r.Context())
	if !ok {
		return app.Actor{}, false
	}
	return app.BySession(token), true
}

// duoFilterChoices returns the DUO codes the catalog filter offers,
// permissions first. The choices are functions, fresh slices each call, so
// no handler can change what another one offers.
func duoFilterChoices() []marketplace.DUO {
	return append(duoPermissionChoices(), duoModifierChoices()...)
}

// duoPermissionChoices returns the codes of which a listing states exactly one.
func duoPermissionChoices() []marketplace.DUO {
	return []marketplace.DUO{marketplace.GRU, marketplace.HMB, marketplace.DS, marketplace.POA, marketplace.NRES}
}

// duoModifierChoices returns the modifiers the publish form offers.
func duoModifierChoices() []marketplace.DUO {
	return []marketplace.DUO{marketplace.NCU, marketplace.NPU, marketplace.IRB, marketplace.PUB, marketplace.COL}
}

// catalogQuery is the catalog form as the user filled it in (the URL's query).
type catalogQuery struct {
	Q         string
	Terms     []string
	PriceMin  string // ether
	PriceMax  string // ether
	RowsMin   string
	Types     []string
	Publisher string
	Sort      string
	Page      int // 1-based
}

func readCatalogQuery(v url.Values) catalogQuery {
	q := catalogQuery{Q: strings.TrimSpace(v.Get("q")), Terms: v["duo"], PriceMin: strings.TrimSpace(v.Get("price_min")),
		PriceMax: strings.TrimSpace(v.Get("price_max")), RowsMin: strings.TrimSpace(v.Get("rows_min")), Types: v["type"],
		Publisher: strings.TrimSpace(v.Get("publisher")), Sort: v.Get("sort"), Page: 1}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 1 {
		q.Page = p
	}
	return q
}

func (q catalogQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Q)
	v["duo"] = q.Terms
	set("price_min", q.PriceMin)
	set("price_max", q.PriceMax)
	set("rows_min", q.RowsMin)
	v["type"] = q.Types
	set("publisher", q.Publisher)
	set("sort", q.Sort)
	for k, vs := range v {
		if len(vs) == 0 {
			delete(v, k)
		}
	}
	return v
}

// pageURL is the catalog URL of page p of these results.
func (q catalogQuery) pageURL(p int) string {
	v := q.values()
	if p > 1 {
		v.Set("page", strconv.Itoa(p))
	}
	if len(v) == 0 {
		return "/catalog/"
	}
	return "/catalog/?" + v.Encode()
}

// filtered reports whether any filter or order beyond the text is set.
func (q catalogQuery) filtered() bool {
	return len(q.Terms) > 0 || q.PriceMin != "" || q.PriceMax != "" || q.RowsMin != "" || len(q.Types) > 0 || q.Publisher != "" || q.Sort != ""
}

func (q catalogQuery) hasTerm(c marketplace.DUO) bool {
	for _, t := range q.Terms {
		if strings.EqualFold(t, c.Short()) {
			return true
		}
	}
	return false
}

func (q catalogQuery) hasType(t string) bool {
	for _, x := range q.Types {
		if x == t {
			return true
		}
	}
	return false
}

const catalogPageSize = 20

// filter turns the form into a catalog filter, or EINVALID naming the field.
func (q catalogQuery) filter() (marketplace.CatalogFilter, error) {
	f := marketplace.CatalogFilter{Query: q.Q, Publisher: q.Publisher, DataTypes: q.Types,
		Limit: catalogPageSize, Offset: (q.Page - 1) * catalogPageSize}
	switch q.Sort {
	case "", "relevance":
		if q.Sort == "relevance" && q.Q != "" {
			f.Sort = marketplace.SortRelevance
		}
	default:
		f.Sort = q.Sort
	}
	if len(q.Terms) > 0 {
		d, err := marketplace.ParseDUO(strings.Join(q.Terms, ","))
		if err != nil {
			return f, err
		}
		f.Terms = d
	}
	var err error
	if q.PriceMin != "" {
		if f.PriceMin, err = marketplace.ParseEther(q.PriceMin); err != nil {
			return f, marketplace.Errorf(marketplace.EINVALID, "Lowest price: %s.", marketplace.ErrorMessage(err))
		}
	}
	if q.PriceMax != "" {
		if f.PriceMax, err = marketplace.ParseEther(q.PriceMax); err != nil {
			return f, marketplace.Errorf(marketplace.EINVALID, "Highest price: %s.", marketplace.ErrorMessage(err))
		}
	}
	if q.RowsMin != "" {
		n, err := strconv.ParseUint(q.RowsMin, 10, 64)
		if err != nil {
			return f, marketplace.Errorf(marketplace.EINVALID, "Minimum rows: %q is not a whole number.", q.RowsMin)
		}
		f.RowsMin = n
	}
	return f, f.Validate()
}

// catalogView is one page of catalog results.
type catalogView struct {
	Query    catalogQuery
	Listings []*marketplace.Listing
	Total    int
	Problem  string
	Licensed map[uint64]marketplace.Licence // the signed-in account's usable licences (licensedListings)
}

func (v catalogView) pages() int { return (v.Total + catalogPageSize - 1) / catalogPageSize }

// handleCatalog handles GET /catalog/: the search form and the first
// results; the live search (htmx, targeting #catalog-results) gets the
// results fragment alone.
func handleCatalog(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := readCatalogQuery(r.URL.Query())
		v := catalogView{Query: q}
		status := http.StatusOK
		f, err := q.filter()
		if err == nil {
			v.Listings, v.Total, err = svc.Search(r.Context(), f)
			logger.Debug("catalog search", "q", f.Query, "results", len(v.Listings), "total", v.Total)
		}
		if err == nil && len(v.Listings) > 0 {
			var lerr error
			if v.Licensed, lerr = licensedListings(r, svc); lerr != nil {
				logger.Warn("catalog without licence marks", "err", lerr)
			}
		}
		if err != nil {
			if code := marketplace.ErrorCode(err); code != marketplace.EINVALID {
				renderError(w, r, logger, err)
				return
			}
			status, v.Problem = http.StatusUnprocessableEntity, marketplace.ErrorMessage(err)
		}
		if err == nil && len(v.Listings) == 0 && v.Total > 0 {
			// A page past the end (the results shrank since the link was
			// made): the last page rather than "no datasets match".
			http.Redirect(w, r, q.pageURL(v.pages()), http.StatusSeeOther)
			return
		}
		w.Header().Set("Vary", "HX-Request, HX-Target")
		if isHTMX(r) && r.Header.Get("HX-Target") == "catalog-results" && r.Header.Get("HX-History-Restore-Request") == "" {
			renderComponent(w, r, logger, status, catalogResults(v))
			return
		}
		render(w, r, logger, status, page{Title: "Catalog", Section: "catalog", Content: catalogPage(v)})
	})
}

// listingID reads the {id} path value.
func listingID(r *http.Request) (uint64, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, marketplace.Errorf(marketplace.ENOTFOUND, "There is no listing %q.", r.PathValue("id"))
	}
	return id, nil
}

// cardView is a dataset card page.
type cardView struct {
	L        *marketplace.Listing
	Report   *anonymize.Report // nil when the card carries none
	Terms    []app.TermLine
	SignedIn bool
	Buy      buyView
	Stats    statsView // the card's statistics, laid out (card_stats.go)
}

// buyView is the buy panel.
type buyView struct {
	ID       uint64
	Quote    app.BuyQuote
	HasQuote bool
	Licensed bool                 // the signed-in account may download now
	Licence  *marketplace.Licence // the licence that lets it, for "Licensed until …" (nil when unknown)
	Mismatch string               // the DS disease the stated disease does not name, asking the buyer to confirm (buyMismatch)
	Format   string               // the download's extension (app.DownloadFile: "zip" for a release), for the desktop save dialog's suggested name
	Conf     app.BuyConfirmation
	Problem  string
	Done     *app.Purchase
}

func (b buyView) needs(n string) bool {
	for _, x := range b.Quote.Needs {
		if x == n {
			return true
		}
	}
	return false
}

// cardReport decodes the anonymization report a card carries.
func cardReport(l *marketplace.Listing) *anonymize.Report {
	if l.Card == nil || len(l.Card.Report) == 0 {
		return nil
	}
	var rep anonymize.Report
	if err := json.Unmarshal(l.Card.Report, &rep); err != nil {
		return nil
	}
	return &rep
}

// buyPanel prepares the buy panel of listing l for the request's session.
func buyPanel(r *http.Request, svc Service, l *marketplace.Listing) buyView {
	ext, _ := app.DownloadFile(l.Card, publishedFormat(l))
	b := buyView{ID: l.ID, Format: ext}
	s, ok := sessionFrom(r.Context())
	if !ok {
		return b
	}
	if has, err := svc.HasLicence(r.Context(), l.ID, s.Address()); err == nil {
		b.Licensed = has
	}
	if b.Licensed {
		if ls, err := licensedListings(r, svc); err == nil {
			if lic, ok := ls[l.ID]; ok {
				b.Licence = &lic
			}
		}
	}
	q, err := svc.BuyPreview(r.Context(), s.Address(), l.ID)
	b.Quote = q
	if err != nil {
		b.Problem = marketplace.ErrorMessage(err)
		return b
	}
	b.HasQuote = true
	return b
}

// cardViewOf prepares the card of l (without its buy panel).
func cardViewOf(r *http.Request, l *marketplace.Listing) cardView {
	v := cardView{L: l, Report: cardReport(l), Stats: statsViewOf(l.Card)}
	var detail map[string]string
	if l.Card != nil {
		detail = l.Card.TermsDetail
	}
	v.Terms = app.TermsInWords(l.Terms, detail)
	_, v.SignedIn = sessionFrom(r.Context())
	return v
}

// handleCard handles GET /catalog/{id}/: the dataset card and buy panel.
func handleCard(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := listingID(r)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		l, err := svc.Listing(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		v := cardViewOf(r, l)
		v.Buy = buyPanel(r, svc, l)
		render(w, r, logger, http.StatusOK, page{Title: l.Title(), Section: "catalog", Content: cardPage(v)})
	})
}

// signInTo sends an anonymous visitor to sign in, then back to next.
func signInTo(w http.ResponseWriter, r *http.Request, next string) {
	target := "/signin/?next=" + url.QueryEscape(next)
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// listingPost reads what every POST on /catalog/{id}/... needs, in this
// order: the listing id (404), a signed-in actor (else off to sign in and
// back to the card) and the form. ok is false when it has already answered.
func listingPost(w http.ResponseWriter, r *http.Request, logger *slog.Logger) (id uint64, who app.Actor, ok bool) {
	id, err := listingID(r)
	if err != nil {
		renderError(w, r, logger, err)
		return 0, app.Actor{}, false
	}
	who, ok = actorOf(r)
	if !ok {
		signInTo(w, r, fmt.Sprintf("/catalog/%d/", id))
		return 0, app.Actor{}, false
	}
	if err := parseSmallForm(w, r); err != nil {
		renderError(w, r, logger, err)
		return 0, app.Actor{}, false
	}
	return id, who, true
}

// handleBuy handles POST /catalog/{id}/buy: buys a licence with the
// statements the terms require and answers with the buy panel (the licence
// and a download link, or the form again with the reason).
func handleBuy(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, who, ok := listingPost(w, r, logger)
		if !ok {
			return
		}
		l, err := svc.Listing(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		conf := app.BuyConfirmation{AcceptTerms: r.PostForm.Get("accept") != "", Disease: strings.TrimSpace(r.PostForm.Get("disease")),
			Approval: strings.TrimSpace(r.PostForm.Get("approval")), Collaborator: strings.TrimSpace(r.PostForm.Get("collaborator"))}
		if disease, ok := mismatchUnconfirmed(r, l, conf); ok {
			b := buyPanel(r, svc, l)
			b.Conf, b.Mismatch = conf, disease
			answerBuyPanel(w, r, logger, l, b, http.StatusUnprocessableEntity)
			return
		}
		p, berr := svc.Buy(r.Context(), who, id, conf)
		b := buyPanel(r, svc, l)
		b.Conf = conf
		status := http.StatusOK
		if berr != nil {
			code := marketplace.ErrorCode(berr)
			if code == marketplace.EINTERNAL {
				renderError(w, r, logger, berr)
				return
			}
			status, b.Problem = httpStatus(code), marketplace.ErrorMessage(berr)
		} else {
			b.Done = &p
		}
		answerBuyPanel(w, r, logger, l, b, status)
	})
}

// answerBuyPanel answers a buy post with the buy panel b: the whole card
// for a plain form post, the panel alone for htmx.
func answerBuyPanel(w http.ResponseWriter, r *http.Request, logger *slog.Logger, l *marketplace.Listing, b buyView, status int) {
	if !isHTMX(r) { // a plain form post: the whole card, with the outcome in its panel
		v := cardViewOf(r, l)
		v.Buy = b
		render(w, r, logger, status, page{Title: l.Title(), Section: "catalog", Content: cardPage(v)})
		return
	}
	renderComponent(w, r, logger, status, buyPanelView(b, true))
}

// lazyAttachment sets the attachment headers at the first byte written, so
// that a refusal before any data is still shown as an error page.
type lazyAttachment struct {
	w       http.ResponseWriter
	ctype   string
	name    string
	started bool
}

func (a *lazyAttachment) Write(p []byte) (int, error) {
	if !a.started {
		a.started = true
		h := a.w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("Content-Disposition", `attachment; filename="`+a.name+`"`)
		h.Set("Cache-Control", "no-store")
		a.w.WriteHeader(http.StatusOK)
	}
	return a.w.Write(p)
}

// handleDownload handles GET /catalog/{id}/download[?format=csv|parquet]:
// the decrypted dataset, streamed as an attachment, for a session whose
// account holds (or is seated on) a valid licence, in the format asked
// (converted if it was published in the other one). Without a licence: 403
// with the reason; an unknown format: 400 naming the field.
func handleDownload(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := listingID(r)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		want, err := app.DownloadFormat(r.URL.Query().Get("format"))
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		who, ok := actorOf(r)
		if !ok {
			signInTo(w, r, fmt.Sprintf("/catalog/%d/", id))
			return
		}
		l, err := svc.Listing(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		format := publishedFormat(l)
		if want != "" {
			format = want
		}
		ext, ctype := app.DownloadFile(l.Card, format) // a release package is a ZIP whatever its tables' format
		name := fmt.Sprintf("listing-%d.%s", id, ext)
		if l.Card != nil {
			name = fmt.Sprintf("%s-%d.%s", strings.Trim(safeFileName(l.Card.Title), "-"), id, ext)
		}
		out := &lazyAttachment{w: w, ctype: ctype, name: name}
		if _, err := svc.Download(r.Context(), who, id, app.DownloadRequest{Writer: out, Format: want}); err != nil {
			if !out.started {
				renderError(w, r, logger, err)
				return
			}
			// Part of the file went out: break the connection so the
			// browser sees a failed download, not a short file.
			logger.Error("download broke off", "listing", id, "err", err)
			panic(http.ErrAbortHandler)
		}
		if !out.started { // an empty dataset: still an attachment, with its headers
			_, _ = out.Write(nil) // only sets headers; a client gone has no one to tell
		}
	})
}

// publishedFormat is the format listing l was published in ("csv" when the
// card does not say).
func publishedFormat(l *marketplace.Listing) string {
	if l != nil && l.Card != nil && l.Card.Format != "" {
		return l.Card.Format
	}
	return app.FormatCSV
}

// ether formats wei for people: "0.01 ETH".
func ether(wei *big.Int) string { return marketplace.FormatEther(wei) + " ETH" }

// gwei formats a gas price: "0.52 gwei".
func gwei(wei *big.Int) string {
	if wei == nil {
		return "0 gwei"
	}
	return marketplace.FormatEther(new(big.Int).Mul(wei, big.NewInt(1e9))) + " gwei"
}

// handleSaveDownload handles POST /catalog/{id}/save, in the desktop window
// only: the page asked the native save dialog (Desktop.ChooseSaveFile) where
// to put the dataset, and this writes the decrypted file there (app
// Download with Out), answering with a status line. The format is the
// form's "format" (csv or parquet), else the chosen file's extension, else
// the published one. Elsewhere it is refused: a browser gets the file as a
// download instead.
func handleSaveDownload(logger *slog.Logger, svc Service, window bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !window {
			renderError(w, r, logger, marketplace.Errorf(marketplace.EFORBIDDEN, "Saving to a path is only for the desktop app: use the download link."))
			return
		}
		id, who, ok := listingPost(w, r, logger)
		if !ok {
			return
		}
		path := r.PostForm.Get("path")
		if path == "" || !filepath.IsAbs(path) {
			renderComponent(w, r, logger, http.StatusUnprocessableEntity, saveStatus("Choose where to save the dataset again: no folder was given.", true))
			return
		}
		path = filepath.Clean(path)
		format, err := app.DownloadFormat(r.PostForm.Get("format"))
		if err != nil {
			renderComponent(w, r, logger, http.StatusUnprocessableEntity, saveStatus(marketplace.ErrorMessage(err), true))
			return
		}
		format = cmp.Or(format, app.FormatOfPath(path))
		l, _ := svc.Listing(r.Context(), id) // nil when unknown: Download says why
		path = savePath(path, format, l)
		d, err := svc.Download(r.Context(), who, id, app.DownloadRequest{Out: path, Format: format})
		if err != nil {
			code := marketplace.ErrorCode(err)
			if code == marketplace.EINTERNAL {
				renderError(w, r, logger, err)
				return
			}
			renderComponent(w, r, logger, httpStatus(code), saveStatus(marketplace.ErrorMessage(err), true))
			return
		}
		logger.Info("dataset saved", "listing", id, "path", path, "bytes", d.Bytes)
		out := path
		if d.Path != "" {
			out = d.Path
		}
		renderComponent(w, r, logger, http.StatusOK, saveStatus(fmt.Sprintf("Saved %s (%d bytes, decrypted) to %s.", strings.ToUpper(d.Format), d.Bytes, out), false))
	})
}

// savePath is the file a desktop save writes listing l's dataset to, in
// format ("" for the published one): path with the download's extension
// (app.DownloadFile) when it has none, and a release package's ".zip" in
// place of a dataset format's extension (.csv, .parquet) the dialog
// suggested, so that a ZIP is never saved under a CSV's name.
func savePath(path, format string, l *marketplace.Listing) string {
	var card *marketplace.DatasetCard
	if l != nil {
		card = l.Card
	}
	ext, _ := app.DownloadFile(card, cmp.Or(format, publishedFormat(l)))
	switch old := filepath.Ext(path); {
	case old == "":
		return path + "." + ext
	case ext == "zip" && app.FormatOfPath(path) != "":
		return strings.TrimSuffix(path, old) + ".zip"
	}
	return path
}

// saveStatus is the answer to a desktop save: where the file went, or why not.
func saveStatus(msg string, problem bool) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		if problem {
			_, err := fmt.Fprintf(w, `<p class="error" role="alert" id="save-status">%s</p>`, html.EscapeString(msg))
			return err
		}
		_, err := fmt.Fprintf(w, `<p role="status" id="save-status">%s</p>`, html.EscapeString(msg))
		return err
	})
}

// columnBar is one quasi-identifier in the report's generalization chart.
type columnBar struct {
	Name, Label, Note string
	W                 int // bar width: information lost x columnBarW
}

const columnRowH, columnLabelW, columnBarW = 22, 140, 220

// columnLoss is a column's information lost: over all the pipeline's steps
// when the report has it (Treatment), else its generalization's NCP.
func columnLoss(c anonymize.ColumnReport) float64 {
	if c.Treatment != "" {
		return c.Loss
	}
	return c.NCP
}

// removedColumns lists the input columns a report's pipeline dropped.
func removedColumns(r *anonymize.Report) []anonymize.ColumnTreatment {
	var out []anonymize.ColumnTreatment
	for _, t := range r.Treatments {
		if !slices.ContainsFunc(r.Columns, func(c anonymize.ColumnReport) bool { return c.Name == t.Column }) {
			out = append(out, t)
		}
	}
	return out
}

// columnBars lays out the generalized columns (those with a hierarchy) of
// a report, in its order.
func columnBars(cols []anonymize.ColumnReport) []columnBar {
	var out []columnBar
	for _, c := range cols {
		if c.Height == 0 {
			continue
		}
		label := c.Name
		if r := []rune(label); len(r) > 18 {
			label = string(r[:17]) + "…"
		}
		level := fmt.Sprintf("level %d of %d", c.Level, c.Height)
		switch {
		case c.Generalization != "":
			level = c.Generalization
		case c.Level < 0: // a report from before Generalization
			level = "local recoding (Mondrian)"
		}
		loss := columnLoss(c)
		out = append(out, columnBar{Name: c.Name, Label: label, Note: pct(loss) + ", " + level, W: int(min(max(loss, 0), 1) * columnBarW)})
	}
	return out
}

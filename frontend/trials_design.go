package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// trialDesigns is what the design and form pages need of the application:
// the study design in force, and the sponsor's new versions of it.
type trialDesigns interface {
	TrialDesign(ctx context.Context, ref string) (marketplace.StudyDesign, int, error)
	SaveTrialDesign(ctx context.Context, who app.Actor, ref string, d marketplace.StudyDesign) (int, error)
	ImportTrialDesign(ctx context.Context, who app.Actor, ref string, r io.Reader) (marketplace.StudyDesign, int, error)
}

// maxDesignDraft bounds the builder's draft, re-posted with each edit: a
// design at its limits (200 forms of 300 items) is far larger than any real
// one, so a draft past this is refused rather than parsed.
const maxDesignDraft = 1 << 20

// designVersion is one study_design entry of the log: version n is the nth.
type designVersion struct {
	Version int
	Entry   marketplace.Step
	Index   uint64
}

// designPage is everything the design page shows.
type designPage struct {
	T        marketplace.Trial
	Current  *marketplace.StudyDesign // nil before the first version
	Versions []designVersion
	Sign     signing
	Builder  designBuilder
	Import   string // the import's problem
	Signed   string // "Design version 2 signed."
}

// designBuilder is the builder's state: the draft (re-posted in the form),
// what was typed in its fields, and each field's problem.
type designBuilder struct {
	Draft   marketplace.StudyDesign
	Next    int // the version signing the draft makes
	Base    int // the version the draft began from (0: none), re-posted
	In      url.Values
	Errs    map[string]string // field name -> problem
	Problem string            // the whole draft's problem, when signing
	Done    string            // what the last edit did
}

// DraftJSON is the draft as the hidden field carries it.
func (b designBuilder) DraftJSON() string {
	j, _ := json.Marshal(b.Draft)
	return string(j)
}

// designURL is the design page of trial t.
func designURL(t marketplace.Trial) string { return trialURL(t) + "design" }

// loadDesignPage reads the design in force and its versions.
func loadDesignPage(ctx context.Context, svc TrialService, id string) (designPage, error) {
	t, err := svc.Trial(ctx, id)
	if err != nil {
		return designPage{}, err
	}
	p := designPage{T: t.Trial}
	es, err := svc.TrialSteps(ctx, id, app.StepFilter{Type: marketplace.StepStudyDesign})
	if err != nil {
		return designPage{}, err
	}
	for i, e := range es {
		p.Versions = append(p.Versions, designVersion{Version: i + 1, Entry: e.Step, Index: e.Index})
	}
	d, _, err := svc.TrialDesign(ctx, id)
	switch {
	case err == nil:
		p.Current = &d
		p.Builder.Draft = d
	case marketplace.ErrorCode(err) == marketplace.ENOTFOUND:
		p.Builder.Draft = marketplace.StudyDesign{Name: t.Title}
	default:
		return designPage{}, err
	}
	p.Builder.Next, p.Builder.Base = len(p.Versions)+1, len(p.Versions)
	return p, nil
}

// handleTrialDesign handles GET /trials/{id}/design: the design in force,
// its versions, and for the sponsor the import and the builder.
func handleTrialDesign(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		p, err := loadDesignPage(r.Context(), svc, id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		p.Sign = signingFor(r, svc, id)
		if n, err := strconv.Atoi(r.URL.Query().Get("signed")); err == nil && n > 0 && n <= len(p.Versions) {
			p.Signed = fmt.Sprintf("Design version %d signed: entry #%d.", n, p.Versions[n-1].Index)
		}
		render(w, r, logger, http.StatusOK, page{Title: "Study design", Section: "trials", Content: designView(p)})
	})
}

// handleTrialDesignImport handles POST /trials/{id}/design/import: an ODM
// 1.3.2 study metadata file signed as the next design version.
func handleTrialDesignImport(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		err := parseUpload(w, r)
		n := 0
		if err == nil {
			file, _, ferr := formFile(r, "file", "ODM study file")
			if err = ferr; err == nil {
				defer file.Close()
				_, n, err = svc.ImportTrialDesign(r.Context(), signer(r), id, file)
			}
		}
		if err == nil {
			http.Redirect(w, r, "/trials/"+url.PathEscape(id)+"/design?signed="+strconv.Itoa(n), http.StatusSeeOther)
			return
		}
		code := marketplace.ErrorCode(err)
		if code != marketplace.EINVALID && code != marketplace.EFORBIDDEN {
			renderError(w, r, logger, err)
			return
		}
		p, perr := loadDesignPage(r.Context(), svc, id)
		if perr != nil {
			renderError(w, r, logger, perr)
			return
		}
		p.Sign = signingFor(r, svc, id)
		p.Import = "Nothing was recorded: " + marketplace.ErrorMessage(err)
		render(w, r, logger, httpStatus(code), page{Title: "Study design", Section: "trials", Content: designView(p)})
	})
}

// handleTrialDesignEdit handles POST /trials/{id}/design: one edit of the
// builder's draft (add an event, a form, an item; remove an item), or the
// draft signed as the next version. The draft travels in the form, so an
// edit records nothing; only signing does.
func handleTrialDesignEdit(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := parseFormUpTo(w, r, maxDesignDraft+maxFormBytes); err != nil {
			renderError(w, r, logger, err)
			return
		}
		p, err := loadDesignPage(r.Context(), svc, id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		p.Sign = signingFor(r, svc, id)
		b := &p.Builder
		b.In, b.Errs = r.PostForm, map[string]string{}
		if err := readDraft(r.PostForm.Get("draft"), &b.Draft); err != nil {
			renderError(w, r, logger, err)
			return
		}
		if name := strings.TrimSpace(r.PostForm.Get("design_name")); name != "" {
			b.Draft.Name = name
		}
		action := r.PostForm.Get("action")
		b.Base, _ = strconv.Atoi(r.PostForm.Get("base"))
		if action == "sign" && b.Base != b.Next-1 {
			// Signed by someone else since this draft began: signing it
			// would undo their version unseen.
			b.Problem = fmt.Sprintf("Not signed: design version %d was signed since this draft began; review it, then sign this draft as version %d.", b.Next-1, b.Next)
			b.Base = b.Next - 1 // now shown above the draft
			render(w, r, logger, http.StatusConflict, page{Title: "Study design", Section: "trials", Content: designView(p)})
			return
		}
		if action == "sign" {
			n, err := svc.SaveTrialDesign(r.Context(), signer(r), id, b.Draft)
			if err == nil {
				http.Redirect(w, r, "/trials/"+url.PathEscape(id)+"/design?signed="+strconv.Itoa(n), http.StatusSeeOther)
				return
			}
			if code := marketplace.ErrorCode(err); code != marketplace.EINVALID && code != marketplace.EFORBIDDEN {
				renderError(w, r, logger, err)
				return
			}
			b.Problem = "Not signed: " + marketplace.ErrorMessage(err)
			render(w, r, logger, httpStatus(marketplace.ErrorCode(err)), page{Title: "Study design", Section: "trials", Content: designView(p)})
			return
		}
		editDraft(b, action)
		status := http.StatusOK
		if len(b.Errs) > 0 {
			status = http.StatusUnprocessableEntity
		}
		render(w, r, logger, status, page{Title: "Study design", Section: "trials", Content: designView(p)})
	})
}

// readDraft reads the re-posted draft into d; an empty one leaves d as is.
func readDraft(s string, d *marketplace.StudyDesign) error {
	if len(s) > maxDesignDraft {
		return marketplace.Errorf(marketplace.EINVALID, "Design draft: larger than %d KiB.", maxDesignDraft>>10)
	}
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var x marketplace.StudyDesign
	if err := json.Unmarshal([]byte(s), &x); err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "Design draft: it could not be read (%v); open the design page again.", err)
	}
	*d = x
	return nil
}

// editDraft applies one builder action to the draft. A refused edit leaves
// the draft as it was, with each field's problem in b.Errs and what was
// typed kept in b.In; a done edit clears the fields it used.
func editDraft(b *designBuilder, action string) {
	switch {
	case action == "add-event":
		addEvent(b)
	case action == "add-form":
		addForm(b)
	case action == "add-item":
		addItem(b)
	case strings.HasPrefix(action, "remove-item "):
		f := strings.Fields(strings.TrimPrefix(action, "remove-item "))
		if len(f) == 2 {
			removeItem(b, f[0], f[1])
		}
	case strings.HasPrefix(action, "remove-form "):
		removeForm(b, strings.TrimSpace(strings.TrimPrefix(action, "remove-form ")))
	case strings.HasPrefix(action, "remove-event "):
		removeEvent(b, strings.TrimSpace(strings.TrimPrefix(action, "remove-event ")))
	}
}

// removeForm takes form oid out of the draft and off every event.
func removeForm(b *designBuilder, oid string) {
	var kept []marketplace.FormDef
	for _, f := range b.Draft.Forms {
		if f.OID != oid {
			kept = append(kept, f)
		}
	}
	if len(kept) == len(b.Draft.Forms) {
		b.Problem = fmt.Sprintf("The draft has no form %s to remove.", oid)
		return
	}
	b.Draft.Forms = kept
	for i, e := range b.Draft.Events {
		var fs []string
		for _, f := range e.Forms {
			if f != oid {
				fs = append(fs, f)
			}
		}
		b.Draft.Events[i].Forms = fs
	}
	b.Done = fmt.Sprintf("Form %s removed.", oid)
}

// removeEvent takes event oid out of the draft; its forms stay, at their
// other events or at none.
func removeEvent(b *designBuilder, oid string) {
	for i, e := range b.Draft.Events {
		if e.OID == oid {
			b.Draft.Events = append(b.Draft.Events[:i:i], b.Draft.Events[i+1:]...)
			b.Done = fmt.Sprintf("Event %s removed; its forms stay in the design.", oid)
			return
		}
	}
	b.Problem = fmt.Sprintf("The draft has no event %s to remove.", oid)
}

// clearFields empties the builder fields an edit used.
func (b *designBuilder) clearFields(prefix string) {
	kept := url.Values{}
	for k, v := range b.In {
		if !strings.HasPrefix(k, prefix) {
			kept[k] = v
		}
	}
	b.In = kept
}

func addEvent(b *designBuilder) {
	oid, name := strings.TrimSpace(b.In.Get("event_oid")), strings.TrimSpace(b.In.Get("event_name"))
	if msg := oidProblem(oid); msg != "" {
		b.Errs["event_oid"] = "Event OID: " + msg
	} else if _, ok := b.Draft.Event(oid); ok {
		b.Errs["event_oid"] = fmt.Sprintf("Event %s: already in the design.", oid)
	}
	if name == "" {
		b.Errs["event_name"] = fmt.Sprintf("Event %s: a name is required.", orDash(oid))
	}
	if len(b.Errs) > 0 {
		return
	}
	b.Draft.Events = append(b.Draft.Events, marketplace.EventDef{OID: oid, Name: name})
	b.Done = fmt.Sprintf("Event %s (%s) added.", name, oid)
	b.clearFields("event_")
}

func addForm(b *designBuilder) {
	oid, name := strings.TrimSpace(b.In.Get("form_oid")), strings.TrimSpace(b.In.Get("form_name"))
	event := b.In.Get("form_event")
	_, exists := b.Draft.Form(oid)
	if msg := oidProblem(oid); msg != "" {
		b.Errs["form_oid"] = "Form OID: " + msg
	} else if exists && event == "" {
		b.Errs["form_oid"] = fmt.Sprintf("Form %s: already in the design; choose an event to add it to.", oid)
	}
	if name == "" && !exists {
		b.Errs["form_name"] = fmt.Sprintf("Form %s: a name is required.", orDash(oid))
	}
	step, err := marketplace.ParseStepType(b.In.Get("form_step"))
	if !exists && (err != nil || !designStep(step)) {
		b.Errs["form_step"] = fmt.Sprintf("Form %s: step type %q is not a step a site records.", orDash(oid), b.In.Get("form_step"))
	}
	ei := -1
	for i, e := range b.Draft.Events {
		if e.OID == event {
			ei = i
		}
	}
	if event != "" && ei < 0 {
		b.Errs["form_event"] = fmt.Sprintf("Form %s: event %s is not in the design.", orDash(oid), event)
	} else if ei >= 0 && containsString(b.Draft.Events[ei].Forms, oid) {
		b.Errs["form_event"] = fmt.Sprintf("Form %s: already at event %s.", oid, event)
	}
	if len(b.Errs) > 0 {
		return
	}
	if !exists {
		if step == marketplace.StepVisit {
			step = ""
		}
		b.Draft.Forms = append(b.Draft.Forms, marketplace.FormDef{OID: oid, Name: name, Step: step})
	}
	b.Done = fmt.Sprintf("Form %s added.", oid)
	if ei >= 0 {
		b.Draft.Events[ei].Forms = append(b.Draft.Events[ei].Forms, oid)
		b.Done = fmt.Sprintf("Form %s added at event %s.", oid, event)
	}
	b.clearFields("form_")
}

// designStep reports whether a designed form may record steps of type t:
// those a site records about its subjects (answers to queries have a form
// of their own).
func designStep(t marketplace.StepType) bool {
	return t != marketplace.StepQueryAnswer && marketplace.RoleCoordinator.Allows(t, marketplace.MeaningAuthored)
}

// designSteps are the step types the builder offers for a form.
func designSteps() []marketplace.StepType {
	var out []marketplace.StepType
	for _, t := range marketplace.StepTypes() {
		if designStep(t) {
			out = append(out, t)
		}
	}
	return out
}

func addItem(b *designBuilder) {
	formOID := b.In.Get("item_form")
	fi := -1
	for i, f := range b.Draft.Forms {
		if f.OID == formOID {
			fi = i
		}
	}
	if fi < 0 {
		b.Errs["item_form"] = fmt.Sprintf("Item: form %q is not in the design; add the form first.", formOID)
		return
	}
	it, errs := readItem(b.In, b.Draft.Forms[fi])
	for k, v := range errs {
		b.Errs[k] = v
	}
	if len(b.Errs) > 0 {
		return
	}
	b.Draft.Forms[fi].Items = append(b.Draft.Forms[fi].Items, it)
	b.Done = fmt.Sprintf("Item %s added to form %s.", it.OID, formOID)
	b.clearFields("item_")
	b.In.Set("item_form", formOID) // the next item most likely goes to the same form
}

// readItem reads the builder's item fields for form f: the item, or each
// field's problem, naming the form and item.
func readItem(in url.Values, f marketplace.FormDef) (marketplace.ItemDef, map[string]string) {
	errs := map[string]string{}
	it := marketplace.ItemDef{OID: strings.TrimSpace(in.Get("item_oid")), Label: strings.TrimSpace(in.Get("item_label")),
		Type: marketplace.ItemType(in.Get("item_type")), Unit: strings.TrimSpace(in.Get("item_unit")), Required: in.Get("item_required") != ""}
	at := fmt.Sprintf("Form %s, item %s", f.OID, orDash(it.OID))
	if msg := oidProblem(it.OID); msg != "" {
		errs["item_oid"] = at + ": OID " + msg
	} else if _, ok := f.Item(it.OID); ok {
		errs["item_oid"] = at + ": already in the form."
	}
	if it.Label == "" {
		errs["item_label"] = at + ": a label (the question) is required."
	}
	if !containsType(itemTypes(), it.Type) {
		errs["item_type"] = fmt.Sprintf("%s: type %q is not one of integer, decimal, date, text, yes/no or choice.", at, it.Type)
	}
	number := it.Type == marketplace.ItemInteger || it.Type == marketplace.ItemDecimal
	for _, bound := range []struct {
		field, what string
		to          **string
	}{{"item_min", "minimum", &it.Min}, {"item_max", "maximum", &it.Max}} {
		v := strings.TrimSpace(in.Get(bound.field))
		switch {
		case v == "":
		case !number:
			errs[bound.field] = fmt.Sprintf("%s: a %s applies to integer and decimal items only.", at, bound.what)
		default:
			if _, ok := new(big.Rat).SetString(v); !ok {
				errs[bound.field] = fmt.Sprintf("%s: %s %q is not a number.", at, bound.what, v)
			} else {
				*bound.to = &v
			}
		}
	}
	if it.Min != nil && it.Max != nil && errs["item_max"] == "" {
		lo, _ := new(big.Rat).SetString(*it.Min)
		hi, _ := new(big.Rat).SetString(*it.Max)
		if lo.Cmp(hi) > 0 {
			errs["item_max"] = fmt.Sprintf("%s: maximum %s is below minimum %s.", at, *it.Max, *it.Min)
		}
	}
	choices, msg := parseChoices(in.Get("item_choices"))
	switch {
	case msg != "":
		errs["item_choices"] = at + ": choices " + msg
	case it.Type == marketplace.ItemChoice && len(choices) == 0:
		errs["item_choices"] = at + ": a choice item needs its choices, one code=label a line."
	case it.Type != marketplace.ItemChoice && len(choices) > 0:
		errs["item_choices"] = at + ": choices apply to choice items only."
	}
	it.Choices = choices
	return it, errs
}

// parseChoices reads "code=label" lines; the message names the line.
func parseChoices(s string) ([]marketplace.Choice, string) {
	var out []marketplace.Choice
	seen := map[string]bool{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		code, label, ok := strings.Cut(line, "=")
		code, label = strings.TrimSpace(code), strings.TrimSpace(label)
		switch {
		case !ok || code == "" || label == "":
			return nil, fmt.Sprintf("line %d: %q is not code=label.", i+1, line)
		case seen[code]:
			return nil, fmt.Sprintf("line %d: code %q appears twice.", i+1, code)
		}
		seen[code] = true
		out = append(out, marketplace.Choice{Code: code, Label: label})
	}
	return out, ""
}

func removeItem(b *designBuilder, formOID, itemOID string) {
	for fi, f := range b.Draft.Forms {
		if f.OID != formOID {
			continue
		}
		for ii, it := range f.Items {
			if it.OID == itemOID {
				b.Draft.Forms[fi].Items = append(f.Items[:ii:ii], f.Items[ii+1:]...)
				b.Done = fmt.Sprintf("Item %s removed from form %s.", itemOID, formOID)
				return
			}
		}
	}
	b.Problem = fmt.Sprintf("Form %s has no item %s to remove.", formOID, itemOID)
}

// oidProblem says what is wrong with an OID as typed, "" when nothing is.
func oidProblem(oid string) string {
	if oid == "" {
		return "required."
	}
	// The domain's rule: checked by validating a one-item design.
	d := marketplace.StudyDesign{Name: "x", Forms: []marketplace.FormDef{{OID: oid, Items: []marketplace.ItemDef{{OID: "x", Type: marketplace.ItemText}}}}}
	if d.Validate() != nil {
		return fmt.Sprintf("%q: use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.", oid)
	}
	return ""
}

// itemTypes are the item types the builder offers, in its order.
func itemTypes() []marketplace.ItemType {
	return []marketplace.ItemType{marketplace.ItemInteger, marketplace.ItemDecimal, marketplace.ItemDate,
		marketplace.ItemText, marketplace.ItemBoolean, marketplace.ItemChoice}
}

func itemTypeLabel(t marketplace.ItemType) string {
	if t == marketplace.ItemBoolean {
		return "yes/no"
	}
	return string(t)
}

func containsType(ts []marketplace.ItemType, t marketplace.ItemType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "(no OID)"
	}
	return s
}

// itemRange is an item's bounds for people: "40 to 250", "at least 0".
func itemRange(it marketplace.ItemDef) string {
	switch {
	case it.Min != nil && it.Max != nil:
		return *it.Min + " to " + *it.Max
	case it.Min != nil:
		return "at least " + *it.Min
	case it.Max != nil:
		return "at most " + *it.Max
	}
	return ""
}

// choicesText is a code list for people: "1 = Mild, 2 = Moderate".
func choicesText(cs []marketplace.Choice) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Code + " = " + c.Label
	}
	return strings.Join(parts, ", ")
}

// unscheduledForms are the design's forms no event lists.
func unscheduledForms(d marketplace.StudyDesign) []marketplace.FormDef {
	at := map[string]bool{}
	for _, e := range d.Events {
		for _, f := range e.Forms {
			at[f] = true
		}
	}
	var out []marketplace.FormDef
	for _, f := range d.Forms {
		if !at[f.OID] {
			out = append(out, f)
		}
	}
	return out
}

// fieldAttrs are the attributes of builder field name: invalid and
// described by its message when it has a problem.
func (b designBuilder) fieldAttrs(name string) templ.Attributes {
	return invalidAttrs(b.Errs[name] != "", name+"-error")
}

// invalidAttrs mark a field with a problem, described by the message with
// id msgID.
func invalidAttrs(bad bool, msgID string) templ.Attributes {
	if !bad {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-invalid": "true", "aria-describedby": msgID}
}

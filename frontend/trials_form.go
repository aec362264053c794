package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// formEntry is a designed form being filled in: the design version it
// follows, what was typed, and each item's problem.
type formEntry struct {
	T       marketplace.Trial
	Version int
	Form    marketplace.FormDef
	Events  []marketplace.EventDef // the events the form is filled in at
	Event   string
	Subject string
	Site    string            // the site entered at; "" for the subject's or the signer's only one
	Values  map[string]string // item OID -> as typed
	Errs    marketplace.FieldErrors
	// Corrects is the entry a correction corrects ("" for a new entry);
	// Reason is the reason for change it needs.
	Corrects  string
	Reason    string
	FieldErrs map[string]string // "subject", "event", "reason" -> problem
	Sign      signing
	Problem   string
	Done      string
	DoneEntry uint64
}

// formURL is the entry page of form oid in trial t.
func formURL(t marketplace.Trial, oid string) string {
	return trialURL(t) + "forms/" + url.PathEscape(oid)
}

// itemField is the name of item oid's field in the form.
func itemField(oid string) string { return "item_" + oid }

// itemID is the id of the field of the form's ith item (OIDs may hold dots,
// awkward in selectors).
func itemID(i int) string { return "item-" + strconv.Itoa(i) }

// loadFormEntry reads the design in force and its form oid.
func loadFormEntry(ctx context.Context, svc TrialService, id, oid string) (formEntry, error) {
	t, err := svc.Trial(ctx, id)
	if err != nil {
		return formEntry{}, err
	}
	d, n, err := svc.TrialDesign(ctx, id)
	if err != nil {
		return formEntry{}, err
	}
	f, ok := d.Form(oid)
	if !ok {
		return formEntry{}, marketplace.Errorf(marketplace.ENOTFOUND, "Design version %d of trial %s has no form %s.", n, t.Identifier, oid)
	}
	e := formEntry{T: t.Trial, Version: n, Form: f, Values: map[string]string{}, FieldErrs: map[string]string{}}
	for _, ev := range d.Events {
		if containsString(ev.Forms, oid) {
			e.Events = append(e.Events, ev)
		}
	}
	if len(e.Events) == 1 {
		e.Event = e.Events[0].OID
	}
	return e, nil
}

// handleTrialForm handles GET /trials/{id}/forms/{form}: the form of the
// design in force, empty for a new entry at ?event=E for ?subject=S, or
// with ?corrects=N filled in from entry N for its correction.
func handleTrialForm(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		e, err := loadFormEntry(r.Context(), svc, id, r.PathValue("form"))
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		q := r.URL.Query()
		if ev := q.Get("event"); ev != "" {
			e.Event = ev
		}
		e.Subject, e.Site = strings.TrimSpace(q.Get("subject")), strings.TrimSpace(q.Get("site"))
		if c := q.Get("corrects"); c != "" {
			if err := e.fillFrom(r.Context(), svc, id, c); err != nil {
				renderError(w, r, logger, err)
				return
			}
		}
		e.Sign = signingFor(r, svc, id)
		render(w, r, logger, http.StatusOK, page{Title: e.Form.Name, Section: "trials", Content: formEntryPage(e)})
	})
}

// fillFrom fills a correction of entry c in: its subject, event and items.
func (e *formEntry) fillFrom(ctx context.Context, svc TrialService, id, c string) error {
	n, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "Corrects: %q is not an entry number.", c)
	}
	es, err := svc.TrialSteps(ctx, id, app.StepFilter{Offset: n, Limit: 1})
	if err != nil {
		return err
	}
	if len(es) == 0 || es[0].Index != n {
		return marketplace.Errorf(marketplace.ENOTFOUND, "Trial %s has no entry %d.", e.T.Identifier, n)
	}
	var fd marketplace.FormData
	if json.Unmarshal(es[0].Step.Data, &fd) != nil || fd.Form != e.Form.OID {
		return marketplace.Errorf(marketplace.EINVALID, "Entry %d was not entered through form %s.", n, e.Form.OID)
	}
	e.Corrects, e.Subject, e.Event = c, es[0].Step.Subject, fd.Event
	for oid, v := range fd.Items {
		e.Values[oid] = typedText(v)
	}
	return nil
}

// typedText is a recorded value as the form's field shows it.
func typedText(v json.RawMessage) string {
	var s string
	switch {
	case json.Unmarshal(v, &s) == nil:
		return s
	case string(v) == "true":
		return "yes"
	case string(v) == "false":
		return "no"
	}
	return string(v)
}

// handleTrialFormRecord handles POST /trials/{id}/forms/{form}: checks each
// value against the form (FormDef.Check) and records the entry, signed, as
// a step of the form's type whose data is FormData; a refused value is
// named on its field with what was typed kept.
func handleTrialFormRecord(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		e, err := loadFormEntry(r.Context(), svc, id, r.PathValue("form"))
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		e.Sign = signingFor(r, svc, id)
		in, ok := e.read(r.PostForm)
		if !ok {
			render(w, r, logger, http.StatusUnprocessableEntity, page{Title: e.Form.Name, Section: "trials", Content: formEntryPage(e)})
			return
		}
		es, err := svc.RecordTrialSteps(r.Context(), signer(r), id, []app.StepInput{in})
		if code := marketplace.ErrorCode(err); code == marketplace.EINVALID || code == marketplace.EFORBIDDEN || code == marketplace.ENOTFOUND {
			e.Problem = "Not recorded: " + strings.TrimPrefix(marketplace.ErrorMessage(err), in.Ref+": ")
			render(w, r, logger, httpStatus(code), page{Title: e.Form.Name, Section: "trials", Content: formEntryPage(e)})
			return
		} else if err != nil {
			renderError(w, r, logger, err)
			return
		}
		done := formEntry{T: e.T, Version: e.Version, Form: e.Form, Events: e.Events, Event: e.Event, Site: e.Site, Sign: e.Sign,
			Values: map[string]string{}, FieldErrs: map[string]string{}, DoneEntry: es[0].Index}
		done.Done = fmt.Sprintf("Entry %d recorded: %s for subject %s.", es[0].Index, e.Form.Name, e.Subject)
		if e.Corrects != "" {
			done.Done = fmt.Sprintf("Entry %d recorded: correction of entry %s (%s).", es[0].Index, e.Corrects, e.Reason)
		}
		render(w, r, logger, http.StatusOK, page{Title: e.Form.Name, Section: "trials", Content: formEntryPage(done)})
	})
}

// read takes the posted form into e and checks it: the step to record, or
// false with each field's problem in e.
func (e *formEntry) read(form url.Values) (app.StepInput, bool) {
	e.Subject, e.Event, e.Site = strings.TrimSpace(form.Get("subject")), form.Get("event"), strings.TrimSpace(form.Get("site"))
	e.Corrects, e.Reason = strings.TrimSpace(form.Get("corrects")), strings.TrimSpace(form.Get("reason"))
	for _, it := range e.Form.Items {
		e.Values[it.OID] = form.Get(itemField(it.OID))
	}
	items, errs := e.Form.Check(e.Values)
	e.Errs = errs
	if e.Subject == "" {
		e.FieldErrs["subject"] = "Subject id: required."
	}
	if len(e.Events) > 0 && !e.atEvent(e.Event) {
		e.FieldErrs["event"] = fmt.Sprintf("Event: form %s is filled in at %s.", e.Form.OID, e.eventNames())
	}
	in := app.StepInput{Ref: "form " + e.Form.OID, Type: string(e.Form.StepType()), Subject: e.Subject, Site: e.Site, Meaning: form.Get("meaning")}
	if e.Corrects != "" {
		n, err := strconv.ParseUint(e.Corrects, 10, 64)
		if err != nil {
			e.Problem = fmt.Sprintf("Corrects: %q is not an entry number.", e.Corrects)
		}
		in.Corrects, in.Reason = &n, e.Reason
		if e.Reason == "" {
			e.FieldErrs["reason"] = fmt.Sprintf("Reason for change: required to correct entry %s.", e.Corrects)
		}
	}
	if len(errs) > 0 || len(e.FieldErrs) > 0 || e.Problem != "" {
		return in, false
	}
	in.Data, _ = json.Marshal(marketplace.FormData{Design: e.Version, Event: e.Event, Form: e.Form.OID, Items: items})
	return in, true
}

// sites are the sites the signer may enter this form at: nil when it has
// one site only (the entry takes it) or may enter at any site (anyOf).
func (e formEntry) sites() (sites []string, anyOf bool) {
	for _, g := range e.Sign.Grants {
		if !g.Role.Allows(e.Form.StepType(), marketplace.MeaningAuthored) {
			continue
		}
		if g.Site == "" {
			return nil, true
		}
		if !containsString(sites, g.Site) {
			sites = append(sites, g.Site)
		}
	}
	if len(sites) < 2 {
		return nil, false
	}
	return sites, false
}

func (e formEntry) atEvent(oid string) bool {
	for _, ev := range e.Events {
		if ev.OID == oid {
			return true
		}
	}
	return false
}

func (e formEntry) eventNames() string {
	names := make([]string, len(e.Events))
	for i, ev := range e.Events {
		names[i] = ev.Name + " (" + ev.OID + ")"
	}
	return strings.Join(names, " or ")
}

// itemAttrs are the attributes of the ith item's field: its type's, its
// bounds, required, and invalid with its message when it has a problem.
func (e formEntry) itemAttrs(i int, it marketplace.ItemDef) templ.Attributes {
	bad := e.Errs.For(it.OID) != ""
	a := invalidAttrs(bad, itemID(i)+"-error")
	if it.Unit != "" && it.Type != marketplace.ItemChoice {
		a["aria-describedby"] = itemID(i) + "-unit" // the unit is read with the field
		if bad {
			a["aria-describedby"] = itemID(i) + "-error " + itemID(i) + "-unit"
		}
	}
	if it.Required {
		a["required"] = true
	}
	switch it.Type {
	case marketplace.ItemInteger, marketplace.ItemDecimal:
		a["type"], a["step"], a["inputmode"] = "number", "any", "decimal"
		if it.Type == marketplace.ItemInteger {
			a["step"], a["inputmode"] = "1", "numeric"
		}
		if it.Min != nil {
			a["min"] = *it.Min
		}
		if it.Max != nil {
			a["max"] = *it.Max
		}
	case marketplace.ItemDate:
		a["type"] = "date"
	case marketplace.ItemChoice: // a select
	default:
		a["type"] = "text"
		if it.Length > 0 {
			a["maxlength"] = strconv.Itoa(it.Length)
		}
	}
	return a
}

// designedForms are the design's forms offered on the trial page: one
// link per form and event.
type designedForms struct {
	Version int
	Links   []formLink
}

type formLink struct {
	Form, Event string // names
	URL         string
	Step        marketplace.StepType
}

// designedFormsOf lists the forms of trial id's design in force, event by
// event; none before the first design.
func designedFormsOf(ctx context.Context, svc TrialService, t marketplace.Trial) (designedForms, error) {
	d, n, err := svc.TrialDesign(ctx, t.ID.Hex())
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return designedForms{}, nil
	} else if err != nil {
		return designedForms{}, err
	}
	out := designedForms{Version: n}
	for _, ev := range d.Events {
		for _, oid := range ev.Forms {
			if f, ok := d.Form(oid); ok {
				out.Links = append(out.Links, formLink{Form: f.Name, Event: ev.Name, URL: formURL(t, oid) + "?event=" + url.QueryEscape(ev.OID), Step: f.StepType()})
			}
		}
	}
	for _, f := range unscheduledForms(d) {
		out.Links = append(out.Links, formLink{Form: f.Name, URL: formURL(t, f.OID), Step: f.StepType()})
	}
	return out, nil
}

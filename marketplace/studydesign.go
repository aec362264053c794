package marketplace

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// StudyDesign is what a trial collects: its events (screening, baseline,
// visit 1...) and the forms filled in at each, every form a list of typed
// items. It follows CDISC ODM 1.3.2's Study/MetaDataVersion (StudyEventDef,
// FormDef, ItemGroupDef flattened into the form, ItemDef, CodeList,
// RangeCheck). The sponsor signs each version into the trial's log as a
// StepStudyDesign entry whose data is the design; the nth such entry is
// version n.
type StudyDesign struct {
	OID    string     `json:"oid,omitempty"` // the ODM MetaDataVersion OID, when imported
	Name   string     `json:"name"`
	Events []EventDef `json:"events"`
	Forms  []FormDef  `json:"forms"`
}

// EventDef is a study event (a visit): the forms filled in at it.
type EventDef struct {
	OID   string   `json:"oid"`
	Name  string   `json:"name"`
	Forms []string `json:"forms"` // FormDef OIDs, in order
}

// FormDef is a case report form: its items, and the step type an entry of
// it records (visit unless the form records, say, an adverse event).
type FormDef struct {
	OID   string    `json:"oid"`
	Name  string    `json:"name"`
	Step  StepType  `json:"step,omitempty"` // "" means StepVisit
	Items []ItemDef `json:"items"`
}

// ItemType is the type of an item's value.
type ItemType string

const (
	ItemInteger ItemType = "integer"
	ItemDecimal ItemType = "decimal"
	ItemDate    ItemType = "date"
	ItemText    ItemType = "text"
	ItemBoolean ItemType = "boolean" // yes/no
	ItemChoice  ItemType = "choice"  // one code of a code list
)

// ItemDef is one question of a form.
type ItemDef struct {
	OID      string   `json:"oid"`
	Label    string   `json:"label"` // the question as the form shows it
	Type     ItemType `json:"type"`
	Unit     string   `json:"unit,omitempty"` // for numbers: "mmHg", "kg"
	Min      *string  `json:"min,omitempty"`  // inclusive bounds, as decimal text
	Max      *string  `json:"max,omitempty"`
	Length   int      `json:"length,omitempty"` // for text: at most this many characters
	Required bool     `json:"required,omitempty"`
	Choices  []Choice `json:"choices,omitempty"` // for choice items
}

// Choice is one coded answer of a choice item.
type Choice struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// FormData is the data of a step entered through a form: which design
// version, event and form, and the typed value of each item answered.
type FormData struct {
	Design int                        `json:"design"`
	Event  string                     `json:"event,omitempty"`
	Form   string                     `json:"form"`
	Items  map[string]json.RawMessage `json:"items"`
}

var designOIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Limits on a design.
const (
	MaxDesignForms = 200
	MaxFormItems   = 300
)

// Validate checks a design: OIDs well formed and unique, every event's
// forms defined, every item typed, bounds and code lists coherent.
func (d StudyDesign) Validate() error {
	if strings.TrimSpace(d.Name) == "" {
		return Errorf(EINVALID, "Study design: a name is required.")
	}
	if len(d.Forms) == 0 {
		return Errorf(EINVALID, "Study design %s: at least one form is required.", d.Name)
	}
	if len(d.Forms) > MaxDesignForms {
		return Errorf(EINVALID, "Study design %s: %d forms, at most %d allowed.", d.Name, len(d.Forms), MaxDesignForms)
	}
	forms := map[string]bool{}
	for _, f := range d.Forms {
		if err := f.validate(); err != nil {
			return err
		}
		if forms[f.OID] {
			return Errorf(EINVALID, "Study design %s: form %s is defined twice.", d.Name, f.OID)
		}
		forms[f.OID] = true
	}
	events := map[string]bool{}
	for _, e := range d.Events {
		if !designOIDRE.MatchString(e.OID) {
			return Errorf(EINVALID, "Event %q: an OID of letters, digits, '.', '_' or '-' is required.", e.OID)
		}
		if events[e.OID] {
			return Errorf(EINVALID, "Study design %s: event %s is defined twice.", d.Name, e.OID)
		}
		events[e.OID] = true
		for _, f := range e.Forms {
			if !forms[f] {
				return Errorf(EINVALID, "Event %s: form %s is not defined.", e.OID, f)
			}
		}
	}
	return nil
}

func (f FormDef) validate() error {
	if !designOIDRE.MatchString(f.OID) {
		return Errorf(EINVALID, "Form %q: an OID of letters, digits, '.', '_' or '-' is required.", f.OID)
	}
	if f.Step != "" && (f.Step.Validate() != nil || !slicesContains(siteSteps, f.Step)) {
		return Errorf(EINVALID, "Form %s: step type %q is not a step a site records.", f.OID, f.Step)
	}
	if len(f.Items) == 0 || len(f.Items) > MaxFormItems {
		return Errorf(EINVALID, "Form %s: 1 to %d items required, it has %d.", f.OID, MaxFormItems, len(f.Items))
	}
	seen := map[string]bool{}
	for _, it := range f.Items {
		if err := it.validate(); err != nil {
			return Errorf(EINVALID, "Form %s: %s", f.OID, ErrorMessage(err))
		}
		if seen[it.OID] {
			return Errorf(EINVALID, "Form %s: item %s appears twice.", f.OID, it.OID)
		}
		seen[it.OID] = true
	}
	return nil
}

func slicesContains(ts []StepType, t StepType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func (it ItemDef) validate() error {
	if !designOIDRE.MatchString(it.OID) {
		return Errorf(EINVALID, "item %q: an OID of letters, digits, '.', '_' or '-' is required.", it.OID)
	}
	switch it.Type {
	case ItemInteger, ItemDecimal:
		for _, b := range []*string{it.Min, it.Max} {
			// Plain decimals only: an exponent such as 1e999999 would make a
			// million-digit rational of every comparison.
			if b != nil && (len(*b) > 40 || !decimalRE.MatchString(*b)) {
				return Errorf(EINVALID, "item %s: bound %q is not a plain decimal number.", it.OID, *b)
			}
		}
		if it.Min != nil && it.Max != nil && compareDecimal(*it.Min, *it.Max) > 0 {
			return Errorf(EINVALID, "item %s: minimum %s is above maximum %s.", it.OID, *it.Min, *it.Max)
		}
	case ItemChoice:
		if len(it.Choices) == 0 {
			return Errorf(EINVALID, "item %s: a choice item needs a code list.", it.OID)
		}
	case ItemDate, ItemText, ItemBoolean:
	default:
		return Errorf(EINVALID, "item %s: type %q is not integer, decimal, date, text, boolean or choice.", it.OID, it.Type)
	}
	return nil
}

// compareDecimal compares two decimal numbers exactly: as integers or
// floats when that decides (rounding to float64 keeps order, so floats that
// differ order their decimals), else as rationals.
func compareDecimal(a, b string) int {
	if x, err := strconv.ParseInt(a, 10, 64); err == nil {
		if y, err := strconv.ParseInt(b, 10, 64); err == nil {
			return cmpOrdered(x, y)
		}
	}
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil && x != y {
			return cmpOrdered(x, y)
		}
	}
	x, _ := new(big.Rat).SetString(a)
	y, _ := new(big.Rat).SetString(b)
	return x.Cmp(y)
}

func cmpOrdered[T int64 | float64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Event returns the event with oid, or false.
func (d StudyDesign) Event(oid string) (EventDef, bool) {
	for _, e := range d.Events {
		if e.OID == oid {
			return e, true
		}
	}
	return EventDef{}, false
}

// Form returns the form with oid, or false.
func (d StudyDesign) Form(oid string) (FormDef, bool) {
	for _, f := range d.Forms {
		if f.OID == oid {
			return f, true
		}
	}
	return FormDef{}, false
}

// StepType is the step an entry of the form records.
func (f FormDef) StepType() StepType {
	if f.Step == "" {
		return StepVisit
	}
	return f.Step
}

// Item returns the item with oid, or false.
func (f FormDef) Item(oid string) (ItemDef, bool) {
	for _, it := range f.Items {
		if it.OID == oid {
			return it, true
		}
	}
	return ItemDef{}, false
}

// FieldError is a problem with one item's value, as typed.
type FieldError struct {
	Item  string // the item's OID
	Label string
	Value string // what was typed, kept for the form
	Msg   string
}

// FieldErrors are the problems of one form entry; nil when there are none.
type FieldErrors []FieldError

// Error lists every problem, each naming its item.
func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = fmt.Sprintf("%s (%s): %s", e.Label, e.Item, e.Msg)
	}
	return strings.Join(parts, "; ")
}

// For returns the message for item oid, or "".
func (fe FieldErrors) For(oid string) string {
	for _, e := range fe {
		if e.Item == oid {
			return e.Msg
		}
	}
	return ""
}

// Check validates values (item OID -> text as typed; a missing or blank
// one is unanswered) against the form's items and returns each answered
// item's value as canonical JSON: integers and decimals as numbers as
// written (no float rounding), dates as "YYYY-MM-DD", booleans as
// true/false, choices as their code. Items the form does not define are
// errors too.
func (f FormDef) Check(values map[string]string) (map[string]json.RawMessage, FieldErrors) {
	out := map[string]json.RawMessage{}
	var errs FieldErrors
	for _, it := range f.Items {
		raw := strings.TrimSpace(values[it.OID])
		if raw == "" {
			if it.Required {
				errs = append(errs, FieldError{Item: it.OID, Label: it.Label, Msg: "required"})
			}
			continue
		}
		v, msg := it.Parse(raw)
		if msg != "" {
			errs = append(errs, FieldError{Item: it.OID, Label: it.Label, Value: raw, Msg: msg})
			continue
		}
		out[it.OID] = v
	}
	for oid, v := range values {
		if _, ok := f.Item(oid); !ok && strings.TrimSpace(v) != "" {
			errs = append(errs, FieldError{Item: oid, Label: oid, Value: v, Msg: fmt.Sprintf("form %s has no item %s", f.OID, oid)})
		}
	}
	return out, errs
}

// Parse reads one typed value; the message says what is wrong, "" when
// nothing is.
func (it ItemDef) Parse(raw string) (json.RawMessage, string) {
	switch it.Type {
	case ItemInteger, ItemDecimal:
		return it.parseNumber(raw)
	case ItemDate:
		if _, err := time.Parse("2006-01-02", raw); err != nil {
			return nil, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", raw)
		}
	case ItemBoolean:
		switch strings.ToLower(raw) {
		case "yes", "y", "true", "1":
			return json.RawMessage("true"), ""
		case "no", "n", "false", "0":
			return json.RawMessage("false"), ""
		}
		return nil, fmt.Sprintf("%q is not yes or no", raw)
	case ItemChoice:
		for _, c := range it.Choices {
			if c.Code == raw {
				return jsonString(raw), ""
			}
		}
		codes := make([]string, len(it.Choices))
		for i, c := range it.Choices {
			codes[i] = c.Code
		}
		return nil, fmt.Sprintf("%q is not one of the codes %s", raw, strings.Join(codes, ", "))
	case ItemText:
		if !utf8.ValidString(raw) {
			return nil, "not valid UTF-8"
		}
		if it.Length > 0 && utf8.RuneCountInString(raw) > it.Length {
			return nil, fmt.Sprintf("%d characters, at most %d allowed", utf8.RuneCountInString(raw), it.Length)
		}
	}
	return jsonString(raw), ""
}

var integerRE = regexp.MustCompile(`^[-+]?[0-9]+$`)
var decimalRE = regexp.MustCompile(`^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

func (it ItemDef) parseNumber(raw string) (json.RawMessage, string) {
	n := strings.TrimPrefix(strings.ReplaceAll(raw, ",", "."), "+")
	if it.Type == ItemInteger && !integerRE.MatchString(n) {
		return nil, fmt.Sprintf("%q is not a whole number", raw)
	}
	if it.Type == ItemDecimal && !decimalRE.MatchString(n) {
		return nil, fmt.Sprintf("%q is not a number", raw)
	}
	unit := ""
	if it.Unit != "" {
		unit = " " + it.Unit
	}
	if it.Min != nil && compareDecimal(n, *it.Min) < 0 {
		return nil, fmt.Sprintf("%s%s is below the minimum %s%s", raw, unit, *it.Min, unit)
	}
	if it.Max != nil && compareDecimal(n, *it.Max) > 0 {
		return nil, fmt.Sprintf("%s%s is above the maximum %s%s", raw, unit, *it.Max, unit)
	}
	// JSON numbers: no leading '+', leading zeros, a leading '.' or a
	// trailing '.'.
	if it.Type == ItemInteger {
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return json.RawMessage(strconv.FormatInt(i, 10)), ""
		}
		r, _ := new(big.Rat).SetString(n)
		return json.RawMessage(r.Num().String()), ""
	}
	if strings.HasPrefix(n, ".") || strings.HasPrefix(n, "-.") {
		n = strings.Replace(n, ".", "0.", 1)
	}
	n = strings.TrimSuffix(n, ".")
	if _, err := strconv.ParseFloat(n, 64); err != nil {
		return nil, fmt.Sprintf("%q is not a number", raw)
	}
	return json.RawMessage(n), ""
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// Display is an item's value for people: a choice's label, yes/no, a
// number with its unit.
func (it ItemDef) Display(v json.RawMessage) string {
	var s string
	switch {
	case json.Unmarshal(v, &s) == nil:
		if it.Type == ItemChoice {
			for _, c := range it.Choices {
				if c.Code == s {
					return c.Label
				}
			}
		}
		return s
	case string(v) == "true":
		return "Yes"
	case string(v) == "false":
		return "No"
	case it.Unit != "":
		return string(v) + " " + it.Unit
	}
	return string(v)
}

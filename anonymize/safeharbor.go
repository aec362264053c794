package anonymize

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// restrictedZIP3 are the 3-digit ZIP prefixes whose areas had 20,000
// people or fewer in the 2000 Census; Safe Harbor replaces them with "000"
// unless SafeHarbor.RestrictedZIP gives another list. Nothing writes to it.
var restrictedZIP3 = []string{"036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879", "884", "890", "893"}

// SafeHarbor applies HIPAA's Safe Harbor method (45 CFR 164.514(b)(2)) to
// the identifier categories that show in tabular data: it removes names,
// geographic units smaller than a state (street, city, county, birthplace,
// coordinates), phone and fax numbers, e-mail addresses, SSNs, medical
// record, health plan and account numbers, licence, vehicle and device
// identifiers, URLs, IP addresses, biometric and photo references and other
// unique identifiers; keeps the first 3 digits of ZIP codes ("000" for the
// restricted prefixes); keeps only the year of dates; and puts ages over 89
// into one "90+" group (Over89), as 164.514(b)(2)(i)(C) requires, birth
// years that imply such an age too (see AsOf). Free-text columns (by
// content or a name that declares notes: FreeTextSample) are scrubbed by
// the built-in Scrubber, their dates becoming [DATE] tags (Safe Harbor
// keeps no exact date), or dropped (FreeText).
//
// Each column's category comes from Columns, else from the column's name
// and content (SuggestColumn); a column with the direct-identifier role is
// removed whatever its category. Columns already pseudonymized with a keyed
// hash are kept, so that rows still link across tables.
type SafeHarbor struct {
	// Columns overrides the detected category of the named columns;
	// CatKeep leaves a column alone.
	Columns map[string]Category `json:"columns,omitempty" yaml:"columns,omitempty"`
	// Blank keeps removed columns with empty values instead of dropping them.
	Blank bool `json:"blank,omitempty" yaml:"blank,omitempty"`
	// RestrictedZIP replaces the 2000 Census list when set (for later censuses).
	RestrictedZIP []string `json:"restricted_zip,omitempty" yaml:"restricted_zip,omitempty"`
	// AsOf is the reference date ("2006-01-02") at which ages are counted:
	// a birth date or year (a date column whose name says birth, such as
	// BIRTHDATE, birth_date, dob, birth_year) of someone who may be over 89
	// on that day, a year 90 or more years before AsOf's, becomes Over89
	// and keeps no year. The year alone cannot tell 89 from 90, so the
	// year 90 years back counts as over 89. A pipeline sets it from
	// Env.AsOf (the publisher's clock); the engine never reads the time.
	// Without it birth years are not checked (the report warns).
	AsOf string `json:"as_of,omitempty" yaml:"as_of,omitempty"`
	// FreeText says what becomes of free-text columns: "scrub" (the
	// default: the built-in Scrubber replaces their identifiers with typed
	// tags, dates included, and the step declares itself a scrubber for
	// the policy gate) or "drop" (removed like direct identifiers).
	FreeText string `json:"free_text,omitempty" yaml:"free_text,omitempty"`
	// ShiftedDates says what becomes of event dates a keyed release
	// already shifted by the patient's secret offset (Release.Key; not
	// birth dates, not quasi-identifiers, which keep only their year):
	// "keep" (the default) keeps their day, so that the intervals between
	// a patient's events survive, as the release promises; "year" keeps
	// only the year, the letter of 164.514(b)(2)(i)(C). A shifted day is
	// not the true one (the offset is up to a year, secret, one per
	// patient): the usual expert-determination practice (MIMIC, i2b2).
	ShiftedDates string `json:"shifted_dates,omitempty" yaml:"shifted_dates,omitempty"`
}

// Safe Harbor's choices for dates a release shifted (SafeHarbor.ShiftedDates).
const (
	ShiftedDatesKeep = "keep"
	ShiftedDatesYear = "year"
)

// keepsShiftedDay says whether Apply keeps the day of date column c: an
// event date Release.Key shifted, and ShiftedDates is not "year".
func (s *SafeHarbor) keepsShiftedDay(c *Column) bool {
	return s.ShiftedDates != ShiftedDatesYear && wasApplied(c, "date-shift") && c.Role != RoleQuasi && !isBirthColumn(c.Name)
}

// Safe Harbor's choices for free-text columns (SafeHarbor.FreeText).
const (
	FreeTextDrop  = "drop"
	FreeTextScrub = "scrub"
)

// Over89 is the one category ages over 89, and the birth years that imply
// them, are aggregated into (HIPAA's "age 90 or older").
const Over89 = "90+"

// Validate checks the parameters.
func (s *SafeHarbor) Validate() error {
	if s.FreeText != "" && s.FreeText != FreeTextDrop && s.FreeText != FreeTextScrub {
		return invalidf("safe-harbor: free_text %q must be %q or %q", s.FreeText, FreeTextDrop, FreeTextScrub)
	}
	if s.ShiftedDates != "" && s.ShiftedDates != ShiftedDatesKeep && s.ShiftedDates != ShiftedDatesYear {
		return invalidf("safe-harbor: shifted_dates %q must be %q or %q", s.ShiftedDates, ShiftedDatesKeep, ShiftedDatesYear)
	}
	if s.AsOf != "" {
		if _, ok := parseDate(s.AsOf); !ok {
			return invalidf("safe-harbor: as_of %q is not a date (want 2006-01-02)", s.AsOf)
		}
	}
	return nil
}

// oldestYear returns the latest birth year that may mean an age over 89 at
// AsOf, and false when AsOf is not set.
func (s *SafeHarbor) oldestYear() (int, bool) {
	t, ok := parseDate(s.AsOf)
	if !ok {
		return 0, false
	}
	return t.Year() - 90, true
}

// isBirthColumn says whether a date column's name makes it a birth date.
func isBirthColumn(name string) bool {
	n := normalizeName(name)
	return strings.Contains(n, "birth") || n == "dob" || n == "yob"
}

// Describe implements Transform.
func (s *SafeHarbor) Describe() Descriptor {
	return Descriptor{Name: "safe-harbor", Version: Version, Scope: ScopeRow, Scrubber: s.scrubs(),
		Summary: "HIPAA Safe Harbor: remove the 18 identifier categories and free text (or scrub it), ZIP to 3 digits, dates to year, ages over 89 to 90+"}
}

// scrubs says whether free-text columns are scrubbed rather than removed:
// unless FreeText says "drop".
func (s *SafeHarbor) scrubs() bool { return s.FreeText != FreeTextDrop }

// removesCat says whether s removes a category's values: removes, less
// free text when s scrubs it.
func (s *SafeHarbor) removesCat(cat Category) bool {
	return removes(cat) && !(cat == CatFreeText && s.scrubs())
}

// Plan returns the category Safe Harbor will treat each column as.
func (s *SafeHarbor) Plan(t *Table) map[string]Category {
	plan := make(map[string]Category, len(t.Columns))
	for _, c := range t.Columns {
		plan[c.Name] = s.category(c)
	}
	return plan
}

func (s *SafeHarbor) category(c *Column) Category {
	if cat, ok := s.Columns[c.Name]; ok {
		return cat // before SampleOf: no need to look at the values
	}
	return s.categoryOf(SampleOf(c))
}

func (s *SafeHarbor) categoryOf(c ColumnSample) Category {
	if cat, ok := s.Columns[c.Name]; ok {
		return cat
	}
	if slices.Contains(c.Applied, "pseudonymize") {
		return CatKeep
	}
	sg := SuggestSample(c)
	if c.Role == RoleDirect && !sg.Category.Direct() {
		return CatID
	}
	return sg.Category
}

// PlanColumns implements ColumnPlanner: Apply keeps a column of category
// CatKeep or of no category it changes, drops (or blanks, with Blank) direct
// identifiers and maps ZIP codes, dates and ages. The transform returned
// applies the categories decided here to the columns to transform.
func (s *SafeHarbor) PlanColumns(cols []ColumnSample) ([]ColumnAction, Transform, error) {
	acts := make([]ColumnAction, len(cols))
	fixed := make(map[string]Category)
	for i, c := range cols {
		cat := s.categoryOf(c)
		switch {
		case cat == CatKeep:
			acts[i] = ActPass
		case s.removesCat(cat) && !s.Blank:
			acts[i] = ActDrop
		case s.removesCat(cat): // blanked
			acts[i] = ActTransform
			fixed[c.Name] = cat
		case cat == CatFreeText, cat == CatZIP, cat == CatDate, c.Type == TypeDate, c.Type == TypeDateTime, cat == CatAge:
			acts[i] = ActMap // MapValues
			fixed[c.Name] = cat
		default:
			acts[i] = ActPass
		}
	}
	return acts, &SafeHarbor{Columns: fixed, Blank: s.Blank, RestrictedZIP: s.RestrictedZIP, AsOf: s.AsOf, FreeText: s.FreeText, ShiftedDates: s.ShiftedDates}, nil
}

// Apply implements Transform.
func (s *SafeHarbor) Apply(ctx context.Context, t *Table) (*Table, error) {
	out, _, err := s.applyCounted(ctx, t)
	return out, err
}

// applyCounted implements scrubCounter: Apply, and what the scrubber
// replaced in each free-text column, by PHI type.
func (s *SafeHarbor) applyCounted(ctx context.Context, t *Table) (*Table, map[string]ScrubCounts, error) {
	restricted := s.RestrictedZIP
	if restricted == nil {
		restricted = restrictedZIP3
	}
	var scrubber *Scrubber
	if s.scrubs() {
		var err error
		if scrubber, err = NewScrubber(); err != nil {
			return nil, nil, fmt.Errorf("safe-harbor: %w", err)
		}
	}
	counts := map[string]ScrubCounts{}
	cols := make([]*Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		cat := s.category(c)
		switch {
		case cat == CatKeep:
			cols = append(cols, c)
		case cat == CatFreeText && scrubber != nil:
			n, cnt := scrubValues(scrubber, c)
			counts[c.Name] = cnt
			cols = append(cols, n.note("safe-harbor"))
		case removes(cat):
			if s.Blank {
				cols = append(cols, blankColumn(c, "safe-harbor"))
			}
		case cat == CatZIP:
			n := c.MapValues(func(v string) string { return zip3(v, restricted) })
			n.Type, n.Hierarchy = TypeString, nil
			cols = append(cols, n.note("safe-harbor"))
		case (cat == CatDate || c.Type == TypeDate || c.Type == TypeDateTime) && s.keepsShiftedDay(c):
			cols = append(cols, c)
		case cat == CatDate || c.Type == TypeDate || c.Type == TypeDateTime:
			year := yearOnly
			if oldest, ok := s.oldestYear(); ok && isBirthColumn(c.Name) {
				year = func(v string) string { return birthYear(v, oldest) }
			}
			n := c.MapValues(year)
			n.Type, n.Hierarchy = TypeInteger, nil
			cols = append(cols, n.note("safe-harbor"))
		case cat == CatAge:
			n := c.MapValues(topCodeAge)
			n.Hierarchy = withOver89(c.Hierarchy)
			cols = append(cols, n.note("safe-harbor"))
		default:
			cols = append(cols, c)
		}
	}
	return t.WithColumns(cols), counts, nil
}

// scrubValues is c.MapValues with the scrubber, dates becoming [DATE] tags
// (Safe Harbor keeps no day, shifted or not), and the replacements counted
// in every row. The distinct values are scrubbed side by side on every
// processor (scrubEach).
func scrubValues(sc *Scrubber, c *Column) (*Column, ScrubCounts) {
	vals, per := scrubEach(sc, c.Dict, nil)
	rows := make([]int, len(c.Dict))
	for _, code := range c.Codes {
		rows[code]++
	}
	counts := ScrubCounts{}
	for i, cnt := range per {
		for k, v := range cnt {
			counts[k] += v * rows[i]
		}
	}
	return c.MapDict(vals), counts
}

// removes says whether Safe Harbor removes a category's values: the direct
// identifiers, and free text (which may hold any of them) until a scrubber
// has processed it.
func removes(cat Category) bool { return cat.Direct() || cat == CatFreeText }

// zip3 keeps a ZIP code's first three digits, or "000" for restricted areas
// and values that are not ZIP codes.
func zip3(v string, restricted []string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	digits := 0
	for digits < len(v) && v[digits] >= '0' && v[digits] <= '9' {
		digits++
	}
	if digits < 3 {
		return "000"
	}
	p := v[:3]
	if slices.Contains(restricted, p) {
		return "000"
	}
	return p
}

// yearOnly keeps the year of a date; values that are not dates but hold a
// plausible year keep it, anything else is blanked.
func yearOnly(v string) string {
	if v == "" {
		return ""
	}
	if y, ok := dateYear(v); ok {
		return strconv.Itoa(y)
	}
	if len(v) >= 4 {
		if y, err := strconv.Atoi(v[:4]); err == nil && y > 1000 && y < 3000 && (len(v) == 4 || v[4] < '0' || v[4] > '9') {
			return v[:4]
		}
	}
	return ""
}

// birthYear keeps the year of a birth date, or Over89 when the year is
// oldest or earlier.
func birthYear(v string, oldest int) string {
	y := yearOnly(v)
	if n, err := strconv.Atoi(y); err == nil && n <= oldest {
		return Over89
	}
	return y
}

// topCodeAge collapses ages over 89 into Over89.
func topCodeAge(v string) string {
	f, ok := parseNumber(v)
	if ok && f > 89 {
		return Over89
	}
	return v
}

// withOver89 returns h with a row for Over89, so that a hierarchy written
// for raw ages (ARX's, say) still generalizes the top-coded column: at each
// level Over89 generalizes to what every age over 89 of h shares there,
// else to itself. Nil stays nil (automatic hierarchies keep non-numbers
// as they are below the top level).
func withOver89(h *Hierarchy) *Hierarchy {
	if h == nil || h.Contains(Over89) {
		return h
	}
	var over [][]string
	for _, r := range h.rows {
		if f, ok := parseNumber(r[0]); ok && f > 89 {
			over = append(over, r)
		}
	}
	row := make([]string, h.height)
	for l := range row {
		row[l] = Over89
	}
	if h.height > 1 {
		row[h.height-1] = h.rows[0][h.height-1] // the top ("*"), whatever is below
	}
	for l := 1; l < h.height && len(over) > 0; l++ {
		shared := over[0][l]
		for _, r := range over[1:] {
			if r[l] != shared {
				shared = ""
				break
			}
		}
		if shared != "" {
			row[l] = shared
		}
	}
	n, err := NewHierarchy(append(slices.Clone(h.rows), row))
	if err != nil {
		return h
	}
	return n
}

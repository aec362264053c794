package anonymize

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// RestrictedZIP3 are the 3-digit ZIP prefixes whose areas had 20,000 people
// or fewer in the 2000 Census; Safe Harbor replaces them with "000".
var RestrictedZIP3 = []string{"036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879", "884", "890", "893"}

// SafeHarbor applies HIPAA's Safe Harbor method (45 CFR 164.514(b)(2)) to
// the identifier categories that show in tabular data: it removes names,
// geographic units smaller than a state (street, city, county, birthplace,
// coordinates), free-text columns (detected by content: FreeTextSample),
// phone and fax numbers, e-mail addresses, SSNs, medical
// record, health plan and account numbers, licence, vehicle and device
// identifiers, URLs, IP addresses, biometric and photo references and other
// unique identifiers; keeps the first 3 digits of ZIP codes ("000" for the
// restricted prefixes); keeps only the year of dates; and puts ages over 89
// into one "90+" group.
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
	// RestrictedZIP replaces RestrictedZIP3 when set (for later censuses).
	RestrictedZIP []string `json:"restricted_zip,omitempty" yaml:"restricted_zip,omitempty"`
}

// Describe implements Transform.
func (s *SafeHarbor) Describe() Descriptor {
	return Descriptor{Name: "safe-harbor", Version: Version, Scope: ScopeRow,
		Summary: "HIPAA Safe Harbor: remove the 18 identifier categories and free text, ZIP to 3 digits, dates to year, ages over 89 to 90+"}
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
		case removes(cat) && !s.Blank:
			acts[i] = ActDrop
		case removes(cat): // blanked
			acts[i] = ActTransform
			fixed[c.Name] = cat
		case cat == CatZIP, cat == CatDate, c.Type == TypeDate, c.Type == TypeDateTime, cat == CatAge:
			acts[i] = ActMap // MapValues
			fixed[c.Name] = cat
		default:
			acts[i] = ActPass
		}
	}
	return acts, &SafeHarbor{Columns: fixed, Blank: s.Blank, RestrictedZIP: s.RestrictedZIP}, nil
}

// Apply implements Transform.
func (s *SafeHarbor) Apply(ctx context.Context, t *Table) (*Table, error) {
	restricted := s.RestrictedZIP
	if restricted == nil {
		restricted = RestrictedZIP3
	}
	cols := make([]*Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cat := s.category(c)
		switch {
		case cat == CatKeep:
			cols = append(cols, c)
		case removes(cat):
			if s.Blank {
				cols = append(cols, blankColumn(c, "safe-harbor"))
			}
		case cat == CatZIP:
			n := c.MapValues(func(v string) string { return zip3(v, restricted) })
			n.Type, n.Hierarchy = TypeString, nil
			cols = append(cols, n.note("safe-harbor"))
		case cat == CatDate || c.Type == TypeDate || c.Type == TypeDateTime:
			n := c.MapValues(yearOnly)
			n.Type, n.Hierarchy = TypeInteger, nil
			cols = append(cols, n.note("safe-harbor"))
		case cat == CatAge:
			n := c.MapValues(topCodeAge)
			n.Hierarchy = nil
			cols = append(cols, n.note("safe-harbor"))
		default:
			cols = append(cols, c)
		}
	}
	return t.WithColumns(cols), nil
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

// topCodeAge collapses ages over 89 into "90+".
func topCodeAge(v string) string {
	f, ok := parseNumber(v)
	if ok && f > 89 {
		return "90+"
	}
	return v
}

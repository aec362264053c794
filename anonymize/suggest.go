package anonymize

import (
	"strings"
)

// Suggestion is a proposed role and transform for one column, with why.
// Users override it in the pipeline config.
type Suggestion struct {
	Column   string   `json:"column"`
	Category Category `json:"category,omitempty"`
	Role     Role     `json:"role"`
	// Transform names the suggested treatment: "drop", "pseudonymize",
	// "zip3", "year", "top-code", "generalize" or "keep".
	Transform  string  `json:"transform"`
	Confidence float64 `json:"confidence"`
	Reason     string  `json:"reason"`
}

// Suggest proposes a role and a transform for every column of t, from the
// column's name and a sample of its distinct values.
func Suggest(t *Table) []Suggestion {
	out := make([]Suggestion, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = SuggestColumn(c)
	}
	return out
}

// SuggestColumn proposes a role and transform for one column.
func SuggestColumn(c *Column) Suggestion {
	return SuggestSample(SampleOf(c))
}

// SuggestSample is SuggestColumn on a column's sample: the same answer.
func SuggestSample(c ColumnSample) Suggestion {
	s := Suggestion{Column: c.Name}
	byName := categoryByName(c.Name)
	if ok, why := FreeTextSample(c); ok && !byName.Direct() && c.Type == TypeString {
		// By content, whatever the name says: identifiers hide in prose.
		return Suggestion{Column: c.Name, Category: CatFreeText, Role: RoleInsensitive, Transform: "drop", Confidence: 0.8, Reason: "free text: " + why}
	}
	byContent, share := categoryBySample(c.Values)
	cat := s.weigh(byName, byContent, share)
	cat = s.byType(c, cat, byContent)
	s.Category = cat
	s.treat(cat, c.Name)
	return s
}

// weigh decides between the category the name suggests and the one the
// values show (share of them), and says why and how sure in s.
func (s *Suggestion) weigh(byName, byContent Category, share float64) Category {
	cat := byName
	switch {
	case byName == CatNone && byContent != CatNone:
		cat = byContent
		s.Confidence = 0.6 * share
		s.Reason = "values look like " + string(byContent)
	case byName != CatNone && byContent != CatNone && byContent != byName:
		// A content match that is unmistakable beats a vaguer name.
		if contentBeatsName(byName, byContent) {
			cat = byContent
			s.Reason = "values look like " + string(byContent) + " (name suggests " + string(byName) + ")"
			s.Confidence = 0.7 * share
		} else {
			s.Reason = "column name suggests " + string(byName)
			s.Confidence = 0.6
		}
	case byName != CatNone:
		s.Reason = "column name suggests " + string(byName)
		s.Confidence = 0.7
		if byContent == byName {
			s.Reason += " and values agree"
			s.Confidence = 0.95
		}
	}
	return cat
}

// contentBeatsName says whether values that look like byContent overrule
// a name that suggests byName: dates and addresses on either side never
// do, and only vague names (identifier, name, demographic) yield.
func contentBeatsName(byName, byContent Category) bool {
	return byContent != CatDate && byContent != CatAddress && byName != CatDate &&
		(byName == CatID || byName == CatName || byName == CatDemographic || byName == CatNone)
}

// byType corrects cat with what the column's type says.
func (s *Suggestion) byType(c ColumnSample, cat, byContent Category) Category {
	if cat == CatNone && (c.Type == TypeDate || c.Type == TypeDateTime) {
		cat, s.Reason, s.Confidence = CatDate, "values are dates", 0.8
	}
	if cat == CatCoordinates && !c.Type.Numeric() && byContent != CatNone {
		cat = byContent
	}
	if cat == CatID && c.Type == TypeInteger && byContent == CatNone && c.Rows > 0 && c.Distinct*2 < c.Rows {
		// Many rows share each value: a code, not a record identifier.
		cat, s.Reason, s.Confidence = CatNone, "", 0
	}
	return cat
}

// treat sets the role and transform for a column of category cat.
func (s *Suggestion) treat(cat Category, name string) {
	switch {
	case cat == CatID || cat == CatMRN:
		s.Role, s.Transform = RoleDirect, "pseudonymize"
	case cat.Direct():
		s.Role, s.Transform = RoleDirect, "drop"
	case cat == CatZIP:
		s.Role, s.Transform = RoleQuasi, "zip3"
	case cat == CatDate:
		s.Role, s.Transform = RoleQuasi, "year"
		if n := normalizeName(name); !isBirthColumn(name) && !strings.Contains(n, "death") {
			s.Role = RoleInsensitive
		}
	case cat == CatAge:
		s.Role, s.Transform = RoleQuasi, "top-code"
	case cat == CatState, cat == CatDemographic:
		s.Role, s.Transform = RoleQuasi, "generalize"
	case cat == CatSensitive:
		s.Role, s.Transform = RoleSensitive, "keep"
	default:
		s.Role, s.Transform = RoleInsensitive, "keep"
		if s.Reason == "" {
			s.Reason = "no identifier found by name or content"
		}
	}
}

// findIdentifiers scans published columns for values that are direct
// identifiers (the report's findings). Columns with the direct-identifier
// role are reported elsewhere; pseudonymized columns are expected to hold
// opaque codes.
func findIdentifiers(t *Table) []Suggestion {
	var out []Suggestion
	for _, c := range t.Columns {
		if c.Role == RoleDirect || wasApplied(c, "pseudonymize") {
			continue
		}
		cat, share := categoryByContent(c)
		if cat == CatNone || !cat.Direct() || cat == CatID || cat == CatAddress {
			continue
		}
		out = append(out, Suggestion{Column: c.Name, Category: cat, Role: RoleDirect, Transform: "drop",
			Confidence: share, Reason: "published values look like " + string(cat)})
	}
	return out
}

func wasApplied(c *Column, name string) bool {
	for _, a := range c.Applied {
		if a == name {
			return true
		}
	}
	return false
}

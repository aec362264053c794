package anonymize

import "strings"

// SampleValues is how many non-empty dictionary values content detection
// reads per column (the first ones, in dictionary order).
const SampleValues = 400

// sampleValues returns the prefix of dict content detection reads: up to
// and including the SampleValues-th value that is not blank.
func sampleValues(dict []string) []string {
	n := 0
	for i, v := range dict {
		if strings.TrimSpace(v) == "" {
			continue
		}
		n++
		if n >= SampleValues {
			return dict[:i+1]
		}
	}
	return dict
}

// ColumnSample is what column-wise decisions (SuggestColumn, Safe Harbor's
// categories) read of a column: its metadata, its size and the first values
// of its dictionary. A plugin host sends it to a plugin so that the plugin
// decides exactly as it would seeing the whole column (ColumnPlanner).
type ColumnSample struct {
	Name    string
	Type    Type
	Role    Role
	Level   int
	Applied []string
	// Rows is the column's length, Distinct its dictionary's size.
	Rows, Distinct int
	// Values are the first dictionary values in dictionary order, through
	// the SampleValues-th non-blank one (all of them when fewer).
	Values []string
}

// SampleOf returns c's sample; Values shares c's dictionary.
func SampleOf(c *Column) ColumnSample {
	return ColumnSample{Name: c.Name, Type: c.Type, Role: c.Role, Level: c.Level, Applied: c.Applied,
		Rows: c.Len(), Distinct: len(c.Dict), Values: sampleValues(c.Dict)}
}

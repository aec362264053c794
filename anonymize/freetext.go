package anonymize

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Free text (clinical notes, comments) can hold any identifier written into
// it: names, dates, phone numbers, hospitals. Column-level transforms cannot
// see inside it, so until a scrubber has processed a free-text column it must
// not be published: Safe Harbor scrubs (or drops) it, and the policy gate refuses a table
// that still holds one (see Report.FreeText).
//
// Free text is recognized by content: most sampled values are prose
// (FreeTextMinChars characters or more, and FreeTextMinWords words or more
// punctuated as sentences, or FreeTextLongWords words or more) and values
// rarely repeat (at most FreeTextMaxRepeat rows per distinct value on
// average). The repetition test keeps long categorical values out: drug
// and procedure descriptions of a terminology ("Acetaminophen 325 MG /
// Oxycodone Hydrochloride 10 MG Oral Tablet") are long, but a few hundred
// of them describe many thousand rows.
//
// A column whose name declares notes (IsNoteName: "note", "comments",
// "clinical_notes"..., the FHIR import's DocumentReference.note) is free
// text whatever its values look like, as soon as one holds a letter:
// notes copied between records, or a clinic's templated notes, repeat
// exactly and still name the patient.
const (
	FreeTextMinWords  = 6
	FreeTextMinChars  = 40
	FreeTextLongWords = 15
	FreeTextMinShare  = 0.5
	FreeTextMaxRepeat = 10
)

// CatFreeText is a column of free text (see FreeTextSample).
const CatFreeText Category = "free-text"

// noteNames are the normalized column names (lower case, '_' between
// words) that declare a column of notes: as whole names, or as the last
// word of the name ("progress_notes", "nurse_comment"). Nothing writes to it.
var noteNames = struct{ whole, last []string }{
	whole: []string{"text", "free_text", "freetext", "note_text", "notes_text", "clinical_text", "report_text", "narrative_text", "discharge_summary"},
	last:  []string{"note", "notes", "narrative", "comment", "comments", "remark", "remarks", "memo", "freetext"},
}

// IsNoteName says whether a column's name declares it a column of notes
// (free text whatever its values look like).
func IsNoteName(name string) bool {
	n := normalizeName(name)
	if n == "" {
		return false
	}
	if slices.Contains(noteNames.whole, n) {
		return true
	}
	words := strings.Split(n, "_")
	return slices.Contains(noteNames.last, words[len(words)-1])
}

// FreeTextSample reports whether a column's sample is free text, and why
// (in words a report can show): by content, else by a name that declares
// notes (IsNoteName) when some value holds a letter.
func FreeTextSample(c ColumnSample) (bool, string) {
	if ok, why := freeTextContent(c); ok {
		return true, why
	}
	if IsNoteName(c.Name) && slices.ContainsFunc(c.Values, hasLetter) {
		return true, fmt.Sprintf("its name %q declares notes, whatever their values look like (%d distinct in %d rows)", c.Name, c.Distinct, c.Rows)
	}
	return false, ""
}

func hasLetter(v string) bool { return strings.IndexFunc(v, unicode.IsLetter) >= 0 }

// freeTextContent is FreeTextSample by content alone.
func freeTextContent(c ColumnSample) (bool, string) {
	n, prose := 0, 0
	for _, v := range c.Values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		n++
		if isProse(v) {
			prose++
		}
	}
	if n == 0 || float64(prose) < FreeTextMinShare*float64(n) {
		return false, ""
	}
	if c.Distinct > 0 && c.Rows > FreeTextMaxRepeat*c.Distinct {
		return false, ""
	}
	return true, fmt.Sprintf("%d of %d sampled values are sentences of %d or more words and %d or more characters, and values rarely repeat (%d distinct in %d rows)",
		prose, n, FreeTextMinWords, FreeTextMinChars, c.Distinct, c.Rows)
}

// isProse says whether one value is long, multi-word text written as
// sentences: punctuated like prose, or longer than any label
// (FreeTextLongWords words).
func isProse(v string) bool {
	if utf8.RuneCountInString(v) < FreeTextMinChars {
		return false
	}
	words := len(strings.Fields(v))
	if words >= FreeTextLongWords {
		return true
	}
	if words < FreeTextMinWords {
		return false
	}
	return strings.Contains(v, ". ") || strings.Contains(v, ", ") || strings.Contains(v, "; ") || strings.ContainsAny(v[len(v)-1:], ".!?")
}

// FreeTextReport says what became of one free-text column of a pipeline's
// input (or output): dropped, blanked, scrubbed by a scrubber step, or
// kept as it is (which the policy gate refuses).
type FreeTextReport struct {
	Column string `json:"column"`
	// Reason says why the column counts as free text.
	Reason string `json:"reason"`
	// Outcome is "dropped", "blanked", "scrubbed" or "kept".
	Outcome string `json:"outcome"`
	// ScrubbedBy names the scrubber step that processed the column.
	ScrubbedBy string `json:"scrubbed_by,omitempty"`
	// Replaced counts what the built-in scrubber (scrub-notes, Safe
	// Harbor) replaced in the column, by PHI type (PHITypes), over all
	// rows; nil when the column was not scrubbed or a third-party scrubber
	// did it.
	Replaced ScrubCounts `json:"replaced,omitempty"`
}

// String says it in one line, for reports on a terminal or a page.
func (f FreeTextReport) String() string {
	switch f.Outcome {
	case "scrubbed":
		if f.Replaced != nil {
			return fmt.Sprintf("%s: scrubbed by %s, replaced %s (%s)", f.Column, f.ScrubbedBy, f.Replaced, f.Reason)
		}
		return fmt.Sprintf("%s: scrubbed by %s (%s)", f.Column, f.ScrubbedBy, f.Reason)
	case "kept":
		return fmt.Sprintf("%s: kept, no scrubber processed it (%s)", f.Column, f.Reason)
	}
	return fmt.Sprintf("%s: %s (%s)", f.Column, f.Outcome, f.Reason)
}

// freeTextColumns returns the free-text columns of t with the reason.
func freeTextColumns(t *Table) map[string]string {
	out := map[string]string{}
	for _, c := range t.Columns {
		if ok, why := FreeTextSample(SampleOf(c)); ok {
			out[c.Name] = why
		}
	}
	return out
}

// scrubTracker follows free-text columns through a pipeline's steps: which
// were in the input, and which a step that declares itself a scrubber
// (Descriptor.Scrubber) processed, seen by the step's name added to the
// column's Applied list.
type scrubTracker struct {
	input    map[string]string // free-text columns of the input: reason
	order    []string
	scrubbed map[string]string // column: scrubber step
	replaced map[string]ScrubCounts
}

// scrubCounter is a scrubber that counts what it replaced: the built-in
// ones. The pipeline calls applyCounted instead of Apply.
type scrubCounter interface {
	applyCounted(ctx context.Context, t *Table) (*Table, map[string]ScrubCounts, error)
}

func newScrubTracker(t *Table) *scrubTracker {
	s := &scrubTracker{input: freeTextColumns(t), scrubbed: map[string]string{}, replaced: map[string]ScrubCounts{}}
	for _, c := range t.Columns {
		if _, ok := s.input[c.Name]; ok {
			s.order = append(s.order, c.Name)
		}
	}
	return s
}

// step records what a step did: a scrubber scrubbed each output column
// whose Applied list gained the scrubber's name.
func (s *scrubTracker) step(d Descriptor, in, out *Table) {
	if !d.Scrubber {
		return
	}
	for _, c := range out.Columns {
		before := 0
		if ic := in.Column(c.Name); ic != nil {
			before = countApplied(ic, d.Name)
		}
		if countApplied(c, d.Name) > before {
			s.scrubbed[c.Name] = d.Name
		}
	}
}

// counted adds what a step's scrubber replaced in each column.
func (s *scrubTracker) counted(byColumn map[string]ScrubCounts) {
	for name, c := range byColumn {
		if s.replaced[name] == nil {
			s.replaced[name] = ScrubCounts{}
		}
		s.replaced[name].Add(c)
	}
}

func countApplied(c *Column, name string) int {
	n := 0
	for _, a := range c.Applied {
		if a == name {
			n++
		}
	}
	return n
}

// report says what became of each free-text column of the input, and of
// any free-text column of the output the input did not have.
func (s *scrubTracker) report(out *Table) []FreeTextReport {
	var rep []FreeTextReport
	outcome := func(name, why string) FreeTextReport {
		r := FreeTextReport{Column: name, Reason: why}
		c := out.Column(name)
		switch {
		case c == nil:
			r.Outcome = "dropped"
		case s.scrubbed[name] != "":
			r.Outcome, r.ScrubbedBy, r.Replaced = "scrubbed", s.scrubbed[name], s.replaced[name]
		case !hasValues(c):
			r.Outcome = "blanked"
		default:
			r.Outcome = "kept"
		}
		return r
	}
	for _, name := range s.order {
		rep = append(rep, outcome(name, s.input[name]))
	}
	for _, c := range out.Columns {
		if _, ok := s.input[c.Name]; ok {
			continue
		}
		if ok, why := FreeTextSample(SampleOf(c)); ok {
			rep = append(rep, outcome(c.Name, why))
			continue
		}
		// A built-in scrubber counted what it replaced here: the column
		// was named a note (ScrubNotes.Columns, a release's Notes).
		if _, counted := s.replaced[c.Name]; counted && s.scrubbed[c.Name] != "" {
			rep = append(rep, outcome(c.Name, "declared a column of notes"))
		}
	}
	return rep
}

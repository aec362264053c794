package anonymize

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// The built-in note scrubber removes protected health information from free
// text (clinical notes, DocumentReference text). It aims at recall first:
//
//   - patterns (scrub_patterns.go) find dates, ages over 89, phone and fax
//     numbers, e-mail addresses, URLs, IP addresses, SSNs, record numbers
//     (MRN, account, long digit runs), ZIP codes, street addresses and
//     facility names;
//   - names (scrub_names.go) are found by combining a list of first names
//     with context (titles "Dr." "Mrs.", relations "wife", "son",
//     signatures "V. Finn, RRT"), and by a safe list: a capitalised word
//     survives only if it is a known non-identifying word (an English word
//     list plus medical vocabulary, eponyms and abbreviations).
//
// Dates the scrubber can parse are shifted by the patient's offset in days
// (so intervals survive) and keep their layout; every other finding becomes
// a typed tag such as [NAME] or [PHONE]. The lists and their licences are
// in scrubdata/LICENSES.md.

// PHI types the scrubber finds; the tag it writes is the type in brackets.
const (
	PHIName    = "NAME"
	PHIDate    = "DATE"
	PHIPhone   = "PHONE"
	PHIEmail   = "EMAIL"
	PHIURL     = "URL"
	PHIIP      = "IP"
	PHISSN     = "SSN"
	PHIID      = "ID"
	PHIZip     = "ZIP"
	PHIAddress = "ADDRESS"
	PHIAge     = "AGE"
)

// PHITypes lists the PHI types in a fixed order, for reports.
var PHITypes = []string{PHIName, PHIDate, PHIAge, PHIPhone, PHIEmail, PHIURL, PHIIP, PHISSN, PHIID, PHIZip, PHIAddress}

// ScrubSpan is one finding: bytes [Start, End) of the text are PHI of Type.
type ScrubSpan struct {
	Start, End int
	Type       string
}

// ScrubCounts counts replacements by PHI type.
type ScrubCounts map[string]int

// Add adds o's counts to c.
func (c ScrubCounts) Add(o ScrubCounts) {
	for k, v := range o {
		c[k] += v
	}
}

// String lists the counts in PHITypes order ("NAME 3, DATE 2").
func (c ScrubCounts) String() string {
	var parts []string
	for _, t := range PHITypes {
		if c[t] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t, c[t]))
		}
	}
	if len(parts) == 0 {
		return "nothing replaced"
	}
	return strings.Join(parts, ", ")
}

//go:embed scrubdata/first_names.txt scrubdata/words.txt.gz scrubdata/safe.txt
var scrubData embed.FS

// scrubLists are the word lists, read once from the embedded files and
// never changed after.
type scrubLists struct {
	first map[string]bool // first names, lower case
	words map[string]bool // English words, lower case
	safe  map[string]bool // medical vocabulary, eponyms, abbreviations
}

var loadScrubLists = sync.OnceValues(func() (*scrubLists, error) {
	l := &scrubLists{}
	var err error
	if l.first, err = readWordFile("scrubdata/first_names.txt", false); err != nil {
		return nil, err
	}
	if l.words, err = readWordFile("scrubdata/words.txt.gz", true); err != nil {
		return nil, err
	}
	if l.safe, err = readWordFile("scrubdata/safe.txt", false); err != nil {
		return nil, err
	}
	return l, nil
})

// readWordFile reads an embedded list: whitespace-separated words, lines
// starting with # are comments.
func readWordFile(name string, gz bool) (map[string]bool, error) {
	b, err := scrubData.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("scrubber list %s: %w", name, err)
	}
	var r io.Reader = bytes.NewReader(b)
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("scrubber list %s: %w", name, err)
		}
		r = zr
	}
	out := make(map[string]bool, 1024)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			out[w] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scrubber list %s: %w", name, err)
	}
	return out, nil
}

// Scrubber finds and replaces PHI in free text. Its zero value is not
// usable: call NewScrubber. It is safe for concurrent use.
type Scrubber struct {
	lists *scrubLists
}

// NewScrubber returns the built-in scrubber with its embedded lists.
func NewScrubber() (*Scrubber, error) {
	l, err := loadScrubLists()
	if err != nil {
		return nil, err
	}
	return &Scrubber{lists: l}, nil
}

// Find returns the PHI spans of text, sorted and not overlapping.
func (s *Scrubber) Find(text string) []ScrubSpan {
	spans := findPatterns(text)
	spans = append(spans, s.findNames(text, spans)...)
	return mergeSpans(spans)
}

// Scrub returns text with its PHI replaced and the counts by type: dates
// that parse are shifted by shiftDays (0: they become [DATE] tags),
// everything else becomes a tag "[TYPE]".
func (s *Scrubber) Scrub(text string, shiftDays int) (string, ScrubCounts) {
	spans := s.Find(text)
	counts := ScrubCounts{}
	if len(spans) == 0 {
		return text, counts
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp.Start])
		counts[sp.Type]++
		rep := "[" + sp.Type + "]"
		if sp.Type == PHIDate && shiftDays != 0 {
			if v, ok := shiftTextDate(text[sp.Start:sp.End], shiftDays); ok {
				rep = v
			}
		}
		b.WriteString(rep)
		last = sp.End
	}
	b.WriteString(text[last:])
	return b.String(), counts
}

// mergeSpans sorts spans and resolves overlaps: the earlier, then the
// longer span wins; a span overlapping a kept one is dropped, except that
// two overlapping spans of one type are joined.
func mergeSpans(spans []ScrubSpan) []ScrubSpan {
	sort.SliceStable(spans, func(i, j int) bool {
		if spans[i].Start != spans[j].Start {
			return spans[i].Start < spans[j].Start
		}
		return spans[i].End > spans[j].End
	})
	var out []ScrubSpan
	for _, sp := range spans {
		if sp.End <= sp.Start {
			continue
		}
		if n := len(out); n > 0 && sp.Start < out[n-1].End {
			if sp.Type == out[n-1].Type && sp.End > out[n-1].End {
				out[n-1].End = sp.End
			}
			continue
		}
		out = append(out, sp)
	}
	return out
}

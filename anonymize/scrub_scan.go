package anonymize

import "strings"

// scrubScan is what one pass over a text tells the scrubber's patterns
// before any regular expression runs: the bytes it holds, its runs of
// digits, and its ASCII lower case for keywords. Each pattern's can
// checks there what all its matches need (scrub_patterns.go), so most
// patterns are skipped on most notes.
type scrubScan struct {
	text   string
	lower  string // ASCII lower case of text
	folds  bool   // text holds a rune that folds to an ASCII letter (K, ſ)
	bytes  [256]bool
	runs   []digitRun // maximal runs of ASCII digits, in order
	maxRun int        // length of the longest run
	over89 bool       // a run reads 90-99 or 100-149 (an age to tag)
}

// digitRun is bytes [start, end) of the text, all digits.
type digitRun struct{ start, end int }

func newScrubScan(text string) *scrubScan {
	s := &scrubScan{text: text}
	lower := []byte(text)
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) {
			b := text[i]
			s.bytes[b] = true
			if 'A' <= b && b <= 'Z' {
				lower[i] = b + 'a' - 'A'
			}
			if '0' <= b && b <= '9' {
				if start < 0 {
					start = i
				}
				continue
			}
		}
		if start >= 0 {
			s.addRun(start, i)
			start = -1
		}
	}
	s.lower = string(lower)
	// Case-insensitive expressions match these to k and s.
	s.folds = strings.Contains(text, "\u212a") || strings.Contains(text, "\u017f")
	return s
}

func (s *scrubScan) addRun(start, end int) {
	s.runs = append(s.runs, digitRun{start, end})
	n := end - start
	s.maxRun = max(s.maxRun, n)
	d := s.text[start:end]
	if (n == 2 && d[0] == '9') || (n == 3 && d[0] == '1' && d[1] <= '4') {
		s.over89 = true
	}
}

// has says whether the text holds byte b.
func (s *scrubScan) has(b byte) bool { return s.bytes[b] }

// word says whether the text holds one of words, case as given.
func (s *scrubScan) word(words ...string) bool {
	for _, w := range words {
		if strings.Contains(s.text, w) {
			return true
		}
	}
	return false
}

// fold says whether the text holds one of words (lower case) in any case,
// as a case-insensitive expression would match them.
func (s *scrubScan) fold(words ...string) bool {
	if s.folds {
		return true
	}
	for _, w := range words {
		if strings.Contains(s.lower, w) {
			return true
		}
	}
	return false
}

// chain says whether len(lens) consecutive digit runs are joined each by
// one byte of seps, run j at least lens[j] digits long: "3-2-4" for an SSN
// is chain("-", 3, 2, 4).
func (s *scrubScan) chain(seps string, lens ...int) bool {
	for i := 0; i+len(lens) <= len(s.runs); i++ {
		if s.chainAt(i, seps, lens) {
			return true
		}
	}
	return false
}

func (s *scrubScan) chainAt(i int, seps string, lens []int) bool {
	for j, n := range lens {
		r := s.runs[i+j]
		if r.end-r.start < n {
			return false
		}
		if j == 0 {
			continue
		}
		prev := s.runs[i+j-1]
		if r.start-prev.end != 1 || strings.IndexByte(seps, s.text[prev.end]) < 0 {
			return false
		}
	}
	return true
}

// Keywords the patterns' can functions look for: every alternative of the
// expression contains one of them.
var (
	idKeywords    = []string{"mrn", "record", "acct", "account", "chart", "member", "policy", "plan", "lic", "dea", "npi", "id", "case", "specimen", "accession", "encounter", "visit", "claim", "serial", "device", "cert"}
	streetWords   = []string{"St", "Ave", "Rd", "Road", "Blvd", "Boulevard", "Dr", "Ln", "Lane", "Way", "Ct", "Court", "Pl", "Ter", "Pkwy", "Parkway", "Hwy", "Highway", "Cir", "Sq", "Square", "Row", "Trail", "Path"}
	unitWords     = []string{"Apt", "Apartment", "Unit", "Suite", "Ste", "Room", "Rm", "Bldg", "Building", "Fl"}
	facilityWords = []string{"Hospital", "Medical Center", "Health", "Clinic", "Infirmary", "Nursing Home", "Rehab", "Hospice", "Memorial", "Sanatorium"}
	nameLabels    = []string{"pt", "patient", "name", "signed", "author", "provider", "attending", "pcp", "contact", "guardian", "next of kin", "nok"}
	monthWords    = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

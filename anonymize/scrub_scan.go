package anonymize

import "strings"

// scrubScan is what one pass over a text tells the scrubber's patterns
// before any regular expression runs: the bytes it holds, its runs of
// digits, and its ASCII lower case for keywords. Each pattern's can
// checks there what all its matches need (scrub_patterns.go), so most
// patterns are skipped on most notes.
type scrubScan struct {
	text  string
	lower string // ASCII lower case of text
	folds bool   // text holds a rune that folds to an ASCII letter (K, ſ)
	bytes [256]bool
	runs  []digitRun // maximal runs of ASCII digits, in order
	// wordStarts are the positions of the ASCII letters after a non-word
	// byte or at the start.
	wordStarts []int
	maxRun     int        // length of the longest run
	ages       []digitRun // runs reading 90-99 or 100-149 (ages to tag)
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
			if isLetterByte(b) && (i == 0 || !isWordByte(text[i-1])) {
				s.wordStarts = append(s.wordStarts, i)
			}
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
		s.ages = append(s.ages, digitRun{start, end})
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

// ageThen says whether an age run (90-149) starts at a word boundary and,
// past whitespace and bytes of skip, comes to text that next accepts:
// "95 yo", "101-year-old", "92F".
func (s *scrubScan) ageThen(skip string, next func(rest string) bool) bool {
	for _, r := range s.ages {
		if r.start > 0 && isWordByte(s.text[r.start-1]) {
			continue
		}
		j := r.end
		for j < len(s.text) && (isSpaceByte(s.text[j]) || strings.IndexByte(skip, s.text[j]) >= 0) {
			j++
		}
		if next(s.text[j:]) {
			return true
		}
	}
	return false
}

// ageYears says whether rest starts with y or Y (y/o, yo, years, yrs, y).
func ageYears(rest string) bool { return rest != "" && (rest[0] == 'y' || rest[0] == 'Y') }

// ageSex says whether rest starts, in any case, with m or f alone (then a
// non-word byte or the end), yo[mf] or y/o[mf]: "92 F", "95yom".
func ageSex(rest string) bool {
	lower := func(i int) byte {
		if i >= len(rest) {
			return 0
		}
		return rest[i] | 0x20 // ASCII letters to lower case; others are compared with letters only
	}
	switch lower(0) {
	case 'm', 'f':
		return len(rest) == 1 || !isWordByte(rest[1])
	case 'y':
		m := func(b byte) bool { return b == 'm' || b == 'f' }
		return lower(1) == 'o' && m(lower(2)) || len(rest) > 1 && rest[1] == '/' && lower(2) == 'o' && m(lower(3))
	}
	return false
}

// hashNumber says whether a # is followed, past at most one whitespace
// byte, by three digits: "#12345".
func (s *scrubScan) hashNumber() bool {
	for off := 0; ; {
		i := strings.IndexByte(s.text[off:], '#')
		if i < 0 {
			return false
		}
		j := off + i + 1
		off = j
		if j < len(s.text) && isSpaceByte(s.text[j]) {
			j++
		}
		if j+3 <= len(s.text) && isDigits(s.text[j:j+3]) {
			return true
		}
	}
}

// numericDate says whether three digit runs of 1-2, 1-2, and 2 or 4
// digits are joined each by one of / . -: "7/4/21", "07.04.2021" (not
// "2021-07-04", whose first run is longer).
func (s *scrubScan) numericDate() bool {
	for i := 0; i+3 <= len(s.runs); i++ {
		a, b, c := s.runs[i], s.runs[i+1], s.runs[i+2]
		if n := a.end - a.start; n > 2 {
			continue
		}
		if n := b.end - b.start; n > 2 {
			continue
		}
		if n := c.end - c.start; n != 2 && n != 4 {
			continue
		}
		if s.chainAt(i, "/.-", []int{1, 1, 2}) {
			return true
		}
	}
	return false
}

// isWordByte says whether b is a word character as \b sees it (ASCII
// letters, digits, underscore).
func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// isSpaceByte says whether b is \s.
func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r' }

// isLetterByte says whether b is an ASCII letter.
func isLetterByte(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// starts calls f with the start and end of every occurrence in hay of a
// keyword at a word start (a letter after a non-word byte, as \b before
// a keyword sees it), until f says true.
func (s *scrubScan) starts(hay string, kw *keywords, f func(start, end int) bool) bool {
	for _, i := range s.wordStarts {
		for _, w := range kw.byFirst[hay[i]] {
			if strings.HasPrefix(hay[i:], w) && f(i, i+len(w)) {
				return true
			}
		}
	}
	return false
}

// atWord says whether a keyword (case as given) starts a word.
func (s *scrubScan) atWord(kw *keywords) bool {
	return s.starts(s.text, kw, func(int, int) bool { return true })
}

// keywords are words by their first byte, for scrubScan.starts.
type keywords struct {
	byFirst [256][]string
}

func newKeywords(words ...string) *keywords {
	k := &keywords{}
	for _, w := range words {
		k.byFirst[w[0]] = append(k.byFirst[w[0]], w)
	}
	return k
}

// digitNear says whether an occurrence of a word (at a word boundary) is
// followed by a digit with only whitespace, letters and bytes of between
// in the way, at most limit of them (whitespace not counted) from the
// word's start: "MRN: 123", "phone no. 555-1234". Case-insensitive (words
// in lower case) when fold, as the patterns are.
func (s *scrubScan) digitNear(fold bool, words *keywords, limit int, between string) bool {
	hay := s.text
	if fold {
		if s.folds {
			return true
		}
		hay = s.lower
	}
	return s.starts(hay, words, func(start, _ int) bool {
		n := 0
		for j := start; j < len(s.text) && n <= limit; j++ {
			switch b := s.text[j]; {
			case '0' <= b && b <= '9':
				return true
			case isSpaceByte(b):
			case isLetterByte(b) || strings.IndexByte(between, b) >= 0:
				n++
			default:
				return false
			}
		}
		return false
	})
}

// labelled says whether a label (lower case, matched in any case, at a
// word boundary) is followed by [ \t]*:[ \t]* and a capital letter:
// "Patient: Jane".
func (s *scrubScan) labelled(labels *keywords) bool {
	if s.folds {
		return true
	}
	return s.starts(s.lower, labels, func(_, end int) bool {
		j := skipBlanks(s.text, end)
		if j >= len(s.text) || s.text[j] != ':' {
			return false
		}
		j = skipBlanks(s.text, j+1)
		return j < len(s.text) && 'A' <= s.text[j] && s.text[j] <= 'Z'
	})
}

func skipBlanks(text string, j int) int {
	for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	return j
}

// spaced says whether one of words (case as given) stands after
// whitespace and before a non-word byte or the end: " Hospital".
func (s *scrubScan) spaced(words []string) bool {
	for _, w := range words {
		for off := 0; ; {
			i := strings.Index(s.text[off:], w)
			if i < 0 {
				break
			}
			i += off
			e := i + len(w)
			if i > 0 && isSpaceByte(s.text[i-1]) && (e == len(s.text) || !isWordByte(s.text[e])) {
				return true
			}
			off = i + 1
		}
	}
	return false
}

// commaState says whether a comma, whitespace and one of the two-letter
// states (then a non-word byte or the end) follow each other: ", IL".
func (s *scrubScan) commaState(states []string) bool {
	for off := 0; ; {
		i := strings.IndexByte(s.text[off:], ',')
		if i < 0 {
			return false
		}
		j := off + i + 1
		off = j
		k := j
		for k < len(s.text) && isSpaceByte(s.text[k]) {
			k++
		}
		if k == j || k+2 > len(s.text) || (k+2 < len(s.text) && isWordByte(s.text[k+2])) {
			continue
		}
		for _, st := range states {
			if s.text[k:k+2] == st {
				return true
			}
		}
	}
}

// Keywords the patterns' can functions look for: every alternative of the
// expression contains one of them.
var (
	idKeywords    = newKeywords("mrn", "record", "acct", "account", "chart", "member", "policy", "plan", "lic", "dea", "npi", "id", "case", "specimen", "accession", "encounter", "visit", "claim", "serial", "device", "cert")
	streetWords   = []string{"St", "Street", "Ave", "Avenue", "Rd", "Road", "Blvd", "Boulevard", "Dr", "Drive", "Ln", "Lane", "Way", "Ct", "Court", "Pl", "Place", "Ter", "Terrace", "Pkwy", "Parkway", "Hwy", "Highway", "Cir", "Circle", "Sq", "Square", "Row", "Trail", "Path"}
	unitWords     = newKeywords("Apt", "Apartment", "Unit", "Suite", "Ste", "Room", "Rm", "Bldg", "Building", "Fl", "Floor")
	facilityWords = []string{"Hospital", "Medical Center", "Health Center", "Clinic", "Infirmary", "Nursing Home", "Rehabilitation Center", "Rehab", "Hospice", "Health System", "Healthcare", "Memorial", "Sanatorium"}
	stateCodes    = []string{"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR"}
	cityCodes     = []string{"AL", "AK", "AZ", "AR", "CA", "CT", "DC", "FL", "GA", "IL", "IA", "KS", "KY", "MA", "MI", "MN", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR"}
	dateWords     = newKeywords("on", "since", "from", "until", "date", "dos", "dob", "d.o.b.")
	nameLabels    = newKeywords("pt", "patient", "name", "signed", "author", "provider", "attending", "pcp", "contact", "guardian", "next of kin", "nok")
	monthWords    = newKeywords("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
	ssnWords      = newKeywords("ssn", "social security")
	zipWords      = newKeywords("zip", "postal")
	boxWords      = newKeywords("Box")
	ageWords      = newKeywords("age")
)

var phoneWords = newKeywords("ph", "tel", "fax", "cell", "pager", "beeper", "mobile")

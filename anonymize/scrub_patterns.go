package anonymize

import (
	"regexp"
	"strings"
	"time"
)

// scrubPattern is one regular expression of the scrubber: the text of
// submatch group (0: the whole match) is PHI of type typ.
type scrubPattern struct {
	typ   string
	re    scrubMatcher
	group int
	// can says whether the pattern can match the scanned text at all: it
	// checks what every match must hold (a digit run of some length,
	// a literal, a keyword), so skipping the regular expression when it
	// says no loses nothing.
	can func(*scrubScan) bool
}

const (
	monthRE   = `(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`
	ordRE     = `(?:st|nd|rd|th)?`
	streetRE  = `(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Ct|Court|Pl|Place|Ter|Terrace|Pkwy|Parkway|Hwy|Highway|Cir|Circle|Sq|Square|Row|Trail|Path)`
	unitWord  = `(?:Apt|Apartment|Unit|Suite|Ste|Room|Rm|Bldg|Building|Fl|Floor)`
	unitRE    = unitWord + `\.?\s*#?\s*[A-Za-z0-9-]+`
	stateAbbr = `(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)`
	// cityStates are the state abbreviations that are not also words or
	// credentials (MD, PA, ME, OR, IN...), for "Springfield, IL" without a ZIP.
	cityStates = `(?:AL|AK|AZ|AR|CA|CT|DC|FL|GA|IL|IA|KS|KY|MA|MI|MN|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)`
	capWords   = `(?:[A-Z][A-Za-z'.-]*\s+){0,3}`
)

// scrubPatterns are tried in order; mergeSpans keeps the earliest, longest
// match where two overlap.
var scrubPatterns = []scrubPattern{
	{PHIEmail, regexp.MustCompile(`[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`), 0, func(s *scrubScan) bool { return s.has('@') }},
	{PHIURL, regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]*[^\s<>".,;:)!?]`), 0, func(s *scrubScan) bool { return s.fold("http", "www.") }},
	{PHIURL, regexp.MustCompile(`(?i)\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|edu|gov|io|us|info)(?:/[^\s<>"]*[^\s<>".,;:)!?])?\b`), 0, func(s *scrubScan) bool { return s.fold(".com", ".org", ".net", ".edu", ".gov", ".io", ".us", ".info") }},
	{PHIIP, regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`), 0, func(s *scrubScan) bool { return s.chain(".", 1, 1, 1, 1) }},
	{PHISSN, regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`), 0, func(s *scrubScan) bool { return s.chain("-", 3, 2, 4) }},
	{PHISSN, regexp.MustCompile(`(?i)\b(?:SSN|social security(?: number| no\.?)?)\s*[:#]?\s*(\d{9}|\d{3}[ -]\d{2}[ -]\d{4})\b`), 1, func(s *scrubScan) bool {
		return s.maxRun >= 4 && s.digitNear(true, ssnWords, 28, ".#:-")
	}},
	{PHIPhone, regexp.MustCompile(`(?:\+?1[-. ]?)?(?:\(\d{3}\)\s?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b(?:\s*(?:x|ext\.?)\s*\d{1,5}\b)?`), 0, func(s *scrubScan) bool { return s.chain("-. ", 3, 4) }},
	{PHIPhone, regexp.MustCompile(`(?i)\b(?:phone|tel|telephone|fax|cell|pager|beeper|ph|mobile)\.?\s*(?:#|no\.?|number)?\s*:?\s*(\d{3}[-. ]?\d{4}|\d{10})\b`), 1, func(s *scrubScan) bool { return s.maxRun >= 4 && s.digitNear(true, phoneWords, 20, ".#:") }},
	{PHIID, regexp.MustCompile(`(?i)\b(?:MRN|medical record(?: number| no\.?| #)?|record(?: number| no\.?)?|acct|account(?: number| no\.?)?|chart|member(?: id)?|policy|plan|license|lic|DEA|NPI|ID|case|specimen|accession|encounter|visit|claim|serial|device|certificate|cert)\s*(?:#|no\.?|num(?:ber)?)?\s*[:#]?\s*([A-Z]{0,4}[-]?\d[A-Z0-9-]{2,})\b`), 1, func(s *scrubScan) bool { return s.maxRun >= 1 && s.digitNear(true, idKeywords, 32, ".#:-") }},
	{PHIID, regexp.MustCompile(`#\s?(\d{3,}[A-Z0-9-]*)\b`), 1, func(s *scrubScan) bool { return s.hashNumber() }},
	{PHIID, regexp.MustCompile(`\b[A-Z]{1,3}\d{6,}\b|\b\d{6,}\b`), 0, func(s *scrubScan) bool { return s.maxRun >= 6 }},
	{PHIZip, regexp.MustCompile(`\b\d{5}-\d{4}\b`), 0, func(s *scrubScan) bool { return s.chain("-", 5, 4) }},
	{PHIZip, regexp.MustCompile(`\b` + stateAbbr + `,?\s+(\d{5})\b`), 1, func(s *scrubScan) bool { return s.maxRun >= 5 }},
	{PHIZip, regexp.MustCompile(`(?i)\b(?:zip|zip code|postal code)\s*:?\s*(\d{5})\b`), 1, func(s *scrubScan) bool { return s.maxRun >= 5 && s.digitNear(true, zipWords, 16, ":") }},
	{PHIID, regexp.MustCompile(`\b\d{5}\b`), 0, func(s *scrubScan) bool { return s.maxRun >= 5 }},
	{PHIAddress, regexp.MustCompile(`\b\d{1,6}[A-Z]?\s+(?:[NSEW]\.?\s+)?` + capWords + `[A-Z][A-Za-z'-]*\s+` + streetRE + `\b(?:\.?,?\s*` + unitRE + `)?(?:\s+in\s+[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?`), 0, func(s *scrubScan) bool { return s.maxRun >= 1 && s.spaced(streetWords) }},
	{PHIAddress, regexp.MustCompile(`\b(?:lives|living|resides|residing|moved|relocated|born|raised|located)\s+(?:alone\s+|here\s+)?(?:in|to|near)\s+((?:[A-Z][a-z]+\s){0,2}[A-Z][a-z]+)`), 1, func(s *scrubScan) bool {
		return s.word("lives", "living", "resid", "moved", "relocated", "born", "raised", "located")
	}},
	{PHIAddress, regexp.MustCompile(`\b(?:P\.?\s?O\.?\s+Box|PO Box)\s+\d+`), 0, func(s *scrubScan) bool { return s.digitNear(false, boxWords, 3, "") }},
	{PHIAddress, regexp.MustCompile(`\b` + unitWord + `\.?\s*#?\s*\d+[A-Za-z]?\b`), 0, func(s *scrubScan) bool { return s.digitNear(false, unitWords, 12, ".#") }},
	{PHIAddress, regexp.MustCompile(`\b((?:[A-Z][a-z]+\s){0,2}[A-Z][a-z]+),\s+` + stateAbbr + `,?\s+\d{5}\b`), 1, func(s *scrubScan) bool { return s.maxRun >= 5 && s.commaState(stateCodes) }},
	{PHIAddress, regexp.MustCompile(`\b((?:[A-Z][a-z]+\s){0,2}[A-Z][a-z]+),\s+` + cityStates + `\b`), 1, func(s *scrubScan) bool { return s.commaState(cityCodes) }},
	{PHIAddress, regexp.MustCompile(`\b(?:(?:St\.?|Saint|Mount|Mt\.?)\s+)?(?:[A-Z][A-Za-z'.-]*\s+){1,4}(?:Hospital|Medical Center|Health Center|Clinic|Infirmary|Nursing Home|Rehabilitation Center|Rehab|Hospice|Health System|Healthcare|Memorial|Sanatorium)\b`), 0, func(s *scrubScan) bool { return s.spaced(facilityWords) }},
	// A labelled name: "Patient: DOE, JANE", "Name: Doe, Jane".
	{PHIName, regexp.MustCompile(`(?i:\b(?:patient|pt|name|patient name|pt name|full name|signed|author|provider|attending|pcp|contact|emergency contact|guardian|next of kin|nok))[ \t]*:[ \t]*([A-Z][A-Za-z'.-]*(?:(?:,[ \t]?|[ \t])[A-Z][A-Za-z'.-]*){0,2})`), 1, func(s *scrubScan) bool { return s.labelled(nameLabels) }},
	{PHIAge, regexp.MustCompile(`(?i)\b(?:9\d|1[0-4]\d)[\s-]*(?:y/o|yo|years?|yrs?|y)\b(?:[\s-]*(?:old|of age)\b)?`), 0, func(s *scrubScan) bool { return s.ageThen("-", ageYears) }},
	{PHIAge, regexp.MustCompile(`(?i)\b(?:age[ds]?|aged)\s*:?\s*(?:of\s+)?(9\d|1[0-4]\d)\b`), 1, func(s *scrubScan) bool { return len(s.ages) > 0 && s.digitNear(true, ageWords, 12, ":") }},
	{PHIAge, regexp.MustCompile(`(?i)\b(?:9\d|1[0-4]\d)\s*(?:M|F|yo[mf]|y/o[mf])\b`), 0, func(s *scrubScan) bool { return s.ageThen("", ageSex) }},
	{PHIDate, anchorAt(regexp.MustCompile(`\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?\b`), isoDateStarts), 0, func(s *scrubScan) bool { return s.chain("-", 4, 1, 1) }},
	{PHIDate, regexp.MustCompile(`\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b`), 0, func(s *scrubScan) bool { return s.numericDate() }},
	{PHIDate, regexp.MustCompile(`\b` + monthRE + `\.?\s+\d{1,2}` + ordRE + `(?:,?\s+\d{4})?\b`), 0, func(s *scrubScan) bool { return s.digitNear(false, monthWords, 14, ".") }},
	{PHIDate, regexp.MustCompile(`\b\d{1,2}` + ordRE + `\s+(?:of\s+)?` + monthRE + `\.?,?(?:\s+\d{4})?\b`), 0, func(s *scrubScan) bool { return s.maxRun >= 1 && s.atWord(monthWords) }},
	{PHIDate, regexp.MustCompile(`\b` + monthRE + `\.?,?\s+(?:of\s+)?\d{4}\b`), 0, func(s *scrubScan) bool { return s.maxRun >= 4 && s.digitNear(false, monthWords, 14, ".,") }},
	{PHIDate, regexp.MustCompile(`\b(?:0?[1-9]|1[0-2])/(?:19|20)\d{2}\b`), 0, func(s *scrubScan) bool { return s.chain("/", 1, 4) }},
	{PHIDate, regexp.MustCompile(`(?i)\b(?:on|since|from|until|dated?|dos|dob|d\.o\.b\.)\s*:?\s*((?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))\b`), 1, func(s *scrubScan) bool { return s.chain("/", 1, 1) && s.digitNear(true, dateWords, 10, ".:") }},
	{PHIDate, regexp.MustCompile(`(?i)\b(?:christmas|thanksgiving|easter|new year'?s(?: day| eve)?|independence day|memorial day|labor day|halloween)\b`), 0, func(s *scrubScan) bool {
		return s.fold("christmas", "thanksgiving", "easter", "new year", "independence day", "memorial day", "labor day", "halloween")
	}},
}

// scrubMatcher finds a pattern's matches: a *regexp.Regexp, or an
// anchoredRE that tries it only where a match can start.
type scrubMatcher interface {
	FindAllStringSubmatchIndex(s string, n int) [][]int
	String() string
}

// anchoredRE is re tried only at the positions starts returns (ascending;
// every match of re must start at one of them, after a non-word byte when
// re begins with \b): left to right, each match resumes the search past
// its end, as FindAll does.
type anchoredRE struct {
	re       *regexp.Regexp
	anchored *regexp.Regexp // ^(?:re)
	starts   func(text string) []int
}

func anchorAt(re *regexp.Regexp, starts func(string) []int) *anchoredRE {
	return &anchoredRE{re: re, anchored: regexp.MustCompile(`^(?:` + re.String() + `)`), starts: starts}
}

func (a *anchoredRE) String() string { return a.re.String() }

// FindAllStringSubmatchIndex is re's, n < 0 (all matches).
func (a *anchoredRE) FindAllStringSubmatchIndex(text string, _ int) [][]int {
	var out [][]int
	pos := 0
	for _, c := range a.starts(text) {
		if c < pos {
			continue
		}
		m := a.anchored.FindStringSubmatchIndex(text[c:])
		if m == nil {
			continue
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += c
			}
		}
		out = append(out, m)
		pos = m[1]
	}
	return out
}

// isoDateStarts returns where \b\d{4}-\d can start: four digits after a
// non-word byte, then a hyphen.
func isoDateStarts(text string) []int {
	var out []int
	for off := 0; ; {
		i := strings.IndexByte(text[off:], '-')
		if i < 0 {
			return out
		}
		i += off
		off = i + 1
		if i < 4 || i+1 >= len(text) || !isDigitByte(text[i+1]) {
			continue
		}
		if st := i - 4; isDigits(text[st:i]) && (st == 0 || !isWordByte(text[st-1])) {
			out = append(out, st)
		}
	}
}

func isDigitByte(b byte) bool { return '0' <= b && b <= '9' }

// findPatterns returns every pattern match of text.
func findPatterns(text string) []ScrubSpan { return findPatternsWith(scrubPatterns, text) }

// findPatternsWith returns every match of patterns in text, skipping the
// patterns whose prefilter says they cannot match.
func findPatternsWith(patterns []scrubPattern, text string) []ScrubSpan {
	var out []ScrubSpan
	scan := newScrubScan(text)
	for _, p := range patterns {
		if !p.can(scan) {
			continue
		}
		for _, m := range p.re.FindAllStringSubmatchIndex(text, -1) {
			s, e := m[2*p.group], m[2*p.group+1]
			if s < 0 {
				continue
			}
			if p.typ == PHIName && e-s > 2 && text[e-1] == '.' && text[e-3] != ' ' && text[e-3] != ',' {
				e-- // a sentence's period, not an initial's
			}
			out = append(out, ScrubSpan{Start: s, End: e, Type: p.typ})
		}
	}
	return out
}

// scrubDateLayouts are the layouts shiftTextDate can parse and write back.
var scrubDateLayouts = []string{
	"2006-01-02", "2006-1-2", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05",
	"01/02/2006", "1/2/2006", "01/02/06", "1/2/06", "01-02-2006", "1-2-2006", "01.02.2006",
	"January 2, 2006", "January 2 2006", "Jan 2, 2006", "Jan 2 2006", "Jan. 2, 2006",
	"2 January 2006", "2 Jan 2006", "02 Jan 2006", "2 Jan. 2006", "2 January, 2006",
	"January 2006", "Jan 2006", "Jan. 2006", "01/2006", "1/2006",
}

// shiftTextDate parses a date found in text with one of its layouts and
// returns it moved by days in the same layout.
func shiftTextDate(v string, days int) (string, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range scrubDateLayouts {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		return t.AddDate(0, 0, days).Format(layout), true
	}
	return "", false
}

package anonymize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name detection: a capitalised word is a name when context says so (a
// title before it, a relation, a credential after it), when it is in the
// first-name list, or when it is not a known non-identifying word (the
// safe list: English words, medical vocabulary and eponyms, abbreviations).
// Words right after a name that look like a surname or an initial join it.

var (
	// nameTitles precede a name.
	nameTitles = wordSet("dr doctor mr mrs ms miss mx prof professor nurse rn np lpn sister brother father mother rev reverend attending resident fellow surgeon dentist therapist")
	// nameRelations precede a name of someone close to the patient.
	nameRelations = wordSet("wife husband son daughter mother father brother sister spouse partner friend niece nephew aunt uncle grandson granddaughter grandmother grandfather caregiver guardian neighbor neighbour fiance fiancee boyfriend girlfriend mom dad sibling cousin stepson stepdaughter named called pt patient pt's patient's")
	// nameCredentials follow a name in a signature.
	nameCredentials = wordSet("md do rn rrt np pa pa-c phd lpn cna pt ot pharmd msw lcsw dds crna aprn fnp mbbs dnp mph rd slp cnm dpm od psyd")
	// ambiguousFirst are first names that are also common words: they are
	// names only with more evidence (a cue, or a capitalised neighbour).
	ambiguousFirst = wordSet("will hope may bill rose grace faith joy june april august mark art sue pat don rob guy dawn iris ivy holly lily ruby amber crystal sandy frank gene max penny summer autumn sky rich chance hunter page carol jack jean daisy angel star sunny lee al ray herb bud chip dale glen wade cliff clay dusty forest river eve cherry candy ginger heather olive violet pearl opal hazel sage misty gay earl duke king prince major sterling drew miles rusty ward lane kit van von de la le del della du dan ed tom tim sam ben joe lou jan fay kay mae bo val merry patience constance prudence temperance verity charity mercy honor norma vita ulcer nurse doctor")
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// scrubToken is one word of a note.
type scrubToken struct {
	start, end int
	text       string
	lower      string // lower case, possessive 's removed
	cap        bool   // starts with an upper-case letter
	allCaps    bool
	sentStart  bool // first word of a sentence, line or field
	covered    bool // inside a pattern finding
}

func tokenize(text string, found []ScrubSpan) []scrubToken {
	var toks []scrubToken
	for _, m := range scrubWords(text) {
		w := strings.TrimRight(text[m[0]:m[1]], "'’-")
		t := scrubToken{start: m[0], end: m[0] + len(w), text: w}
		t.lower = strings.ToLower(strings.TrimRight(strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s"), "0123456789"))
		r, _ := utf8.DecodeRuneInString(w)
		t.cap = unicode.IsUpper(r)
		t.allCaps = w == strings.ToUpper(w) && len(w) > 1
		t.sentStart = sentenceStart(text, m[0])
		for _, f := range found {
			if t.start < f.End && f.Start < t.end {
				t.covered = true
				break
			}
		}
		toks = append(toks, t)
	}
	return toks
}

// scrubWords returns the words of text, [start, end) each: a letter, then
// letters, apostrophes (' ’) and hyphens, then the ASCII digits glued to
// its end ("Nicolas769", as synthetic records write names). It finds what
// the expression \p{L}[\p{L}'’-]*\d* finds, in one pass.
func scrubWords(text string) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); {
		r, n := decodeRune(text, i)
		if !unicode.IsLetter(r) {
			i += n
			continue
		}
		start := i
		for i += n; i < len(text); i += n {
			if r, n = decodeRune(text, i); !unicode.IsLetter(r) && r != '\'' && r != '’' && r != '-' {
				break
			}
		}
		for i < len(text) && '0' <= text[i] && text[i] <= '9' {
			i++
		}
		out = append(out, [2]int{start, i})
	}
	return out
}

// decodeRune is utf8.DecodeRuneInString(text[i:]), quicker for ASCII.
func decodeRune(text string, i int) (rune, int) {
	if b := text[i]; b < utf8.RuneSelf {
		return rune(b), 1
	}
	return utf8.DecodeRuneInString(text[i:])
}

// sentenceStart reports whether the word at i opens a sentence, a line or
// a labelled field.
func sentenceStart(text string, i int) bool {
	j := i - 1
	for j >= 0 && (text[j] == ' ' || text[j] == '\t' || text[j] == '"' || text[j] == '(') {
		j--
	}
	if j < 0 {
		return true
	}
	return strings.IndexByte(".!?:;\n\r-*•", text[j]) >= 0
}

// known reports whether a lower-case word is a non-identifying word: each
// part of a hyphenated word in the English list or the safe list.
func (s *Scrubber) known(lower string) bool {
	for _, part := range strings.FieldsFunc(lower, func(r rune) bool { return r == '-' || r == '\'' || r == '’' }) {
		if len(part) > 1 && !s.lists.words[part] && !s.lists.safe[part] && !s.lists.words[strings.TrimSuffix(part, "s")] {
			return false
		}
	}
	return true
}

func (s *Scrubber) firstName(t scrubToken) bool {
	return t.cap && len(t.lower) > 2 && s.lists.first[t.lower] && !ambiguousFirst[t.lower] && !s.lists.safe[t.lower] && !nameRelations[t.lower] && !nameTitles[t.lower]
}

// unknownCap is a capitalised word that is neither a known word nor an
// abbreviation.
func (s *Scrubber) unknownCap(t scrubToken) bool {
	// Two-letter words are taken for abbreviations ("Td", "Ab"): a
	// two-letter surname is found only with a cue ("Dr. Li").
	if !t.cap || t.allCaps || utf8.RuneCountInString(t.text) < 3 || mixedAbbrev(t.text) {
		return false
	}
	return !s.known(t.lower) && !(drugLike(t.lower) && !s.lists.first[t.lower])
}

// mixedAbbrev reports whether a short word with a capital inside is an
// abbreviation ("IgE", "RhD", "HbA"): 4 letters or fewer.
func mixedAbbrev(w string) bool {
	if utf8.RuneCountInString(w) > 4 {
		return false
	}
	for _, r := range w[1:] {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// drugSuffixes end generic drug names (INN stems): a capitalised word of
// 7 letters or more that ends so and is no first name is taken for a drug.
var drugSuffixes = []string{"ine", "ole", "pril", "sartan", "olol", "statin", "mab", "nib", "cillin", "mycin", "cycline",
	"azole", "pam", "lam", "tide", "mide", "zide", "sone", "lone", "ium", "afil", "vir", "parin", "xaban", "gliptin",
	"glitazone", "triptan", "setron", "floxacin", "caine", "dronate", "lukast", "tadine", "nazole", "profen", "coxib", "oxacin"}

func drugLike(lower string) bool {
	if len(lower) < 7 {
		return false
	}
	for _, suf := range drugSuffixes {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}

// findNames returns the name spans of text outside the pattern findings.
func (s *Scrubber) findNames(text string, found []ScrubSpan) []ScrubSpan {
	toks := tokenize(text, found)
	name := make([]bool, len(toks))
	for i, t := range toks {
		if t.covered {
			continue
		}
		name[i] = s.nameEvidence(text, toks, i)
	}
	s.extendNames(text, toks, name)
	var out []ScrubSpan
	for i := 0; i < len(toks); i++ {
		if !name[i] {
			continue
		}
		j := i
		for j+1 < len(toks) && name[j+1] && onlySpaceOrDot(text[toks[j].end:toks[j+1].start]) {
			j++
		}
		out = append(out, ScrubSpan{Start: toks[i].start, End: toks[j].end, Type: PHIName})
		i = j
	}
	return out
}

// nameEvidence decides whether token i is a name on its own evidence.
func (s *Scrubber) nameEvidence(text string, toks []scrubToken, i int) bool {
	t := toks[i]
	if !t.cap {
		return false
	}
	if i > 0 && !toks[i-1].covered {
		prev := strings.TrimSuffix(toks[i-1].lower, ".")
		gap := text[toks[i-1].end:t.start]
		if nameTitles[prev] && onlySpaceOrDot(gap) && !t.allCaps {
			return true
		}
		if nameRelations[prev] && onlySpaceOrDot(strings.ReplaceAll(gap, ",", "")) && (s.firstName(t) || !s.known(t.lower) || s.lists.first[t.lower]) {
			return true
		}
	}
	if s.beforeCredential(text, toks, i) && !t.allCaps {
		return true
	}
	// A first name that is also an English word ("Port", "Jane") opens a
	// sentence as a name only when a capitalised word or a verb of
	// reported speech follows it.
	if s.firstName(t) && !t.allCaps && (!t.sentStart || !s.known(t.lower) || followedByNameCue(text, toks, i)) {
		return true
	}
	return s.unknownCap(t)
}

// nameVerbs follow a person's name at the start of a sentence.
var nameVerbs = wordSet("is was has had states stated reports reported says said denies denied presents presented returns returned notes noted agrees agreed arrived came lives lived called calls asked asks wants wishes declined refused understands verbalized")

// followedByNameCue reports whether token i is followed by a capitalised
// word (a surname) or a verb of nameVerbs.
func followedByNameCue(text string, toks []scrubToken, i int) bool {
	if i+1 >= len(toks) || !onlySpaceOrDot(strings.TrimSuffix(text[toks[i].end:toks[i+1].start], ",")) {
		return false
	}
	next := toks[i+1]
	return next.cap && !next.allCaps || nameVerbs[next.lower]
}

// beforeCredential reports whether token i ends a name signed with a
// credential: "V. Finn, RRT", "J Smith MD".
func (s *Scrubber) beforeCredential(text string, toks []scrubToken, i int) bool {
	if i+1 >= len(toks) || nameCredentials[toks[i].lower] {
		return false
	}
	next := toks[i+1]
	gap := text[toks[i].end:next.start]
	if !nameCredentials[next.lower] || !(gap == ", " || gap == " " || gap == ",") {
		return false
	}
	// "pain, PT" is a list, not a signature: the word must follow an
	// initial, a dash or a sign-off, or be unknown.
	if i > 0 && utf8.RuneCountInString(toks[i-1].text) == 1 && toks[i-1].cap {
		return true
	}
	before := strings.TrimSpace(text[:toks[i].start])
	return strings.HasSuffix(before, "-") || strings.HasSuffix(before, "—") || strings.HasSuffix(before, "–") ||
		strings.HasSuffix(strings.ToLower(before), "by") || !s.known(toks[i].lower)
}

// extendNames widens every name over its neighbours: initials before and
// after it, a capitalised word after a first name (the surname), and a
// capitalised unknown or first-name word before it.
func (s *Scrubber) extendNames(text string, toks []scrubToken, name []bool) {
	// viaKnown marks words that joined a name for following it although
	// they are known words: a known word may join only after a first name
	// or an unknown word, never after another such word ("Car Relax
	// Alone" is not a name).
	viaKnown := make([]bool, len(toks))
	for pass := 0; pass < 2; pass++ {
		for i := range toks {
			if !name[i] {
				continue
			}
			if j := i + 1; j < len(toks) && !name[j] && !toks[j].covered && toks[j].cap && onlySpaceOrDot(text[toks[i].end:toks[j].start]) {
				known := s.known(toks[j].lower) && !isInitial(text, toks[j])
				if known && (viaKnown[i] || s.known(toks[i].lower) && !s.lists.first[toks[i].lower]) {
					continue
				}
				name[j] = s.surnameAfter(text, toks, j)
				viaKnown[j] = known && name[j]
			}
			if j := i - 1; j >= 0 && !name[j] && !toks[j].covered && toks[j].cap && onlySpaceOrDot(text[toks[j].end:toks[i].start]) {
				if isInitial(text, toks[j]) || s.lists.first[toks[j].lower] && !toks[j].allCaps && !nameRelations[toks[j].lower] && !nameTitles[toks[j].lower] {
					name[j] = true
				}
			}
		}
	}
}

// surnameAfter reports whether token j, right after a name, continues
// it: an initial, or a capitalised word in the same sentence that is not
// an abbreviation, a credential, a relation or medical vocabulary.
func (s *Scrubber) surnameAfter(text string, toks []scrubToken, j int) bool {
	t := toks[j]
	if isInitial(text, t) {
		return true
	}
	if t.sentStart || t.allCaps || nameCredentials[t.lower] || nameRelations[t.lower] || nameTitles[t.lower] || s.lists.safe[t.lower] {
		return false
	}
	return true
}

// isInitial reports whether a token is one capital letter (an initial,
// "J." or "J").
func isInitial(text string, t scrubToken) bool {
	if utf8.RuneCountInString(t.text) != 1 || !t.cap {
		return false
	}
	// "A" and "I" are words unless a period follows.
	return t.text != "I" && t.text != "A" || strings.HasPrefix(text[t.end:], ".")
}

func onlySpaceOrDot(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '.' && r != '\t' {
			return false
		}
	}
	return len(s) > 0
}

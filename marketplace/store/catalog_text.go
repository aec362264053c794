package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// The full-text index: one key per (token, listing), cat:t:<token>:<id>, whose value is the set of
// card fields the token occurs in. A word's listings are one key range, so an exact word is a range
// scan and a prefix ("diab" while typing) is a slightly wider one.

// Fields a token occurs in, as posting bits, and their weight in relevance ranking.
const (
	fieldTitle byte = 1 << iota
	fieldTags
	fieldColumns
	fieldDescription
)

func fieldWeight(mask byte) float32 {
	var w float32
	if mask&fieldTitle != 0 {
		w += 8
	}
	if mask&fieldTags != 0 {
		w += 4
	}
	if mask&fieldColumns != 0 {
		w += 2
	}
	if mask&fieldDescription != 0 {
		w++
	}
	return w
}

const (
	maxTokenBytes      = 40
	maxTokensPerCard   = 400 // bounds a hostile card's share of the index
	prefixMatchPenalty = 0.5 // a prefix match counts half an exact one
)

// stopWords are too common in card text to help a search; they are neither indexed nor required.
var stopWords = map[string]bool{
	"an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "by": true, "for": true,
	"from": true, "has": true, "in": true, "is": true, "it": true, "of": true, "on": true, "or": true,
	"the": true, "to": true, "was": true, "were": true, "with": true, "this": true, "that": true,
}

// tokenize splits text into lower-cased words of letters and digits, at least two characters long,
// cut to maxTokenBytes, stop words left out. fn is called for each, in order, duplicates included.
func tokenize(text string, fn func(tok string)) {
	start := -1
	emit := func(end int) {
		w := text[start:end]
		start = -1
		if utf8.RuneCountInString(w) < 2 {
			return
		}
		w = strings.ToLower(w)
		if len(w) > maxTokenBytes {
			cut := maxTokenBytes
			for cut > 0 && !utf8.RuneStart(w[cut]) {
				cut--
			}
			w = w[:cut]
		}
		if !stopWords[w] {
			fn(w)
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			emit(i)
		}
	}
	if start >= 0 {
		emit(len(text))
	}
}

// cardTokens returns the card's distinct tokens with the fields each occurs in; title, tags and
// columns first, so a long description is what gets cut at maxTokensPerCard.
func cardTokens(c *marketplace.DatasetCard) map[string]byte {
	toks := make(map[string]byte)
	add := func(field byte) func(string) {
		return func(t string) {
			if _, ok := toks[t]; ok || len(toks) < maxTokensPerCard {
				toks[t] |= field
			}
		}
	}
	tokenize(c.Title, add(fieldTitle))
	for _, t := range c.Tags {
		tokenize(t, add(fieldTags))
	}
	for _, col := range c.Columns {
		tokenize(col.Name, add(fieldColumns))
	}
	tokenize(c.Description, add(fieldDescription))
	return toks
}

func putPostings(tx *buntdb.Tx, id uint64, c *marketplace.DatasetCard) error {
	for tok, mask := range cardTokens(c) {
		if _, _, err := tx.Set(postingKey(tok, id), string([]byte{mask}), nil); err != nil {
			return err
		}
	}
	return nil
}

// queryTerm is one word of a search query.
type queryTerm struct {
	word   string
	prefix bool // also match index words that start with word
}

// parseQuery tokenizes a query; the last word matches as a prefix unless the query ends in a space
// (the user finished typing it).
func parseQuery(q string) []queryTerm {
	var terms []queryTerm
	seen := map[string]bool{}
	tokenize(q, func(t string) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, queryTerm{word: t})
		}
	})
	if n := len(terms); n > 0 {
		last, _ := utf8.DecodeLastRuneInString(q)
		if unicode.IsLetter(last) || unicode.IsDigit(last) {
			// the last term is the query's last word only if it was not a repeat
			var lastWord string
			tokenize(q, func(t string) { lastWord = t })
			for i := range terms {
				if terms[i].word == lastWord {
					terms[i].prefix = true
				}
			}
		}
	}
	return terms
}

// matchTerms returns the listings whose cards match every term, with their relevance scores: for
// each term the best field weight of a word it matches (halved for a prefix match), summed over
// terms. nil means none match.
func matchTerms(tx *buntdb.Tx, terms []queryTerm) (map[uint64]float32, error) {
	var acc map[uint64]float32
	for ti, t := range terms {
		next := make(map[uint64]float32, len(acc))
		prefix := catTokenPrefix + t.word
		if !t.prefix {
			prefix += ":"
		}
		err := tx.AscendGreaterOrEqual("", prefix, func(k, v string) bool {
			if !strings.HasPrefix(k, prefix) {
				return false
			}
			rest := k[len(catTokenPrefix):]
			i := strings.LastIndexByte(rest, ':')
			if i < 0 || len(rest)-i-1 != 16 || len(v) != 1 {
				return true
			}
			id, ok := parseHex16(rest[i+1:])
			if !ok {
				return true
			}
			if ti > 0 {
				if _, in := acc[id]; !in {
					return true
				}
			}
			w := fieldWeight(v[0])
			if rest[:i] != t.word {
				w *= prefixMatchPenalty
			}
			if w > next[id] {
				next[id] = w
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		if ti > 0 {
			for id := range next {
				next[id] += acc[id]
			}
		}
		if len(next) == 0 {
			return nil, nil
		}
		acc = next
	}
	return acc, nil
}

func parseHex16(s string) (uint64, bool) {
	if len(s) != 16 {
		return 0, false
	}
	var v uint64
	for i := 0; i < 16; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}

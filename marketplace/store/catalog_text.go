package store

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// The full-text index: for each lower-cased token, its postings in buckets of 256 listing ids,
// key cat:t:<token>:<id/256>, value the (id%256, field mask) byte pairs of the listings whose card
// holds the token, in id order; the mask says in which fields. Buckets keep the key count (and
// buntdb's per-key overhead) low: listing ids are sequential, so a batch of new listings appends
// to a token's last bucket, once per batch. A word's buckets are one key range, so an exact word is
// a range scan and a prefix ("diab" while typing) a slightly wider one.

// Fields a token occurs in, as posting bits, and their weight in relevance ranking.
const (
	fieldTitle byte = 1 << iota
	fieldTags
	fieldColumns // column and table names, and the categories the card's statistics show (codes)
	fieldDescription
	fieldTerms // the card's terms detail (the DS disease...) and the names of the DUO codes it details
)

func fieldWeight(mask byte) float32 {
	var w float32
	if mask&fieldTitle != 0 {
		w += 8
	}
	if mask&(fieldTags|fieldTerms) != 0 {
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
// Read only: changing it would change what the stored index means.
var stopWords = map[string]bool{
	"an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "by": true, "for": true,
	"from": true, "has": true, "in": true, "is": true, "it": true, "of": true, "on": true, "or": true,
	"the": true, "to": true, "was": true, "were": true, "with": true, "this": true, "that": true,
}

// tokenize splits text into lower-cased words of letters and digits, at least two characters long,
// cut to maxTokenBytes, stop words left out. fn is called for each, in order, duplicates included.
func tokenize(text string, fn func(tok string)) {
	words(text, func(w string) {
		if !stopWords[w] {
			fn(w)
		}
	})
}

// words is tokenize with stop words kept.
func words(text string, fn func(w string)) {
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
		fn(w)
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

// cardTokens returns the distinct tokens of the card of a listing under terms use, with the
// fields each occurs in; title, tags, terms and columns (a release's tables and their columns
// too) first, so a long description is what gets cut at maxTokensPerCard. The terms are the
// shorthand and DUO label of each of use's codes ("DS", "disease specific research") and the
// card's terms detail (the DS disease: a search for "diabetes" finds a listing for "type 2
// diabetes" research). A listing's terms never change once listed, so the tokens are the same
// when its postings are removed.
func cardTokens(use marketplace.DUO, c *marketplace.DatasetCard) map[string]byte {
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
	for _, d := range use.Codes() {
		tokenize(d.Short(), add(fieldTerms))
		tokenize(d.Label(), add(fieldTerms))
	}
	for _, code := range slices.Sorted(maps.Keys(c.TermsDetail)) {
		tokenize(c.TermsDetail[code], add(fieldTerms))
	}
	for _, col := range c.Columns {
		tokenize(col.Name, add(fieldColumns))
	}
	for _, t := range c.Tables {
		tokenize(t.Name, add(fieldColumns))
		for _, col := range t.Columns {
			tokenize(col.Name, add(fieldColumns))
		}
	}
	tokenize(c.Description, add(fieldDescription))
	// Last, so a hostile card's statistics cannot crowd out its own text
	// within maxTokensPerCard.
	for _, l := range c.StatisticsCategories() {
		tokenize(l, add(fieldColumns))
	}
	return toks
}

// addPostings queues the postings of listing id (terms use, card c) until flushPostings.
func (a *applier) addPostings(id uint64, use marketplace.DUO, c *marketplace.DatasetCard) {
	if a.postings == nil {
		a.postings = make(map[string][]byte)
	}
	for tok, mask := range cardTokens(use, c) {
		k := postingKey(tok, id>>8)
		a.postings[k] = append(a.postings[k], byte(id), mask)
	}
}

// removePostings takes listing id out of the posting buckets of its card's words, deleting a
// bucket left empty (as if the listing had never been indexed with this card).
func (a *applier) removePostings(id uint64, use marketplace.DUO, c *marketplace.DatasetCard) error {
	for tok := range cardTokens(use, c) {
		k := postingKey(tok, id>>8)
		old, err := a.tx.Get(k)
		if errors.Is(err, buntdb.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		kept := make([]byte, 0, len(old))
		for i := 0; i+1 < len(old); i += 2 {
			if old[i] != byte(id) {
				kept = append(kept, old[i], old[i+1])
			}
		}
		if len(kept) == 0 {
			_, err = a.tx.Delete(k)
		} else {
			_, _, err = a.tx.Set(k, string(kept), nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// flushPostings merges the queued postings into their buckets, one Set per bucket.
func (a *applier) flushPostings() error {
	for k, add := range a.postings {
		old, err := a.tx.Get(k)
		if err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		if _, _, err := a.tx.Set(k, string(mergePostings([]byte(old), add)), nil); err != nil {
			return err
		}
	}
	a.postings = nil
	return nil
}

// mergePostings merges two lists of (id%256, mask) pairs into one in id order, a later pair
// replacing an earlier one of the same id. The common case (new ids after the old) appends.
func mergePostings(old, add []byte) []byte {
	sorted := func(b []byte) bool {
		for i := 2; i < len(b); i += 2 {
			if b[i] <= b[i-2] {
				return false
			}
		}
		return true
	}
	if sorted(add) && (len(old) == 0 || len(add) == 0 || add[0] > old[len(old)-2]) {
		return append(old, add...)
	}
	var byID [256]byte
	var has [256]bool
	for _, b := range [][]byte{old, add} {
		for i := 0; i+1 < len(b); i += 2 {
			byID[b[i]], has[b[i]] = b[i+1], true
		}
	}
	out := make([]byte, 0, len(old)+len(add))
	for i := range 256 {
		if has[i] {
			out = append(out, byte(i), byID[i])
		}
	}
	return out
}

// queryTerm is one word of a search query.
type queryTerm struct {
	word   string
	prefix bool // also match index words that start with word
}

// parseQuery tokenizes a query. The last word matches as a prefix unless the query ends in a
// space or punctuation (the user finished typing it); as a prefix it counts even if it is a stop
// word ("an" while typing "anonymized").
func parseQuery(q string) []queryTerm {
	var terms []queryTerm
	seen := map[string]bool{}
	tokenize(q, func(t string) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, queryTerm{word: t})
		}
	})
	last, _ := utf8.DecodeLastRuneInString(q)
	if !unicode.IsLetter(last) && !unicode.IsDigit(last) {
		return terms
	}
	var lastWord string
	words(q, func(w string) { lastWord = w })
	if lastWord == "" {
		return terms
	}
	for i := range terms {
		if terms[i].word == lastWord {
			terms[i].prefix = true
			return terms
		}
	}
	return append(terms, queryTerm{word: lastWord, prefix: true})
}

// matchTerms scores listings against the query terms into scores, indexed by listing id (ids
// beyond its length are ignored): for each term the best field weight of an index word it matches
// (halved for a prefix match), summed over terms; 0 for a listing that misses a term. tmp is
// scratch space as long as scores. It returns how many listings match.
func matchTerms(tx *buntdb.Tx, terms []queryTerm, scores, tmp []float32) (int, error) {
	clear(scores)
	for ti, t := range terms {
		cur := scores
		if ti > 0 {
			cur = tmp
			clear(cur)
		}
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
			if i < 0 {
				return true
			}
			bucket, ok := parseHex16(rest[i+1:])
			if !ok {
				return true
			}
			penalty := float32(1)
			if rest[:i] != t.word {
				penalty = prefixMatchPenalty
			}
			for j := 0; j+1 < len(v); j += 2 {
				id := bucket<<8 | uint64(v[j])
				if id >= uint64(len(cur)) {
					continue
				}
				if w := fieldWeight(v[j+1]) * penalty; w > cur[id] {
					cur[id] = w
				}
			}
			return true
		})
		if err != nil {
			return 0, err
		}
		if ti > 0 {
			for i, sc := range scores {
				if sc > 0 {
					if tmp[i] > 0 {
						scores[i] = sc + tmp[i]
					} else {
						scores[i] = 0
					}
				}
			}
		}
	}
	n := 0
	for _, sc := range scores {
		if sc > 0 {
			n++
		}
	}
	return n, nil
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

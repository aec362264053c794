package marketplace

import (
	"math/big"
	"strings"
)

// MaxCardStatisticsBytes bounds the statistics a card carries.
const MaxCardStatisticsBytes = 256 << 10

// Defaults of the privacy budgets a publisher sets (ε, differential
// privacy): the card's statistics spend DefaultCardEpsilon once, at
// publishing; questions before buying spend from the listing's total,
// DefaultQuestionsEpsilon, of which one requester may spend at most
// DefaultQuestionsPerRequester. The card's ε and the questions' total add
// up to what the listing can ever reveal (basic composition).
const (
	DefaultCardEpsilon           = "1"
	DefaultQuestionsEpsilon      = "3"
	DefaultQuestionsPerRequester = "1"
)

// CardQuestions is the budget under which a listing's provider answers
// aggregate questions before buying.
type CardQuestions struct {
	// Epsilon is the total ε all answers to all requesters may spend, an
	// exact decimal ("3").
	Epsilon string `json:"epsilon"`
	// PerRequester is the ε one requesting account may spend, at most
	// Epsilon.
	PerRequester string `json:"per_requester"`
	// Mechanism names the noise answers carry ("discrete Laplace").
	Mechanism string `json:"mechanism"`
}

// Validate checks both budgets are positive exact decimals and the
// per-requester one is at most the total; nil is valid (no questions).
func (q *CardQuestions) Validate() error {
	if q == nil {
		return nil
	}
	total, err := ParseEpsilon("questions epsilon", q.Epsilon)
	if err != nil {
		return err
	}
	per, err := ParseEpsilon("questions per_requester", q.PerRequester)
	if err != nil {
		return err
	}
	if per.Cmp(total) > 0 {
		return Errorf(EINVALID, "Card questions per_requester %s is above the listing's total %s.", q.PerRequester, q.Epsilon)
	}
	return checkText("questions mechanism", q.Mechanism, 100, true)
}

// Total returns Epsilon as an exact fraction (Validate first).
func (q *CardQuestions) Total() *big.Rat {
	r, _ := ParseEpsilon("", q.Epsilon)
	return r
}

// PerRequesterRat returns PerRequester as an exact fraction (Validate first).
func (q *CardQuestions) PerRequesterRat() *big.Rat {
	r, _ := ParseEpsilon("", q.PerRequester)
	return r
}

// maxEpsilon bounds any ε a publisher may set: beyond it the noise
// protects nothing a reader would call private.
const maxEpsilon = 100

// ParseEpsilon reads a privacy budget ε written as a plain decimal ("1",
// "0.25"), positive and at most 100; field names it in the error.
func ParseEpsilon(field, s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	r, ok := new(big.Rat).SetString(s)
	if !ok || s == "" || strings.ContainsAny(s, "/eE") {
		return nil, Errorf(EINVALID, "%s %q: write ε as a plain decimal such as 1 or 0.25.", field, s)
	}
	if r.Sign() <= 0 || r.Cmp(big.NewRat(maxEpsilon, 1)) > 0 {
		return nil, Errorf(EINVALID, "%s %s: ε must be above 0 and at most 100.", field, s)
	}
	return r, nil
}

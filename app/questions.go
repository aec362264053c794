package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/dp"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
)

// Questions before buying: a researcher asks a listing's provider an
// aggregate question (anonymize/dp's question language); the provider
// answers over the decrypted release with exact discrete noise, spending ε
// from the listing's budget and the researcher's share of it (the card's
// Questions), and records every answered question in its node's
// tamper-evident log, where the publisher sees it (AnsweredQuestions).
// This file is the asking side; questions_serve.go the answering side,
// questions_log.go the log, questions_data.go the data it answers over.

// QuestionResult is an answer as the frontend and the CLI show it: the
// anonymize/dp answer, in app's own type (the frontend does not import
// anonymize/dp).
type QuestionResult struct {
	// Question is the question's canonical text.
	Question string `json:"question"`
	// Statistic names what was computed ("count", "mean of age"...).
	Statistic string `json:"statistic"`
	// Epsilon is the ε the answer spent (an exact decimal); Delta the δ
	// of its mechanism, above 0 when groups or categories were shown only
	// above a noisy threshold (0: pure ε-DP).
	Epsilon string  `json:"epsilon"`
	Delta   float64 `json:"delta,omitempty"`
	// Mechanism names the noise ("discrete Laplace").
	Mechanism string `json:"mechanism"`
	// MaxRowsPerPatient is how many rows of one patient counted at most.
	MaxRowsPerPatient int64 `json:"max_rows_per_patient"`
	// Rows are the answer's values, one per group (one row, no group,
	// when the question groups by nothing).
	Rows []QuestionRow `json:"rows"`
	// Notes say what the reader should know (clipping, suppressed
	// columns...).
	Notes []string `json:"notes,omitempty"`
}

// QuestionRow is one value of an answer, with its 95 % interval.
type QuestionRow struct {
	Group []string `json:"group,omitempty"`
	Value float64  `json:"value"`
	Low   float64  `json:"low"`
	High  float64  `json:"high"`
}

// QuestionAnswer is an asked question's answer with the budgets left.
type QuestionAnswer struct {
	Listing uint64         `json:"listing"`
	Answer  QuestionResult `json:"answer"`
	// Spent is the ε this ask spent ("0" when Cached).
	Spent string `json:"spent"`
	// Cached says the same question was answered before (by anyone): the
	// same answer again, spending nothing.
	Cached bool `json:"cached"`
	// ListingRemaining and MyRemaining are the ε left of the listing's
	// budget and of the asker's share, as exact decimals.
	ListingRemaining string `json:"listing_remaining"`
	MyRemaining      string `json:"my_remaining"`
	// At is when the answer was computed.
	At time.Time `json:"at"`
}

// QuestionBudget is a listing's question budget as one asker sees it.
type QuestionBudget struct {
	Listing uint64 `json:"listing"`
	// Total and PerRequester are the card's budgets (exact decimals).
	Total        string `json:"total"`
	PerRequester string `json:"per_requester"`
	// ListingRemaining and MyRemaining are what is left of them.
	ListingRemaining string `json:"listing_remaining"`
	MyRemaining      string `json:"my_remaining"`
	// Tables are the tables and columns a question may name: what a
	// question form offers.
	Tables []QuestionTable `json:"tables,omitempty"`
}

// QuestionTable is a table questions may name.
type QuestionTable struct {
	Name string `json:"name"`
	// Default: the table a question without FROM is about.
	Default bool `json:"default,omitempty"`
	// PatientColumn links the table's rows to their patient ("": each row
	// is its own patient); MaxRowsPerPatient is how many rows of one
	// patient an answer counts at most.
	PatientColumn     string           `json:"patient_column,omitempty"`
	MaxRowsPerPatient int64            `json:"max_rows_per_patient"`
	Columns           []QuestionColumn `json:"columns"`
}

// QuestionColumn is a column questions may name.
type QuestionColumn struct {
	Name string `json:"name"`
	Type string `json:"type"` // "string", "integer", "decimal", "date"...
	// Numeric columns take SUM, MEAN, QUANTILE and HISTOGRAM with BOUNDS.
	Numeric bool `json:"numeric"`
	// Listable columns may be grouped by and histogrammed.
	Listable bool `json:"listable"`
}

// AnsweredQuestion is one question a listing's provider answered, as its
// log records it.
type AnsweredQuestion struct {
	Listing uint64         `json:"listing"`
	Index   uint64         `json:"index"` // the entry's index in the listing's question log
	Asker   common.Address `json:"asker"`
	// Question is the canonical text; Epsilon the ε it spent.
	Question string         `json:"question"`
	Epsilon  string         `json:"epsilon"`
	Answer   QuestionResult `json:"answer"`
	At       time.Time      `json:"at"`
}

// AskQuestion asks listing listingID's provider question, signed by who:
// in process when this node serves the listing, else over the provider
// API at the listing's provider URL. The question is parsed here first,
// so a malformed one is refused (EINVALID, saying where) without asking
// anyone. Refusals: EFORBIDDEN when the listing answers no questions or
// the answer would overspend the listing's or who's ε (the message names
// what is left), EINVALID for a question that does not fit the data,
// ENOTFOUND for an unknown listing, EUNAVAILABLE when the provider cannot
// be reached.
func (a *App) AskQuestion(ctx context.Context, who Actor, listingID uint64, question string) (QuestionAnswer, error) {
	if _, err := parseQuestion(question); err != nil {
		return QuestionAnswer{}, err
	}
	l, err := a.questionListing(ctx, listingID)
	if err != nil {
		return QuestionAnswer{}, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return QuestionAnswer{}, err
	}
	defer release()
	var rep provider.QuestionReply
	if a.providesHere(ctx, l) {
		rep, err = providerBackend{a}.AnswerQuestion(ctx, sg.Address(), l.ID, question)
	} else {
		qc, cerr := a.questionClient()
		if cerr != nil {
			return QuestionAnswer{}, cerr
		}
		rep, err = qc.Ask(ctx, l.Provider, sg, l.ID, question)
	}
	if err != nil {
		return QuestionAnswer{}, err
	}
	return questionAnswerOf(rep)
}

// QuestionBudget returns listing listingID's question budget, what is
// left of it and of who's share, and the tables and columns questions may
// name, from the listing's provider (in process when it is this node),
// with a request signed by who.
func (a *App) QuestionBudget(ctx context.Context, who Actor, listingID uint64) (QuestionBudget, error) {
	l, err := a.questionListing(ctx, listingID)
	if err != nil {
		return QuestionBudget{}, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return QuestionBudget{}, err
	}
	defer release()
	var rep provider.QuestionBudgetReply
	if a.providesHere(ctx, l) {
		rep, err = providerBackend{a}.QuestionBudget(ctx, sg.Address(), l.ID)
	} else {
		qc, cerr := a.questionClient()
		if cerr != nil {
			return QuestionBudget{}, cerr
		}
		rep, err = qc.QuestionBudget(ctx, l.Provider, sg, l.ID)
	}
	if err != nil {
		return QuestionBudget{}, err
	}
	out := QuestionBudget{Listing: rep.Listing, Total: rep.Total, PerRequester: rep.PerRequester,
		ListingRemaining: rep.ListingRemaining, MyRemaining: rep.MyRemaining}
	if len(rep.Tables) > 0 {
		if err := json.Unmarshal(rep.Tables, &out.Tables); err != nil {
			return out, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "The provider's tables of listing %d cannot be read", l.ID)
		}
	}
	return out, nil
}

// AnsweredQuestions returns every question answered about seller's
// listing listingID, oldest first, from the question log of the listing's
// provider: this node's, or, for a listing a hub serves, the hub's, asked
// with a request signed by seller (signed in on this node; else the error
// says to sign in). The listing must be seller's (EFORBIDDEN).
func (a *App) AnsweredQuestions(ctx context.Context, seller common.Address, listingID uint64) ([]AnsweredQuestion, error) {
	l, err := a.Listing(ctx, listingID)
	if err != nil {
		return nil, err
	}
	if l.Seller != seller {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Listing %d is not %s's: its questions are shown to its publisher.", l.ID, seller.Hex())
	}
	var es []provider.RecordedQuestion
	if a.providesHere(ctx, l) {
		es, err = a.questionEntries(ctx, l.ID)
	} else {
		es, err = a.hubAnsweredQuestions(ctx, l)
	}
	if err != nil {
		return nil, err
	}
	leaves, err := decodeQuestionLog(l.ID, es)
	if err != nil {
		return nil, err
	}
	out := make([]AnsweredQuestion, len(leaves))
	for i, lf := range leaves {
		out[i] = AnsweredQuestion{Listing: lf.Listing, Index: lf.index, Asker: lf.Asker, Question: lf.Question,
			Epsilon: lf.Epsilon, Answer: lf.Answer, At: lf.At}
	}
	return out, nil
}

// hubAnsweredQuestions fetches listing l's question log from its provider
// (a hub), signed by l's seller when signed in here.
func (a *App) hubAnsweredQuestions(ctx context.Context, l *marketplace.Listing) ([]provider.RecordedQuestion, error) {
	if l.Provider == "" {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "Listing %d names no provider: no questions are answered about it.", l.ID)
	}
	sg := a.unlockedSigner(l.Seller)
	if sg == nil {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Questions about listing %d are recorded by its provider %s: sign in as %s to fetch them.",
			l.ID, l.Provider, l.Seller.Hex())
	}
	qc, err := a.questionClient()
	if err != nil {
		return nil, err
	}
	qctx, cancel := context.WithTimeout(ctx, statementDeliveryTimeout)
	defer cancel()
	rep, err := qc.AnsweredQuestions(qctx, l.Provider, sg, l.ID)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.ErrorCode(err), err, "Questions about listing %d cannot be fetched from its provider %s: %s", l.ID, l.Provider, marketplace.ErrorMessage(err))
	}
	return rep.Entries, nil
}

// questionListing finds listing id and refuses one whose card sets no
// question budget or was flagged (EFORBIDDEN), or is not fetched yet
// (EUNAVAILABLE).
func (a *App) questionListing(ctx context.Context, id uint64) (*marketplace.Listing, error) {
	l, err := a.Listing(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case l.CardStatus == marketplace.CardMismatch:
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Listing %d is not shown in the catalog: its dataset card does not match or is not signed by its seller. No questions.", id)
	case l.Card == nil:
		return nil, marketplace.Errorf(marketplace.EUNAVAILABLE, "Listing %d's dataset card has not been fetched from its provider %s yet: try again later.", id, l.Provider)
	case l.Card.Questions == nil:
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Listing %d answers no questions before buying: its publisher set no question budget.", id)
	}
	return l, nil
}

// questionClient signs question requests for this node's chain and market.
func (a *App) questionClient() (provider.QuestionClient, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return provider.QuestionClient{}, err
	}
	return provider.QuestionClient{Client: &a.market.client, ChainID: a.chainID.Uint64(), Contract: addr, Now: a.now}, nil
}

// CheckQuestion parses a question (anonymize/dp's language) and returns
// its canonical text; EINVALID saying what is wrong and where.
func CheckQuestion(s string) (string, error) {
	q, err := parseQuestion(s)
	if err != nil {
		return "", err
	}
	return q.String(), nil
}

// parseQuestion reads a question (EINVALID saying what is wrong).
func parseQuestion(s string) (*dp.Question, error) {
	if strings.TrimSpace(s) == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Question: write one, such as SELECT COUNT(*) WHERE age_group = '40-49'.")
	}
	q, err := dp.ParseQuestion(s)
	if err != nil {
		return nil, invalidQuestion(err, "Question")
	}
	return q, nil
}

// invalidQuestion is EINVALID for a question the dp package refused,
// with its reason in the message the asker reads.
func invalidQuestion(err error, format string, args ...any) error {
	why := strings.TrimSuffix(err.Error(), ": "+anonymize.ErrInvalid.Error())
	why = strings.TrimPrefix(why, "question: ")
	return &marketplace.Error{Code: marketplace.EINVALID, Err: err, Message: fmt.Sprintf(format, args...) + ": " + why}
}

// questionAnswerOf reads a provider's reply.
func questionAnswerOf(rep provider.QuestionReply) (QuestionAnswer, error) {
	out := QuestionAnswer{Listing: rep.Listing, Spent: rep.Spent, Cached: rep.Cached,
		ListingRemaining: rep.ListingRemaining, MyRemaining: rep.MyRemaining, At: rep.At}
	if err := json.Unmarshal(rep.Answer, &out.Answer); err != nil {
		return out, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "The provider's answer to listing %d's question cannot be read", rep.Listing)
	}
	return out, nil
}

// decimal writes ε exactly: as a decimal when it has one of at most 18
// digits after the point (every sum of the decimals ε are written in),
// else as a fraction.
func decimal(r *big.Rat) string {
	for prec := 0; prec <= 18; prec++ {
		s := r.FloatString(prec)
		if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(r) == 0 {
			return s
		}
	}
	return r.RatString()
}

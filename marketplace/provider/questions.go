package provider

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// Questions before buying: a researcher's node asks a listing's provider
// an aggregate question about the listing's data, signed by the
// researcher's own account (a signed call of KindQuestion):
//
//	POST provider/v1/listings/{id}/questions          {"question":"SELECT ..."} -> QuestionReply
//	GET  provider/v1/listings/{id}/questions/budget                             -> QuestionBudgetReply
//	GET  provider/v1/listings/{id}/questions/answered                           -> AnsweredReply (the seller only)
//
// The provider answers under differential privacy, spending from the
// listing's ε budget and from the asker's share of it; what it answers
// and what it tells names no other account: the listing's remaining
// budget and the asker's own, nothing of anyone else's. The listing's
// seller alone reads every answered question, with who asked (a hub
// keeps them for publishers who are not always online).

// Limits of the question routes.
const (
	// MaxQuestionBytes bounds a question request's body.
	MaxQuestionBytes = 4 << 10
	// MaxAnswerBytes bounds an answer a client reads; MaxAnsweredBytes
	// the answered questions of a listing.
	MaxAnswerBytes   = 1 << 20
	MaxAnsweredBytes = 64 << 20
	// QuestionsPerMinute bounds the question requests (questions and
	// budget reads) served per minute, all accounts together;
	// KeyQuestionsPerMinute those of one account.
	QuestionsPerMinute    = 1200
	KeyQuestionsPerMinute = 120
)

// QuestionBackend is the optional part of a Backend that answers
// questions before buying. who is the request's verified signer.
type QuestionBackend interface {
	// AnswerQuestion answers question about listing for who, or gives
	// the answer recorded for the same question again, spending nothing:
	// ENOTFOUND when this node does not serve the listing, EFORBIDDEN
	// when the listing answers no questions (no budget on its card,
	// delisted) or the answer would overspend the listing's or who's ε
	// (naming what is left of both, nothing of other accounts), EINVALID
	// for a question that does not parse or does not fit the data.
	AnswerQuestion(ctx context.Context, who common.Address, listing uint64, question string) (QuestionReply, error)
	// QuestionBudget returns the listing's budget and what is left of it
	// and of who's share.
	QuestionBudget(ctx context.Context, who common.Address, listing uint64) (QuestionBudgetReply, error)
	// AnsweredQuestions returns the listing's question log, oldest first,
	// when who is the listing's seller (EFORBIDDEN otherwise).
	AnsweredQuestions(ctx context.Context, who common.Address, listing uint64) (AnsweredReply, error)
}

// AnsweredReply is a listing's question log as its seller reads it.
type AnsweredReply struct {
	Listing uint64             `json:"listing"`
	Entries []RecordedQuestion `json:"entries"`
}

// RecordedQuestion is one entry of a listing's question log: its index
// and its leaf, the JSON the log hashed.
type RecordedQuestion struct {
	Index uint64          `json:"index"`
	Leaf  json.RawMessage `json:"leaf"`
}

// QuestionReply is an answered question, as the provider sends it.
type QuestionReply struct {
	Listing uint64 `json:"listing"`
	// Answer is the answer with its noise and 95 % intervals, as JSON (the
	// anonymize/dp answer, which this package does not import).
	Answer json.RawMessage `json:"answer"`
	// Spent is the ε this request spent: "0" when Cached.
	Spent string `json:"spent"`
	// Cached says the same question was answered before, and this is that
	// answer again, spending nothing.
	Cached bool `json:"cached"`
	// ListingRemaining and MyRemaining are the ε left of the listing's
	// budget and of the asker's share, after this answer.
	ListingRemaining string `json:"listing_remaining"`
	MyRemaining      string `json:"my_remaining"`
	// At is when the answer was computed.
	At time.Time `json:"at"`
}

// QuestionBudgetReply is a listing's question budget as one asker sees it.
type QuestionBudgetReply struct {
	Listing uint64 `json:"listing"`
	// Total and PerRequester are the budgets the card sets.
	Total        string `json:"total"`
	PerRequester string `json:"per_requester"`
	// ListingRemaining and MyRemaining are what is left of them.
	ListingRemaining string `json:"listing_remaining"`
	MyRemaining      string `json:"my_remaining"`
	// Tables are the tables and columns a question may name, as JSON
	// (the anonymize/dp schema): what a question form offers.
	Tables json.RawMessage `json:"tables,omitempty"`
}

// questionBody is the body of a question request.
type questionBody struct {
	Question string `json:"question"`
}

// questionsPath and budgetPath are the API paths of listing's question routes.
func questionsPath(listing uint64) string {
	return PathListings + strconv.FormatUint(listing, 10) + "/questions"
}

// Operations of the question routes: the last part of their paths.
const (
	opAsk      = ""
	opBudget   = "/budget"
	opAnswered = "/answered"
)

// handleQuestion handles the POST provider/v1/listings/{id}/questions
// route (op opAsk), and the GET .../questions/budget (opBudget) and
// .../questions/answered (opAnswered) routes: the envelope, the rates,
// the nonce, then the backend.
func (p *Provider) handleQuestion(log *slog.Logger, op string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		qb, ok := p.Backend.(QuestionBackend)
		if !ok {
			writeError(w, log, marketplace.Errorf(marketplace.ENOTFOUND, "This node answers no questions."))
			return
		}
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil || id == 0 {
			writeError(w, log, marketplace.Errorf(marketplace.EINVALID, "Listing %q: want a listing number.", r.PathValue("id")))
			return
		}
		body, err := readCallBody(r, MaxQuestionBytes, "Question")
		if err != nil {
			writeError(w, log, err)
			return
		}
		who, err := p.authorizeCall(r.Context(), r, KindQuestion, "Question refused", questionsPath(id)+op, body, &p.questionWindow,
			callRates{what: "question requests", node: QuestionsPerMinute, perA: KeyQuestionsPerMinute})
		if err != nil {
			log.Info("question refused", "listing", id, "err", err)
			writeError(w, log, err)
			return
		}
		out, err := serveQuestion(r.Context(), qb, op, who, id, body)
		if err != nil {
			log.Info("question not answered", "listing", id, "err", err)
			writeError(w, log, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// serveQuestion runs op for who.
func serveQuestion(ctx context.Context, qb QuestionBackend, op string, who common.Address, id uint64, body []byte) (any, error) {
	switch op {
	case opBudget:
		return qb.QuestionBudget(ctx, who, id)
	case opAnswered:
		return qb.AnsweredQuestions(ctx, who, id)
	}
	var q questionBody
	if err := strictJSON(body, &q); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Question: not valid JSON")
	}
	return qb.AnswerQuestion(ctx, who, id, q.Question)
}

// QuestionClient calls the question routes of listings' providers for
// one chain and contract, signing each request with the asker's account.
type QuestionClient struct {
	Client   *Client
	ChainID  uint64
	Contract common.Address
	Now      func() time.Time // nil: time.Now
}

func (c QuestionClient) signed(maxBytes int64) signedClient {
	return signedClient{client: c.Client, kind: KindQuestion, chainID: c.ChainID, contract: c.Contract, now: c.Now,
		maxBytes: maxBytes, node: "provider"}
}

// Ask asks the provider at base question about listing, as s's account.
func (c QuestionClient) Ask(ctx context.Context, base string, s PersonalSigner, listing uint64, question string) (QuestionReply, error) {
	var out QuestionReply
	err := c.signed(MaxAnswerBytes).call(ctx, base, s, http.MethodPost, questionsPath(listing), questionBody{Question: question}, &out)
	return out, err
}

// QuestionBudget asks the provider at base for listing's question budget
// as s's account sees it.
func (c QuestionClient) QuestionBudget(ctx context.Context, base string, s PersonalSigner, listing uint64) (QuestionBudgetReply, error) {
	var out QuestionBudgetReply
	err := c.signed(MaxAnswerBytes).call(ctx, base, s, http.MethodGet, questionsPath(listing)+opBudget, nil, &out)
	return out, err
}

// AnsweredQuestions fetches listing's question log from the provider at
// base, as s's account (the listing's seller).
func (c QuestionClient) AnsweredQuestions(ctx context.Context, base string, s PersonalSigner, listing uint64) (AnsweredReply, error) {
	var out AnsweredReply
	err := c.signed(MaxAnsweredBytes).call(ctx, base, s, http.MethodGet, questionsPath(listing)+opAnswered, nil, &out)
	return out, err
}

package app

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize/dp"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
)

// questionState is what the node keeps in memory to answer questions
// about the listings it serves: per listing, its budget and its answers
// (rebuilt from the listing's question log on first use), and the
// datasets ready to answer over (questions_data.go).
type questionState struct {
	mu       sync.Mutex
	listings map[uint64]*listingQuestions
	data     preparedCache
	appends  groupCommit[logAppend, uint64] // questions_log.go
}

// listingQuestions is one listing's budget and answers.
type listingQuestions struct {
	mu     sync.Mutex
	loaded bool
	budget *dp.Budget
	// answers maps a question's canonical text to its recorded answer.
	// An answer is given again, spending nothing, to whoever asks the same
	// question: it was already released to the one who first asked, and
	// answering it again reveals nothing more about the patients (a second
	// noisy answer would).
	answers map[string]questionLeaf
	// computing maps a question being answered to a channel closed when
	// it is done, so the same question asked meanwhile waits for that
	// answer instead of spending again.
	computing map[string]chan struct{}
}

// listingQuestions returns listing l's budget and answers, reading its
// log once.
func (a *App) listingQuestions(ctx context.Context, l *marketplace.Listing) (*listingQuestions, error) {
	qs := &a.questions
	qs.mu.Lock()
	if qs.listings == nil {
		qs.listings = map[uint64]*listingQuestions{}
	}
	lq := qs.listings[l.ID]
	if lq == nil {
		lq = &listingQuestions{}
		qs.listings[l.ID] = lq
	}
	qs.mu.Unlock()
	lq.mu.Lock()
	defer lq.mu.Unlock()
	if lq.loaded {
		return lq, nil
	}
	leaves, err := a.questionLog(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	if lq.budget, err = replayBudget(l.ID, l.Card.Questions, leaves); err != nil {
		return nil, err
	}
	lq.answers, lq.computing = map[string]questionLeaf{}, map[string]chan struct{}{}
	for _, lf := range leaves {
		if _, ok := lq.answers[lf.Question]; !ok {
			lq.answers[lf.Question] = lf
		}
	}
	lq.loaded = true
	return lq, nil
}

// claim returns the recorded answer to canonical, or the channel to wait
// on while someone computes it, or (neither) makes the caller the one who
// computes it: it then calls release when done.
func (lq *listingQuestions) claim(canonical string) (lf questionLeaf, answered bool, wait chan struct{}) {
	lq.mu.Lock()
	defer lq.mu.Unlock()
	if lf, ok := lq.answers[canonical]; ok {
		return lf, true, nil
	}
	if ch := lq.computing[canonical]; ch != nil {
		return questionLeaf{}, false, ch
	}
	lq.computing[canonical] = make(chan struct{})
	return questionLeaf{}, false, nil
}

// release ends the computing of canonical, keeping its answer when lf
// is not nil.
func (lq *listingQuestions) release(canonical string, lf *questionLeaf) {
	lq.mu.Lock()
	defer lq.mu.Unlock()
	if lf != nil {
		lq.answers[canonical] = *lf
	}
	close(lq.computing[canonical])
	delete(lq.computing, canonical)
}

// servedForQuestions returns listing id when this node answers questions
// about it: active, its dataset held here for its seller, its card
// setting a question budget.
func (a *App) servedForQuestions(ctx context.Context, id uint64) (*marketplace.Listing, error) {
	l, err := a.questionListing(ctx, id)
	if err != nil {
		return nil, err
	}
	if !l.Active {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Listing %d is delisted: it answers no questions.", id)
	}
	if _, err := (providerBackend{a}).ContentHash(ctx, id); err != nil {
		return nil, err
	}
	if !a.providesHere(ctx, l) {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "This node does not serve listing %d.", id)
	}
	return l, nil
}

// AnswerQuestion answers question about listing id for who
// (provider.QuestionBackend): the same question answered before is that
// answer again, spending nothing; else the answer is computed over the
// listing's data, its ε spent from the listing's budget and who's share,
// recorded in the listing's question log, and returned.
func (b providerBackend) AnswerQuestion(ctx context.Context, who common.Address, id uint64, question string) (provider.QuestionReply, error) {
	a := b.a
	q, err := parseQuestion(question)
	if err != nil {
		return provider.QuestionReply{}, err
	}
	l, err := a.servedForQuestions(ctx, id)
	if err != nil {
		return provider.QuestionReply{}, err
	}
	lq, err := a.listingQuestions(ctx, l)
	if err != nil {
		return provider.QuestionReply{}, err
	}
	canonical := q.String()
	for {
		lf, answered, wait := lq.claim(canonical)
		if answered {
			return questionReply(lq, who, lf, nil)
		}
		if wait == nil {
			break
		}
		select {
		case <-ctx.Done():
			return provider.QuestionReply{}, ctx.Err()
		case <-wait:
		}
	}
	lf, err := a.answerOnce(ctx, l, lq, who, q)
	if err != nil {
		lq.release(canonical, nil)
		return provider.QuestionReply{}, err
	}
	lq.release(canonical, &lf)
	return questionReply(lq, who, lf, q.EpsilonOrDefault())
}

// answerOnce checks q against the data, spends its ε, computes its answer
// and records it, in that order: the spend is a reservation (concurrent
// askers never take the budget past its limits), given back when the
// answer cannot be computed or recorded, so a failure spends nothing and
// no answer leaves the node unrecorded.
func (a *App) answerOnce(ctx context.Context, l *marketplace.Listing, lq *listingQuestions, who common.Address, q *dp.Question) (questionLeaf, error) {
	prep, err := a.preparedData(ctx, l)
	if err != nil {
		return questionLeaf{}, err
	}
	if err := prep.Check(q); err != nil {
		return questionLeaf{}, invalidQuestion(err, "Question about listing %d", l.ID)
	}
	eps := q.EpsilonOrDefault()
	if err := lq.budget.Spend(who.Hex(), eps); err != nil {
		return questionLeaf{}, overspent(err, l.ID)
	}
	refund := func(cause error) error {
		if rerr := lq.budget.Refund(who.Hex(), eps); rerr != nil {
			a.log.Error("question budget not refunded", "listing", l.ID, "asker", who, "err", rerr)
		}
		return cause
	}
	ans, err := prep.Answer(q, dp.CryptoSource{})
	if err != nil {
		return questionLeaf{}, refund(invalidQuestion(err, "Question about listing %d", l.ID))
	}
	lf := questionLeaf{Listing: l.ID, Asker: who, Question: q.String(), Epsilon: decimal(eps), Answer: resultOf(ans), At: a.now().UTC()}
	if lf.index, err = a.appendQuestion(ctx, lf); err != nil {
		return questionLeaf{}, refund(err)
	}
	a.log.Info("question answered", "listing", l.ID, "asker", who, "epsilon", lf.Epsilon, "entry", lf.index)
	return lf, nil
}

// overspent turns a budget refusal into the asker's refusal, naming what
// is left (EFORBIDDEN; it wraps dp.ErrBudget).
func overspent(err error, listing uint64) error {
	var oe *dp.OverspendError
	if !errors.As(err, &oe) {
		return marketplace.Wrap(marketplace.EINTERNAL, err, "Question budget of listing %d", listing)
	}
	return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: oe, Message: "This question needs ε " + decimal(oe.Asked) +
		"; you have ε " + decimal(nonNegative(oe.RequesterLeft)) + " left on this listing (the listing has " + decimal(nonNegative(oe.ListingLeft)) + " left)."}
}

func nonNegative(r *big.Rat) *big.Rat {
	if r.Sign() < 0 {
		return new(big.Rat)
	}
	return r
}

// questionReply is lf as who receives it, with the budgets left; spent
// nil: a recorded answer given again.
func questionReply(lq *listingQuestions, who common.Address, lf questionLeaf, spent *big.Rat) (provider.QuestionReply, error) {
	raw, err := json.Marshal(lf.Answer)
	if err != nil {
		return provider.QuestionReply{}, err
	}
	listingLeft, mine := lq.budget.Remaining(who.Hex())
	rep := provider.QuestionReply{Listing: lf.Listing, Answer: raw, Spent: "0", Cached: spent == nil, At: lf.At,
		ListingRemaining: decimal(nonNegative(listingLeft)), MyRemaining: decimal(nonNegative(mine))}
	if spent != nil {
		rep.Spent = decimal(spent)
	}
	return rep, nil
}

// QuestionBudget returns listing id's question budget as who sees it,
// with the tables questions may name (provider.QuestionBackend).
func (b providerBackend) QuestionBudget(ctx context.Context, who common.Address, id uint64) (provider.QuestionBudgetReply, error) {
	l, err := b.a.servedForQuestions(ctx, id)
	if err != nil {
		return provider.QuestionBudgetReply{}, err
	}
	lq, err := b.a.listingQuestions(ctx, l)
	if err != nil {
		return provider.QuestionBudgetReply{}, err
	}
	prep, err := b.a.preparedData(ctx, l)
	if err != nil {
		return provider.QuestionBudgetReply{}, err
	}
	tables, err := json.Marshal(tablesOf(prep.Schema()))
	if err != nil {
		return provider.QuestionBudgetReply{}, err
	}
	listingLeft, mine := lq.budget.Remaining(who.Hex())
	cq := l.Card.Questions
	return provider.QuestionBudgetReply{Listing: id, Total: decimal(cq.Total()), PerRequester: decimal(cq.PerRequesterRat()),
		ListingRemaining: decimal(nonNegative(listingLeft)), MyRemaining: decimal(nonNegative(mine)), Tables: tables}, nil
}

// AnsweredQuestions returns listing id's question log to its seller
// (provider.QuestionBackend), for a listing this node serves.
func (b providerBackend) AnsweredQuestions(ctx context.Context, who common.Address, id uint64) (provider.AnsweredReply, error) {
	l, err := b.a.Listing(ctx, id)
	if err != nil {
		return provider.AnsweredReply{}, err
	}
	if l.Seller != who {
		return provider.AnsweredReply{}, marketplace.Errorf(marketplace.EFORBIDDEN, "Listing %d's questions are shown to its seller only.", id)
	}
	if !b.a.providesHere(ctx, l) {
		return provider.AnsweredReply{}, marketplace.Errorf(marketplace.ENOTFOUND, "This node does not serve listing %d.", id)
	}
	es, err := b.a.questionEntries(ctx, id)
	return provider.AnsweredReply{Listing: id, Entries: es}, err
}

var _ provider.QuestionBackend = providerBackend{}

package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize/dp"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/provider"
)

// Every answered question is one entry of its listing's question log, a
// log of the node's Merkle ledger (the trials' ledger: tamper-evident,
// each append durable once it returns) whose id is derived from the
// chain, the market contract and the listing. The log is the record of
// truth: the listing's spent budget and its answer cache are rebuilt from
// it when first needed after a start, so a crash loses nothing that was
// answered and spends nothing twice. Answers are computed, then appended,
// then returned: an answer that was never recorded was never seen.

// questionLeaf is one answered question, as its log entry's JSON.
type questionLeaf struct {
	Listing  uint64         `json:"listing"`
	Asker    common.Address `json:"asker"`
	Question string         `json:"question"` // canonical text
	Epsilon  string         `json:"epsilon"`  // exact: a decimal or a fraction
	Answer   QuestionResult `json:"answer"`
	At       time.Time      `json:"at"`

	index uint64 // the entry's index, when read back
}

// questionLogID is listing's question log id: SHA-256 of a text naming
// the chain, the market contract and the listing, so no two listings
// (nor a trial, whose id is registered on chain) share one.
func (a *App) questionLogID(listing uint64) (ledger.LogID, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return ledger.LogID{}, err
	}
	return ledger.LogID(sha256.Sum256(fmt.Appendf(nil, "medmarket questions\nchain: %s\ncontract: %s\nlisting: %d\n",
		a.chainID, addr.Hex(), listing))), nil
}

// questionLedger is the node's ledger.
func (a *App) questionLedger() (*ledger.Ledger, error) {
	svc, err := a.trialService()
	if err != nil {
		return nil, err
	}
	return svc.Ledger(), nil
}

// appendQuestion records lf in its listing's log; it returns once the
// entry is on disk. Concurrent appends share one transaction per log (and
// one fsync): a burst of answers waits for a few writes, not one each.
func (a *App) appendQuestion(ctx context.Context, lf questionLeaf) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	id, err := a.questionLogID(lf.Listing)
	if err != nil {
		return 0, err
	}
	lg, err := a.questionLedger()
	if err != nil {
		return 0, err
	}
	b, err := json.Marshal(lf)
	if err != nil {
		return 0, err
	}
	return a.questions.appends.do(logAppend{id: id, leaf: b}, func(batch []logAppend) ([]uint64, []error) {
		return appendBatches(lg, batch)
	})
}

// logAppend is one leaf for one log.
type logAppend struct {
	id   ledger.LogID
	leaf []byte
}

// appendBatches appends each log's leaves of batch in one AppendBatch,
// returning each leaf's index or its log's error.
func appendBatches(lg *ledger.Ledger, batch []logAppend) ([]uint64, []error) {
	idx, errs := make([]uint64, len(batch)), make([]error, len(batch))
	byLog := map[ledger.LogID][]int{}
	var order []ledger.LogID
	for i, w := range batch {
		if byLog[w.id] == nil {
			order = append(order, w.id)
		}
		byLog[w.id] = append(byLog[w.id], i)
	}
	for _, id := range order {
		is := byLog[id]
		leaves := make([][]byte, len(is))
		for j, i := range is {
			leaves[j] = batch[i].leaf
		}
		// Not the caller's context: a batch carries others' answers too.
		first, err := lg.AppendBatch(context.Background(), id, leaves)
		for j, i := range is {
			idx[i], errs[i] = first+uint64(j), err
		}
	}
	return idx, errs
}

// questionLog reads listing's question log, oldest first (none yet: empty).
func (a *App) questionLog(ctx context.Context, listing uint64) ([]questionLeaf, error) {
	es, err := a.questionEntries(ctx, listing)
	if err != nil {
		return nil, err
	}
	return decodeQuestionLog(listing, es)
}

// questionEntries reads listing's question log as it is stored.
func (a *App) questionEntries(ctx context.Context, listing uint64) ([]provider.RecordedQuestion, error) {
	id, err := a.questionLogID(listing)
	if err != nil {
		return nil, err
	}
	lg, err := a.questionLedger()
	if err != nil {
		return nil, err
	}
	es, err := lg.Entries(ctx, id, 0, math.MaxUint64)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]provider.RecordedQuestion, len(es))
	for i, e := range es {
		out[i] = provider.RecordedQuestion{Index: e.Index, Leaf: e.Leaf}
	}
	return out, nil
}

// decodeQuestionLog reads the entries of listing's question log.
func decodeQuestionLog(listing uint64, es []provider.RecordedQuestion) ([]questionLeaf, error) {
	out := make([]questionLeaf, 0, len(es))
	for _, e := range es {
		var lf questionLeaf
		if err := json.Unmarshal(e.Leaf, &lf); err != nil {
			return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "Entry %d of listing %d's question log", e.Index, listing)
		}
		if lf.Listing != listing {
			return nil, marketplace.Errorf(marketplace.EINTERNAL, "Entry %d of listing %d's question log is about listing %d.", e.Index, listing, lf.Listing)
		}
		lf.index = e.Index
		out = append(out, lf)
	}
	return out, nil
}

// replayBudget rebuilds a listing's budget from its log: the card's total
// and per-requester ε, and every recorded spend.
func replayBudget(listing uint64, q *marketplace.CardQuestions, leaves []questionLeaf) (*dp.Budget, error) {
	spent, by := new(big.Rat), map[string]*big.Rat{}
	for _, lf := range leaves {
		eps, ok := new(big.Rat).SetString(lf.Epsilon)
		if !ok || eps.Sign() <= 0 {
			return nil, marketplace.Errorf(marketplace.EINTERNAL, "Entry %d of listing %d's question log spent ε %q.", lf.index, lf.Listing, lf.Epsilon)
		}
		who := lf.Asker.Hex()
		if by[who] == nil {
			by[who] = new(big.Rat)
		}
		by[who].Add(by[who], eps)
		spent.Add(spent, eps)
	}
	st := dp.BudgetState{Total: q.Total().RatString(), PerRequester: q.PerRequesterRat().RatString(), Spent: spent.RatString()}
	for who, s := range by {
		st.SpentBy = append(st.SpentBy, dp.RequesterSpend{Requester: who, Spent: s.RatString()})
	}
	b, err := dp.RestoreBudget(st)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "Question budget of listing %d", listing)
	}
	return b, nil
}

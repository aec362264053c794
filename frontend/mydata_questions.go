package frontend

import (
	"math/big"
	"net/http"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// myQuestionsView is one of the seller's listings with the questions its
// provider answered about it (questions before buying).
type myQuestionsView struct {
	Listing   *marketplace.Listing
	Questions []app.AnsweredQuestion
	Spent     string // ε spent in all, an exact decimal
	Problem   string // why they could not be read (a hub answers them, not this node...)
}

// loadMyQuestions reads the questions answered about each of seller's
// listings whose card offers questions; a listing whose log cannot be read
// carries the reason instead.
func loadMyQuestions(r *http.Request, svc Service, seller common.Address, datasets []app.MyDataset) []myQuestionsView {
	var out []myQuestionsView
	for _, d := range datasets {
		l := d.Listing
		if l == nil || l.Card == nil || l.Card.Questions == nil {
			continue
		}
		v := myQuestionsView{Listing: l, Spent: "0"}
		qs, err := svc.AnsweredQuestions(r.Context(), seller, l.ID)
		if err != nil {
			v.Problem = marketplace.ErrorMessage(err)
		}
		v.Questions = qs
		sum := new(big.Rat)
		for _, q := range qs {
			if e, ok := new(big.Rat).SetString(q.Epsilon); ok {
				sum.Add(sum, e)
			}
		}
		v.Spent = exactDecimal(sum)
		out = append(out, v)
	}
	return out
}

// exactDecimal writes a sum of decimals exactly ("0.45"), or as a
// fraction when it has no short decimal form.
func exactDecimal(r *big.Rat) string {
	for prec := 0; prec <= 18; prec++ {
		s := r.FloatString(prec)
		if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(r) == 0 {
			return s
		}
	}
	return r.RatString()
}

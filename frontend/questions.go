package frontend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// QuestionService is what the pages of questions before buying need: a
// researcher asks a listing's provider aggregate questions answered with
// differential privacy (app/questions.go), and the publisher reads every
// question answered about its listings.
type QuestionService interface {
	AskQuestion(ctx context.Context, who app.Actor, listingID uint64, question string) (app.QuestionAnswer, error)
	QuestionBudget(ctx context.Context, who app.Actor, listingID uint64) (app.QuestionBudget, error)
	AnsweredQuestions(ctx context.Context, seller common.Address, listingID uint64) ([]app.AnsweredQuestion, error)
}

// questionsURL is the page where a researcher asks about listing id.
func questionsURL(id uint64) string { return fmt.Sprintf("/catalog/%d/questions/", id) }

// questionsPath is the page a question form posts from, for requireSessionFrom.
func questionsPath(r *http.Request) string {
	return "/catalog/" + url.PathEscape(r.PathValue("id")) + "/questions/"
}

// questionsView is the page of questions before buying.
type questionsView struct {
	L        *marketplace.Listing
	Columns  []questionColumn
	Tables   []string
	Examples []string
	Budget   app.QuestionBudget
	// BudgetProblem says why the budget could not be read (the provider
	// is unreachable...).
	BudgetProblem string
	Builder       questionBuilder
	Text          string // the text box
	// Form is which form was posted ("builder" or "text"), Field the
	// field refused, Problem why.
	Form, Field, Problem string
	Asked                string // the question asked, as composed
	Answer               *app.QuestionAnswer
}

// questionsViewOf prepares the page of listing l for the request's account.
func questionsViewOf(r *http.Request, svc Service, who app.Actor, l *marketplace.Listing) questionsView {
	v := questionsView{L: l, Columns: questionColumns(l.Card), Builder: questionBuilder{Stat: "count"}}
	if l.Card != nil {
		for _, t := range l.Card.Tables {
			v.Tables = append(v.Tables, t.Name)
		}
	}
	if l.Card != nil && l.Card.Questions != nil {
		b, err := svc.QuestionBudget(r.Context(), who, l.ID)
		if err != nil {
			v.BudgetProblem = marketplace.ErrorMessage(err)
		}
		v.Budget = b
		v.Budget.Total, v.Budget.PerRequester = l.Card.Questions.Epsilon, l.Card.Questions.PerRequester
		if len(b.Tables) > 0 { // the provider's schema: exactly what a question may name
			v.Columns, v.Tables = schemaColumns(b.Tables), nil
			if len(b.Tables) > 1 {
				for _, c := range v.Columns {
					if len(v.Tables) == 0 || v.Tables[len(v.Tables)-1] != c.Table {
						v.Tables = append(v.Tables, c.Table)
					}
				}
			}
		}
	}
	v.Examples = questionExamples(l.Card, v.Columns)
	return v
}

// boundsOpen says whether the builder shows its bounds and bins fields:
// for a statistic that takes them, when they are filled in, or refused.
func (v questionsView) boundsOpen() bool {
	switch v.Field {
	case "low", "high", "bins", "quantile":
		return true
	}
	return statNeedsBounds(v.Builder.Stat) || v.Builder.Low != "" || v.Builder.Bins != ""
}

// answers says whether the listing answers questions at all.
func (v questionsView) answers() bool { return v.L.Card != nil && v.L.Card.Questions != nil }

// epsilonLeft is the most ε one question may spend now: what is left of
// the asker's share and of the listing's, at most 1 (the language's
// bound); nil when the budget is unknown.
func (v questionsView) epsilonLeft() *big.Rat {
	mine, ok1 := new(big.Rat).SetString(v.Budget.MyRemaining)
	all, ok2 := new(big.Rat).SetString(v.Budget.ListingRemaining)
	if !ok1 || !ok2 {
		return nil
	}
	left := big.NewRat(1, 1)
	for _, r := range []*big.Rat{mine, all} {
		if r.Cmp(left) < 0 {
			left = r
		}
	}
	return left
}

// spent says the asker can be answered nothing more on this listing.
func (v questionsView) spent() bool {
	left := v.epsilonLeft()
	return left != nil && left.Sign() <= 0
}

// epsilonMax is the ε field's maximum: what one question may spend now.
func (v questionsView) epsilonMax() string {
	left := v.epsilonLeft()
	if left == nil || left.Sign() <= 0 {
		return "1"
	}
	return exactDecimal(left)
}

// epsilonValue is the ε field's value: the asker's, else the default, or
// what is left when that is less.
func (v questionsView) epsilonValue() string {
	if v.Builder.Epsilon != "" {
		return v.Builder.Epsilon
	}
	def, _ := new(big.Rat).SetString(defaultQuestionEpsilon)
	if left := v.epsilonLeft(); left != nil && left.Sign() > 0 && left.Cmp(def) < 0 {
		return exactDecimal(left)
	}
	return defaultQuestionEpsilon
}

// handleQuestionsPage handles GET /catalog/{id}/questions/: the budget,
// the form builder and the text box for questions before buying.
func handleQuestionsPage(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := listingID(r)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		who, _ := actorOf(r)
		l, err := svc.Listing(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		v := questionsViewOf(r, svc, who, l)
		if len(v.Examples) > 0 {
			v.Text = v.Examples[0]
		}
		render(w, r, logger, http.StatusOK, page{Title: "Questions: " + l.Title(), Section: "catalog", Content: questionsPage(v)})
	})
}

// handleAsk handles POST /catalog/{id}/questions/: asks the question the
// builder composed (form=builder) or the text box holds, and answers with
// the forms (htmx: with the answer, the budget and a history entry swapped
// out of band) or the whole page. A refusal (a malformed
// question, a budget that would be overspent) is shown on the form, with
// 422, naming the field or what is left.
func handleAsk(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := listingID(r)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		who, _ := actorOf(r)
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		l, err := svc.Listing(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		v := questionsViewOf(r, svc, who, l)
		v.Form = r.PostForm.Get("form")
		v.Text = r.PostForm.Get("question")
		if v.Form == "builder" {
			v.Builder = readBuilder(r.PostForm)
		}
		status, err := ask(r, svc, who, &v)
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			renderError(w, r, logger, err)
			return
		}
		if !isHTMX(r) {
			render(w, r, logger, status, page{Title: "Questions: " + l.Title(), Section: "catalog", Content: questionsPage(v)})
			return
		}
		renderComponent(w, r, logger, status, questionsAnswered(v))
	})
}

// ask asks v's question and records the outcome in v: the answer and the
// budgets it left, or the refusal on its field. It returns the status to
// answer with, and the error only when it is internal.
func ask(r *http.Request, svc Service, who app.Actor, v *questionsView) (int, error) {
	q := v.Text
	if v.Form == "builder" {
		composed, err := v.Builder.compose()
		var fe *fieldError
		if errors.As(err, &fe) {
			v.Field, v.Problem = fe.Field, fe.Message
			return http.StatusUnprocessableEntity, nil
		}
		q = composed
	} else {
		v.Form = "text"
	}
	canon, err := app.CheckQuestion(q)
	if err != nil {
		v.Field, v.Problem = questionField(v.Form), marketplace.ErrorMessage(err)
		return http.StatusUnprocessableEntity, nil
	}
	v.Asked = canon
	if v.Form == "builder" {
		v.Text = canon // the builder teaches the language: its question is in the text box
	}
	ans, err := svc.AskQuestion(r.Context(), who, v.L.ID, canon)
	if err != nil {
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			return http.StatusInternalServerError, err
		}
		v.Field, v.Problem = questionField(v.Form), marketplace.ErrorMessage(err)
		if code := marketplace.ErrorCode(err); code == marketplace.EINVALID || code == marketplace.EFORBIDDEN {
			return http.StatusUnprocessableEntity, nil // the question is refused: an expected answer, shown on the form
		}
		return httpStatus(marketplace.ErrorCode(err)), nil
	}
	v.Answer = &ans
	v.Budget.ListingRemaining, v.Budget.MyRemaining = ans.ListingRemaining, ans.MyRemaining
	return http.StatusOK, nil
}

// questionField is the field a refusal of the whole question points at.
func questionField(form string) string {
	if form == "builder" {
		return "builder"
	}
	return "question"
}

// answerFigure writes an answer's value for people: whole numbers as such, else
// up to 3 decimals.
func answerFigure(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}

// rowFigure writes a value with its 95 % interval: "412 ± 9" when the
// interval is symmetric, else "3.2 (2.9–4.1)".
func rowFigure(row app.QuestionRow) string {
	up, down := row.High-row.Value, row.Value-row.Low
	if math.Abs(up-down) <= 1e-9*math.Max(1, math.Abs(up)) {
		return answerFigure(row.Value) + " ± " + answerFigure(up)
	}
	return answerFigure(row.Value) + " (" + answerFigure(row.Low) + "–" + answerFigure(row.High) + ")"
}

// mechanismNote says how an answer was released: its noise, and its δ
// when groups or categories were shown only above a noisy threshold.
func mechanismNote(a app.QuestionResult) string {
	if a.Delta > 0 {
		return a.Mechanism + ", δ = " + strconv.FormatFloat(a.Delta, 'g', 2, 64) + ": groups and categories shown only above a noisy threshold"
	}
	return a.Mechanism
}

// rowGroup names a row's group ("all" when the question groups nothing).
func rowGroup(row app.QuestionRow) string {
	if len(row.Group) == 0 {
		return "all"
	}
	return strings.Join(row.Group, " · ")
}

// ratio is a budget's remainder as a fraction of its total, for a meter.
func ratio(left, total string) float64 {
	l, ok1 := new(big.Rat).SetString(left)
	t, ok2 := new(big.Rat).SetString(total)
	if !ok1 || !ok2 || t.Sign() == 0 {
		return 0
	}
	f, _ := new(big.Rat).Quo(l, t).Float64()
	return math.Min(math.Max(f, 0), 1)
}

func meterValue(left, total string) string {
	return strconv.FormatFloat(ratio(left, total), 'f', 3, 64)
}

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

// Builder statistics, in the order the form offers them.
var builderStats = [][2]string{
	{"count", "Count of rows"}, {"patients", "Count of patients"}, {"sum", "Sum of a column"},
	{"mean", "Mean of a column"}, {"quantile", "Quantile of a column"}, {"histogram", "Histogram of a column"},
}

// Builder filter operators: the form's value and the language's words.
var builderOps = [][2]string{
	{"=", "="}, {"!=", "≠"}, {"<", "<"}, {"<=", "≤"}, {">", ">"}, {">=", "≥"},
	{"missing", "is missing"}, {"not missing", "is not missing"}, {"suppressed", "is suppressed"},
}

// statNeedsBounds says whether a builder statistic takes BOUNDS or BINS
// (the form opens those fields for it).
func statNeedsBounds(stat string) bool {
	return stat == "sum" || stat == "mean" || stat == "quantile" || stat == "histogram"
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

// maxBuilderFilters is how many WHERE rows the builder shows.
const maxBuilderFilters = 3

// questionBuilder is the form builder's fields as the researcher set them.
type questionBuilder struct {
	Stat, Table, Column, Quantile string
	Filters                       [maxBuilderFilters]builderFilter
	GroupBy                       string
	Low, High, Bins, Epsilon      string
}

type builderFilter struct{ Column, Op, Value string }

// readBuilder reads the builder's fields from a posted form.
func readBuilder(f url.Values) questionBuilder {
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	b := questionBuilder{Stat: get("stat"), Table: get("table"), Column: get("column"), Quantile: get("quantile"),
		GroupBy: get("group"), Low: get("low"), High: get("high"), Bins: get("bins"), Epsilon: get("epsilon")}
	for i := range b.Filters {
		n := strconv.Itoa(i + 1)
		b.Filters[i] = builderFilter{Column: get("fcol" + n), Op: get("fop" + n), Value: f.Get("fval" + n)}
	}
	return b
}

// fieldError is a refusal of one builder field, which the form marks.
type fieldError struct{ Field, Message string }

func (e *fieldError) Error() string { return e.Message }

// compose writes the builder's question in the language (anonymize/dp's
// question.go), or names the field that keeps it from being one.
func (b questionBuilder) compose() (string, error) {
	var sb strings.Builder
	sb.WriteString("SELECT ")
	if statNeedsBounds(b.Stat) && b.Column == "" {
		return "", &fieldError{"column", "Column: choose the column whose " + b.Stat + " you ask for."}
	}
	switch b.Stat {
	case "count":
		sb.WriteString("COUNT(*)")
	case "patients":
		sb.WriteString("COUNT(PATIENTS)")
	case "sum", "mean", "histogram":
		fmt.Fprintf(&sb, "%s(%s)", strings.ToUpper(b.Stat), quoteIdent(b.Column))
	case "quantile":
		q := cmpOr(b.Quantile, "0.5")
		if !isDecimal(q) {
			return "", &fieldError{"quantile", fmt.Sprintf("Quantile: %q is not a number between 0 and 1 such as 0.5.", q)}
		}
		fmt.Fprintf(&sb, "QUANTILE(%s, %s)", quoteIdent(b.Column), q)
	default:
		return "", &fieldError{"stat", fmt.Sprintf("Statistic: %q is not one the builder offers.", b.Stat)}
	}
	if b.Table != "" {
		sb.WriteString(" FROM " + quoteIdent(b.Table))
	}
	if err := b.writeWhere(&sb); err != nil {
		return "", err
	}
	if b.GroupBy != "" {
		sb.WriteString(" GROUP BY " + quoteIdent(b.GroupBy))
	}
	if err := b.writeBounds(&sb); err != nil {
		return "", err
	}
	eps := cmpOr(b.Epsilon, defaultQuestionEpsilon)
	if !isDecimal(eps) {
		return "", &fieldError{"epsilon", fmt.Sprintf("ε: %q is not a decimal number such as 0.1.", eps)}
	}
	sb.WriteString(" EPSILON " + eps)
	return sb.String(), nil
}

// defaultQuestionEpsilon is the ε the form proposes (anonymize/dp's default).
const defaultQuestionEpsilon = "0.1"

// writeWhere writes the filter rows that name a column.
func (b questionBuilder) writeWhere(sb *strings.Builder) error {
	first := true
	for i, f := range b.Filters {
		if f.Column == "" {
			continue
		}
		cond, err := f.condition()
		if err != nil {
			return &fieldError{fmt.Sprintf("fval%d", i+1), fmt.Sprintf("Filter %d: %s", i+1, err.Error())}
		}
		if first {
			sb.WriteString(" WHERE ")
			first = false
		} else {
			sb.WriteString(" AND ")
		}
		sb.WriteString(cond)
	}
	return nil
}

// condition is one filter row in the language: = and ≠ compare the
// released text, so their value is always quoted; <, ≤, >, ≥ compare a
// number when the value is one, else a date or text, quoted.
func (f builderFilter) condition() (string, error) {
	col := quoteIdent(f.Column)
	v := strings.TrimSpace(f.Value)
	switch f.Op {
	case "missing":
		return col + " IS MISSING", nil
	case "not missing":
		return col + " IS NOT MISSING", nil
	case "suppressed":
		return col + " IS SUPPRESSED", nil
	case "=", "!=":
		return col + " " + f.Op + " " + quoteLiteral(f.Value), nil
	case "<", "<=", ">", ">=":
		if v == "" {
			return "", fmt.Errorf("write the value to compare %s with", f.Column)
		}
		if isDecimal(v) {
			return col + " " + f.Op + " " + v, nil
		}
		return col + " " + f.Op + " " + quoteLiteral(v), nil
	}
	return "", fmt.Errorf("%q is not a comparison the builder offers", f.Op)
}

// writeBounds writes BOUNDS and BINS when given.
func (b questionBuilder) writeBounds(sb *strings.Builder) error {
	if b.Low != "" || b.High != "" {
		if !isInteger(b.Low) {
			return &fieldError{"low", fmt.Sprintf("Bounds: the lower bound %q is not a whole number.", b.Low)}
		}
		if !isInteger(b.High) {
			return &fieldError{"high", fmt.Sprintf("Bounds: the upper bound %q is not a whole number.", b.High)}
		}
		sb.WriteString(" BOUNDS " + b.Low + " TO " + b.High)
	}
	if b.Bins != "" {
		if n, err := strconv.Atoi(b.Bins); err != nil || n < 1 {
			return &fieldError{"bins", fmt.Sprintf("Bins: %q is not a whole number of bins.", b.Bins)}
		}
		sb.WriteString(" BINS " + b.Bins)
	}
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// quoteIdent writes a column or table name as the language's "quoted"
// identifier, so any name (keywords, spaces) is read as written.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteLiteral writes a 'quoted' literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func isDecimal(s string) bool {
	_, ok := new(big.Rat).SetString(s)
	return ok && s != "" && !strings.ContainsAny(s, "/eE")
}

func isInteger(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// questionColumn is a column a question may name, with its table.
// Numeric ones take SUM, MEAN, QUANTILE and HISTOGRAM with bounds;
// listable ones may be grouped by.
type questionColumn struct {
	Table, Name, Type string
	Numeric, Listable bool
}

// label names the column in a select: "table.name (number)".
func (c questionColumn) label() string {
	s := c.Name
	if c.Table != "" {
		s = c.Table + "." + s
	}
	if c.Numeric {
		s += " (number)"
	}
	return s
}

// schemaColumns lists the columns the provider says questions may name
// (app.QuestionBudget's Tables), the default table's first; the table is
// named only when there are several.
func schemaColumns(tables []app.QuestionTable) []questionColumn {
	var out []questionColumn
	for _, def := range []bool{true, false} {
		for _, t := range tables {
			if t.Default != def {
				continue
			}
			name := t.Name
			if len(tables) == 1 {
				name = ""
			}
			for _, c := range t.Columns {
				out = append(out, questionColumn{Table: name, Name: c.Name, Type: c.Type, Numeric: c.Numeric, Listable: c.Listable})
			}
		}
	}
	return out
}

// numericType says whether a card's column type holds numbers.
func numericType(t string) bool { return t == "integer" || t == "decimal" }

// questionColumns lists the card's columns: a release's per table, else
// the published table's.
func questionColumns(card *marketplace.DatasetCard) []questionColumn {
	if card == nil {
		return nil
	}
	var out []questionColumn
	if len(card.Tables) > 0 {
		for _, t := range card.Tables {
			for _, c := range t.Columns {
				out = append(out, questionColumn{Table: t.Name, Name: c.Name, Type: c.Type, Numeric: numericType(c.Type), Listable: true})
			}
		}
		return out
	}
	for _, c := range card.Columns {
		out = append(out, questionColumn{Name: c.Name, Type: c.Type, Numeric: numericType(c.Type), Listable: true})
	}
	return out
}

// exampleSeed is what the examples are built from: a categorical column
// with one of its released values (from the card's statistics), and a
// numeric column.
type exampleSeed struct {
	table, cat, value, num string
}

// seedOf picks the example columns of a card, in its first table: the
// categorical column the card's statistics show least often missing (with
// its most frequent category when one is shown), else the first text
// column; and the first decimal column, else the first integer one.
func seedOf(card *marketplace.DatasetCard, cols []questionColumn) exampleSeed {
	var s exampleSeed
	if len(cols) == 0 {
		return s
	}
	s.table = cols[0].Table
	if st, err := app.DecodeCardStatistics(card); err == nil && st != nil {
		for _, t := range st.Tables {
			if t.Table != s.table && s.table != "" {
				continue
			}
			best := 2.0 // the categorical column least often missing
			for _, c := range t.Columns {
				if c.Kind == "categories" && c.MissingShare < best {
					best, s.cat, s.value = c.MissingShare, c.Name, ""
					for _, cell := range c.Cells { // the most frequent released value, not a suppressed one
						if !strings.Contains(cell.Label, "*") {
							s.value = cell.Label
							break
						}
					}
				}
			}
			break
		}
	}
	numIsDecimal := false
	for _, c := range cols {
		if c.Table != s.table {
			break
		}
		switch {
		case c.Numeric && c.Type == "decimal" && (s.num == "" || !numIsDecimal):
			s.num, numIsDecimal = c.Name, true // measurements before codes and years
		case c.Numeric && s.num == "":
			s.num = c.Name
		case s.cat == "" && c.Listable && c.Type == "string":
			s.cat = c.Name
		}
	}
	if s.cat == "" {
		s.cat = cols[0].Name
	}
	return s
}

// questionExamples are three questions in the language built from the
// listing's real columns: a filtered count of patients, a histogram of a
// category, and a grouped count (or a mean when a column holds numbers).
func questionExamples(card *marketplace.DatasetCard, cols []questionColumn) []string {
	s := seedOf(card, cols)
	if s.cat == "" {
		return []string{"SELECT COUNT(*) EPSILON 0.1"}
	}
	from := ""
	if s.table != "" {
		from = " FROM " + quoteIdent(s.table)
	}
	cond := quoteIdent(s.cat) + " IS NOT MISSING"
	if s.value != "" {
		cond = quoteIdent(s.cat) + " = " + quoteLiteral(s.value)
	}
	ex := []string{
		fmt.Sprintf("SELECT COUNT(PATIENTS)%s WHERE %s EPSILON 0.1", from, cond),
		fmt.Sprintf("SELECT HISTOGRAM(%s)%s EPSILON 0.1", quoteIdent(s.cat), from),
		fmt.Sprintf("SELECT COUNT(*)%s GROUP BY %s EPSILON 0.1", from, quoteIdent(s.cat)),
	}
	if s.num != "" {
		ex[2] = fmt.Sprintf("SELECT MEAN(%s)%s BOUNDS 0 TO 100000 EPSILON 0.1", quoteIdent(s.num), from)
	}
	return ex
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

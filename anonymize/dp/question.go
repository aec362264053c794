package dp

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
)

// Questions: the aggregate questions a researcher asks about a listing
// before buying it, answered with differential privacy by [Prepared.Answer].
//
// # Language
//
//	SELECT agg [FROM table] [WHERE cond {AND cond}] [GROUP BY col {, col}]
//	       [BOUNDS num TO num] [BINS int] [EPSILON num]
//	agg  = COUNT(*) | COUNT(PATIENTS) | SUM(col) | MEAN(col) | QUANTILE(col, q) | HISTOGRAM(col)
//	cond = col op literal | col IN (literal {, literal}) | col IS [NOT] MISSING | col IS SUPPRESSED
//	op   = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//
// Keywords are case-insensitive; identifiers are bare ([A-Za-z_][A-Za-z0-9_.]*,
// not a keyword) or "double quoted" ("" escapes a quote); literals are
// 'single quoted' ('' escapes a quote) or plain decimal numbers. A question
// is at most [MaxQuestionBytes] long, with at most [MaxFilters] conditions,
// [MaxInValues] values in one IN and 2 GROUP BY columns. [Question.String]
// writes the canonical form (keywords upper case, identifiers quoted only
// when needed, numbers normalized, conditions sorted, EPSILON always
// written): two questions that mean the same read the same, so it is the
// key of an answer cache.
//
// # What a question sees: the released values
//
// Questions run over the anonymized release a buyer would download, so
// conditions compare the released cells:
//
//   - = , != and IN compare the cell's text literally: a generalized cell
//     "40-49" matches age = '40-49', not age = 45. A number literal is
//     normalized (40.50 reads 40.5) and compared as that text.
//   - <, <=, >, >= compare numbers when the literal is a number, dates
//     (YYYY-MM-DD, compared by day) when it is a date. A generalized cell
//     stands for an interval ("40-49", "[40.5,45.5)", "[40, 49]", a year
//     "1980", a month "1980-03", a decade "1980-1989"); it matches only when
//     EVERY value of the interval satisfies the comparison: age >= 40
//     matches "40-49", age >= 45 does not.
//   - A suppressed cell ("*", or a code masked to stars only) matches no
//     comparison and no IN; IS SUPPRESSED selects it. An empty cell is
//     MISSING and matches no comparison either (!= included).
//
// An answer whose conditions touch a column holding generalized or
// suppressed cells carries a note saying so. Whether a column holds such
// cells is the release's shape, which its report describes; the note says
// nothing about which rows, nor how many.
//
// # Privacy
//
// Each question spends its EPSILON (default [DefaultQuestionEpsilon], at
// most 1); the caller's [Budget] decides whether it may. Noise is exact
// discrete Laplace ([NewLaplace]); floats appear only after the noise
// (post-processing).
//
//   - Contribution bounding: of each patient's rows matching the WHERE
//     clause, only the first clip (in table order) are kept, clip being the
//     table's [Data.Clip] (1 for a table without a patient column, where
//     every row is its own patient). Everything below is computed on the
//     kept rows.
//   - COUNT(*): sensitivity clip. COUNT(PATIENTS): sensitivity 1.
//   - SUM(col): integer values clamped to [lo, hi] (decimals rounded toward
//     zero first; cells that are not numbers are left out), sensitivity
//     clip·max(|lo|, |hi|).
//   - MEAN(col): ε/2 on a noisy sum and ε/2 on a noisy count of the numeric
//     cells; the ratio is taken after the noise and clamped to [lo, hi]. Its
//     interval combines the sum's and the count's 97.5 % intervals, so it
//     holds with at least 95 %.
//   - QUANTILE(col, q): a noisy histogram of BINS (default 64) equal-width
//     bins of [lo, hi] (values outside are clamped into the end bins), read
//     at q·total on the noisy cumulative counts, linearly inside a bin. Its
//     interval runs between the bins where the cumulative count ± its 95 %
//     bound (normal approximation of the summed noise) crosses q·total.
//   - HISTOGRAM(col): a numeric column gets BINS (default 10) fixed bins of
//     [lo, hi] plus "< lo", "> hi", "not a number" and "missing", all shown;
//     a date column the year cells of the card statistics and "missing",
//     those whose noisy count is 0 dropped; any other column its
//     categories, shown only when the noisy count reaches the threshold τ
//     of [CardStats] (so the answer is (ε, clip·δ)-DP, δ = [CardDelta]),
//     the [TopCategories] largest first. Every cell has sensitivity clip
//     (each kept row lands in exactly one cell).
//   - Counts are clamped at 0 after the noise, and so are the ends of their
//     intervals (the true count is never negative, so coverage holds).
//   - GROUP BY: the groups come from the data, so a group is shown only
//     when its noisy count reaches τ (stability-based histogram, as for
//     categories; δ = clip·[CardDelta] since one patient's kept rows open at
//     most clip groups). The whole grouped answer spends ε once: a
//     patient's kept rows add at most clip (COUNT(*); COUNT(PATIENTS)
//     counts a patient once in each of at most clip groups) and
//     clip·max(|lo|,|hi|) (SUM) to all groups together. SUM and MEAN by
//     group spend ε/2 on the counts that decide which groups are shown and
//     ε/2 on the sums.
//   - GROUP BY and HISTOGRAM never list the patient column or a direct
//     identifier (the card does not describe them either).

// DefaultQuestionEpsilon is the ε a question spends when it names none.
const DefaultQuestionEpsilon = "0.1"

// Limits on a question's size.
const (
	MaxQuestionBytes = 2000
	MaxFilters       = 10
	MaxInValues      = 50
	MaxGroupBy       = 2
	MaxBins          = 100
)

// Question is one parsed question. See the package documentation for the
// language and what each part means.
type Question struct {
	Statistic string   // "count", "patients", "sum", "mean", "quantile", "histogram"
	Column    string   // the aggregated column (sum, mean, quantile, histogram); "" for count/patients
	Quantile  *big.Rat // quantile in (0,1), QUANTILE only
	Table     string   // FROM; "" = the data's default table
	Filters   []Filter // ANDed
	GroupBy   []string // at most 2 columns
	Low, High *big.Int // BOUNDS lo TO hi
	Bins      int      // BINS n; 0 = the default
	Epsilon   *big.Rat // EPSILON e; nil = DefaultQuestionEpsilon
}

// Filter is one condition of the WHERE clause. Op is "=", "!=", "<", "<=",
// ">", ">=", "in", "missing", "not missing" or "suppressed"; Values holds
// the literal (one, or the IN list; none for the IS forms).
type Filter struct {
	Column, Op string
	Values     []string
}

// Statistics a question may ask for.
const (
	StatCount     = "count"
	StatPatients  = "patients"
	StatSum       = "sum"
	StatMean      = "mean"
	StatQuantile  = "quantile"
	StatHistogram = "histogram"
)

// keywords may not be bare identifiers.
var keywords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "GROUP": true, "BY": true, "BOUNDS": true,
	"TO": true, "BINS": true, "EPSILON": true, "COUNT": true, "PATIENTS": true, "SUM": true, "MEAN": true,
	"QUANTILE": true, "HISTOGRAM": true, "IN": true, "IS": true, "NOT": true, "MISSING": true, "SUPPRESSED": true,
}

// ParseQuestion reads one question. Its errors wrap anonymize.ErrInvalid
// and name the character position (1-based) and what was expected there.
func ParseQuestion(s string) (*Question, error) {
	if len(s) > MaxQuestionBytes {
		return nil, fmt.Errorf("question: %d bytes, at most %d: %w", len(s), MaxQuestionBytes, anonymize.ErrInvalid)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	q, err := p.question()
	if err != nil {
		return nil, err
	}
	if err := q.validate(); err != nil {
		return nil, err
	}
	return q, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokQuoted // "identifier"
	tokString
	tokNumber
	tokPunct
)

type token struct {
	kind tokKind
	text string // word as written, unquoted identifier or string, normalized number, punctuation
	pos  int    // 1-based character position
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end"
	case tokString:
		return "'" + t.text + "'"
	case tokQuoted:
		return `"` + t.text + `"`
	}
	return strconv.Quote(t.text)[1 : len(strconv.Quote(t.text))-1]
}

func posErr(pos int, format string, args ...any) error {
	return fmt.Errorf("question: at character %d: %s: %w", pos, fmt.Sprintf(format, args...), anonymize.ErrInvalid)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c == '.' || (c >= '0' && c <= '9')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lex splits s into tokens; positions count characters (runes) from 1.
func lex(s string) ([]token, error) {
	var toks []token
	runePos := func(i int) int { return len([]rune(s[:i])) + 1 }
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			toks = append(toks, token{tokWord, s[i:j], runePos(i)})
			i = j
		case c == '"' || c == '\'':
			text, j, ok := quoted(s, i)
			if !ok {
				return nil, posErr(runePos(i), "expected a closing %c", c)
			}
			kind := tokString
			if c == '"' {
				kind = tokQuoted
				if text == "" {
					return nil, posErr(runePos(i), "expected a name between the double quotes")
				}
			}
			toks = append(toks, token{kind, text, runePos(i)})
			i = j
		case isDigit(c) || c == '-' || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			j := scanNumber(s, i)
			norm, ok := normalizeNumber(s[i:j])
			if !ok {
				return nil, posErr(runePos(i), "expected a decimal number, found %q (quote a text value: '%s')", s[i:j], s[i:j])
			}
			toks = append(toks, token{tokNumber, norm, runePos(i)})
			i = j
		default:
			n := punctLen(s[i:])
			if n == 0 {
				return nil, posErr(runePos(i), "unexpected character %q", []rune(s[i:])[0])
			}
			text := s[i : i+n]
			if text == "<>" {
				text = "!="
			}
			toks = append(toks, token{tokPunct, text, runePos(i)})
			i += n
		}
	}
	return append(toks, token{tokEOF, "", runePos(len(s))}), nil
}

// quoted reads a quoted text starting at s[i] (the quote), a doubled quote
// standing for one; it returns the text and the index after the closing quote.
func quoted(s string, i int) (string, int, bool) {
	q := s[i]
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		if s[j] != q {
			b.WriteByte(s[j])
			continue
		}
		if j+1 < len(s) && s[j+1] == q {
			b.WriteByte(q)
			j++
			continue
		}
		return b.String(), j + 1, true
	}
	return "", 0, false
}

// scanNumber returns the end of the number-like run starting at i: an
// optional sign, digits, dots and a "/denominator" (fractions are read for
// EPSILON and quantiles written by String), and whatever letters or dashes
// follow, so that 40-49 or 1e5 is one token the error can name.
func scanNumber(s string, i int) int {
	j := i
	if s[j] == '-' {
		j++
	}
	for j < len(s) && (isDigit(s[j]) || s[j] == '.' || s[j] == '/' || s[j] == '-' || isIdentStart(s[j])) {
		j++
	}
	return j
}

func punctLen(s string) int {
	for _, p := range []string{"<=", ">=", "!=", "<>"} {
		if strings.HasPrefix(s, p) {
			return 2
		}
	}
	if strings.ContainsRune("()*,=<>", rune(s[0])) {
		return 1
	}
	return 0
}

// normalizeNumber writes a plain decimal (or an exact fraction a/b) in its
// shortest form: no leading or trailing zeros, no "-0", integers without a
// point; fractions with a terminating decimal expansion as decimals.
func normalizeNumber(s string) (string, bool) {
	if strings.Contains(s, "/") {
		num, den, _ := strings.Cut(s, "/")
		if !plainDecimal(num) || !plainDecimal(den) {
			return "", false
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return "", false
		}
		return ratText(r), true
	}
	if !plainDecimal(s) {
		return "", false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", false
	}
	return ratText(r), true
}

// plainDecimal is -?digits[.digits] (or .digits).
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return false
	}
	if hasPoint && frac == "" {
		return false
	}
	for _, p := range []string{intPart, frac} {
		for i := range len(p) {
			if !isDigit(p[i]) {
				return false
			}
		}
	}
	return true
}

// ratText writes r as a decimal when its expansion terminates, else as a/b.
func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	twos, fives := countFactor(r.Denom(), 2), countFactor(r.Denom(), 5)
	rest := new(big.Int).Set(r.Denom())
	rest.Rsh(rest, uint(twos))
	rest.Quo(rest, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(fives)), nil))
	if rest.Cmp(big.NewInt(1)) != 0 {
		return r.RatString()
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(max(twos, fives)), "0"), ".")
}

func countFactor(n *big.Int, f int64) int {
	bf, m := big.NewInt(f), new(big.Int)
	x := new(big.Int).Set(n)
	k := 0
	for {
		q, rem := new(big.Int).QuoRem(x, bf, m)
		if rem.Sign() != 0 {
			return k
		}
		x = q
		k++
	}
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// isKeyword says whether the next token is the bare word kw.
func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

func (p *parser) keyword(kw string) error {
	if !p.isKeyword(kw) {
		t := p.peek()
		return posErr(t.pos, "expected %s, found %s", kw, t.describe())
	}
	p.next()
	return nil
}

func (p *parser) punct(s string) error {
	t := p.peek()
	if t.kind != tokPunct || t.text != s {
		return posErr(t.pos, "expected %q, found %s", s, t.describe())
	}
	p.next()
	return nil
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

// ident reads a column or table name.
func (p *parser) ident(what string) (string, error) {
	t := p.peek()
	switch {
	case t.kind == tokQuoted:
		p.next()
		return t.text, nil
	case t.kind == tokWord && !keywords[strings.ToUpper(t.text)]:
		p.next()
		return t.text, nil
	case t.kind == tokWord:
		return "", posErr(t.pos, "expected %s, found the keyword %s (write \"%s\" for a column of that name)", what, strings.ToUpper(t.text), t.text)
	}
	return "", posErr(t.pos, "expected %s, found %s", what, t.describe())
}

func (p *parser) number(what string) (string, int, error) {
	t := p.peek()
	if t.kind != tokNumber {
		return "", t.pos, posErr(t.pos, "expected %s, found %s", what, t.describe())
	}
	p.next()
	return t.text, t.pos, nil
}

func (p *parser) integer(what string) (*big.Int, error) {
	s, pos, err := p.number(what)
	if err != nil {
		return nil, err
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, posErr(pos, "expected %s (an integer), found %s", what, s)
	}
	return v, nil
}

func (p *parser) rational(what string) (*big.Rat, int, error) {
	s, pos, err := p.number(what)
	if err != nil {
		return nil, pos, err
	}
	r, _ := new(big.Rat).SetString(s)
	return r, pos, nil
}

func (p *parser) question() (*Question, error) {
	if err := p.keyword("SELECT"); err != nil {
		return nil, err
	}
	q := &Question{}
	if err := p.aggregate(q); err != nil {
		return nil, err
	}
	clauses := []struct {
		kw   string
		read func(*Question) error
	}{
		{"FROM", p.from}, {"WHERE", p.where}, {"GROUP", p.groupBy},
		{"BOUNDS", p.bounds}, {"BINS", p.bins}, {"EPSILON", p.epsilon},
	}
	for _, c := range clauses {
		if !p.isKeyword(c.kw) {
			continue
		}
		p.next()
		if err := c.read(q); err != nil {
			return nil, err
		}
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, posErr(t.pos, "expected FROM, WHERE, GROUP BY, BOUNDS, BINS or EPSILON (in that order) or the end, found %s", t.describe())
	}
	return q, nil
}

func (p *parser) aggregate(q *Question) error {
	t := p.peek()
	if t.kind != tokWord {
		return posErr(t.pos, "expected COUNT, SUM, MEAN, QUANTILE or HISTOGRAM, found %s", t.describe())
	}
	agg := strings.ToLower(t.text)
	switch agg {
	case "count", StatSum, StatMean, StatQuantile, StatHistogram:
	default:
		return posErr(t.pos, "expected COUNT, SUM, MEAN, QUANTILE or HISTOGRAM, found %s", t.describe())
	}
	p.next()
	if err := p.punct("("); err != nil {
		return err
	}
	if agg == "count" {
		switch {
		case p.isPunct("*"):
			q.Statistic = StatCount
		case p.isKeyword("PATIENTS"):
			q.Statistic = StatPatients
		default:
			t := p.peek()
			return posErr(t.pos, "expected * or PATIENTS, found %s", t.describe())
		}
		p.next()
		return p.punct(")")
	}
	q.Statistic = agg
	col, err := p.ident("a column")
	if err != nil {
		return err
	}
	q.Column = col
	if agg == StatQuantile {
		if err := p.punct(","); err != nil {
			return err
		}
		r, pos, err := p.rational("a quantile between 0 and 1")
		if err != nil {
			return err
		}
		if r.Sign() <= 0 || r.Cmp(big.NewRat(1, 1)) >= 0 {
			return posErr(pos, "expected a quantile strictly between 0 and 1, found %s", ratText(r))
		}
		q.Quantile = r
	}
	return p.punct(")")
}

func (p *parser) from(q *Question) error {
	t, err := p.ident("a table")
	q.Table = t
	return err
}

func (p *parser) where(q *Question) error {
	for {
		t := p.peek()
		if len(q.Filters) == MaxFilters {
			return posErr(t.pos, "at most %d conditions", MaxFilters)
		}
		f, err := p.condition()
		if err != nil {
			return err
		}
		q.Filters = append(q.Filters, f)
		if !p.isKeyword("AND") {
			return nil
		}
		p.next()
	}
}

func (p *parser) condition() (Filter, error) {
	col, err := p.ident("a column")
	if err != nil {
		return Filter{}, err
	}
	f := Filter{Column: col}
	t := p.peek()
	switch {
	case p.isKeyword("IS"):
		p.next()
		return p.isCondition(f)
	case p.isKeyword("IN"):
		p.next()
		return p.inList(f)
	case t.kind == tokPunct && slices.Contains([]string{"=", "!=", "<", "<=", ">", ">="}, t.text):
		p.next()
		f.Op = t.text
		v, err := p.literal()
		if err != nil {
			return Filter{}, err
		}
		f.Values = []string{v}
		return f, nil
	}
	return Filter{}, posErr(t.pos, "expected =, !=, <, <=, >, >=, IN or IS after %s, found %s", identText(col), t.describe())
}

func (p *parser) isCondition(f Filter) (Filter, error) {
	switch {
	case p.isKeyword("NOT"):
		p.next()
		if err := p.keyword("MISSING"); err != nil {
			return Filter{}, err
		}
		f.Op = "not missing"
	case p.isKeyword("MISSING"):
		p.next()
		f.Op = "missing"
	case p.isKeyword("SUPPRESSED"):
		p.next()
		f.Op = "suppressed"
	default:
		t := p.peek()
		return Filter{}, posErr(t.pos, "expected MISSING, NOT MISSING or SUPPRESSED after IS, found %s", t.describe())
	}
	return f, nil
}

func (p *parser) inList(f Filter) (Filter, error) {
	f.Op = "in"
	if err := p.punct("("); err != nil {
		return Filter{}, err
	}
	for {
		t := p.peek()
		if len(f.Values) == MaxInValues {
			return Filter{}, posErr(t.pos, "at most %d values in IN", MaxInValues)
		}
		v, err := p.literal()
		if err != nil {
			return Filter{}, err
		}
		f.Values = append(f.Values, v)
		if !p.isPunct(",") {
			break
		}
		p.next()
	}
	return f, p.punct(")")
}

func (p *parser) literal() (string, error) {
	t := p.peek()
	if t.kind != tokString && t.kind != tokNumber {
		return "", posErr(t.pos, "expected a 'quoted value' or a number, found %s", t.describe())
	}
	if t.kind == tokNumber && strings.Contains(t.text, "/") {
		return "", posErr(t.pos, "expected a decimal number, found %s", t.text)
	}
	p.next()
	return t.text, nil
}

func (p *parser) groupBy(q *Question) error {
	if err := p.keyword("BY"); err != nil {
		return err
	}
	for {
		t := p.peek()
		if len(q.GroupBy) == MaxGroupBy {
			return posErr(t.pos, "at most %d GROUP BY columns", MaxGroupBy)
		}
		col, err := p.ident("a column")
		if err != nil {
			return err
		}
		if slices.Contains(q.GroupBy, col) {
			return posErr(t.pos, "column %s is already grouped by", identText(col))
		}
		q.GroupBy = append(q.GroupBy, col)
		if !p.isPunct(",") {
			return nil
		}
		p.next()
	}
}

func (p *parser) bounds(q *Question) error {
	lo, err := p.integer("the lower bound")
	if err != nil {
		return err
	}
	if err := p.keyword("TO"); err != nil {
		return err
	}
	pos := p.peek().pos
	hi, err := p.integer("the upper bound")
	if err != nil {
		return err
	}
	if lo.Cmp(hi) > 0 {
		return posErr(pos, "expected an upper bound at least the lower bound %s, found %s", lo, hi)
	}
	q.Low, q.High = lo, hi
	return nil
}

func (p *parser) bins(q *Question) error {
	pos := p.peek().pos
	n, err := p.integer("the number of bins")
	if err != nil {
		return err
	}
	if !n.IsInt64() || n.Int64() < 1 || n.Int64() > MaxBins {
		return posErr(pos, "expected a number of bins from 1 to %d, found %s", MaxBins, n)
	}
	q.Bins = int(n.Int64())
	return nil
}

func (p *parser) epsilon(q *Question) error {
	r, pos, err := p.rational("ε")
	if err != nil {
		return err
	}
	if r.Sign() <= 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
		return posErr(pos, "expected an ε above 0 and at most 1, found %s", ratText(r))
	}
	q.Epsilon = r
	return nil
}

// validate checks what the grammar alone does not: which clauses a
// statistic takes. It applies to questions built in code as well.
func (q *Question) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("question: %s: %w", fmt.Sprintf(format, args...), anonymize.ErrInvalid)
	}
	switch q.Statistic {
	case StatCount, StatPatients:
		if q.Column != "" {
			return bad("%s takes no column", strings.ToUpper(q.Statistic))
		}
	case StatSum, StatMean, StatQuantile, StatHistogram:
		if q.Column == "" {
			return bad("%s needs a column", strings.ToUpper(q.Statistic))
		}
	default:
		return bad("unknown statistic %q", q.Statistic)
	}
	if err := q.validateClauses(bad); err != nil {
		return err
	}
	for _, f := range q.Filters {
		if err := f.validate(); err != nil {
			return err
		}
	}
	if q.Epsilon != nil && (q.Epsilon.Sign() <= 0 || q.Epsilon.Cmp(big.NewRat(1, 1)) > 0) {
		return bad("ε %s is not above 0 and at most 1", q.Epsilon.RatString())
	}
	return nil
}

// validateClauses checks the clauses that go with some statistics only.
func (q *Question) validateClauses(bad func(string, ...any) error) error {
	if (q.Statistic == StatQuantile) != (q.Quantile != nil) {
		return bad("a quantile goes with QUANTILE only")
	}
	if q.Quantile != nil && (q.Quantile.Sign() <= 0 || q.Quantile.Cmp(big.NewRat(1, 1)) >= 0) {
		return bad("quantile %s is not strictly between 0 and 1", q.Quantile.RatString())
	}
	if len(q.GroupBy) > 0 && (q.Statistic == StatQuantile || q.Statistic == StatHistogram) {
		return bad("GROUP BY goes with COUNT, SUM and MEAN only")
	}
	if len(q.GroupBy) > MaxGroupBy || len(q.Filters) > MaxFilters {
		return bad("at most %d GROUP BY columns and %d conditions", MaxGroupBy, MaxFilters)
	}
	return q.validateBounds(bad)
}

// validateBounds checks BOUNDS and BINS.
func (q *Question) validateBounds(bad func(string, ...any) error) error {
	needBounds := q.Statistic == StatSum || q.Statistic == StatMean || q.Statistic == StatQuantile
	if needBounds && q.Low == nil {
		return bad("%s needs BOUNDS lo TO hi: the range the values are clamped to, which sets the noise", strings.ToUpper(q.Statistic))
	}
	if (q.Low == nil) != (q.High == nil) || (q.Low != nil && q.Low.Cmp(q.High) > 0) {
		return bad("BOUNDS need a lower bound at most the upper bound")
	}
	if (q.Statistic == StatQuantile || q.Statistic == StatHistogram) && q.Low != nil && q.Low.Cmp(q.High) == 0 {
		return bad("BOUNDS of %s need a lower bound below the upper bound", strings.ToUpper(q.Statistic))
	}
	if q.Bins != 0 && q.Statistic != StatQuantile && q.Statistic != StatHistogram {
		return bad("BINS go with QUANTILE and HISTOGRAM only")
	}
	if q.Bins < 0 || q.Bins > MaxBins {
		return bad("BINS %d is not from 1 to %d", q.Bins, MaxBins)
	}
	return nil
}

func (f Filter) validate() error {
	n := len(f.Values)
	ok := false
	switch f.Op {
	case "=", "!=", "<", "<=", ">", ">=":
		ok = n == 1
	case "in":
		ok = n >= 1 && n <= MaxInValues
	case "missing", "not missing", "suppressed":
		ok = n == 0
	}
	if !ok {
		return fmt.Errorf("question: condition on %s: operator %q with %d values: %w", identText(f.Column), f.Op, n, anonymize.ErrInvalid)
	}
	return nil
}

// EpsilonOrDefault is the ε the question spends.
func (q *Question) EpsilonOrDefault() *big.Rat {
	if q.Epsilon != nil {
		return new(big.Rat).Set(q.Epsilon)
	}
	r, _ := new(big.Rat).SetString(DefaultQuestionEpsilon)
	return r
}

// String writes the canonical text of the question.
func (q *Question) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	switch q.Statistic {
	case StatCount:
		b.WriteString("COUNT(*)")
	case StatPatients:
		b.WriteString("COUNT(PATIENTS)")
	case StatQuantile:
		fmt.Fprintf(&b, "QUANTILE(%s, %s)", identText(q.Column), ratText(q.Quantile))
	default:
		fmt.Fprintf(&b, "%s(%s)", strings.ToUpper(q.Statistic), identText(q.Column))
	}
	if q.Table != "" {
		b.WriteString(" FROM " + identText(q.Table))
	}
	if len(q.Filters) > 0 {
		conds := make([]string, len(q.Filters))
		for i, f := range q.Filters {
			conds[i] = f.String()
		}
		slices.Sort(conds)
		conds = slices.Compact(conds)
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	if len(q.GroupBy) > 0 {
		cols := make([]string, len(q.GroupBy))
		for i, c := range q.GroupBy {
			cols[i] = identText(c)
		}
		b.WriteString(" GROUP BY " + strings.Join(cols, ", "))
	}
	if q.Low != nil && q.High != nil {
		fmt.Fprintf(&b, " BOUNDS %s TO %s", q.Low, q.High)
	}
	if q.Bins != 0 {
		fmt.Fprintf(&b, " BINS %d", q.Bins)
	}
	b.WriteString(" EPSILON " + ratText(q.EpsilonOrDefault()))
	return b.String()
}

// String writes the canonical text of one condition; IN values are sorted
// and deduplicated.
func (f Filter) String() string {
	col := identText(f.Column)
	switch f.Op {
	case "missing":
		return col + " IS MISSING"
	case "not missing":
		return col + " IS NOT MISSING"
	case "suppressed":
		return col + " IS SUPPRESSED"
	case "in":
		vals := slices.Clone(f.Values)
		slices.Sort(vals)
		vals = slices.Compact(vals)
		for i, v := range vals {
			vals[i] = literalText(v)
		}
		return col + " IN (" + strings.Join(vals, ", ") + ")"
	}
	v := ""
	if len(f.Values) > 0 {
		v = literalText(f.Values[0])
	}
	return col + " " + f.Op + " " + v
}

// identText writes a name bare when it reads back as the same name, else
// double quoted.
func identText(s string) string {
	bare := s != "" && isIdentStart(s[0]) && !keywords[strings.ToUpper(s)]
	for i := 0; bare && i < len(s); i++ {
		bare = isIdentPart(s[i])
	}
	if bare {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// literalText writes a value bare when it is a number in normal form (so
// 40, '40' and 40.0 read the same: they compare as the same text), else
// single quoted.
func literalText(v string) string {
	if n, ok := normalizeNumber(v); ok && n == v && !strings.Contains(v, "/") {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

package frontend

import (
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"
)

// The question builder: a form whose fields compose a question in
// anonymize/dp's language (question.go there), server-side, so the page
// needs no script and the researcher sees the text it asked.

// builderStats returns the builder's statistics (value, words), in the
// order the form offers them: a fresh slice each call.
func builderStats() [][2]string {
	return [][2]string{
		{"count", "Count of rows"}, {"patients", "Count of patients"}, {"sum", "Sum of a column"},
		{"mean", "Mean of a column"}, {"quantile", "Quantile of a column"}, {"histogram", "Histogram of a column"},
	}
}

// builderOps returns the builder's comparisons: the form's value and the
// words it shows (a fresh slice each call).
func builderOps() [][2]string {
	return [][2]string{
		{"=", "="}, {"!=", "≠"}, {"<", "<"}, {"<=", "≤"}, {">", ">"}, {">=", "≥"},
		{"missing", "is missing"}, {"not missing", "is not missing"}, {"suppressed", "is suppressed"},
	}
}

// statNeedsBounds says whether a builder statistic takes BOUNDS or BINS
// (the form opens those fields for it).
func statNeedsBounds(stat string) bool {
	return stat == "sum" || stat == "mean" || stat == "quantile" || stat == "histogram"
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

package frontend

import (
	"fmt"
	"strings"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// The columns a question may name, and example questions built from them.

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

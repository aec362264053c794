package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newQueryCmd builds `query`: a question before buying, answered by the
// listing's provider under differential privacy, or the question budget.
func newQueryCmd(c *cli) *cobra.Command {
	var as string
	var asJSON, budget bool
	var id uint64
	var question string
	cmd := &cobra.Command{
		Use:   `query --as NAME LISTING "SELECT ..." | query --as NAME LISTING --budget`,
		Short: "Ask a listing's provider an aggregate question before buying (differential privacy), or show the question budget",
		Long: `Ask a listing's provider an aggregate question, answered with calibrated noise and its 95 % interval:

  SELECT agg [FROM table] [WHERE cond {AND cond}] [GROUP BY col {, col}] [BOUNDS lo TO hi] [BINS n] [EPSILON e]
  agg = COUNT(*) | COUNT(PATIENTS) | SUM(col) | MEAN(col) | QUANTILE(col, q) | HISTOGRAM(col)

Each answer spends its ε (default 0.1) from the listing's budget and from your share of it; the same
question asked again gets the same answer and spends nothing. --budget shows what is left.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if id, err = parseID(args[0]); err != nil {
				return err
			}
			switch {
			case budget && len(args) == 2:
				return marketplace.Errorf(marketplace.EINVALID, "Question: --budget asks no question; give the listing alone.")
			case budget:
				return nil
			case len(args) < 2:
				return marketplace.Errorf(marketplace.EINVALID, `Question: give one after the listing, such as "SELECT COUNT(*)", or pass --budget.`)
			}
			question = args[1]
			_, err = app.CheckQuestion(question)
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			if budget {
				b, err := a.QuestionBudget(ctx, who.actor(), id)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c, b)
				}
				return printBudget(c.stdout, b)
			}
			ans, err := a.AskQuestion(ctx, who.actor(), id, question)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c, ans)
			}
			return printAnswer(c.stdout, ans)
		}}),
	}
	asFlag(cmd, &as, "account that asks (signs the question)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&budget, "budget", false, "show the listing's question budget and what is left of yours")
	return cmd
}

// printAnswer prints an answer as a small table, each value with its 95 %
// interval, then what it spent and what is left.
func printAnswer(w io.Writer, ans app.QuestionAnswer) error {
	r := ans.Answer
	fmt.Fprintf(w, "Listing %d: %s\n", ans.Listing, r.Question)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tVALUE\t± 95 %%\tINTERVAL\n", strings.ToUpper(firstNonEmpty(r.Statistic, "answer")))
	for _, row := range r.Rows {
		group := strings.Join(row.Group, ", ")
		if group == "" {
			group = "all"
		}
		half := math.Max(row.Value-row.Low, row.High-row.Value)
		fmt.Fprintf(tw, "%s\t%s\t± %s\t[%s, %s]\n", group, number(row.Value), number(half), number(row.Low), number(row.High))
	}
	if len(r.Rows) == 0 {
		fmt.Fprintf(tw, "(no group reached the threshold for showing)\t\t\t\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	spent := "ε " + ans.Spent + " spent"
	if ans.Cached {
		spent = "asked before: the same answer, nothing spent"
	}
	_, err := fmt.Fprintf(w, "%s (%s, ε %s, answered %s); left: you ε %s, the listing ε %s\n",
		spent, r.Mechanism, r.Epsilon, ans.At.UTC().Format(time.RFC3339), ans.MyRemaining, ans.ListingRemaining)
	return err
}

// printBudget prints a listing's question budget, then the tables and
// columns a question may name.
func printBudget(w io.Writer, b app.QuestionBudget) error {
	fmt.Fprintf(w, "Listing %d: question budget ε %s (ε %s per researcher); left: you ε %s, the listing ε %s\n",
		b.Listing, b.Total, b.PerRequester, b.MyRemaining, b.ListingRemaining)
	for _, t := range b.Tables {
		name := t.Name
		if t.Default {
			name += " (default)"
		}
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = c.Name + " " + c.Type
		}
		fmt.Fprintf(w, "  %s: %s\n", name, strings.Join(cols, ", "))
	}
	return nil
}

// number writes an answer's figure: whole numbers whole, others with at
// most 3 decimals.
func number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	s := strconv.FormatFloat(v, 'f', 3, 64)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

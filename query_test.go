package main

import (
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// `query` refuses a malformed question, a question with --budget and a
// missing one before it opens anything, and names an unknown listing.
func TestCLI_query(t *testing.T) {
	env := cliEnv(t)
	mustRun(t, env, "account", "new", "--name", "bob")
	for _, c := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"query", "--as", "bob", "1", "SELECT COUNT(* WHERE"}, 2, "Question"},
		{[]string{"query", "--as", "bob", "1"}, 2, "give one after the listing"},
		{[]string{"query", "--as", "bob", "1", "SELECT COUNT(*)", "--budget"}, 2, "--budget asks no question"},
		{[]string{"query", "--as", "bob", "x", "SELECT COUNT(*)"}, 2, "not a listing number"},
		{[]string{"query", "--as", "bob", "7", "SELECT COUNT(*)"}, 4, "7"},
		{[]string{"query", "--as", "bob", "7", "--budget", "--json"}, 4, "7"},
	} {
		_, _, err := runCmd(t, env, c.args...)
		if exitCode(err) != c.exit || !strings.Contains(marketplace.ErrorMessage(err)+err.Error(), c.want) {
			t.Errorf("%v: exit %d, %v; want exit %d mentioning %q", c.args, exitCode(err), err, c.exit, c.want)
		}
	}
}

// An answer prints as a table, each value with its 95 % interval, then
// what it spent and what is left.
func TestCLI_queryPrintsAnswer(t *testing.T) {
	var b strings.Builder
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ans := app.QuestionAnswer{Listing: 3, Spent: "0.1", ListingRemaining: "2.9", MyRemaining: "0.9", At: at,
		Answer: app.QuestionResult{Question: "SELECT COUNT(*) WHERE GENDER = 'F' EPSILON 0.1", Statistic: "count", Epsilon: "0.1",
			Mechanism: "discrete Laplace", Rows: []app.QuestionRow{{Value: 1234, Low: 1204, High: 1264}}, Notes: []string{"GENDER is generalized"}}}
	if err := printAnswer(&b, ans); err != nil {
		t.Fatal(err)
	}
	want := "Listing 3: SELECT COUNT(*) WHERE GENDER = 'F' EPSILON 0.1\n" +
		"COUNT  VALUE  ± 95 %  INTERVAL\n" +
		"all    1234   ± 30    [1204, 1264]\n" +
		"Note: GENDER is generalized\n" +
		"ε 0.1 spent (discrete Laplace, ε 0.1, answered 2026-12-07T10:00:00Z); left: you ε 0.9, the listing ε 2.9\n"
	if b.String() != want {
		t.Fatalf("printed:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	ans.Cached, ans.Spent = true, "0"
	ans.Answer.Rows = []app.QuestionRow{{Group: []string{"F"}, Value: 41.25, Low: 38.5, High: 44.125}}
	if err := printAnswer(&b, ans); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"F      41.25", "± 2.875", "[38.5, 44.125]", "asked before: the same answer, nothing spent"} {
		if !strings.Contains(b.String(), part) {
			t.Errorf("printed %q, without %q", b.String(), part)
		}
	}
}

// A budget prints with the tables a question may name.
func TestCLI_queryPrintsBudget(t *testing.T) {
	var b strings.Builder
	bud := app.QuestionBudget{Listing: 3, Total: "3", PerRequester: "1", ListingRemaining: "2.9", MyRemaining: "0.9",
		Tables: []app.QuestionTable{{Name: "dataset", Default: true, Columns: []app.QuestionColumn{{Name: "GENDER", Type: "string"}, {Name: "age", Type: "integer"}}}}}
	if err := printBudget(&b, bud); err != nil {
		t.Fatal(err)
	}
	want := "Listing 3: question budget ε 3 (ε 1 per researcher); left: you ε 0.9, the listing ε 2.9\n" +
		"  dataset (default): GENDER string, age integer\n"
	if b.String() != want {
		t.Fatalf("printed:\n%s\nwant:\n%s", b.String(), want)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newTrialQueryCmd builds `trial query raise|answer|close|list`: data
// queries, each a signed entry linked to the entry it concerns.
func newTrialQueryCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Data queries: a monitor or data manager raises one on an entry, the site answers (with a correction), it is closed",
		Long: `A monitor or data manager raises a query on an entry (or one item of it); the
site answers it, with a correction of the entry when the data was wrong; the
monitor closes it. Each is an entry of the trial's log signed by whoever does
it (--as), linked to the entry it concerns.`,
	}
	cmd.AddCommand(newTrialQueryRaiseCmd(c), newTrialQueryAnswerCmd(c), newTrialQueryCloseCmd(c), newTrialQueryListCmd(c))
	return cmd
}

// newTrialQueryRaiseCmd builds `trial query raise`.
func newTrialQueryRaiseCmd(c *cli) *cobra.Command {
	var as, trial, item, text string
	var entry uint64
	cmd := &cobra.Command{
		Use:   "raise --trial TRIAL --entry N [--item OID] --text TEXT --as MONITOR",
		Short: "Raise a query on an entry (or one item of it); prints the query's entry",
		Long: `Raise a data query on entry N of the trial (--item: on one form item of it),
signed by a monitor, a data manager or the sponsor (--as). The query's number
is the index of the entry that records it ("Entry 12 recorded: ...").

Example:
  medmarket trial query raise --trial NCT01234567 --entry 7 --item VS.SYSBP \
      --text "Systolic 300 mmHg: please check the source" --as mo`,
		Args: cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			trial, err = pickTrial(args, trial)
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			e, err := a.RaiseQuery(ctx, who.actor(), trial, entry, item, text)
			if err != nil {
				return err
			}
			return printSigned(c.stdout, e)
		}}),
	}
	trialFlag(cmd, &trial)
	asFlag(cmd, &as, "the monitor's or data manager's account, which signs the query")
	cmd.Flags().Uint64Var(&entry, "entry", 0, "the entry the query is about")
	cmd.Flags().StringVar(&item, "item", "", "the form item (OID) of the entry the query is about")
	cmd.Flags().StringVar(&text, "text", "", "the question")
	cmd.MarkFlagRequired("entry")
	cmd.MarkFlagRequired("text")
	return cmd
}

// newTrialQueryAnswerCmd builds `trial query answer`.
func newTrialQueryAnswerCmd(c *cli) *cobra.Command {
	var as, trial, text, correct, reason string
	var query uint64
	cmd := &cobra.Command{
		Use:   "answer --trial TRIAL --query N --text TEXT [--correct-data JSON --reason REASON] --as SITE_STAFF",
		Short: "Answer a query, with a correction of the queried entry when the data was wrong",
		Long: `Answer query N (the index of the query's entry), signed by the site's staff
(--as). With --correct-data and --reason, a correction of the queried entry is
recorded with the answer: both are signed together, or neither. The correction
has the queried entry's type and subject; when that entry was entered through
a designed form, --correct-data may give just the corrected items
({"VS.SYSBP": 130}), which are put in the same form.

Example:
  medmarket trial query answer --trial NCT01234567 --query 12 --text "Typo: 130" \
      --correct-data '{"VS.SYSBP": 130}' --reason "transcription error" --as crc`,
		Args: cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if trial, err = pickTrial(args, trial); err != nil {
				return err
			}
			switch {
			case (correct == "") != (reason == ""):
				return marketplace.Errorf(marketplace.EINVALID, "--correct-data and --reason go together: a correction needs its reason, and a reason is for a correction.")
			case correct != "" && !json.Valid([]byte(correct)):
				return marketplace.Errorf(marketplace.EINVALID, "--correct-data: not valid JSON.")
			}
			return nil
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			var corr *app.StepInput
			if correct != "" {
				in, err := correctionOf(ctx, a, trial, query, json.RawMessage(correct), reason)
				if err != nil {
					return err
				}
				corr = &in
			}
			es, err := a.AnswerQuery(ctx, who.actor(), trial, query, text, corr)
			if err != nil {
				return err
			}
			return printSigned(c.stdout, es...)
		}}),
	}
	trialFlag(cmd, &trial)
	asFlag(cmd, &as, "the site staff's account, which signs the answer (and the correction)")
	cmd.Flags().Uint64Var(&query, "query", 0, "the query: the index of its entry")
	cmd.Flags().StringVar(&text, "text", "", "the answer")
	cmd.Flags().StringVar(&correct, "correct-data", "", "the corrected data of the queried entry, a JSON object (needs --reason)")
	cmd.Flags().StringVar(&reason, "reason", "", "the reason for the correction (needs --correct-data)")
	cmd.MarkFlagRequired("query")
	cmd.MarkFlagRequired("text")
	return cmd
}

// correctionOf is the step correcting the entry query concerns with data:
// the entry's type and subject; data that is not itself form data goes in
// the entry's form as its items.
func correctionOf(ctx context.Context, a *app.App, trial string, query uint64, data json.RawMessage, reason string) (app.StepInput, error) {
	tm, err := a.TrialTeam(ctx, trial)
	if err != nil {
		return app.StepInput{}, err
	}
	var concerns *uint64
	for _, q := range tm.Queries() {
		if q.Index == query {
			concerns = &q.Concerns
		}
	}
	if concerns == nil {
		return app.StepInput{}, marketplace.Errorf(marketplace.EINVALID, "--query %d: entry %d is not a query of trial %s.", query, query, trial)
	}
	es, err := a.TrialSteps(ctx, trial, app.StepFilter{Offset: *concerns, Limit: 1})
	if err != nil {
		return app.StepInput{}, err
	}
	if len(es) == 0 {
		return app.StepInput{}, marketplace.Errorf(marketplace.ENOTFOUND, "--query %d: the entry %d it concerns is not in the log.", query, *concerns)
	}
	s := es[0].Step
	var fd marketplace.FormData
	if json.Unmarshal(s.Data, &fd) == nil && fd.Form != "" && fd.Design != 0 && !bytes.Contains(data, []byte(`"form"`)) {
		fd.Items = nil
		if err := json.Unmarshal(data, &fd.Items); err != nil {
			return app.StepInput{}, marketplace.Errorf(marketplace.EINVALID, "--correct-data: entry %d holds form %s: give its items as a JSON object (item OID to value).", *concerns, fd.Form)
		}
		if data, err = json.Marshal(fd); err != nil {
			return app.StepInput{}, err
		}
	}
	c := *concerns
	return app.StepInput{Ref: "correction", Type: string(s.Type), Subject: s.Subject, Data: data, Corrects: &c, Reason: reason,
		Source: marketplace.StepSource{Recorder: "cli"}}, nil
}

// newTrialQueryCloseCmd builds `trial query close`.
func newTrialQueryCloseCmd(c *cli) *cobra.Command {
	var as, trial, text string
	var query uint64
	cmd := &cobra.Command{
		Use:   "close --trial TRIAL --query N [--text TEXT] --as MONITOR",
		Short: "Close a query: it is resolved",
		Long: `Close query N (the index of the query's entry), signed by a monitor, a data
manager or the sponsor (--as), with an optional comment.

Example:
  medmarket trial query close --trial NCT01234567 --query 12 --text "Confirmed against source" --as mo`,
		Args: cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			trial, err = pickTrial(args, trial)
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			e, err := a.CloseQuery(ctx, who.actor(), trial, query, text)
			if err != nil {
				return err
			}
			return printSigned(c.stdout, e)
		}}),
	}
	trialFlag(cmd, &trial)
	asFlag(cmd, &as, "the monitor's or data manager's account, which signs the closing")
	cmd.Flags().Uint64Var(&query, "query", 0, "the query: the index of its entry")
	cmd.Flags().StringVar(&text, "text", "", "a closing comment")
	cmd.MarkFlagRequired("query")
	return cmd
}

// queryOut is a query as `trial query list --json` prints it.
type queryOut struct {
	Query   uint64          `json:"query"` // the query's entry
	Entry   uint64          `json:"entry"` // the entry it is about
	Item    string          `json:"item,omitempty"`
	Subject string          `json:"subject,omitempty"`
	Site    string          `json:"site,omitempty"`
	State   string          `json:"state"` // open, answered or closed
	Raised  queryEntryOut   `json:"raised"`
	Answers []queryEntryOut `json:"answers"`
	Closed  *queryEntryOut  `json:"closed,omitempty"`
}

// queryEntryOut is a query's, an answer's or a closing's entry.
type queryEntryOut struct {
	Entry      uint64         `json:"entry"`
	Time       time.Time      `json:"time"`
	By         common.Address `json:"by"`
	Name       string         `json:"name,omitempty"`
	Text       string         `json:"text,omitempty"`
	Correction *uint64        `json:"correction,omitempty"` // an answer's correction entry
}

// queryListOut is what `trial query list --json` prints.
type queryListOut struct {
	Queries       []queryOut     `json:"queries"`
	OpenBySubject map[string]int `json:"open_by_subject"`
	OpenBySite    map[string]int `json:"open_by_site"`
}

// queryFilter is what `trial query list` keeps.
type queryFilter struct {
	open          bool
	subject, site string
}

func (f queryFilter) keep(q queryOut) bool {
	return (!f.open || q.State != "closed") && (f.subject == "" || q.Subject == f.subject) && (f.site == "" || q.Site == f.site)
}

// newQueryList is the queries of a trial, from its team replay and its
// steps (all, in log order), that f keeps.
func newQueryList(qs []app.TrialQuery, steps []app.TrialEntry, f queryFilter) queryListOut {
	out := queryListOut{Queries: []queryOut{}, OpenBySubject: map[string]int{}, OpenBySite: map[string]int{}}
	at := func(i uint64) marketplace.Step {
		if i < uint64(len(steps)) && steps[i].Index == i {
			return steps[i].Step
		}
		return marketplace.Step{Index: i}
	}
	for _, q := range qs {
		about := at(q.Concerns)
		o := queryOut{Query: q.Index, Entry: q.Concerns, Item: q.Item, Subject: about.Subject, Site: about.Site,
			State: "open", Raised: queryEntry(at(q.Index)), Answers: []queryEntryOut{}}
		for _, a := range q.Answers {
			ans := queryEntry(at(a))
			if a > 0 && at(a-1).Corrects != nil && *at(a - 1).Corrects == q.Concerns {
				c := a - 1
				ans.Correction = &c
			}
			o.Answers = append(o.Answers, ans)
			o.State = "answered"
		}
		if q.Closed != nil {
			cl := queryEntry(at(*q.Closed))
			o.Closed, o.State = &cl, "closed"
		}
		if !f.keep(o) {
			continue
		}
		out.Queries = append(out.Queries, o)
		if o.State != "closed" {
			out.OpenBySubject[o.Subject]++
			out.OpenBySite[o.Site]++
		}
	}
	return out
}

func queryEntry(s marketplace.Step) queryEntryOut {
	var t marketplace.QueryText
	_ = json.Unmarshal(s.Data, &t) // no text: a closing without a comment
	return queryEntryOut{Entry: s.Index, Time: s.When, By: s.Who, Name: s.Name, Text: t.Text}
}

// newTrialQueryListCmd builds `trial query list`.
func newTrialQueryListCmd(c *cli) *cobra.Command {
	var trial string
	var asJSON bool
	var f queryFilter
	cmd := &cobra.Command{
		Use:   "list --trial TRIAL [--open] [--subject ID] [--site SITE] [--json]",
		Short: "List the trial's queries and their state; open queries per subject and per site",
		Long: `List the trial's data queries, oldest first: the entry (and item) each is about,
its subject and site, its state (open, answered, closed), who raised, answered
and closed it; then the open queries (not closed) counted per subject and per
site.

Example:
  medmarket trial query list --trial NCT01234567 --open --site site-1 --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			trial, err = pickTrial(args, trial)
			return err
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			tm, err := a.TrialTeam(ctx, trial)
			if err != nil {
				return err
			}
			steps, err := a.TrialSteps(ctx, trial, app.StepFilter{})
			if err != nil {
				return err
			}
			if f.subject, err = subjectPseudonym(ctx, a, trial, f.subject); err != nil {
				return err
			}
			out := newQueryList(tm.Queries(), steps, f)
			if asJSON {
				return writeJSON(c, out)
			}
			return printQueryList(c, out)
		}}),
	}
	trialFlag(cmd, &trial)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&f.open, "open", false, "only the queries not closed")
	cmd.Flags().StringVar(&f.subject, "subject", "", "only the queries about this subject (id or pseudonym)")
	cmd.Flags().StringVar(&f.site, "site", "", "only the queries about this site")
	return cmd
}

// subjectPseudonym is the pseudonym subject (an id or a pseudonym) has in
// trial, as its first entry holds it; a subject with no entry keeps its
// name (it has no queries).
func subjectPseudonym(ctx context.Context, a *app.App, trial, subject string) (string, error) {
	if subject == "" || marketplace.IsSubjectPseudonym(subject) {
		return subject, nil
	}
	es, err := a.TrialSteps(ctx, trial, app.StepFilter{Subject: subject, Limit: 1})
	if err != nil || len(es) == 0 {
		return subject, err
	}
	return es[0].Step.Subject, nil
}

func printQueryList(c *cli, out queryListOut) error {
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "QUERY\tENTRY\tITEM\tSUBJECT\tSITE\tSTATE\tRAISED BY\tQUESTION\tLAST ANSWER\n")
	for _, q := range out.Queries {
		last := ""
		if n := len(q.Answers); n > 0 {
			last = q.Answers[n-1].Text
			if q.Answers[n-1].Correction != nil {
				last += fmt.Sprintf(" (corrected in entry %d)", *q.Answers[n-1].Correction)
			}
		}
		fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", q.Query, q.Entry, q.Item, q.Subject, q.Site, q.State,
			nameOr(q.Raised), q.Raised.Text, last)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout)
	printOpenCounts(c, "subject", out.OpenBySubject)
	printOpenCounts(c, "site", out.OpenBySite)
	return nil
}

func printOpenCounts(c *cli, per string, counts map[string]int) {
	parts := make([]string, 0, len(counts))
	for k, n := range counts {
		if k == "" {
			k = "(none)"
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(c.stdout, "Open queries per %s: %s\n", per, strings.Join(parts, ", "))
}

func nameOr(e queryEntryOut) string {
	if e.Name != "" {
		return e.Name
	}
	return e.By.Hex()
}

package anonymize

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
)

// ReleaseResult is a release run through a pipeline (Pipeline.RunRelease).
type ReleaseResult struct {
	// Release holds the released tables, in the input's order.
	Release *Release
	// Tables is each table's result (its own report: treatments, free
	// text), in the release's order. The Patient table's report is the
	// patient-level one.
	Tables []*Result
	// Report is the patient-level report: the Patient table's (k, risk,
	// suppressed patients), where the privacy model ran.
	Report *Report
	// Verdict is the release's one verdict: the patient-level policy and
	// every table's identifier checks, each reason prefixed with its table
	// ("table Observation: ..."); an empty release fails.
	Verdict Verdict
	// Patients is the number of patients released; SuppressedPatients
	// those the privacy model removed (from every table).
	Patients, SuppressedPatients int
	// Linked says the tables are linked by one keyed pseudonym per
	// patient and each patient's dates shifted by one offset (a publisher
	// secret was given). Without a secret the patient key and the join
	// columns are removed from every table: the tables do not link.
	Linked bool
	// Unlinked counts, per table, rows dropped because they named no
	// patient of the Patient table.
	Unlinked map[string]int
}

// Table returns the named table's result, or nil.
func (rr *ReleaseResult) Table(name string) *Result {
	for _, r := range rr.Tables {
		if r.Table.Name == name {
			return r
		}
	}
	return nil
}

// RunRelease runs the pipeline on every table of a release, with the
// privacy model decided on patients:
//
//  1. With a key (a publisher secret), Release.Key links the tables by
//     one keyed pseudonym per patient and shifts every date by one offset
//     per patient. Without one, the tables are linked by a throwaway key
//     only while the run lasts, dates are not shifted, and the patient key
//     and join columns are removed from every table at the end.
//  2. The Patient table runs every step; its privacy step (a Searcher)
//     sees its quasi-identifiers only, so k, l and t count patients. The
//     patients it suppressed are removed from every other table.
//  3. Every other table runs the steps except the privacy step (Safe
//     Harbor, scrub-notes...), and is checked for identifiers left.
//
// A table named in p.Tables runs that pipeline's steps and column roles
// instead of p's (column names such as "code" recur across tables); the
// policy is p's. The key and join columns are never hashed again by a
// pseudonymize step. A failed policy is not an error: see Verdict.
func (p *Pipeline) RunRelease(ctx context.Context, r *Release, key *ReleaseKey) (*ReleaseResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkReleaseColumns(r); err != nil {
		return nil, err
	}
	linked := key != nil && len(key.Secret) > 0
	var k ReleaseKey
	if linked {
		k = *key
	} else {
		k.Secret = make([]byte, 32)
		rand.Read(k.Secret)
	}
	keyed, krep, err := r.key(ctx, k, linked)
	if err != nil {
		return nil, err
	}
	out := &ReleaseResult{Linked: linked, Unlinked: krep.Unlinked, Tables: make([]*Result, len(keyed.Tables))}
	pi := slices.IndexFunc(keyed.Tables, func(t *Table) bool { return t.Name == r.PatientTable })
	p.started(r.PatientTable)
	pat, err := p.forTable(r.PatientTable).withNotes(r.Notes[r.PatientTable]).run(ctx, keyed.Tables[pi])
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", r.PatientTable, err)
	}
	declaredNotes(pat, keyed.Tables[pi], r.Notes[r.PatientTable], p.forTable(r.PatientTable).Steps)
	v := p.Policy.Check(pat.Report) // the release's policy (not the table's own pipeline's), with the declared notes
	pat.Report.Verdict, pat.Verdict = &v, v
	gone := SuppressedPatients(keyed.Tables[pi], pat.Table, r.IDColumn)
	searches := len(p.forTable(r.PatientTable).withoutSearch().Steps) < len(p.forTable(r.PatientTable).Steps)
	rest := keyed.RemovePatients(gone)
	for i, t := range rest.Tables {
		if i == pi {
			out.Tables[i] = pat
			continue
		}
		p.started(t.Name)
		q := p.forTable(t.Name).withoutSearch().withNotes(r.Notes[t.Name])
		res, err := q.run(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("table %q: %w", t.Name, err)
		}
		declaredNotes(res, t, r.Notes[t.Name], q.Steps)
		// k, l and t were decided on patients: a table of events is
		// checked for what identifies by itself, and may be empty.
		v := Verdict{Pass: true}
		if res.Table.NumRows() > 0 {
			// MaxRisk 1: risk is the patients' (the Patient table's
			// verdict), not each table's rows'.
			v = Policy{AllowDirectIdentifiers: p.Policy.AllowDirectIdentifiers, MaxRisk: 1}.Check(res.Report)
		}
		res.Report.Verdict, res.Verdict = &v, v
		if searches {
			res.Report.Warnings = append(res.Report.Warnings, fmt.Sprintf("the privacy model was decided on the %s table's quasi-identifiers (patient level); the rows of the %d patients it suppressed were removed here", r.PatientTable, len(gone)))
		}
		out.Tables[i] = res
	}
	if !linked {
		for _, res := range out.Tables {
			unlink(res, r.keyColumn(res.Table), r.Joins)
		}
	}
	tables := make([]*Table, len(out.Tables))
	for i, res := range out.Tables {
		tables[i] = res.Table
	}
	out.Release = keyed.with(tables)
	out.Patients, out.SuppressedPatients = pat.Table.NumRows(), len(gone)
	out.Verdict = releaseVerdict(r.PatientTable, out.Tables)
	// The release's report is the patients', judged by the release's one
	// verdict (what a publisher accepts or fixes).
	rep := *pat.Report
	rep.Verdict = &out.Verdict
	out.Report = &rep
	return out, nil
}

// checkReleaseColumns fails when a table's own pipeline names a column
// that table lacks, or p names one no table without its own pipeline has.
func (p *Pipeline) checkReleaseColumns(r *Release) error {
	var shared []*Table
	for _, t := range r.Tables {
		if q, ok := p.Tables[t.Name]; ok {
			if err := q.checkColumns([]*Table{t}); err != nil {
				return err
			}
			continue
		}
		shared = append(shared, t)
	}
	if len(shared) == 0 {
		return nil
	}
	return p.checkColumns(shared)
}

func (p *Pipeline) started(table string) {
	if p.TableStarted != nil {
		p.TableStarted(table)
	}
}

// forTable is the pipeline table runs: its own (p.Tables), else p.
func (p *Pipeline) forTable(table string) *Pipeline {
	if q, ok := p.Tables[table]; ok {
		return q
	}
	return p
}

// withoutSearch is p without its privacy steps (Searchers).
func (p *Pipeline) withoutSearch() *Pipeline {
	q := *p
	// The privacy model: a Searcher that needs every row (ScopeTable). A
	// plugin host's transforms are all Searchers, whatever they run: a
	// row-scoped one (Safe Harbor isolated, a third-party scrubber) runs.
	q.Steps = slices.DeleteFunc(slices.Clone(p.Steps), func(s Step) bool {
		_, ok := s.Transform.(Searcher)
		return ok && s.Transform.Describe().Scope == ScopeTable
	})
	q.multi = true
	return &q
}

// withNotes is p with the named columns treated as notes (free text)
// whatever their values look like: its Safe Harbor steps scrub them (or
// drop them, with free_text: drop) unless told otherwise for the column,
// and its scrub-notes steps that scrub every free-text column scrub them
// too. Other steps are p's.
func (p *Pipeline) withNotes(notes []string) *Pipeline {
	if len(notes) == 0 {
		return p
	}
	q := *p
	q.Steps = slices.Clone(p.Steps)
	for i, s := range q.Steps {
		switch tr := s.Transform.(type) {
		case *SafeHarbor:
			sh := *tr
			sh.Columns = make(map[string]Category, len(tr.Columns)+len(notes))
			maps.Copy(sh.Columns, tr.Columns)
			for _, n := range notes {
				if _, set := sh.Columns[n]; !set {
					sh.Columns[n] = CatFreeText
				}
			}
			q.Steps[i].Transform = &sh
		case *ScrubNotes:
			if len(tr.Columns) == 0 {
				q.Steps[i].Transform = &notesScrubber{ScrubNotes: tr, notes: notes}
			}
		}
	}
	return &q
}

// notesScrubber is a scrub-notes step that scrubs every free-text column
// (FreeTextSample) and the columns a release declares notes.
type notesScrubber struct {
	*ScrubNotes
	notes []string
}

// Apply implements Transform.
func (s *notesScrubber) Apply(ctx context.Context, t *Table) (*Table, error) {
	out, _, err := s.applyCounted(ctx, t)
	return out, err
}

// applyCounted implements scrubCounter.
func (s *notesScrubber) applyCounted(ctx context.Context, t *Table) (*Table, map[string]ScrubCounts, error) {
	sc := *s.ScrubNotes
	sc.Columns = nil
	for _, c := range t.Columns {
		if ok, _ := FreeTextSample(SampleOf(c)); ok || slices.Contains(s.notes, c.Name) {
			sc.Columns = append(sc.Columns, c.Name)
		}
	}
	if len(sc.Columns) == 0 {
		return t, nil, nil
	}
	return sc.applyCounted(ctx, t)
}

// declaredNotes adds to a table's report what became of each column of
// the input in the release declares notes and the report does not list
// yet (its values repeat too often, or are too short, to look like free
// text, and its name does not say notes): dropped, blanked, scrubbed by a
// scrubber step, or kept, which the gate refuses.
func declaredNotes(res *Result, in *Table, notes []string, steps []Step) {
	for _, name := range notes {
		if in.Column(name) == nil || slices.ContainsFunc(res.Report.FreeText, func(f FreeTextReport) bool { return f.Column == name }) {
			continue
		}
		f := FreeTextReport{Column: name, Reason: "the release declares it a column of notes"}
		c := res.Table.Column(name)
		switch {
		case c == nil:
			f.Outcome = "dropped"
		case !hasValues(c):
			f.Outcome = "blanked"
		default:
			f.Outcome = "kept"
			for _, s := range steps {
				if d := s.Transform.Describe(); d.Scrubber && wasApplied(c, d.Name) {
					f.Outcome, f.ScrubbedBy = "scrubbed", d.Name
				}
			}
		}
		res.Report.FreeText = append(res.Report.FreeText, f)
	}
}

// unlink removes a release's key and join columns from a table's result
// (a release without a publisher secret: its rows do not link), and says
// so in the report's treatments.
func unlink(res *Result, key string, joins []string) {
	cols := append([]string{key}, joins...)
	var drop []string
	for _, c := range res.Table.Columns {
		if slices.Contains(cols, c.Name) {
			drop = append(drop, c.Name)
		}
	}
	if len(drop) == 0 {
		return
	}
	res.Table = res.Table.Drop(drop...)
	rep := res.Report
	rep.Columns = slices.DeleteFunc(rep.Columns, func(c ColumnReport) bool { return slices.Contains(drop, c.Name) })
	for i, tr := range rep.Treatments {
		if slices.Contains(drop, tr.Column) {
			rep.Treatments[i].Treatment, rep.Treatments[i].Loss = "dropped (no publisher secret: the tables are not linked)", 1
		}
	}
}

// releaseVerdict is one verdict for the release: every table's reasons,
// prefixed with the table; an empty release (no patient left) fails. The
// patients' risk above the bound (the Patient table's) is the release's,
// which the publisher may accept when it is the only reason.
func releaseVerdict(patients string, results []*Result) Verdict {
	var reasons []string
	var risk *RiskExcess
	for _, res := range results {
		for _, why := range res.Verdict.Reasons {
			reasons = append(reasons, fmt.Sprintf("table %s: %s", res.Table.Name, why))
		}
		if res.Table.Name != patients {
			continue
		}
		if res.Table.NumRows() == 0 && len(res.Verdict.Reasons) == 0 {
			reasons = append(reasons, fmt.Sprintf("table %s: empty release: no patient is left to publish", patients))
		}
		if res.Verdict.Risk != nil {
			r := *res.Verdict.Risk
			risk = &r
		}
	}
	if risk != nil {
		risk.Alone = len(reasons) == 1
	}
	return Verdict{Pass: len(reasons) == 0, Reasons: reasons, Risk: risk}
}

// Judge returns the release judged again under policy p (a publish
// re-checks a kept dry run against the policy it publishes under): the
// Patient table's report checked by p, every other table's verdict as it
// was, as the release's one verdict; and the patient-level report
// carrying it. rr is not changed.
func (rr *ReleaseResult) Judge(p Policy) (Verdict, *Report) {
	results := make([]*Result, len(rr.Tables))
	for i, res := range rr.Tables {
		results[i] = res
		if res.Table.Name == rr.Release.PatientTable {
			c := *res
			c.Verdict = p.Check(res.Report)
			results[i] = &c
		}
	}
	v := releaseVerdict(rr.Release.PatientTable, results)
	rep := *rr.Report
	rep.Verdict = &v
	return v, &rep
}

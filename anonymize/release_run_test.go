package anonymize_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// releasePipeline builds cfg with the release secret.
func releasePipeline(t *testing.T, cfg *anonymize.Config) *anonymize.Pipeline {
	t.Helper()
	p, err := cfg.Build(anonymize.Env{Secret: releaseSecret, AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runRelease(t *testing.T, p *anonymize.Pipeline, r *anonymize.Release, key *anonymize.ReleaseKey) *anonymize.ReleaseResult {
	t.Helper()
	rr, err := p.RunRelease(context.Background(), r, key)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// A Synthea release through Safe Harbor with a secret: every table is
// released, one pseudonym per patient links the tables and nothing else,
// and no identifier of the Synthea patients is left in any cell.
func TestRunRelease_syntheaSafeHarborLinksAndLeavesNoIdentifier(t *testing.T) {
	src := syntheaRelease(t)
	p := releasePipeline(t, &anonymize.Config{Preset: "safe-harbor"})
	rr := runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
	// Safe Harbor alone leaves each of the 2 patients unique: the release
	// passes but for that risk, which the publisher may accept.
	if !passesButForRisk(rr.Verdict) || !rr.Linked {
		t.Fatalf("verdict %v, linked %v", rr.Verdict, rr.Linked)
	}
	if len(rr.Tables) != len(src.Tables) || rr.Patients != src.Patients().NumRows() {
		t.Fatalf("%d tables of %d, %d patients", len(rr.Tables), len(src.Tables), rr.Patients)
	}
	for i, res := range rr.Tables {
		if res.Table.Name != src.Tables[i].Name || res.Table.NumRows() != src.Tables[i].NumRows() || res.Report == nil {
			t.Errorf("table %s: %d rows released of %d", src.Tables[i].Name, res.Table.NumRows(), src.Tables[i].NumRows())
		}
	}
	// The pseudonym: one per patient, Key's (not hashed again), and every
	// other table's rows name a released patient.
	ps := &anonymize.Pseudonymize{Secret: releaseSecret}
	if err := ps.Validate(); err != nil {
		t.Fatal(err)
	}
	pat := rr.Release.Patients()
	ids := pat.Column("id").Values()
	want := src.Patients().Column("id").Values()
	set := map[string]bool{}
	for i, id := range ids {
		if id != ps.Pseudonym(want[i]) {
			t.Errorf("patient %d: id %q, want Key's pseudonym %q (hashed twice?)", i+1, id, ps.Pseudonym(want[i]))
		}
		set[id] = true
	}
	if len(set) != len(ids) {
		t.Errorf("%d patients share %d pseudonyms", len(ids), len(set))
	}
	for _, tb := range rr.Release.Tables {
		if tb.Name == "Patient" {
			continue
		}
		for row, v := range tb.Column("patient").Values() {
			if !set[v] {
				t.Fatalf("%s row %d: patient %q is no released patient", tb.Name, row+1, v)
			}
		}
	}
	if tr := releaseTreatment(rr.Report, "id"); tr != "pseudonymized (patient key)" {
		t.Errorf("Patient.id treatment %q", tr)
	}
	if tr := releaseTreatment(rr.Table("Observation").Report, "patient"); tr != "pseudonymized (patient key)" {
		t.Errorf("Observation.patient treatment %q", tr)
	}
	checkNoSyntheaIdentifier(t, src, rr.Release)
}

func releaseTreatment(r *anonymize.Report, col string) string {
	for _, tr := range r.Treatments {
		if tr.Column == col {
			return tr.Treatment
		}
	}
	return ""
}

// checkNoSyntheaIdentifier fails when any cell of out holds a Synthea
// patient's id, name, SSN, MRN, licence, passport, address, phone or
// e-mail, or an encounter id of src.
func checkNoSyntheaIdentifier(t *testing.T, src, out *anonymize.Release) {
	t.Helper()
	var ids []string
	pat := src.Patients()
	for _, col := range []string{"id", "mrn", "ssn", "drivers_license", "passport", "given", "family", "maiden_name", "phone", "email", "address"} {
		for _, v := range pat.Column(col).Values() {
			for _, part := range strings.Split(v, "|") {
				if len(part) >= 4 {
					ids = append(ids, part)
				}
			}
		}
	}
	ids = append(ids, src.Table("Encounter").Column("id").Values()...)
	if len(ids) < 10 {
		t.Fatalf("only %d identifiers found in the source: the shared data changed", len(ids))
	}
	for _, tb := range out.Tables {
		for _, c := range tb.Columns {
			for _, code := range slices.Compact(slices.Sorted(slices.Values(c.Codes))) {
				v := c.Dict[code]
				for _, id := range ids {
					if strings.Contains(v, id) {
						t.Errorf("%s.%s holds the identifier %q: %q", tb.Name, c.Name, id, v)
					}
				}
			}
		}
	}
}

// With a pipeline that leaves dates alone, the release's intervals
// between one patient's events, across tables, equal the source's.
func TestRunRelease_intervalsSurvive(t *testing.T) {
	src := syntheaRelease(t)
	for _, cfg := range []*anonymize.Config{
		{Transforms: []anonymize.TransformConfig{{Name: "scrub-notes"}}},
		{Preset: "safe-harbor"}, // event dates keep their shifted day, birth dates their year
	} {
		p := releasePipeline(t, cfg)
		rr := runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
		if len(checkIntervals(t, src, rr.Release, cfg.Preset != "")) != src.Patients().NumRows() {
			t.Errorf("%v: not every patient's intervals were checked", cfg.Transforms)
		}
		if cfg.Preset == "" {
			continue
		}
		birth := rr.Table("Patient").Table.Column("birth_date")
		for _, v := range birth.Dict {
			if v != "" && v != anonymize.Over89 && len(v) != 4 {
				t.Errorf("safe harbor: birth date %q, want a year", v)
			}
		}
	}
	// The letter of Safe Harbor: only years.
	p := releasePipeline(t, &anonymize.Config{Transforms: []anonymize.TransformConfig{{Name: "safe-harbor", Params: anonymize.Params{"shifted_dates": "year"}}}})
	rr := runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
	for _, v := range rr.Table("Encounter").Table.Column("start").Dict {
		if len(v) != 4 {
			t.Fatalf("shifted_dates: year left encounter start %q", v)
		}
	}
}

// 20 copies of one Synthea patient and one of the other, k=5 on the
// Patient table's marital status: the lone patient is suppressed at
// patient level and leaves every table; the patient-level report counts
// patients, and no event table is judged on k.
func TestRunRelease_patientSuppressedLeavesEveryTable(t *testing.T) {
	tables, err := anonymize.ReadInputs(bundleCopies(t, 20, 1), anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := anonymize.NewFHIRRelease(tables)
	if err != nil {
		t.Fatal(err)
	}
	quasi, off := anonymize.RoleQuasi, false
	p := releasePipeline(t, &anonymize.Config{SuggestRoles: &off,
		Columns:    map[string]anonymize.ColumnConfig{"marital_status": {Role: &quasi}},
		Transforms: []anonymize.TransformConfig{{Name: "safe-harbor"}, {Name: "privacy", Params: anonymize.Params{"k": 5, "suppression_limit": 0.1}}},
		Policy:     &anonymize.Policy{MinK: 5}})
	rr := runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
	if !rr.Verdict.Pass {
		t.Fatalf("verdict: %v", rr.Verdict)
	}
	if rr.SuppressedPatients != 1 || rr.Patients != 20 || rr.Report.Rows != 20 || rr.Report.MinClassSize < 5 {
		t.Fatalf("suppressed %d, released %d patients; report rows %d, k %d", rr.SuppressedPatients, rr.Patients, rr.Report.Rows, rr.Report.MinClassSize)
	}
	ps := &anonymize.Pseudonymize{Secret: releaseSecret}
	if err := ps.Validate(); err != nil {
		t.Fatal(err)
	}
	lone := ps.Pseudonym(src.Patients().Column("id").Value(20))
	for i, tb := range rr.Release.Tables {
		col := "patient"
		if tb.Name == "Patient" {
			col = "id"
		}
		srcRows := src.Tables[i].NumRows()
		loneRows := 0
		for _, v := range src.Tables[i].Column(col).Values() {
			if v == src.Patients().Column("id").Value(20) {
				loneRows++
			}
		}
		if slices.Contains(tb.Column(col).Values(), lone) {
			t.Errorf("%s: the suppressed patient is still there", tb.Name)
		}
		if tb.NumRows() != srcRows-loneRows {
			t.Errorf("%s: %d rows, want %d", tb.Name, tb.NumRows(), srcRows-loneRows)
		}
	}
}

// Each table may run its own pipeline (own roles): a column named alike
// in several tables gets the role its table's pipeline gives it.
func TestRunRelease_perTableRoles(t *testing.T) {
	src := syntheaRelease(t)
	sens := anonymize.RoleSensitive
	p := releasePipeline(t, &anonymize.Config{Preset: "safe-harbor"})
	p.Tables = map[string]*anonymize.Pipeline{
		"Observation": releasePipeline(t, &anonymize.Config{Preset: "safe-harbor", Columns: map[string]anonymize.ColumnConfig{"code": {Role: &sens}}}),
	}
	rr := runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
	if got := rr.Table("Observation").Report.Sensitive; !slices.Contains(got, "code") {
		t.Errorf("Observation sensitive columns %v, want code", got)
	}
	if got := rr.Table("Condition").Report.Sensitive; slices.Contains(got, "code") {
		t.Errorf("Condition's code is sensitive too: %v", got)
	}
	// The release's policy judges the Patient table, whatever its own
	// pipeline says.
	p.Policy = anonymize.Policy{MinK: 1000}
	p.Tables["Patient"] = releasePipeline(t, &anonymize.Config{Preset: "safe-harbor"})
	if rr := runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret}); rr.Verdict.Pass || !strings.HasPrefix(rr.Verdict.Reasons[0], "table Patient: k-anonymity") {
		t.Errorf("verdict %v, want the release's k = 1000 to fail on Patient", rr.Verdict)
	}
	// A table's own pipeline naming a column the table lacks is refused.
	p.Tables["Condition"] = releasePipeline(t, &anonymize.Config{Preset: "safe-harbor", Columns: map[string]anonymize.ColumnConfig{"value": {Role: &sens}}})
	if _, err := p.RunRelease(context.Background(), src, nil); err == nil || !strings.Contains(err.Error(), "value") {
		t.Errorf("err %v, want one naming the column", err)
	}
}

// Without a secret the tables are not linked: the patient key and the
// joins leave every table, and the treatments say why.
func TestRunRelease_noSecretRemovesLinks(t *testing.T) {
	src := syntheaRelease(t)
	p, err := (&anonymize.Config{Preset: "safe-harbor"}).Build(anonymize.Env{AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	rr := runRelease(t, p, src, nil)
	if rr.Linked || !passesButForRisk(rr.Verdict) {
		t.Fatalf("linked %v, verdict %v", rr.Linked, rr.Verdict)
	}
	for _, res := range rr.Tables {
		for _, col := range []string{"id", "patient", "encounter"} {
			if res.Table.Column(col) != nil {
				t.Errorf("%s still has %q", res.Table.Name, col)
			}
		}
		if tr := releaseTreatment(res.Report, "id"); !strings.Contains(tr, "no publisher secret") {
			t.Errorf("%s.id treatment %q", res.Table.Name, tr)
		}
	}
	checkNoSyntheaIdentifier(t, src, rr.Release)
	m := rr.Manifest("csv")
	if m.Linked || !strings.Contains(m.Scheme, "removed from every table") {
		t.Errorf("manifest: linked %v, scheme %q", m.Linked, m.Scheme)
	}
}

// A release whose Patient table is empty fails the one verdict, with the
// reason under its table.
func TestRunRelease_refusesEmptyRelease(t *testing.T) {
	src := syntheaRelease(t)
	pat := src.Patients()
	tables := slices.Clone(src.Tables)
	for i, tb := range tables {
		if tb == pat {
			tables[i] = pat.Filter(make([]bool, pat.NumRows())).Compact()
		}
	}
	empty := *src
	empty.Tables = tables
	p := releasePipeline(t, &anonymize.Config{Preset: "safe-harbor"})
	rr := runRelease(t, p, &empty, &anonymize.ReleaseKey{Secret: releaseSecret})
	if rr.Verdict.Pass || !strings.Contains(strings.Join(rr.Verdict.Reasons, ";"), "table Patient: empty release") {
		t.Errorf("verdict %v", rr.Verdict)
	}
}

// A table's failures reach the one verdict prefixed with the table.
func TestRunRelease_verdictNamesTheTable(t *testing.T) {
	src := syntheaRelease(t)
	direct := anonymize.RoleDirect
	p := releasePipeline(t, &anonymize.Config{Transforms: []anonymize.TransformConfig{{Name: "scrub-notes"}}})
	p.Tables = map[string]*anonymize.Pipeline{"Observation": releasePipeline(t, &anonymize.Config{
		Transforms: []anonymize.TransformConfig{{Name: "scrub-notes"}}, Columns: map[string]anonymize.ColumnConfig{"unit": {Role: &direct}}})}
	rr := runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
	if rr.Verdict.Pass || !slices.Contains(rr.Verdict.Reasons, `table Observation: direct identifier left: column "unit"`) {
		t.Errorf("verdict %v", rr.Verdict)
	}
}

// A folder of 40 bundles (two Synthea patients, 20 identities each)
// through Safe Harbor + k=5: k holds on patients, not on events, every
// table is released whole, and the pseudonyms still link exactly the
// source's rows. The notes repeat 20 times each, so they do not look like
// free text by content: the release's note column is still scrubbed by
// Safe Harbor's default, and refused when Safe Harbor is told to keep it.
func TestRunRelease_manyBundlesSafeHarborK5(t *testing.T) {
	tables, err := anonymize.ReadInputs(bundleCopies(t, 20, 20), anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := anonymize.NewFHIRRelease(tables)
	if err != nil {
		t.Fatal(err)
	}
	p := releasePipeline(t, &anonymize.Config{Preset: "safe-harbor-k5"})
	rr := runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
	if !rr.Verdict.Pass || rr.Patients != 40 || rr.Report.MinClassSize < 5 || rr.Report.Rows != 40 {
		t.Fatalf("verdict %v; %d patients, k %d over %d rows", rr.Verdict, rr.Patients, rr.Report.MinClassSize, rr.Report.Rows)
	}
	for i, res := range rr.Tables {
		if res.Table.NumRows() != src.Tables[i].NumRows() {
			t.Errorf("%s: %d of %d rows released", res.Table.Name, res.Table.NumRows(), src.Tables[i].NumRows())
		}
	}
	docs := rr.Table("DocumentReference")
	if ft := docs.Report.FreeText; len(ft) != 1 || ft[0].Column != "note" || ft[0].Outcome != "scrubbed" || ft[0].ScrubbedBy != "safe-harbor" || len(ft[0].Replaced) == 0 {
		t.Errorf("DocumentReference free text %+v, want note scrubbed by safe-harbor", ft)
	}
	checkLinks(t, src, rr.Release)
	checkNoSyntheaIdentifier(t, src, rr.Release)

	keep := anonymize.Params{"columns": map[string]any{"note": "keep"}}
	p.Tables = map[string]*anonymize.Pipeline{"DocumentReference": releasePipeline(t, &anonymize.Config{Transforms: []anonymize.TransformConfig{{Name: "safe-harbor", Params: keep}}})}
	rr = runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
	if want := `table DocumentReference: free text left: column "note"`; rr.Verdict.Pass || !strings.HasPrefix(strings.Join(rr.Verdict.Reasons, ";"), want) {
		t.Fatalf("repeated notes kept: verdict %v, want %q", rr.Verdict, want)
	}
}

// A column a release declares notes (Release.Notes), under a name that
// says nothing and with values that repeat, is treated as notes: Safe
// Harbor scrubs it (or drops it with free_text: drop), a scrub-notes step
// with no columns named scrubs it, the report says so, and the gate
// passes; a pipeline with no scrubber is refused (on the Patient table
// too).
func TestRunRelease_declaredNotesScrubbed(t *testing.T) {
	pat, err := anonymizetest.Table("Patient", []string{"id", "gender"}, [][]string{{"p1", "F"}, {"p2", "M"}, {"p3", "F"}})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for r := range 60 {
		rows = append(rows, []string{fmt.Sprintf("p%d", r%3+1), "Letter to John Smith: please call (617) 555-0134 about your results."})
	}
	letters, err := anonymizetest.Table("Letter", []string{"patient", "body"}, rows)
	if err != nil {
		t.Fatal(err)
	}
	src := &anonymize.Release{Tables: []*anonymize.Table{pat, letters}, PatientTable: "Patient", IDColumn: "id", LinkColumn: "patient",
		Notes: map[string][]string{"Letter": {"body"}, "Patient": {"gender"}}}
	for _, c := range []struct {
		name    string
		steps   []anonymize.TransformConfig
		outcome string
	}{
		{"safe harbor", []anonymize.TransformConfig{{Name: "safe-harbor"}}, "scrubbed"},
		{"scrub-notes", []anonymize.TransformConfig{{Name: "scrub-notes"}}, "scrubbed"},
		{"safe harbor drops it", []anonymize.TransformConfig{{Name: "safe-harbor", Params: anonymize.Params{"free_text": "drop"}}}, "dropped"},
		{"no scrubber", nil, "kept"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rr := runRelease(t, releasePipeline(t, &anonymize.Config{Transforms: c.steps, Policy: &anonymize.Policy{}}), src, &anonymize.ReleaseKey{Secret: releaseSecret})
			res := rr.Table("Letter")
			if ft := res.Report.FreeText; len(ft) != 1 || ft[0].Column != "body" || ft[0].Outcome != c.outcome {
				t.Fatalf("free text %+v, want body %s", ft, c.outcome)
			}
			if c.outcome == "kept" {
				why := strings.Join(rr.Verdict.Reasons, ";")
				if rr.Verdict.Pass || !strings.Contains(why, `table Letter: free text left: column "body"`) || !strings.Contains(why, `table Patient: free text left: column "gender"`) {
					t.Fatalf("verdict %v, want body and gender refused", rr.Verdict)
				}
				return
			}
			if !passesButForRisk(rr.Verdict) {
				t.Fatalf("verdict %v, want pass but for the patients' risk", rr.Verdict)
			}
			if body := res.Table.Column("body"); body != nil {
				for _, v := range body.Values() {
					if strings.Contains(v, "Smith") || strings.Contains(v, "555-0134") || !strings.Contains(v, "[PHONE]") {
						t.Fatalf("body %q, want the name and phone number tagged", v)
					}
				}
			}
		})
	}
}

// TestRunRelease_riskIsThePatientsAndAcceptable: a release refused for
// the patients' risk alone carries it in its one verdict (not each event
// table's rows' risk), and the publisher's acceptance covering the figure
// lets it through; any other reason cannot be accepted away.
func TestRunRelease_riskIsThePatientsAndAcceptable(t *testing.T) {
	src := syntheaRelease(t)
	rr := runRelease(t, releasePipeline(t, &anonymize.Config{Preset: "safe-harbor"}), src, &anonymize.ReleaseKey{Secret: releaseSecret})
	if rr.Verdict.Pass || rr.Verdict.Risk == nil || !rr.Verdict.Risk.Alone || len(rr.Verdict.Reasons) != 1 ||
		!strings.HasPrefix(rr.Verdict.Reasons[0], "table Patient: re-identification risk") {
		t.Fatalf("verdict %+v, want refused for the patients' risk alone", rr.Verdict)
	}
	if rr.Report.Verdict == nil || rr.Report.Verdict.Risk == nil || !rr.Report.Verdict.Risk.Alone {
		t.Errorf("the release's report carries verdict %+v, want the release's", rr.Report.Verdict)
	}
	for _, res := range rr.Tables {
		if res.Table.Name != "Patient" && !res.Verdict.Pass {
			t.Errorf("table %s refused %v: an event table is judged for identifiers only", res.Table.Name, res.Verdict.Reasons)
		}
	}
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	if _, err := rr.Verdict.Accept(anonymize.RiskAcceptance{By: "0xabc", At: at, Risk: rr.Verdict.Risk.Highest / 2, Words: "too little"}); err == nil {
		t.Error("an acceptance below the figure let the release through")
	}
	v, err := rr.Verdict.Accept(anonymize.RiskAcceptance{By: "0xabc", At: at, Risk: 1, Words: "my own record"})
	if err != nil || !v.Pass || v.Accepted == nil {
		t.Fatalf("accepted: %+v, %v", v, err)
	}

	// Kept notes are another reason: the risk is then not alone.
	p := releasePipeline(t, &anonymize.Config{Preset: "safe-harbor"})
	keep := anonymize.Params{"columns": map[string]any{"note": "keep"}}
	p.Tables = map[string]*anonymize.Pipeline{"DocumentReference": releasePipeline(t, &anonymize.Config{Transforms: []anonymize.TransformConfig{{Name: "safe-harbor", Params: keep}}})}
	rr = runRelease(t, p, src, &anonymize.ReleaseKey{Secret: releaseSecret})
	if rr.Verdict.Pass || rr.Verdict.Risk == nil || rr.Verdict.Risk.Alone {
		t.Fatalf("verdict %+v, want the risk not alone", rr.Verdict)
	}
	if _, err := rr.Verdict.Accept(anonymize.RiskAcceptance{By: "0xabc", At: at, Risk: 1, Words: "x"}); err == nil {
		t.Error("accepting the risk let other reasons through")
	}
}

package anonymize_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

func freeTextOf(t *anonymize.Table) []string {
	var out []string
	for _, c := range t.Columns {
		if ok, _ := anonymize.FreeTextSample(anonymize.SampleOf(c)); ok {
			out = append(out, c.Name)
		}
	}
	return out
}

// Notes are free text by their content, whatever the column's name; the
// other columns of the extract are not.
func TestFreeTextSample_detectsNotesByContent(t *testing.T) {
	for _, n := range []int{3, 200, 5000} {
		tab := anonymizetest.Notes(n, 1)
		if got := freeTextOf(tab); !slices.Equal(got, []string{"note"}) {
			t.Errorf("%d rows: free-text columns %v, want [note]", n, got)
		}
		// Renamed, the column is still free text.
		renamed := *tab.Column("note")
		renamed.Name = "x7"
		if got := freeTextOf(tab.WithColumns([]*anonymize.Column{&renamed})); !slices.Equal(got, []string{"x7"}) {
			t.Errorf("%d rows, column renamed x7: free-text columns %v, want [x7]", n, got)
		}
	}
}

// Categorical columns, codes, addresses, cities and the long descriptions
// of terminologies in real data are not free text; the one column of
// notes, DocumentReference's attached text, is.
func TestFreeTextSample_realDataHasNone(t *testing.T) {
	dir := sharedData(t)
	read := func(path string, opt anonymize.CSVOptions) *anonymize.Table {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		opt.Name = filepath.Base(path)
		tab, err := anonymize.ReadCSV(f, opt)
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	tables := []*anonymize.Table{read(filepath.Join(dir, "arx-adult", "adult.csv"), anonymize.CSVOptions{})}
	csvs, _ := filepath.Glob(filepath.Join(dir, "synthea-csv", "*.csv"))
	for _, p := range csvs {
		tables = append(tables, read(p, anonymize.CSVOptions{}))
	}
	bundles, _ := filepath.Glob(filepath.Join(dir, "synthea-fhir", "*.json"))
	im := anonymize.NewFHIRImporter()
	for _, p := range bundles {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		err = im.Add(f, filepath.Base(p))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	tables = append(tables, im.Tables()...)
	if len(tables) < 10 {
		t.Fatalf("only %d tables read", len(tables))
	}
	notes := map[string]string{"DocumentReference": "note"}
	for _, tab := range tables {
		var want []string
		if c, ok := notes[tab.Name]; ok {
			want = []string{c}
		}
		if got := freeTextOf(tab); !slices.Equal(got, want) {
			t.Errorf("table %s: columns %v detected as free text, want %v", tab.Name, got, want)
		}
		for _, s := range anonymize.Suggest(tab) {
			if s.Category == anonymize.CatFreeText && s.Column != notes[tab.Name] {
				t.Errorf("table %s: column %s suggested as free text", tab.Name, s.Column)
			}
		}
	}
}

// The safe-harbor preset scrubs notes: the column is kept with no name,
// phone number or exact date left (dates become [DATE]: Safe Harbor keeps
// no day), the report says so and why, and the gate refuses for the
// re-identification risk alone (every note's patient is unique; the
// publisher must accept that risk), not for the notes.
func TestSafeHarborPreset_scrubsFreeText(t *testing.T) {
	in := anonymizetest.Notes(500, 2)
	res := runPreset(t, "safe-harbor", in)
	note := res.Table.Column("note")
	if note == nil {
		t.Fatalf("the note column is dropped: %v", res.Table.Names())
	}
	date := regexp.MustCompile(`\d{1,2}/\d{1,2}/\d{4}`)
	for r := range note.Len() {
		v := note.Value(r)
		if !strings.Contains(v, "[NAME]") || !strings.Contains(v, "[DATE]") || strings.Contains(v, "(617)") || date.MatchString(v) {
			t.Fatalf("row %d: %q, want names, dates and phone numbers tagged", r, v)
		}
	}
	if !passesButForRisk(res.Verdict) {
		t.Fatalf("verdict %v, want pass but for the risk", res.Verdict)
	}
	ft := res.Report.FreeText
	if len(ft) != 1 || ft[0].Column != "note" || ft[0].Outcome != "scrubbed" || ft[0].ScrubbedBy != "safe-harbor" || !strings.Contains(ft[0].Reason, "words") {
		t.Fatalf("report's free text %+v, want note scrubbed by safe-harbor with the reason", ft)
	}
	// What was replaced, by type, over all 500 rows: each note holds a
	// patient's name, a date and a phone number.
	for _, typ := range []string{anonymize.PHIName, anonymize.PHIDate, anonymize.PHIPhone} {
		if ft[0].Replaced[typ] < 500 {
			t.Errorf("replaced %v: %s %d, want 500 or more", ft[0].Replaced, typ, ft[0].Replaced[typ])
		}
	}
	if s := ft[0].String(); !strings.Contains(s, "note: scrubbed by safe-harbor, replaced NAME ") {
		t.Errorf("the report's line %q does not give the counts", s)
	}
	for _, tr := range res.Report.Treatments {
		if tr.Column == "note" && tr.Treatment != "free text scrubbed (Safe Harbor)" {
			t.Errorf("the note's treatment is %q", tr.Treatment)
		}
	}
	b, err := json.Marshal(res.Report)
	if err != nil {
		t.Fatal(err)
	}
	var back anonymize.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.FreeText[0].Replaced; !maps.Equal(got, ft[0].Replaced) {
		t.Errorf("JSON report's counts %v, want %v", got, ft[0].Replaced)
	}
	// Isolated or not, the planned Safe Harbor decides the same.
	plan := (&anonymize.SafeHarbor{}).Plan(in)
	if plan["note"] != anonymize.CatFreeText {
		t.Errorf("Safe Harbor plans note as %q, want %q", plan["note"], anonymize.CatFreeText)
	}
}

// Told free_text: drop, Safe Harbor does not publish notes: the column is
// dropped, the report says so and why, and the gate passes.
func TestSafeHarbor_dropsFreeTextWhenAsked(t *testing.T) {
	in := anonymizetest.Notes(500, 2)
	steps := []anonymize.TransformConfig{{Name: "safe-harbor", Params: anonymize.Params{"free_text": "drop"}}}
	// MaxRisk 1: the notes' patients are unique; this test judges the notes.
	res := runConfig(t, &anonymize.Config{Transforms: steps, Policy: &anonymize.Policy{MaxRisk: 1}}, anonymize.Env{}, in)
	if res.Table.Column("note") != nil {
		t.Fatalf("the note column is published: %v", res.Table.Names())
	}
	if !res.Verdict.Pass {
		t.Fatalf("verdict %v, want pass", res.Verdict)
	}
	ft := res.Report.FreeText
	if len(ft) != 1 || ft[0].Column != "note" || ft[0].Outcome != "dropped" || !strings.Contains(ft[0].Reason, "words") {
		t.Fatalf("report's free text %+v, want note dropped with the reason", ft)
	}
}

func runPreset(t *testing.T, preset string, in *anonymize.Table) *anonymize.Result {
	t.Helper()
	cfg, err := anonymize.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	return runConfig(t, cfg, anonymize.Env{}, in)
}

func runConfig(t *testing.T, cfg *anonymize.Config, env anonymize.Env, in *anonymize.Table) *anonymize.Result {
	t.Helper()
	pl, err := cfg.Build(env)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pl.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// scrubNotes is a scrubber as a plugin would be one: it declares itself a
// scrubber and notes its name on the columns it processes.
type scrubNotes struct{ scrubber bool }

func (s *scrubNotes) Describe() anonymize.Descriptor {
	return anonymize.Descriptor{Name: "scrub-notes", Version: "1", Scope: anonymize.ScopeRow, Scrubber: s.scrubber}
}

func (s *scrubNotes) Apply(ctx context.Context, t *anonymize.Table) (*anonymize.Table, error) {
	i := t.Index("note")
	c := t.Columns[i].MapValues(func(v string) string {
		w := strings.Fields(v)
		for i, x := range w {
			if strings.ContainsAny(x[:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ(") {
				w[i] = "[REDACTED]"
			}
		}
		return strings.Join(w, " ")
	})
	c.Applied = append(slices.Clip(c.Applied), "scrub-notes")
	return t.Replace(i, c), nil
}

// The gate refuses a pipeline that keeps a free-text column without a
// scrubber, naming the column; a scrubber's step lets it through.
func TestPolicy_refusesFreeTextNoScrubberProcessed(t *testing.T) {
	in := anonymizetest.Notes(300, 3)
	keep := anonymize.Params{"columns": map[string]any{"note": "keep"}}
	for _, c := range []struct {
		name     string
		steps    []anonymize.TransformConfig
		scrubber bool
		pass     bool
		outcome  string
	}{
		{"no steps", nil, false, false, "kept"},
		{"safe harbor told to keep it", []anonymize.TransformConfig{{Name: "safe-harbor", Params: keep}}, false, false, "kept"},
		{"a transform that does not declare itself a scrubber", []anonymize.TransformConfig{{Name: "scrub-notes"}, {Name: "safe-harbor", Params: keep}}, false, false, "kept"},
		{"a scrubber", []anonymize.TransformConfig{{Name: "scrub-notes"}, {Name: "safe-harbor", Params: keep}}, true, true, "scrubbed"},
		{"a scrubber, then safe harbor scrubs it too", []anonymize.TransformConfig{{Name: "scrub-notes"}, {Name: "safe-harbor"}}, true, true, "scrubbed"},
		{"a scrubber, then safe harbor told to drop it", []anonymize.TransformConfig{{Name: "scrub-notes"}, {Name: "safe-harbor", Params: anonymize.Params{"free_text": "drop"}}}, true, true, "dropped"},
		{"blanked", []anonymize.TransformConfig{{Name: "drop", Params: anonymize.Params{"columns": []any{"id"}}}, {Name: "drop", Params: anonymize.Params{"columns": []any{"note"}, "blank": true}}}, false, true, "blanked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			set := anonymize.NewTransforms()
			set.Register("scrub-notes", func(anonymize.Params, anonymize.Env) (anonymize.Transform, error) {
				return &scrubNotes{scrubber: c.scrubber}, nil
			})
			// MaxRisk 1: the notes' patients are unique; this test judges the notes.
			cfg := &anonymize.Config{Transforms: c.steps, Policy: &anonymize.Policy{MaxRisk: 1}}
			if c.steps == nil {
				cfg.Transforms = []anonymize.TransformConfig{{Name: "drop", Params: anonymize.Params{"columns": []any{"id"}}}}
			}
			res := runConfig(t, cfg, anonymize.Env{Transforms: set}, in)
			if ft := res.Report.FreeText; len(ft) != 1 || ft[0].Column != "note" || ft[0].Outcome != c.outcome {
				t.Fatalf("report's free text %+v, want note %s", ft, c.outcome)
			}
			if res.Verdict.Pass != c.pass {
				t.Fatalf("verdict %v, want pass=%v", res.Verdict, c.pass)
			}
			if !c.pass && !strings.Contains(res.Verdict.String(), `free text left: column "note"`) {
				t.Fatalf("verdict %v does not name the note column", res.Verdict)
			}
		})
	}
}

// repeatedNotes is a table of 200 notes, 10 templated ones repeated 20
// times each (copied records, a clinic's templates), each with a
// patient's name and phone number: too repetitive to look like free text
// by content.
func repeatedNotes(t *testing.T, column string) *anonymize.Table {
	t.Helper()
	names := []string{"John Smith", "Mary Jones", "Robert Brown", "Linda Davis", "James Wilson", "Susan Moore", "David Taylor", "Karen Thomas", "Paul Martin", "Nancy White"}
	var rows [][]string
	for r := range 200 {
		i := r % len(names)
		rows = append(rows, []string{fmt.Sprint(r), []string{"ICU", "ward 3"}[r%2], fmt.Sprintf("Patient %s seen today for follow-up, stable. Call back at (617) 555-01%02d.", names[i], i)})
	}
	tab, err := anonymizetest.Table("notes", []string{"id", "unit", column}, rows)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// A column whose name declares notes is free text whatever its values
// look like (repeated 20 times each here); the same values under another
// name are not, nor is a "notes" column of numbers.
func TestFreeTextSample_noteNameWhateverTheValues(t *testing.T) {
	for _, name := range []string{"note", "NOTES", "clinical_notes", "ProgressNote", "nurse_comment", "free_text"} {
		c := repeatedNotes(t, name).Column(name)
		ok, why := anonymize.FreeTextSample(anonymize.SampleOf(c))
		if !ok || !strings.Contains(why, "declares notes") {
			t.Errorf("column %q: free text %v (%q), want true by its name", name, ok, why)
		}
	}
	for _, name := range []string{"x7", "description", "notebook_id", "DESCRIPTION1"} {
		c := repeatedNotes(t, name).Column(name)
		if ok, why := anonymize.FreeTextSample(anonymize.SampleOf(c)); ok {
			t.Errorf("column %q of repeated notes is free text (%s)", name, why)
		}
	}
	counts := anonymize.NewColumn("notes", anonymize.TypeString, anonymize.RoleInsensitive, []string{"1", "2", "", "3"})
	if ok, why := anonymize.FreeTextSample(anonymize.SampleOf(counts)); ok {
		t.Errorf("a notes column of numbers is free text (%s)", why)
	}
}

// Repeated notes with a name and a phone number, through one table's
// pipeline: Safe Harbor scrubs them by default and the gate passes; told
// to drop free text it drops them; told to keep the column, the gate
// refuses it.
func TestSafeHarbor_scrubsRepeatedNotes(t *testing.T) {
	in := repeatedNotes(t, "note")
	res := runPreset(t, "safe-harbor", in)
	note := res.Table.Column("note")
	if note == nil {
		t.Fatalf("the note column is dropped: %v", res.Table.Names())
	}
	for r := range note.Len() {
		v := note.Value(r)
		if !strings.Contains(v, "[NAME]") || !strings.Contains(v, "[PHONE]") || strings.Contains(v, "555-01") || strings.Contains(v, "Smith") || strings.Contains(v, "Mary") {
			t.Fatalf("row %d: %q, want the name and phone number tagged", r, v)
		}
	}
	if !res.Verdict.Pass {
		t.Fatalf("verdict %v, want pass", res.Verdict)
	}
	ft := res.Report.FreeText
	if len(ft) != 1 || ft[0].Column != "note" || ft[0].Outcome != "scrubbed" || ft[0].Replaced[anonymize.PHIPhone] != 200 {
		t.Fatalf("report's free text %+v, want note scrubbed, 200 phone numbers replaced", ft)
	}

	drop := []anonymize.TransformConfig{{Name: "safe-harbor", Params: anonymize.Params{"free_text": "drop"}}}
	res = runConfig(t, &anonymize.Config{Transforms: drop, Policy: &anonymize.Policy{}}, anonymize.Env{}, in)
	if res.Table.Column("note") != nil || !res.Verdict.Pass {
		t.Fatalf("free_text: drop: columns %v, verdict %v", res.Table.Names(), res.Verdict)
	}

	keep := []anonymize.TransformConfig{{Name: "safe-harbor", Params: anonymize.Params{"columns": map[string]any{"note": "keep"}}}}
	res = runConfig(t, &anonymize.Config{Transforms: keep, Policy: &anonymize.Policy{}}, anonymize.Env{}, in)
	if res.Verdict.Pass || !strings.Contains(res.Verdict.String(), `free text left: column "note"`) {
		t.Fatalf("note kept unscrubbed: verdict %v, want refused", res.Verdict)
	}
}

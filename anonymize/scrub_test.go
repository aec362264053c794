package anonymize_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

func newScrubber(t *testing.T) *anonymize.Scrubber {
	t.Helper()
	s, err := anonymize.NewScrubber()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// scrubCase: in is scrubbed with a shift of shift days; want is the
// output; count, when set, the replacements of one type.
type scrubCase struct {
	in, want string
	shift    int
}

func checkScrub(t *testing.T, cases []scrubCase) {
	t.Helper()
	s := newScrubber(t)
	for _, c := range cases {
		got, _ := s.Scrub(c.in, c.shift)
		if got != c.want {
			t.Errorf("Scrub(%q, %d)\n got %q\nwant %q", c.in, c.shift, got, c.want)
		}
	}
}

func TestScrubPattern_dates(t *testing.T) {
	checkScrub(t, []scrubCase{
		{"seen 03/14/2021.", "seen 03/24/2021.", 10},
		{"seen 3/4/2021 and 2021-03-14.", "seen 3/14/2021 and 2021-03-24.", 10},
		{"seen March 14, 2021 then 14 Mar 2021.", "seen March 4, 2021 then 4 Mar 2021.", -10},
		{"since Mar 2021 and 12/31/20.", "since Apr 2021 and 01/31/21.", 31},
		{"admitted 2021-03-14T08:30 for CP.", "admitted 2021-03-15T08:30 for CP.", 1},
		{"seen 03/14/2021 and on 3/14.", "seen [DATE] and on [DATE].", 0},
		{"Seen on the 5th of July.", "Seen on the [DATE].", 3},
		{"BP 132/84, pain 4/10, 1.5 mg.", "BP 132/84, pain 4/10, 1.5 mg.", 5},
	})
}

func TestScrubPattern_agesOver89(t *testing.T) {
	checkScrub(t, []scrubCase{
		{"92-year-old man, age 94, a 101 y/o woman, 95 yo F.", "[AGE] man, age [AGE], a [AGE] woman, [AGE] F.", 0},
		{"89-year-old man, age 45, 30 yo.", "89-year-old man, age 45, 30 yo.", 0},
	})
}

func TestScrubPattern_contactsAndNumbers(t *testing.T) {
	checkScrub(t, []scrubCase{
		{"call (617) 555-1234 or 617-555-1234 x12, fax 617.555.9876, +1 617 555 0000.", "call [PHONE] or [PHONE], fax [PHONE], [PHONE].", 0},
		{"mail jo.o'neil@example.org; see https://x.example.com/a?b=1. and www.foo.org", "mail [EMAIL]; see [URL]. and [URL]", 0},
		{"host 10.20.30.40 logged.", "host [IP] logged.", 0},
		{"SSN 123-45-6789, SSN: 123456789.", "SSN [SSN], SSN: [SSN].", 0},
		{"MRN: 1234567, acct # 88812, Medical record number A12345, ref 98765432.", "MRN: [ID], acct # [ID], Medical record number [ID], ref [ID].", 0},
	})
}

func TestScrubPattern_places(t *testing.T) {
	checkScrub(t, []scrubCase{
		{"Lives at 123 Main St, Apt 4B, Springfield, IL 62701-1234.", "Lives at [ADDRESS], [ADDRESS], IL [ZIP].", 0},
		{"Moved to Worcester, MA 01608 from 45 Old Mill Road.", "Moved to [ADDRESS], MA [ZIP] from [ADDRESS].", 0},
		{"Transferred from St. Mary's Hospital and Riverside Clinic.", "Transferred from [ADDRESS] and [ADDRESS].", 0},
		{"PO Box 123, zip 02118.", "[ADDRESS], zip [ZIP].", 0},
	})
}

func TestScrubNames_withContext(t *testing.T) {
	checkScrub(t, []scrubCase{
		{"Discussed with Dr. Baker and Mrs. Price.", "Discussed with Dr. [NAME] and Mrs. [NAME].", 0},
		{"Pt's wife Maria and son John at bedside.", "Pt's wife [NAME] and son [NAME] at bedside.", 0},
		{"Extubated. V. Finn, RRT", "Extubated. [NAME], RRT", 0},
		{"Plan reviewed. — J. Smith, MD", "Plan reviewed. — [NAME], MD", 0},
		{"Pt Jane Doe seen today.", "Pt [NAME] seen today.", 0},
		{"Jane Brown is 64. William states he is better.", "[NAME] is 64. [NAME] states he is better.", 0},
		{"PATIENT: DOE, JANE\nName: Price, Robert.", "PATIENT: [NAME]\nName: [NAME].", 0},
		{"Seen by Svetlana Young on rounds.", "Seen by [NAME] on rounds.", 0},
		// A surname in no list is caught by the safe list alone.
		{"Called Vorkalen about results.", "Called [NAME] about results.", 0},
	})
}

func TestScrubNames_medicalTextSurvives(t *testing.T) {
	keep := []string{
		"Metformin 500 mg BID and Lisinopril 10 mg daily.",
		"Hx of Parkinson's disease, Crohn's disease and Hodgkin lymphoma.",
		"Glasgow Coma Scale 15, Babinski negative, Homans sign absent.",
		"COPD exacerbation, given Albuterol and Prednisone. Home O2 2L via NC.",
		"Type 2 diabetes, CHF with EF 35%. Follow up in Cardiology on Monday.",
		"Insurance: Medicare. Alert and oriented x3. Pain 4/10.",
		"May continue current plan. Will call if worse. Hope to discharge Friday.",
		"Tmax 38.2, UOP adequate. Abx: Vanc/Zosyn day 3. Cx pending. Plan: ASA, Plavix, high-intensity statin.",
		"Port placed by IR. Reglan PRN nausea. Sepsis from UTI, E. coli sensitive to Ceftriaxone.",
	}
	s := newScrubber(t)
	for _, v := range keep {
		if got, n := s.Scrub(v, 7); got != v {
			t.Errorf("Scrub(%q) = %q (%v), want it unchanged", v, got, n)
		}
	}
}

func TestScrub_countsByType(t *testing.T) {
	s := newScrubber(t)
	got, n := s.Scrub("Dr. Kowalski saw pt 03/14/2021; call 617-555-1234 or 617-555-9999.", 0)
	if got != "Dr. [NAME] saw pt [DATE]; call [PHONE] or [PHONE]." {
		t.Fatalf("got %q", got)
	}
	if n[anonymize.PHIName] != 1 || n[anonymize.PHIDate] != 1 || n[anonymize.PHIPhone] != 2 || len(n) != 3 {
		t.Fatalf("counts %v", n)
	}
	if n.String() != "NAME 1, DATE 1, PHONE 2" {
		t.Fatalf("counts say %q", n.String())
	}
}

// The built-in scrub-notes step scrubs the detected note column, shifts
// its dates by the patient's date-shift offset, and the policy gate lets
// the scrubbed column through.
func TestScrubNotes_transformPassesGate(t *testing.T) {
	in := anonymizetest.Notes(300, 3)
	secret := "0123456789abcdef0123456789abcdef"
	tr, err := anonymize.NewTransforms().New(anonymize.ScrubNotesName, anonymize.Params{"patient_column": "id", "secret": secret}, anonymize.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if d := tr.Describe(); !d.Scrubber || d.Scope != anonymize.ScopeRow {
		t.Fatalf("descriptor %+v", d)
	}
	out, counts, err := tr.(*anonymize.ScrubNotes).Scrub(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if counts[anonymize.PHIName] < 300 || counts[anonymize.PHIPhone] != 300 || counts[anonymize.PHIDate] != 300 {
		t.Fatalf("counts %v", counts)
	}
	shift := (&anonymize.DateShift{PatientColumn: "id", SecretText: secret})
	if err := shift.Validate(); err != nil {
		t.Fatal(err)
	}
	note, orig := out.Column("note"), in.Column("note")
	for r := range 20 {
		v := note.Value(r)
		if strings.Contains(v, "(617)") || !strings.Contains(v, "[NAME]") {
			t.Fatalf("row %d not scrubbed: %q", r, v)
		}
		if v == orig.Value(r) {
			t.Fatalf("row %d unchanged", r)
		}
	}
	pipe := []anonymize.TransformConfig{
		{Name: anonymize.ScrubNotesName, Params: anonymize.Params{"patient_column": "id", "secret": secret}},
		{Name: "drop", Params: anonymize.Params{"columns": []any{"id"}}},
	}
	res := runConfig(t, &anonymize.Config{Transforms: pipe, Policy: &anonymize.Policy{}}, anonymize.Env{}, in)
	if ft := res.Report.FreeText; len(ft) != 1 || ft[0].Outcome != "scrubbed" || ft[0].ScrubbedBy != anonymize.ScrubNotesName {
		t.Fatalf("free text %+v", res.Report.FreeText)
	}
	// The report counts what the step replaced, as Scrub does.
	if got := res.Report.FreeText[0].Replaced; !maps.Equal(got, counts) {
		t.Fatalf("the report counts %v replaced, Scrub %v", got, counts)
	}
	if strings.Contains(res.Verdict.String(), "free text left") {
		t.Fatalf("verdict %v", res.Verdict)
	}
}

func TestScrubNotes_errorsNameTheField(t *testing.T) {
	set := anonymize.NewTransforms()
	if _, err := set.New(anonymize.ScrubNotesName, anonymize.Params{"patient_column": "id", "secret": "short"}, anonymize.Env{}); err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("short secret: %v", err)
	}
	tr, err := set.New(anonymize.ScrubNotesName, anonymize.Params{"columns": []any{"nope"}}, anonymize.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Apply(context.Background(), anonymizetest.Notes(5, 1)); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown column: %v", err)
	}
}

// Safe Harbor told to scrub free text keeps the note column with its
// identifiers tagged (dates too: Safe Harbor keeps no day), the gate
// accepts it as scrubbed, and the planned (isolated) Safe Harbor maps it
// value by value to the same result.
func TestSafeHarbor_scrubsFreeTextWhenAsked(t *testing.T) {
	in := anonymizetest.Notes(300, 4)
	steps := []anonymize.TransformConfig{{Name: "safe-harbor", Params: anonymize.Params{"free_text": "scrub"}}}
	res := runConfig(t, &anonymize.Config{Transforms: steps, Policy: &anonymize.Policy{}}, anonymize.Env{}, in)
	note := res.Table.Column("note")
	if note == nil {
		t.Fatalf("note dropped: %v", res.Table.Names())
	}
	for r := range 10 {
		v := note.Value(r)
		if !strings.Contains(v, "[NAME]") || !strings.Contains(v, "[DATE]") || !strings.Contains(v, "[PHONE]") || strings.Contains(v, "(617)") {
			t.Fatalf("row %d: %q", r, v)
		}
	}
	if ft := res.Report.FreeText; len(ft) != 1 || ft[0].Outcome != "scrubbed" || ft[0].ScrubbedBy != "safe-harbor" {
		t.Fatalf("free text %+v", ft)
	}
	if strings.Contains(res.Verdict.String(), "free text left") {
		t.Fatalf("verdict %v", res.Verdict)
	}
	sh := &anonymize.SafeHarbor{FreeText: "scrub"}
	samples := make([]anonymize.ColumnSample, len(in.Columns))
	for i, c := range in.Columns {
		samples[i] = anonymize.SampleOf(c)
	}
	acts, tr, err := sh.PlanColumns(samples)
	if err != nil {
		t.Fatal(err)
	}
	i := in.Index("note")
	if acts[i] != anonymize.ActMap {
		t.Fatalf("note planned as %v, want ActMap", acts[i])
	}
	only, err := anonymize.NewTable("notes", in.Columns[i])
	if err != nil {
		t.Fatal(err)
	}
	one, err := tr.Apply(context.Background(), only)
	if err != nil {
		t.Fatal(err)
	}
	if got := one.Columns[0].Value(3); got != note.Value(3) {
		t.Fatalf("planned %q, in process %q", got, note.Value(3))
	}
	if err := (&anonymize.SafeHarbor{FreeText: "keep"}).Validate(); err == nil || !strings.Contains(err.Error(), "free_text") {
		t.Fatalf("bad free_text: %v", err)
	}
}

package anonymize_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
)

var releaseSecret = []byte("release-test-secret-0123456789")

// syntheaRelease reads the shared Synthea bundles as one release.
func syntheaRelease(t *testing.T) *anonymize.Release {
	t.Helper()
	tables, err := anonymize.ReadInputs(fileInputs(syntheaBundles(t)), anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := anonymize.NewFHIRRelease(tables)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func keyRelease(t *testing.T, r *anonymize.Release) (*anonymize.Release, *anonymize.KeyReport) {
	t.Helper()
	out, rep, err := r.Key(context.Background(), anonymize.ReleaseKey{Secret: releaseSecret})
	if err != nil {
		t.Fatal(err)
	}
	return out, rep
}

func TestReleaseKey_pseudonymLinksPatientsAcrossTables(t *testing.T) {
	src := syntheaRelease(t)
	out, rep := keyRelease(t, src)
	if len(rep.Unlinked) != 0 {
		t.Errorf("rows dropped as unlinked: %v", rep.Unlinked)
	}
	checkLinks(t, src, out)
}

// checkLinks checks that out's patient pseudonyms link exactly the rows
// src's patient ids link, and that the encounter join survives.
func checkLinks(t *testing.T, src, out *anonymize.Release) {
	t.Helper()
	srcIDs := src.Patients().Column("id").Values()
	pseudo := out.Patients().Column("id").Values()
	if len(pseudo) != len(srcIDs) || len(srcIDs) < 2 {
		t.Fatalf("patients: %d source, %d keyed", len(srcIDs), len(pseudo))
	}
	// Patient row i keeps its place: map source id -> pseudonym.
	toPseudo := map[string]string{}
	seen := map[string]bool{}
	for i, id := range srcIDs {
		p := pseudo[i]
		if p == "" || p == id || seen[p] {
			t.Fatalf("patient %d: pseudonym %q (source %q) empty, the id, or shared", i, p, id)
		}
		seen[p] = true
		toPseudo[id] = p
	}
	for i, tb := range src.Tables {
		if tb.Name == "Patient" {
			continue
		}
		got, want := out.Tables[i].Column("patient").Values(), tb.Column("patient").Values()
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows after, %d before", tb.Name, len(got), len(want))
		}
		for row := range got {
			if !seen[got[row]] {
				t.Errorf("%s row %d: pseudonym %q is not in the Patient table", tb.Name, row+1, got[row])
			}
			if got[row] != toPseudo[want[row]] {
				t.Errorf("%s row %d: pseudonym %q, the patient's is %q", tb.Name, row+1, got[row], toPseudo[want[row]])
			}
		}
	}
	// The encounter join survives: every Observation's encounter is an Encounter id.
	enc := map[string]bool{}
	for _, v := range out.Table("Encounter").Column("id").Values() {
		enc[v] = true
	}
	for row, v := range out.Table("Observation").Column("encounter").Values() {
		if v != "" && !enc[v] {
			t.Errorf("Observation row %d: encounter %q is no Encounter's id", row+1, v)
		}
	}
}

func TestReleaseKey_noSourcePatientIDLeft(t *testing.T) {
	src := syntheaRelease(t)
	out, _ := keyRelease(t, src)
	ids := src.Patients().Column("id").Values()
	for _, tb := range out.Tables {
		for _, c := range tb.Columns {
			for _, v := range c.Dict {
				for _, id := range ids {
					if strings.Contains(v, id) {
						t.Errorf("%s.%s still holds patient id %s: %q", tb.Name, c.Name, id, v)
					}
				}
			}
		}
	}
	// The Encounter ids are source ids too: none survives as a join.
	srcEnc := src.Table("Encounter").Column("id").Values()
	for _, v := range out.Table("Encounter").Column("id").Values() {
		for _, e := range srcEnc {
			if v == e {
				t.Errorf("Encounter id %s survived", e)
			}
		}
	}
}

// patientEvents returns, per source patient, the instants of the named
// date columns of a table (time.Time; empty cells skipped), in row order.
func patientEvents(t *testing.T, tb *anonymize.Table, link string, cols ...string) map[string][]time.Time {
	t.Helper()
	out := map[string][]time.Time{}
	for row := 0; row < tb.NumRows(); row++ {
		p := tb.Column(link).Value(row)
		for _, name := range cols {
			v := tb.Column(name).Value(row)
			if v == "" {
				continue
			}
			ts, err := parseAnyDate(v)
			if err != nil {
				t.Fatalf("%s.%s row %d: %v", tb.Name, name, row+1, err)
			}
			out[p] = append(out[p], ts)
		}
	}
	return out
}

func parseAnyDate(v string) (time.Time, error) {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02"} {
		if ts, err := time.Parse(l, v); err == nil {
			return ts, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", v)
}

func TestReleaseKey_intervalsSurvivePerPatient(t *testing.T) {
	src := syntheaRelease(t)
	out, _ := keyRelease(t, src)
	shifts := checkIntervals(t, src, out, false)
	if shifts[0] == shifts[1] {
		t.Errorf("both patients shifted by %v", shifts[0])
	}
}

// checkIntervals checks that every interval between two dated events of
// one patient (in several tables) is the same in src and out, and returns
// each patient's shift. With eventsOnly, birth dates are left out (Safe
// Harbor keeps only their year).
func checkIntervals(t *testing.T, src, out *anonymize.Release, eventsOnly bool) []time.Duration {
	t.Helper()
	// Every patient's events across several tables, source and keyed, in
	// the same order (Key keeps rows in place when none are unlinked).
	specs := []struct {
		table string
		cols  []string
	}{
		{"Patient", []string{"birth_date"}},
		{"Encounter", []string{"start", "end"}},
		{"Observation", []string{"effective", "issued"}},
		{"Condition", []string{"onset", "recorded"}},
		{"Immunization", []string{"date"}},
		{"DocumentReference", []string{"date"}},
	}
	before, after := map[string][]time.Time{}, map[string][]time.Time{}
	pseudo := map[string]string{}
	srcIDs, keyed := src.Patients().Column("id").Values(), out.Patients().Column("id").Values()
	for i := range srcIDs {
		pseudo[srcIDs[i]] = keyed[i]
	}
	for _, s := range specs {
		if eventsOnly && s.table == "Patient" {
			continue
		}
		link := "patient"
		if s.table == "Patient" {
			link = "id"
		}
		for p, ev := range patientEvents(t, src.Table(s.table), link, s.cols...) {
			before[p] = append(before[p], ev...)
		}
		for p, ev := range patientEvents(t, out.Table(s.table), link, s.cols...) {
			after[p] = append(after[p], ev...)
		}
	}
	checked := 0
	var shifts []time.Duration
	for id, ev := range before {
		got := after[pseudo[id]]
		if len(got) != len(ev) || len(ev) < 3 {
			t.Fatalf("patient %s: %d events before, %d after", id, len(ev), len(got))
		}
		shift := got[0].Sub(ev[0])
		if shift == 0 || shift%(24*time.Hour) != 0 || shift.Abs() > 365*24*time.Hour {
			t.Errorf("patient %s: shift %v is not a whole number of days in ±365, or zero", id, shift)
		}
		shifts = append(shifts, shift)
		for i := range ev {
			for j := i + 1; j < len(ev); j++ {
				if d0, d1 := ev[j].Sub(ev[i]), got[j].Sub(got[i]); d0 != d1 {
					t.Fatalf("patient %s: interval between events %d and %d was %v, is %v", id, i, j, d0, d1)
				}
				checked++
			}
		}
	}
	t.Logf("%d intervals equal for %d patients", checked, len(before))
	return shifts
}

func TestReleaseKey_offsetsDifferBetweenPatients(t *testing.T) {
	const n = 1000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("patient-%d", i)
	}
	pat, _ := anonymize.NewTable("Patient", anonymize.NewColumn("id", anonymize.TypeString, anonymize.RoleInsensitive, ids),
		anonymize.NewColumn("birth_date", anonymize.TypeDate, anonymize.RoleInsensitive, slicesRepeat("2000-01-01", n)))
	r := &anonymize.Release{Tables: []*anonymize.Table{pat}, PatientTable: "Patient", IDColumn: "id", LinkColumn: "patient"}
	out, _, err := r.Key(context.Background(), anonymize.ReleaseKey{Secret: releaseSecret})
	if err != nil {
		t.Fatal(err)
	}
	distinct := len(out.Patients().Column("birth_date").Compact().Dict)
	// 1000 draws from 730 offsets: about 550 distinct values expected.
	if distinct < 450 {
		t.Errorf("%d patients got only %d distinct offsets", n, distinct)
	}
	if p := out.Patients().Column("id").Compact().Dict; len(p) != n {
		t.Errorf("%d patients got %d distinct pseudonyms", n, len(p))
	}
}

func slicesRepeat(v string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestReleaseRemovePatients_leavesEveryTable(t *testing.T) {
	out, _ := keyRelease(t, syntheaRelease(t))
	ids := out.Patients().Column("id").Values()
	gone, kept := ids[0], ids[1]
	res := out.RemovePatients(map[string]bool{gone: true})
	for i, tb := range res.Tables {
		col := "patient"
		if tb.Name == "Patient" {
			col = "id"
		}
		keptRows := 0
		for _, v := range out.Tables[i].Column(col).Values() {
			if v == kept {
				keptRows++
			}
		}
		left := tb.Column(col).Values()
		for row, v := range left {
			if v == gone {
				t.Errorf("%s row %d: suppressed patient still there", tb.Name, row+1)
			}
		}
		if len(left) != keptRows || tb.Suppressed != out.Tables[i].NumRows()-keptRows {
			t.Errorf("%s: %d rows left (want %d), suppressed %d", tb.Name, len(left), keptRows, tb.Suppressed)
		}
	}
}

func TestReleasePatientPrivacy_suppressedPatientLeavesEveryTable(t *testing.T) {
	// Six patients: five share sex and birth year, one is unique; k=5
	// with room to suppress one patient removes the outlier rather than
	// generalizing everyone's sex away.
	ids := []string{"a", "b", "c", "d", "e", "f"}
	sex := []string{"F", "F", "F", "F", "F", "M"}
	pat, _ := anonymize.NewTable("Patient",
		anonymize.NewColumn("id", anonymize.TypeString, anonymize.RoleInsensitive, ids),
		anonymize.NewColumn("sex", anonymize.TypeString, anonymize.RoleQuasi, sex))
	var link, start []string
	for _, id := range ids {
		for d := 1; d <= 3; d++ {
			link = append(link, id)
			start = append(start, fmt.Sprintf("2020-01-0%d", d))
		}
	}
	enc, _ := anonymize.NewTable("Encounter",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, link),
		anonymize.NewColumn("start", anonymize.TypeDate, anonymize.RoleInsensitive, start))
	r := &anonymize.Release{Tables: []*anonymize.Table{pat, enc}, PatientTable: "Patient", IDColumn: "id", LinkColumn: "patient"}
	keyed, _, err := r.Key(context.Background(), anonymize.ReleaseKey{Secret: releaseSecret})
	if err != nil {
		t.Fatal(err)
	}
	outlier := keyed.Patients().Column("id").Value(5)
	limit := 0.2
	out, _, gone, err := keyed.PatientPrivacy(context.Background(), &anonymize.Privacy{K: 5, SuppressionLimit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 1 || !gone[outlier] {
		t.Fatalf("suppressed %v, want only the outlier %s", gone, outlier)
	}
	if n := out.Patients().NumRows(); n != 5 {
		t.Errorf("Patient: %d rows left, want 5", n)
	}
	e := out.Table("Encounter")
	if e.NumRows() != 15 || e.Suppressed != 3 {
		t.Errorf("Encounter: %d rows left (want 15), %d suppressed (want 3)", e.NumRows(), e.Suppressed)
	}
	for row, v := range e.Column("patient").Values() {
		if v == outlier {
			t.Errorf("Encounter row %d: the suppressed patient is still there", row+1)
		}
	}
}

func TestReleaseKey_refusesBadReleases(t *testing.T) {
	ctx := context.Background()
	dup, _ := anonymize.NewTable("Patient", anonymize.NewColumn("id", anonymize.TypeString, anonymize.RoleInsensitive, []string{"a", "b", "a"}))
	noLink, _ := anonymize.NewTable("Encounter", anonymize.NewColumn("start", anonymize.TypeDate, anonymize.RoleInsensitive, []string{"2020-01-01"}))
	onePat, _ := anonymize.NewTable("Patient", anonymize.NewColumn("id", anonymize.TypeString, anonymize.RoleInsensitive, []string{"a"}))
	cases := []struct {
		name   string
		tables []*anonymize.Table
		secret []byte
		want   string
	}{
		{"duplicate patient", []*anonymize.Table{dup}, releaseSecret, `patient "a" occurs in rows 1 and 3`},
		{"no Patient table", []*anonymize.Table{noLink}, releaseSecret, `no "Patient" table`},
		{"no link column", []*anonymize.Table{onePat, noLink}, releaseSecret, `table "Encounter" has no "patient" column`},
		{"short secret", []*anonymize.Table{onePat}, []byte("short"), "at least 16 bytes"},
	}
	for _, c := range cases {
		r := &anonymize.Release{Tables: c.tables, PatientTable: "Patient", IDColumn: "id", LinkColumn: "patient"}
		_, _, err := r.Key(ctx, anonymize.ReleaseKey{Secret: c.secret})
		if !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrInvalid naming %q", c.name, err, c.want)
		}
	}
}

func TestReleaseKey_dropsUnlinkedRows(t *testing.T) {
	pat, _ := anonymize.NewTable("Patient", anonymize.NewColumn("id", anonymize.TypeString, anonymize.RoleInsensitive, []string{"a"}))
	obs, _ := anonymize.NewTable("Observation",
		anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, []string{"a", "", "zz"}),
		anonymize.NewColumn("effective", anonymize.TypeDate, anonymize.RoleInsensitive, []string{"2020-01-01", "2020-01-02", "2020-01-03"}))
	r := &anonymize.Release{Tables: []*anonymize.Table{pat, obs}, PatientTable: "Patient", IDColumn: "id", LinkColumn: "patient"}
	out, rep, err := r.Key(context.Background(), anonymize.ReleaseKey{Secret: releaseSecret})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unlinked["Observation"] != 2 || out.Table("Observation").NumRows() != 1 {
		t.Errorf("unlinked %v, %d Observation rows left; want 2 dropped, 1 left", rep.Unlinked, out.Table("Observation").NumRows())
	}
}

// BenchmarkReleaseKey keys a synthetic release of 10,000 patients with
// 100 observations each (1 M rows, two datetime columns, distinct instants).
func BenchmarkReleaseKey(b *testing.B) {
	const patients, perPatient = 10_000, 100
	ids := make([]string, patients)
	births := make([]string, patients)
	link := make([]string, 0, patients*perPatient)
	eff := make([]string, 0, patients*perPatient)
	iss := make([]string, 0, patients*perPatient)
	base := time.Date(2010, 1, 1, 0, 0, 0, 0, time.FixedZone("", -5*3600))
	for p := range ids {
		ids[p] = fmt.Sprintf("%08x-0000-4000-8000-%012x", p, p)
		births[p] = base.AddDate(-20-p%60, 0, -p%365).Format("2006-01-02")
		for e := 0; e < perPatient; e++ {
			ts := base.Add(time.Duration(p*perPatient+e) * 37 * time.Minute)
			link = append(link, ids[p])
			eff = append(eff, ts.Format(time.RFC3339))
			iss = append(iss, ts.Add(time.Hour).Format(time.RFC3339))
		}
	}
	pat, _ := anonymize.NewTable("Patient", anonymize.NewColumn("id", anonymize.TypeString, anonymize.RoleInsensitive, ids),
		anonymize.NewColumn("birth_date", anonymize.TypeDate, anonymize.RoleInsensitive, births))
	obs, _ := anonymize.NewTable("Observation", anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, link),
		anonymize.NewColumn("effective", anonymize.TypeDateTime, anonymize.RoleInsensitive, eff),
		anonymize.NewColumn("issued", anonymize.TypeDateTime, anonymize.RoleInsensitive, iss))
	r, err := anonymize.NewFHIRRelease([]*anonymize.Table{pat, obs})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := r.Key(context.Background(), anonymize.ReleaseKey{Secret: releaseSecret}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReleaseKey_folderOfManyBundles keys a release of 40 bundles made from
// the shared ones with new patient ids (the id replaced everywhere in the
// bundle: the Patient, references, the MRN), read as one folder.
func TestReleaseKey_folderOfManyBundles(t *testing.T) {
	inputs := bundleCopies(t, 20, 20)
	tables, err := anonymize.ReadInputs(inputs, anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := anonymize.NewFHIRRelease(tables)
	if err != nil {
		t.Fatal(err)
	}
	if n := src.Patients().NumRows(); n != len(inputs) {
		t.Fatalf("%d patients read from %d bundles", n, len(inputs))
	}
	out, rep := keyRelease(t, src)
	if len(rep.Unlinked) != 0 || rep.Patients != len(inputs) {
		t.Errorf("keyed %d patients, unlinked rows %v", rep.Patients, rep.Unlinked)
	}
	checkLinks(t, src, out)
	shifts := checkIntervals(t, src, out, false)
	distinct := map[time.Duration]bool{}
	for _, s := range shifts {
		distinct[s] = true
	}
	// 40 draws from 730 offsets: a collision or two is possible, more is not.
	if len(distinct) < len(shifts)-3 {
		t.Errorf("%d patients got %d distinct offsets", len(shifts), len(distinct))
	}
}

// bundleCopies returns copies[i] copies of the i-th shared bundle, each
// with a new patient id (replaced everywhere in the bundle: the Patient,
// the references, the MRN).
func bundleCopies(t *testing.T, copies ...int) []anonymize.Input {
	t.Helper()
	var inputs []anonymize.Input
	for b, path := range syntheaBundles(t)[:len(copies)] {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		id := ""
		for _, res := range bundleResources(t, path) {
			if res["resourceType"] == "Patient" {
				id, _ = res["id"].(string)
			}
		}
		if id == "" {
			t.Fatalf("%s has no Patient id", path)
		}
		for i := range copies[b] {
			copyID := fmt.Sprintf("%s-copy%02d", id, i)
			name := fmt.Sprintf("%s-%02d.json", filepath.Base(path), i)
			inputs = append(inputs, bytesInput(name, bytes.ReplaceAll(data, []byte(id), []byte(copyID))))
		}
	}
	return inputs
}

// TestReleasePatientPrivacy_syntheaOutlierLeavesEveryTable: 20 copies of
// one Synthea patient and one of the other, k=5 on the Patient table's
// marital status: the lone patient is suppressed there, and its rows
// leave every table while the others' all stay.
func TestReleasePatientPrivacy_syntheaOutlierLeavesEveryTable(t *testing.T) {
	tables, err := anonymize.ReadInputs(bundleCopies(t, 20, 1), anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := anonymize.NewFHIRRelease(tables)
	if err != nil {
		t.Fatal(err)
	}
	keyed, _ := keyRelease(t, src)
	pat := keyed.Patients()
	if ms := pat.Column("marital_status").Compact().Dict; len(ms) != 2 {
		t.Fatalf("the shared patients do not differ in marital status: %q (the shared data changed)", ms)
	}
	i := pat.Index("marital_status")
	qi := *pat.Columns[i]
	qi.Role = anonymize.RoleQuasi
	keyed.Tables[0] = pat.Replace(i, &qi)
	lone := pat.Column("id").Value(pat.NumRows() - 1) // the last bundle's copy
	limit := 0.1
	out, _, gone, err := keyed.PatientPrivacy(context.Background(), &anonymize.Privacy{K: 5, SuppressionLimit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 1 || !gone[lone] {
		t.Fatalf("suppressed %v, want only %s", gone, lone)
	}
	for j, tb := range out.Tables {
		col := "patient"
		if tb.Name == "Patient" {
			col = "id"
		}
		before := keyed.Tables[j].Column(col).Values()
		want := 0
		for _, v := range before {
			if v != lone {
				want++
			}
		}
		for row, v := range tb.Column(col).Values() {
			if v == lone {
				t.Errorf("%s row %d: the suppressed patient is still there", tb.Name, row+1)
			}
		}
		if tb.NumRows() != want {
			t.Errorf("%s: %d rows left, want %d (all the other patients')", tb.Name, tb.NumRows(), want)
		}
	}
}

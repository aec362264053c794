package anonymize

import (
	"context"
	"fmt"
	"slices"
)

// Release is the tables of one publication that describe the same
// patients: a Patient table with one row per patient, keyed by IDColumn,
// and other tables whose LinkColumn names the patient each row belongs to
// (the FHIR import's tables: Encounter, Observation... with "patient").
// Key turns the patient key into one keyed pseudonym per patient and
// shifts every date by one offset per patient, in every table;
// RemovePatients and PatientPrivacy take the patients a patient-level
// privacy step suppressed out of every table.
type Release struct {
	Tables []*Table
	// PatientTable names the table with one row per patient.
	PatientTable string
	// IDColumn is the patient key in PatientTable; LinkColumn the column
	// of every other table that holds that key.
	IDColumn, LinkColumn string
	// Joins are further reference columns (a table's own id, the
	// encounter) that Key pseudonymizes with the same keyed hash, so joins
	// on them survive while the source's ids do not.
	Joins []string
	// Notes names, per table, the columns that hold clinical notes
	// whatever their values look like (a FHIR DocumentReference's text):
	// RunRelease has Safe Harbor scrub (or drop) them even when their
	// values repeat too often to be recognised as free text, and refuses
	// one that no scrubber processed.
	Notes map[string][]string
}

// NewFHIRRelease returns the release of tables read from FHIR (ReadFHIR,
// ReadInputs): Patient keyed by "id", every other table linked by
// "patient", the "id" and "encounter" columns pseudonymized as joins, and
// DocumentReference's "note" a column of notes.
// It fails when there is no Patient table or a table lacks its key.
func NewFHIRRelease(tables []*Table) (*Release, error) {
	r := &Release{Tables: tables, PatientTable: "Patient", IDColumn: "id", LinkColumn: "patient", Joins: []string{"id", "encounter"},
		Notes: map[string][]string{"DocumentReference": {"note"}}}
	return r, r.Validate()
}

// Validate checks that the Patient table exists and every table has its
// patient column.
func (r *Release) Validate() error {
	if r.Patients() == nil {
		return invalidf("release: no %q table: a release needs one row per patient to link its tables", r.PatientTable)
	}
	for _, t := range r.Tables {
		if col := r.keyColumn(t); t.Column(col) == nil {
			return invalidf("release: table %q has no %q column: its rows cannot be linked to a patient", t.Name, col)
		}
	}
	return nil
}

// Patients returns the Patient table, or nil.
func (r *Release) Patients() *Table {
	for _, t := range r.Tables {
		if t.Name == r.PatientTable {
			return t
		}
	}
	return nil
}

// Table returns the named table, or nil.
func (r *Release) Table(name string) *Table {
	for _, t := range r.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// keyColumn is the column of t that holds the patient key.
func (r *Release) keyColumn(t *Table) string {
	if t.Name == r.PatientTable {
		return r.IDColumn
	}
	return r.LinkColumn
}

func (r *Release) with(tables []*Table) *Release {
	n := *r
	n.Tables = tables
	return &n
}

// ReleaseKey is the publisher's secret and the parameters Key derives the
// pseudonyms and the date offsets with.
type ReleaseKey struct {
	// Secret is the publisher's key (at least MinSecretLen bytes).
	Secret []byte
	// MaxDays bounds each patient's date offset as DateShift.MaxDays does
	// (default 365).
	MaxDays int
	// Length and Prefix shape the pseudonyms as Pseudonymize's do
	// (default 32 hex digits, no prefix).
	Length int
	Prefix string
}

// KeyReport says what Key did.
type KeyReport struct {
	// Patients is the number of patients keyed.
	Patients int
	// Unlinked counts, per table, rows dropped because their patient
	// column was empty or named no patient of the Patient table: their
	// dates could not be shifted with a patient's offset.
	Unlinked map[string]int
}

// Key links the release's tables by one keyed pseudonym per patient and
// shifts every date by one offset per patient. The patient's key (the
// Patient table's id and every other table's patient column) becomes
// Pseudonymize's HMAC of the source id under the secret: the same in
// every table for one patient, different between patients, never the
// source id. Every date and datetime column of every table moves by
// DateShift's offset of the patient (from the secret and the source id),
// so intervals between one patient's events are kept exactly. Any other
// cell that equals a patient's source id (Synthea's MRN is the id) gets
// the pseudonym too, and the Joins columns are pseudonymized alike. Rows
// that name no patient of the Patient table are dropped and counted.
func (r *Release) Key(ctx context.Context, key ReleaseKey) (*Release, *KeyReport, error) {
	return r.key(ctx, key, true)
}

// key is Key; shift false leaves the dates alone (RunRelease without a
// publisher secret links the tables only while it runs).
func (r *Release) key(ctx context.Context, key ReleaseKey, shift bool) (*Release, *KeyReport, error) {
	if err := r.Validate(); err != nil {
		return nil, nil, err
	}
	ps := &Pseudonymize{Secret: key.Secret, Length: key.Length, Prefix: key.Prefix}
	if err := ps.Validate(); err != nil {
		return nil, nil, fmt.Errorf("release: %w", err)
	}
	ids, err := patientIDs(r.Patients(), r.IDColumn)
	if err != nil {
		return nil, nil, err
	}
	rep := &KeyReport{Patients: len(ids), Unlinked: map[string]int{}}
	out := make([]*Table, len(r.Tables))
	for i, t := range r.Tables {
		col := r.keyColumn(t)
		t, dropped := keepRows(t, col, ids, true)
		if dropped > 0 {
			rep.Unlinked[t.Name] = dropped
		}
		if shift {
			ds := &DateShift{PatientColumn: col, Secret: key.Secret, MaxDays: key.MaxDays}
			if t, err = ds.Apply(ctx, t); err != nil {
				return nil, nil, fmt.Errorf("release: table %q: %w", t.Name, err)
			}
		}
		if t, err = pseudonymizeKeys(ctx, t, ps, col, ids, r.Joins); err != nil {
			return nil, nil, fmt.Errorf("release: table %q: %w", t.Name, err)
		}
		out[i] = t
	}
	return r.with(out), rep, nil
}

// patientIDs returns the set of patient keys of the Patient table, which
// must be present and unique: a patient counted twice would distort every
// patient-level privacy model.
func patientIDs(t *Table, col string) (map[string]bool, error) {
	c := t.Column(col)
	ids := make(map[string]bool, len(c.Dict))
	first := make(map[string]int, len(c.Dict))
	for row := range c.Codes {
		v := c.Value(row)
		if v == "" {
			return nil, invalidf("release: table %q row %d: the patient's %q is empty", t.Name, row+1, col)
		}
		if prev, ok := first[v]; ok {
			return nil, invalidf("release: table %q: patient %q occurs in rows %d and %d: each patient must have one row", t.Name, v, prev+1, row+1)
		}
		first[v] = row
		ids[v] = true
	}
	return ids, nil
}

// keepRows returns t with the rows whose col value is in keys (in is true)
// or not in keys (in is false), and the number of rows removed, which it
// adds to Table.Suppressed.
func keepRows(t *Table, col string, keys map[string]bool, in bool) (*Table, int) {
	c := t.Column(col)
	keepCode := make([]bool, len(c.Dict))
	for i, v := range c.Dict {
		keepCode[i] = keys[v] == in
	}
	keep := make([]bool, len(c.Codes))
	dropped := 0
	for row, code := range c.Codes {
		keep[row] = keepCode[code]
		if !keep[row] {
			dropped++
		}
	}
	if dropped == 0 {
		return t, 0
	}
	out := t.Filter(keep).Compact()
	out.Suppressed = t.Suppressed + dropped
	return out, dropped
}

// releaseKeyNote marks, in Column.Applied, the columns Key pseudonymized
// as the release's patient key or joins: a pipeline's pseudonymize step
// leaves them alone (no second hash), its role suggestions do not make
// them identifiers again, and the treatment list says "pseudonymized
// (patient key)".
const releaseKeyNote = "release-key"

// pseudonymizeKeys replaces the patient key column, the join columns and
// any other cell equal to a patient's source id with keyed pseudonyms.
func pseudonymizeKeys(ctx context.Context, t *Table, ps *Pseudonymize, key string, ids map[string]bool, joins []string) (*Table, error) {
	cols := []string{t.Columns[t.Index(key)].Name}
	for _, j := range joins {
		if i := t.Index(j); i >= 0 && !slices.Contains(cols, t.Columns[i].Name) {
			cols = append(cols, t.Columns[i].Name)
		}
	}
	p := *ps
	p.Columns = cols
	out, err := p.Apply(ctx, t)
	if err != nil {
		return nil, err
	}
	for _, name := range cols {
		i := out.Index(name)
		out = out.Replace(i, out.Columns[i].note(releaseKeyNote))
	}
	for i, c := range out.Columns {
		if slices.Contains(cols, c.Name) || !slices.ContainsFunc(c.Dict, func(v string) bool { return ids[v] }) {
			continue
		}
		n := c.MapValues(func(v string) string {
			if ids[v] {
				return ps.Pseudonym(v)
			}
			return v
		})
		out = out.Replace(i, n.note("pseudonymize"))
	}
	return out, nil
}

// RemovePatients returns the release without the rows of the given
// patients (values of the patient key: source ids before Key,
// pseudonyms after) in any table; removed rows are counted in each
// table's Suppressed.
func (r *Release) RemovePatients(keys map[string]bool) *Release {
	out := make([]*Table, len(r.Tables))
	for i, t := range r.Tables {
		out[i], _ = keepRows(t, r.keyColumn(t), keys, false)
	}
	return r.with(out)
}

// SuppressedPatients returns the patient keys in before's col that are
// not in after's: the patients a privacy step on the Patient table
// removed.
func SuppressedPatients(before, after *Table, col string) map[string]bool {
	left := map[string]bool{}
	if c := after.Column(col); c != nil {
		for _, code := range c.Codes {
			left[c.Dict[code]] = true
		}
	}
	gone := map[string]bool{}
	if c := before.Column(col); c != nil {
		for _, code := range c.Codes {
			if v := c.Dict[code]; !left[v] {
				gone[v] = true
			}
		}
	}
	return gone
}

// PatientPrivacy runs a privacy model on the Patient table's
// quasi-identifiers (its columns with RoleQuasi), so k, l and t count
// patients rather than events, and removes every patient it suppressed
// from every table. It returns the release, the search's result and the
// suppressed patients' keys.
func (r *Release) PatientPrivacy(ctx context.Context, p *Privacy) (*Release, *SearchResult, map[string]bool, error) {
	if err := r.Validate(); err != nil {
		return nil, nil, nil, err
	}
	before := r.Patients()
	after, res, err := p.Anonymize(ctx, before)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("release: table %q: %w", before.Name, err)
	}
	gone := SuppressedPatients(before, after, r.IDColumn)
	out := r.RemovePatients(gone)
	for i, t := range out.Tables {
		if t.Name == r.PatientTable {
			out.Tables[i] = after
		}
	}
	return out, res, gone, nil
}

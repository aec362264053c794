package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// A pool contribution is one patient's records transformed on the
// patient's own node by the pool's pipeline (Safe Harbor, the pool's
// generalization): a release package of the tables that leave the machine.
// Nothing else leaves it: the raw records are read here and dropped. Each
// contribution is keyed by a fresh random secret, so its pseudonyms and
// date offsets link its own tables only, never to the source ids nor to
// another contribution of the same patient.

// PoolDisclosure says exactly what joining a pool sends, shown before the
// patient joins: every table and column that leaves, in what form (with
// the patient's own value as it leaves), and what stays here.
type PoolDisclosure struct {
	Tables []DisclosedTable
	// Kept lists the input's columns that do not leave the machine
	// ("SSN"; "Patient.SSN" when the records are several tables).
	Kept []string
	// Records is the number of rows sent, over all tables: the weight of
	// the patient's share of each sale.
	Records int
	// QuasiIdentifiers are the patient's values the pool's privacy model
	// groups patients by ("BIRTHDATE=2010"): at least k patients must share
	// them for the records to be released.
	QuasiIdentifiers []string
}

// DisclosedTable is one table a contribution sends.
type DisclosedTable struct {
	Name    string
	Rows    int
	Columns []DisclosedColumn
}

// DisclosedColumn is one column a contribution sends.
type DisclosedColumn struct {
	Name      string
	Role      string // as the engine names it
	Treatment string // what the pipeline did to it ("generalized", "kept")
	Example   string // the patient's first value, as sent
}

// poolTableName names a contribution's table when the patient's records
// are one CSV file (one table, whatever the file's name).
const poolTableName = "patients"

// contribution is a transformed record ready to encrypt.
type contribution struct {
	pkg        []byte // release package (ZIP)
	disclosure PoolDisclosure
}

// transformForPool runs the pool's pipeline over one patient's records.
// A pipeline that leaves a direct identifier (or any reason other than
// the risk of one record alone, which only the union decides) refuses.
func (a *App) transformForPool(ctx context.Context, pipeline *anonymize.Config, in records) (*contribution, error) {
	if pipeline == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "The pool has no pipeline.")
	}
	tables, err := in.read()
	if err != nil {
		return nil, err
	}
	if _, err := a.plugins.RegisterAnonymizers(); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Cannot read the plugin allow-list")
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("pool contribution: %w", err)
	}
	env := anonymize.Env{Secret: secret, AsOf: a.asOf(), Transforms: a.plugins.Transforms()}
	run, err := runRelease(ctx, tables, releaseSettings{
		config: func(map[string]string) (*anonymize.Config, error) { return pipeline, nil }, env: env})
	if err != nil {
		return nil, err
	}
	rr := run.result
	if v := rr.Verdict; !v.Pass && (v.Risk == nil || !v.Risk.Alone) {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"The pool's pipeline leaves something it must not, nothing was sent: %s", strings.Join(v.Reasons, "; "))
	}
	patients := patientTable(rr.Release)
	if n := patients.NumRows(); n != 1 {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"A pool contribution holds one patient's record: table %s has %d rows.", patients.Name, n)
	}
	if run.one {
		// A CSV file's table is named after the file; every patient's
		// must have the same name to join the others'.
		t := *rr.Release.Tables[0]
		t.Name = poolTableName
		rr.Release.Tables = []*anonymize.Table{&t}
	}
	var buf bytes.Buffer
	if err := anonymize.WriteReleaseZIP(&buf, rr.Release.Tables, run.manifest(FormatCSV)); err != nil {
		return nil, fmt.Errorf("encode the pool contribution: %w", err)
	}
	return &contribution{pkg: buf.Bytes(), disclosure: disclose(tables, rr)}, nil
}

// patientTable is a release's table with one row per patient: the Patient
// table, or the one table of a CSV file.
func patientTable(r *anonymize.Release) *anonymize.Table {
	if p := r.Patients(); p != nil {
		return p
	}
	return r.Tables[0]
}

// quasiIdentifiers are the patient-level values the pool groups patients
// by, "COLUMN=value" in column order, of the patient table's first row.
func quasiIdentifiers(t *anonymize.Table) []string {
	var out []string
	for _, c := range t.ByRole(anonymize.RoleQuasi) {
		if c.Len() > 0 {
			out = append(out, c.Name+"="+c.Value(0))
		}
	}
	slices.Sort(out)
	return out
}

// disclose describes what a contribution sends (PoolDisclosure).
func disclose(input []*anonymize.Table, rr *anonymize.ReleaseResult) PoolDisclosure {
	var d PoolDisclosure
	sent := map[string]bool{}
	for i, t := range rr.Release.Tables {
		dt := DisclosedTable{Name: t.Name, Rows: t.NumRows()}
		treat := map[string]string{}
		if i < len(rr.Tables) && rr.Tables[i].Report != nil {
			for _, tr := range rr.Tables[i].Report.Treatments {
				treat[tr.Column] = tr.Treatment
			}
		}
		for _, c := range t.Columns {
			sent[t.Name+"."+c.Name] = true
			dc := DisclosedColumn{Name: c.Name, Role: c.Role.String(), Treatment: treat[c.Name]}
			if c.Len() > 0 {
				dc.Example = c.Value(0)
			}
			dt.Columns = append(dt.Columns, dc)
		}
		d.Records += t.NumRows()
		d.Tables = append(d.Tables, dt)
	}
	for _, t := range input {
		out := t.Name
		if len(input) == 1 && len(rr.Release.Tables) == 1 {
			out = rr.Release.Tables[0].Name // a CSV file's one table, renamed
		}
		for _, c := range t.Columns {
			if !sent[out+"."+c.Name] {
				d.Kept = append(d.Kept, c.Name)
				if len(input) > 1 {
					d.Kept[len(d.Kept)-1] = t.Name + "." + c.Name
				}
			}
		}
	}
	d.QuasiIdentifiers = quasiIdentifiers(patientTable(rr.Release))
	return d
}

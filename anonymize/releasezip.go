package anonymize

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// A release package is a ZIP file: manifest.json first, then one file per
// table (<table>.csv or <table>.parquet), in table-name order, every entry
// deflated and dated ZIPTime, so that one release always gives the same
// bytes. The manifest describes the tables (columns with type and role,
// code systems, rows), the patients, the format and, in words, how the
// tables are linked and the dates shifted.

// ManifestName is the manifest's entry in a release package.
const ManifestName = "manifest.json"

// ZIPTime is the modification time of every entry of a release package:
// fixed, so the package's bytes depend on the release only.
var zipTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ReleaseManifest describes a release package (manifest.json).
type ReleaseManifest struct {
	// Format is the tables' file format: "csv" or "parquet".
	Format string `json:"format"`
	// PatientTable names the table with one row per patient ("" for a
	// one-table release of a CSV file).
	PatientTable string `json:"patient_table,omitempty"`
	// Patients is the number of patients released; SuppressedPatients
	// those the privacy model removed from every table.
	Patients           int `json:"patients,omitempty"`
	SuppressedPatients int `json:"suppressed_patients,omitempty"`
	// Linked says the tables are linked by one keyed pseudonym per
	// patient; Scheme says in words how (or that they are not).
	Linked bool   `json:"linked"`
	Scheme string `json:"scheme"`
	// Tables lists every table, in file-name order.
	Tables []ManifestTable `json:"tables"`
}

// ManifestTable is one table of a release package.
type ManifestTable struct {
	Name string `json:"name"`
	// File is the table's entry in the package.
	File    string           `json:"file"`
	Rows    int              `json:"rows"`
	Columns []ManifestColumn `json:"columns"`
	// CodeSystems are the code systems its codes use ("LOINC", "SNOMED
	// CT"...), from its code_system columns, sorted.
	CodeSystems []string `json:"code_systems,omitempty"`
}

// ManifestColumn is one column of a table: its name, type and role as the
// engine names them.
type ManifestColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Role string `json:"role"`
}

// Manifest returns the manifest of the release result written as format:
// its patients, whether and how its tables link, and (WriteReleaseZIP
// fills them) its tables.
func (rr *ReleaseResult) Manifest(format string) ReleaseManifest {
	m := ReleaseManifest{Format: format, PatientTable: rr.Release.PatientTable, Patients: rr.Patients,
		SuppressedPatients: rr.SuppressedPatients, Linked: rr.Linked}
	key := fmt.Sprintf("%q in %s, %q in every other table", rr.Release.IDColumn, rr.Release.PatientTable, rr.Release.LinkColumn)
	if rr.Linked {
		m.Scheme = "One keyed pseudonym per patient (HMAC-SHA256 of the source id under the publisher's secret, never the source id) links the tables: " +
			key + ", and the joins " + strings.Join(rr.Release.Joins, ", ") + " are keyed alike. Every date of a patient is shifted by one offset of that patient " +
			"(keyed, at most a year either way), so intervals between a patient's events are kept; Safe Harbor may then keep only the year."
	} else {
		m.Scheme = "No publisher secret was given, so the patient key (" + key + ") and the joins " + strings.Join(rr.Release.Joins, ", ") +
			" were removed from every table: the tables do not link to each other, and dates are not shifted."
	}
	return m
}

// WriteReleaseZIP writes tables as a release package in m.Format, with m
// as its manifest (its Tables filled in from tables). The same tables and
// manifest always give the same bytes.
func WriteReleaseZIP(w io.Writer, tables []*Table, m ReleaseManifest) error {
	if m.Format != "csv" && m.Format != "parquet" {
		return invalidf("release package: format %q (want csv or parquet)", m.Format)
	}
	sorted := slices.Clone(tables)
	slices.SortFunc(sorted, func(a, b *Table) int { return strings.Compare(a.Name, b.Name) })
	var err error
	if m.Tables, err = DescribeTables(sorted, m.Format); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeEntry(zw, ManifestName, func(w io.Writer) error { _, err := w.Write(append(mj, '\n')); return err }); err != nil {
		return err
	}
	for i, t := range sorted {
		err := writeEntry(zw, m.Tables[i].File, func(w io.Writer) error {
			if m.Format == "parquet" {
				return WriteParquet(w, t)
			}
			return WriteCSV(w, t, CSVWriteOptions{})
		})
		if err != nil {
			return fmt.Errorf("release package: table %q: %w", t.Name, err)
		}
	}
	return zw.Close()
}

func writeEntry(zw *zip.Writer, name string, write func(io.Writer) error) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime})
	if err != nil {
		return err
	}
	return write(f)
}

// DescribeTables returns the manifest entries of tables written as
// format (<name>.<format> each), in their order; it refuses a table name
// that is not a plain file name, or two tables of one name.
func DescribeTables(tables []*Table, format string) ([]ManifestTable, error) {
	out := make([]ManifestTable, len(tables))
	seen := map[string]bool{}
	for i, t := range tables {
		file := t.Name + "." + format
		if err := checkEntryName(file); err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, invalidf("release package: two tables named %q", t.Name)
		}
		seen[t.Name] = true
		out[i] = describeTable(t, file)
	}
	return out, nil
}

// describeTable is t's manifest entry.
func describeTable(t *Table, file string) ManifestTable {
	mt := ManifestTable{Name: t.Name, File: file, Rows: t.NumRows(), Columns: make([]ManifestColumn, len(t.Columns))}
	systems := map[string]bool{}
	for i, c := range t.Columns {
		mt.Columns[i] = ManifestColumn{Name: c.Name, Type: c.Type.String(), Role: c.Role.String()}
		if c.Name == "code_system" || strings.HasSuffix(c.Name, "_code_system") {
			for _, code := range c.Codes {
				if v := c.Dict[code]; v != "" {
					systems[v] = true
				}
			}
		}
	}
	for s := range systems {
		mt.CodeSystems = append(mt.CodeSystems, s)
	}
	slices.Sort(mt.CodeSystems)
	return mt
}

// checkEntryName refuses an entry name that is not a plain file name.
func checkEntryName(name string) error {
	if name == "" || strings.ContainsAny(name, "/\\\x00") || strings.Contains(name, "..") {
		return invalidf("release package: entry %q is not a plain file name", name)
	}
	return nil
}

// ZIPLimits bound what ReadReleaseZIP reads, so that a hostile package
// (a zip bomb, thousands of entries) cannot exhaust memory.
type ZIPLimits struct {
	// MaxEntryBytes bounds one entry, uncompressed (default 1 GiB).
	MaxEntryBytes int64
	// MaxTotalBytes bounds all entries together, uncompressed (default
	// 4 GiB).
	MaxTotalBytes int64
	// MaxEntries bounds the number of entries (default 1000).
	MaxEntries int
}

func (l ZIPLimits) withDefaults() ZIPLimits {
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = 1 << 30
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = 4 << 30
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = 1000
	}
	return l
}

// ReadReleaseZIP reads a release package: its manifest and its tables, in
// the manifest's order, each column with the manifest's type and role
// (Parquet columns in the manifest's order). It refuses, as EINVALID
// naming the entry, a package with entries that are not plain file names
// ("/", "..") or not listed in the manifest, with more entries or bytes
// than lim allows (counted as the entries inflate, whatever their headers
// claim), or whose tables do not match the manifest.
func ReadReleaseZIP(r io.ReaderAt, size int64, lim ZIPLimits) (*ReleaseManifest, []*Table, error) {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, invalidf("release package: not a ZIP file: %v", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, nil, invalidf("release package: %d entries, at most %d allowed", len(zr.File), lim.MaxEntries)
	}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if err := checkEntryName(f.Name); err != nil {
			return nil, nil, err
		}
		if entries[f.Name] != nil {
			return nil, nil, invalidf("release package: entry %q occurs twice", f.Name)
		}
		entries[f.Name] = f
	}
	budget := lim.MaxTotalBytes
	read := func(name string) ([]byte, error) {
		f := entries[name]
		if f == nil {
			return nil, invalidf("release package: no entry %q", name)
		}
		return readEntry(f, min(lim.MaxEntryBytes, budget), &budget)
	}
	mj, err := read(ManifestName)
	if err != nil {
		return nil, nil, err
	}
	var m ReleaseManifest
	if err := json.Unmarshal(mj, &m); err != nil {
		return nil, nil, invalidf("release package: %s: %v", ManifestName, err)
	}
	if len(m.Tables)+1 != len(entries) {
		return nil, nil, invalidf("release package: %d entries, but the manifest lists %d tables", len(entries), len(m.Tables))
	}
	tables := make([]*Table, len(m.Tables))
	for i, mt := range m.Tables {
		data, err := read(mt.File)
		if err != nil {
			return nil, nil, err
		}
		if tables[i], err = readManifestTable(data, m.Format, mt); err != nil {
			return nil, nil, fmt.Errorf("release package: %s: %w", mt.File, err)
		}
	}
	return &m, tables, nil
}

// readEntry inflates f, refusing more than limit bytes; budget is what is
// left of the package's total and loses what was read.
func readEntry(f *zip.File, limit int64, budget *int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, invalidf("release package: entry %q is %d bytes uncompressed, more than the %d allowed", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalidf("release package: entry %q: %v", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, invalidf("release package: entry %q: %v", f.Name, err)
	}
	if int64(len(data)) > limit {
		return nil, invalidf("release package: entry %q inflates to more than the %d bytes allowed", f.Name, limit)
	}
	*budget -= int64(len(data))
	return data, nil
}

// readManifestTable reads one table file with the manifest's column
// types, roles and order.
func readManifestTable(data []byte, format string, mt ManifestTable) (*Table, error) {
	var t *Table
	var err error
	switch format {
	case "csv":
		opt := CSVOptions{Name: mt.Name, Delimiter: ',', Header: HeaderPresent, Types: map[string]Type{}}
		for _, c := range mt.Columns {
			var typ Type
			if typ.UnmarshalText([]byte(c.Type)) == nil {
				opt.Types[c.Name] = typ
			}
		}
		t, err = ReadCSV(bytes.NewReader(data), opt)
	case "parquet":
		t, err = ReadParquet(bytes.NewReader(data), int64(len(data)), mt.Name)
	default:
		return nil, invalidf("format %q (want csv or parquet)", format)
	}
	if err != nil {
		return nil, err
	}
	if t.NumRows() != mt.Rows || len(t.Columns) != len(mt.Columns) {
		return nil, invalidf("%d rows and %d columns, the manifest says %d and %d", t.NumRows(), len(t.Columns), mt.Rows, len(mt.Columns))
	}
	cols := make([]*Column, len(mt.Columns))
	for i, mc := range mt.Columns {
		c := t.Column(mc.Name)
		if c == nil {
			return nil, invalidf("no column %q, which the manifest lists", mc.Name)
		}
		n := *c
		if n.Role.UnmarshalText([]byte(mc.Role)) != nil {
			n.Role = RoleInsensitive
		}
		cols[i] = &n
	}
	t = t.WithColumns(cols)
	t.Name = mt.Name
	return t, nil
}

package dp

// TableSchema describes a table questions may name: what a question form
// offers. Names and types are the release's schema, public on the card.
type TableSchema struct {
	Name              string         `json:"name"`
	Default           bool           `json:"default,omitempty"` // used when FROM is absent
	PatientColumn     string         `json:"patient_column,omitempty"`
	MaxRowsPerPatient int64          `json:"max_rows_per_patient"`
	Columns           []ColumnSchema `json:"columns"`
}

// ColumnSchema describes one column of a [TableSchema].
type ColumnSchema struct {
	Name string `json:"name"`
	Type string `json:"type"` // anonymize.Type's name: "string", "integer", "decimal", "date", …
	// Numeric columns take SUM, MEAN, QUANTILE and HISTOGRAM with BOUNDS.
	Numeric bool `json:"numeric"`
	// Listable columns may be grouped by and histogrammed (not the patient
	// column nor a direct identifier).
	Listable bool `json:"listable"`
}

// Schema lists the tables in [Data] order with their columns in table
// order.
func (p *Prepared) Schema() []TableSchema {
	out := make([]TableSchema, 0, len(p.order))
	for _, name := range p.order {
		qt := p.tables[name]
		ts := TableSchema{Name: name, Default: name == p.def, PatientColumn: qt.patientColumn, MaxRowsPerPatient: qt.clip}
		for _, c := range qt.t.Columns {
			ts.Columns = append(ts.Columns, ColumnSchema{Name: c.Name, Type: c.Type.String(), Numeric: c.Type.Numeric(),
				Listable: qt.checkDescribable(c, "") == nil})
		}
		out = append(out, ts)
	}
	return out
}

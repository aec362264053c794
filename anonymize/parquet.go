package anonymize

import (
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// WriteParquet writes t as a Parquet file: one optional column per table
// column, dictionary-encoded, with empty values as nulls. Integer and
// decimal columns whose values all parse, and print back the same, are
// written as INT64 and DOUBLE; everything else (including generalized
// numbers such as "20-24" or "90+", and "0.0") as UTF-8 strings.
func WriteParquet(w io.Writer, t *Table) error {
	group := parquet.Group{}
	kinds := make(map[string]Type, len(t.Columns))
	for _, c := range t.Columns {
		k := parquetKind(c)
		kinds[c.Name] = k
		var node parquet.Node
		switch k {
		case TypeInteger:
			node = parquet.Int(64)
		case TypeDecimal:
			node = parquet.Leaf(parquet.DoubleType)
		default:
			node = parquet.String()
		}
		group[c.Name] = parquet.Optional(parquet.Encoded(node, &parquet.RLEDictionary))
	}
	name := t.Name
	if name == "" {
		name = "table"
	}
	schema := parquet.NewSchema(name, group)
	// The schema orders columns by name; map each to its table column and
	// precompute the values of its dictionary.
	paths := schema.Columns()
	dicts := make([][]parquet.Value, len(paths))
	cols := make([]*Column, len(paths))
	for i, p := range paths {
		c := t.Column(p[0])
		cols[i] = c
		dicts[i] = make([]parquet.Value, len(c.Dict))
		for code, v := range c.Dict {
			var val parquet.Value
			switch {
			case v == "":
				val = parquet.NullValue().Level(0, 0, i)
			case kinds[c.Name] == TypeInteger:
				n, _ := strconv.ParseInt(v, 10, 64)
				val = parquet.Int64Value(n).Level(0, 1, i)
			case kinds[c.Name] == TypeDecimal:
				f, _ := strconv.ParseFloat(v, 64)
				val = parquet.DoubleValue(f).Level(0, 1, i)
			default:
				val = parquet.ByteArrayValue([]byte(v)).Level(0, 1, i)
			}
			dicts[i][code] = val
		}
	}
	pw := parquet.NewWriter(w, schema)
	const batch = 4096
	rows := make([]parquet.Row, 0, batch)
	buf := make([]parquet.Value, batch*len(cols))
	n := t.NumRows()
	for lo := 0; lo < n; lo += batch {
		rows = rows[:0]
		for r := lo; r < min(lo+batch, n); r++ {
			row := buf[(r-lo)*len(cols) : (r-lo+1)*len(cols) : (r-lo+1)*len(cols)]
			for i, c := range cols {
				row[i] = dicts[i][c.Codes[r]]
			}
			rows = append(rows, row)
		}
		if _, err := pw.WriteRows(rows); err != nil {
			return err
		}
	}
	return pw.Close()
}

// parquetKind is the physical kind a column is written as.
func parquetKind(c *Column) Type {
	if !c.Type.Numeric() {
		return TypeString
	}
	ints := c.Type == TypeInteger
	for _, v := range c.Dict {
		if v == "" {
			continue
		}
		// A value is written as a number only if reading it back gives the
		// same text ("0.0", "007" or "1e3" would not): the file carries
		// exactly the anonymized values, and ReadParquet returns them.
		if ints {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || strconv.FormatInt(n, 10) != v {
				return TypeString
			}
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strconv.FormatFloat(f, 'f', -1, 64) != v {
			return TypeString
		}
	}
	return c.Type
}

// ReadParquet reads a flat Parquet file (one value per column and row, as
// WriteParquet writes) into one table named name. Nulls read as empty
// values; INT32/INT64 columns are integers (dates when annotated DATE),
// FLOAT/DOUBLE decimals, BOOLEAN booleans, everything else strings. The
// columns come in the file's schema order (WriteParquet's is by name).
func ReadParquet(r io.ReaderAt, size int64, name string) (*Table, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, &ParseError{Source: name, Err: err}
	}
	paths := f.Schema().Columns()
	builders := make([]*ColumnBuilder, len(paths))
	formats := make([]func(parquet.Value) string, len(paths))
	for i, p := range paths {
		leaf, _ := f.Schema().Lookup(p...)
		if leaf.MaxRepetitionLevel > 0 || len(p) != 1 {
			return nil, invalidf("%s: column %q is nested or repeated; only flat tables are read", name, strings.Join(p, "."))
		}
		typ, fn := parquetColumnType(leaf.Node)
		builders[i], formats[i] = NewColumnBuilder(p[0], typ), fn
	}
	buf := make([]parquet.Row, 1024)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				if len(row) != len(builders) {
					rows.Close()
					return nil, invalidf("%s: a row has %d values for %d columns", name, len(row), len(builders))
				}
				for _, v := range row {
					c := v.Column()
					if v.IsNull() {
						builders[c].Append("")
					} else {
						builders[c].Append(formats[c](v))
					}
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rows.Close()
				return nil, &ParseError{Source: name, Err: err}
			}
		}
		rows.Close()
	}
	cols := make([]*Column, len(builders))
	for i, b := range builders {
		cols[i] = b.Build()
	}
	return NewTable(name, cols...)
}

// parquetColumnType maps a leaf's physical (and logical) type to a column
// type and the text of its values.
func parquetColumnType(n parquet.Node) (Type, func(parquet.Value) string) {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.DateType); ok && t.Kind() == parquet.Int32 {
			return TypeDate, func(v parquet.Value) string {
				return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly)
			}
		}
	}
	switch t.Kind() {
	case parquet.Int32:
		return TypeInteger, func(v parquet.Value) string { return strconv.FormatInt(int64(v.Int32()), 10) }
	case parquet.Int64:
		return TypeInteger, func(v parquet.Value) string { return strconv.FormatInt(v.Int64(), 10) }
	case parquet.Float:
		return TypeDecimal, func(v parquet.Value) string { return strconv.FormatFloat(float64(v.Float()), 'f', -1, 32) }
	case parquet.Double:
		return TypeDecimal, func(v parquet.Value) string { return strconv.FormatFloat(v.Double(), 'f', -1, 64) }
	case parquet.Boolean:
		return TypeBoolean, func(v parquet.Value) string { return strconv.FormatBool(v.Boolean()) }
	}
	return TypeString, func(v parquet.Value) string { return string(v.ByteArray()) }
}

package anonymize

import (
	"io"
	"math"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// WriteParquet writes t as a Parquet file: one optional column per table
// column, dictionary-encoded, with empty values as nulls. Integer and
// decimal columns whose values all parse are written as INT64 and DOUBLE;
// everything else (including generalized numbers such as "20-24" or
// "90+") as UTF-8 strings.
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
		if ints {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return TypeString
			}
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return TypeString
		}
	}
	return c.Type
}

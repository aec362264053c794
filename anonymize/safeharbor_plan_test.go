package anonymize_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// Carrying out Safe Harbor's column plan (drop, pass, map the dictionary
// with MapDict, transform the rest) gives exactly what Apply gives.
func TestSafeHarbor_planEqualsApply(t *testing.T) {
	in := anonymizetest.Patients(5000, 9)
	for _, sh := range []*anonymize.SafeHarbor{
		{}, {Blank: true}, {Columns: map[string]anonymize.Category{"GENDER": anonymize.CatZIP, "Id": anonymize.CatKeep}},
	} {
		want, err := sh.Apply(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		samples := make([]anonymize.ColumnSample, len(in.Columns))
		for i, c := range in.Columns {
			samples[i] = anonymize.SampleOf(c)
		}
		acts, rest, err := sh.PlanColumns(samples)
		if err != nil {
			t.Fatal(err)
		}
		var cols []*anonymize.Column
		for i, a := range acts {
			c := in.Columns[i]
			switch a {
			case anonymize.ActPass:
				cols = append(cols, c)
			case anonymize.ActTransform:
				out, err := rest.Apply(context.Background(), in.WithColumns([]*anonymize.Column{c}))
				if err != nil {
					t.Fatal(err)
				}
				cols = append(cols, out.Columns[0])
			case anonymize.ActMap:
				d := *c
				d.Codes = make([]uint32, len(c.Dict))
				for k := range d.Codes {
					d.Codes[k] = uint32(k)
				}
				out, err := rest.Apply(context.Background(), in.WithColumns([]*anonymize.Column{&d}))
				if err != nil {
					t.Fatal(err)
				}
				oc := out.Columns[0]
				m := c.MapDict(oc.Values())
				m.Name, m.Type, m.Role, m.Level, m.Applied, m.Hierarchy = oc.Name, oc.Type, oc.Role, oc.Level, oc.Applied, oc.Hierarchy
				cols = append(cols, m)
			}
		}
		got := in.WithColumns(cols)
		var gb, wb bytes.Buffer
		if err := anonymize.WriteCSV(&gb, got, anonymize.CSVWriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := anonymize.WriteCSV(&wb, want, anonymize.CSVWriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gb.Bytes(), wb.Bytes()) {
			t.Errorf("%+v: the plan carried out differs from Apply", sh)
		}
		for i, c := range got.Columns {
			w := want.Columns[i]
			if c.Name != w.Name || c.Type != w.Type || c.Role != w.Role || len(c.Dict) != len(w.Dict) {
				t.Errorf("%+v: column %s: %v %v %d values, want %s %v %v %d", sh, c.Name, c.Type, c.Role, len(c.Dict), w.Name, w.Type, w.Role, len(w.Dict))
			}
		}
	}
}

package anonymize_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
)

// TestDateShift_sharedDatesEqualRowByRow shifts dates that many patients
// share (birth dates, visit days), in mixed layouts, with blanks of two
// kinds, and compares each row with the shift computed row by row: the
// same text, a dictionary without repeats, blanks kept as they were.
func TestDateShift_sharedDatesEqualRowByRow(t *testing.T) {
	var patients, dates []string
	layouts := []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05.000-07:00"}
	base := time.Date(2019, 3, 30, 23, 30, 0, 0, time.FixedZone("", -4*3600))
	for p := range 50 {
		for e := range 12 {
			patients = append(patients, fmt.Sprintf("patient-%02d", p))
			switch e {
			case 10:
				dates = append(dates, "")
			case 11:
				dates = append(dates, " ")
			default:
				dates = append(dates, base.AddDate(0, 0, e%4).Format(layouts[e%3]))
			}
		}
	}
	tb, err := anonymize.NewTable("events", anonymize.NewColumn("patient", anonymize.TypeString, anonymize.RoleInsensitive, patients),
		anonymize.NewColumn("date", anonymize.TypeDateTime, anonymize.RoleInsensitive, dates))
	if err != nil {
		t.Fatal(err)
	}
	ds := &anonymize.DateShift{PatientColumn: "patient", Columns: []string{"date"}, Secret: testSecret}
	out, err := ds.Apply(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, v := range out.Column("date").Dict {
		if seen[v] {
			t.Errorf("%q twice in the dictionary", v)
		}
		seen[v] = true
	}
	for i, in := range dates {
		want := in
		for _, l := range layouts {
			if d, err := time.Parse(l, in); err == nil {
				want = d.AddDate(0, 0, ds.Shift(patients[i])).Format(l)
				break
			}
		}
		if got := out.Column("date").Value(i); got != want {
			t.Fatalf("row %d (%s, %q): %q, want %q", i, patients[i], in, got, want)
		}
	}
}

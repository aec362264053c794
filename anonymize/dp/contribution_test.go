package dp

import "testing"

func TestCountRows_capsRowsPerPatient(t *testing.T) {
	q, err := CountRows([]string{"a", "a", "a", "b", "c", "c"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if q.Value != 5 || q.Sensitivity != 2 {
		t.Errorf("count %+v, want value 5 (a twice, b, c twice) and sensitivity 2", q)
	}
}

func TestSumRows_clipsValuesAndRows(t *testing.T) {
	rows := []Row{
		{"a", 500}, {"a", 7}, {"a", 9}, // a: 100 (clipped) + 7, third row dropped
		{"b", -50}, // clipped to -10
		{"c", 3},
	}
	q, err := SumRows(rows, 2, -10, 100)
	if err != nil {
		t.Fatal(err)
	}
	if q.Value != 100 { // 100 + 7 - 10 + 3
		t.Errorf("sum %d, want 100", q.Value)
	}
	if q.Sensitivity != 200 { // 2 rows × max(|-10|, |100|)
		t.Errorf("sensitivity %d, want 200", q.Sensitivity)
	}
}

// Removing any one patient moves the bounded answers by at most their
// sensitivity: the property the mechanisms rely on.
func TestSumRows_onePatientMovesSumBySensitivityAtMost(t *testing.T) {
	rows := []Row{{"a", 1000}, {"a", 1000}, {"a", 1000}, {"b", -1000}, {"c", 4}}
	full, err := SumRows(rows, 2, -5, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, drop := range []string{"a", "b", "c"} {
		var rest []Row
		for _, r := range rows {
			if r.Patient != drop {
				rest = append(rest, r)
			}
		}
		q, err := SumRows(rest, 2, -5, 20)
		if err != nil {
			t.Fatal(err)
		}
		if d := abs(full.Value - q.Value); d > full.Sensitivity {
			t.Errorf("dropping %s moves the sum by %d, above sensitivity %d", drop, d, full.Sensitivity)
		}
	}
}

package anonymize_test

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// sharedData returns the folder of test data nobody on this project wrote
// (../shared/data from the repository root), skipping the test when absent.
func sharedData(tb testing.TB, sub ...string) string {
	tb.Helper()
	dir := filepath.Join(append([]string{"..", "..", "shared", "data"}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("shared test data not found at %s (expected ../shared/data next to the repository): %v", dir, err)
	}
	return dir
}

var adultQIs = []string{"age", "education", "marital-status", "native-country", "race", "salary-class", "sex", "workclass"}

// loadAdult reads ARX's Adult extract with the 8 quasi-identifiers and
// their ARX hierarchies, occupation sensitive.
func loadAdult(tb testing.TB) *anonymize.Table {
	tb.Helper()
	dir := sharedData(tb, "arx-adult")
	f, err := os.Open(filepath.Join(dir, "adult.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	t, err := anonymize.ReadCSV(f, anonymize.CSVOptions{Name: "adult"})
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range adultQIs {
		c := t.Column(q)
		if c == nil {
			tb.Fatalf("adult.csv has no column %q", q)
		}
		c.Role = anonymize.RoleQuasi
		c.Hierarchy = readARXHierarchy(tb, q)
	}
	t.Column("occupation").Role = anonymize.RoleSensitive
	return t
}

func readARXHierarchy(tb testing.TB, col string) *anonymize.Hierarchy {
	tb.Helper()
	f, err := os.Open(filepath.Join(sharedData(tb, "arx-adult"), "adult_hierarchy_"+col+".csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	h, err := anonymize.ReadHierarchy(f)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// rawHierarchy reads an ARX hierarchy file with encoding/csv, independently
// of the engine's reader.
func rawHierarchy(tb testing.TB, col string) [][]string {
	tb.Helper()
	f, err := os.Open(filepath.Join(sharedData(tb, "arx-adult"), "adult_hierarchy_"+col+".csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// rawCSV reads a CSV file with encoding/csv.
func rawCSV(tb testing.TB, path string, comma rune) (header []string, rows [][]string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = comma
	all, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return all[0], all[1:]
}

// classSizes groups rows by their quasi-identifier strings with a plain map:
// the independent check of k-anonymity.
func classSizes(t *anonymize.Table, qis []string) map[string]int {
	cols := make([]*anonymize.Column, len(qis))
	for j, q := range qis {
		cols[j] = t.Column(q)
	}
	sizes := map[string]int{}
	parts := make([]string, len(cols))
	for i := range t.NumRows() {
		for j, c := range cols {
			parts[j] = c.Value(i)
		}
		sizes[strings.Join(parts, "\x00")]++
	}
	return sizes
}

// independentNCP recomputes the normalized certainty penalty of an
// anonymized Adult table from the original data and the raw hierarchy
// files: an original value costs 0, a hierarchy value (leaves-1)/(D-1)
// with leaves counted among the original values present, an interval
// "[a, b]" (b-a)/(max-min), suppressed rows 1 per cell.
func independentNCP(tb testing.TB, orig, out *anonymize.Table, qis []string) (float64, map[string]float64) {
	tb.Helper()
	inRows := orig.NumRows()
	suppressed := inRows - out.NumRows()
	perCol := map[string]float64{}
	total := 0.0
	for _, q := range qis {
		domain := map[string]bool{}
		oc := orig.Column(q)
		for i := range orig.NumRows() {
			domain[oc.Value(i)] = true
		}
		D := len(domain)
		lo, hi := math.Inf(1), math.Inf(-1)
		for v := range domain {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				lo, hi = math.Min(lo, f), math.Max(hi, f)
			}
		}
		leaves := map[string]int{} // generalized value -> original values under it (lowest level wins)
		rows := rawHierarchy(tb, q)
		for l := len(rows[0]) - 1; l >= 1; l-- {
			count := map[string]int{}
			for _, r := range rows {
				if domain[r[0]] {
					count[r[l]]++
				}
			}
			for g, n := range count {
				leaves[g] = n
			}
		}
		sum := float64(suppressed)
		c := out.Column(q)
		for i := range out.NumRows() {
			v := c.Value(i)
			switch {
			case domain[v]:
			case leaves[v] > 0:
				sum += float64(leaves[v]-1) / float64(D-1)
			default:
				var a, b float64
				if _, err := fmtSscanInterval(v, &a, &b); err != nil {
					tb.Fatalf("column %s: value %q is neither original, hierarchy nor interval", q, v)
				}
				sum += (b - a) / (hi - lo)
			}
		}
		perCol[q] = sum / float64(inRows)
		total += sum
	}
	return total / float64(inRows*len(qis)), perCol
}

func fmtSscanInterval(v string, a, b *float64) (int, error) {
	if !strings.HasPrefix(v, "[") || !strings.HasSuffix(v, "]") {
		return 0, strconv.ErrSyntax
	}
	parts := strings.Split(v[1:len(v)-1], ", ")
	if len(parts) != 2 {
		return 0, strconv.ErrSyntax
	}
	var err error
	if *a, err = strconv.ParseFloat(parts[0], 64); err != nil {
		return 0, err
	}
	if *b, err = strconv.ParseFloat(parts[1], 64); err != nil {
		return 0, err
	}
	return 2, nil
}

package anonymize_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// sensitiveByClass groups the sensitive values of each class (keyed by QI
// strings) with plain maps.
func sensitiveByClass(t *anonymize.Table, qis []string, sensitive string) map[string]map[string]int {
	out := map[string]map[string]int{}
	s := t.Column(sensitive)
	parts := make([]string, len(qis))
	for i := range t.NumRows() {
		for j, q := range qis {
			parts[j] = t.Column(q).Value(i)
		}
		key := strings.Join(parts, "\x00")
		if out[key] == nil {
			out[key] = map[string]int{}
		}
		out[key][s.Value(i)]++
	}
	return out
}

func TestPrivacy_lDiversityAndTClosenessOnAdult(t *testing.T) {
	adult := loadAdult(t)
	global := map[string]float64{}
	occ := adult.Column("occupation")
	for i := range adult.NumRows() {
		global[occ.Value(i)]++
	}
	for v := range global {
		global[v] /= float64(adult.NumRows())
	}
	cases := []struct {
		name string
		p    anonymize.Privacy
	}{
		{"distinct-l optimal", anonymize.Privacy{K: 2, L: 3, Method: anonymize.MethodOptimal}},
		{"entropy-l mondrian", anonymize.Privacy{K: 2, L: 3, LVariant: anonymize.LEntropy, Method: anonymize.MethodMondrian}},
		{"t-closeness optimal", anonymize.Privacy{K: 2, T: 0.2, Method: anonymize.MethodOptimal, SuppressionLimit: new(float64)}},
		{"t-closeness mondrian", anonymize.Privacy{K: 5, T: 0.3, Method: anonymize.MethodMondrian}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := c.p.Anonymize(context.Background(), adult)
			if err != nil {
				t.Fatal(err)
			}
			for key, hist := range sensitiveByClass(out, adultQIs, "occupation") {
				rows := 0
				for _, n := range hist {
					rows += n
				}
				if rows < c.p.K {
					t.Fatalf("class %q has %d rows", key, rows)
				}
				if c.p.L > 0 {
					if c.p.LVariant == anonymize.LEntropy {
						e := 0.0
						for _, n := range hist {
							f := float64(n) / float64(rows)
							e -= f * math.Log(f)
						}
						if e < math.Log(c.p.L)-1e-9 {
							t.Fatalf("class %q: entropy %v < log(%v)", key, e, c.p.L)
						}
					} else if float64(len(hist)) < c.p.L {
						t.Fatalf("class %q: %d distinct occupations", key, len(hist))
					}
				}
				if c.p.T > 0 {
					d := 0.0
					for v, g := range global {
						d += math.Abs(float64(hist[v])/float64(rows) - g)
					}
					if d/2 > c.p.T+1e-9 {
						t.Fatalf("class %q: distance %v > t=%v", key, d/2, c.p.T)
					}
				}
			}
			r := anonymize.Assess(out, anonymize.ReportOptions{})
			if len(r.Privacy) != 1 || (c.p.L > 0 && c.p.LVariant != anonymize.LEntropy && float64(r.Privacy[0].MinDistinct) < c.p.L) || (c.p.T > 0 && r.Privacy[0].MaxT > c.p.T+1e-9) {
				t.Errorf("report privacy %+v", r.Privacy)
			}
		})
	}
}

// TestPrivacy_optimalMatchesBruteForce compares the pruned search with an
// exhaustive one on Adult with four quasi-identifiers: every node of the
// lattice generalized with the hierarchies, grouped with a map, suppressed
// and scored independently.
func TestPrivacy_optimalMatchesBruteForce(t *testing.T) {
	full := loadAdult(t).Slice(0, 6000)
	qis := []string{"age", "education", "marital-status", "sex"}
	tb := full.WithColumns(append([]*anonymize.Column(nil), full.Columns...))
	for i, c := range tb.Columns {
		cc := *c
		cc.Role = anonymize.RoleInsensitive
		for _, q := range qis {
			if c.Name == q {
				cc.Role = anonymize.RoleQuasi
			}
		}
		tb.Columns[i] = &cc
	}
	hs := make([]*anonymize.Hierarchy, len(qis))
	for j, q := range qis {
		hs[j] = tb.Column(q).Hierarchy
	}
	for _, k := range []int{2, 10} {
		for _, limit := range []float64{0, 0.02} {
			lim := limit
			p := &anonymize.Privacy{K: k, Method: anonymize.MethodOptimal, SuppressionLimit: &lim}
			out, res, err := p.Anonymize(context.Background(), tb)
			if err != nil {
				t.Fatal(err)
			}
			best := math.Inf(1)
			var bestNode []int
			node := make([]int, len(qis))
			var walk func(j int)
			walk = func(j int) {
				if j == len(qis) {
					if loss, ok := bruteNode(t, tb, qis, hs, node, k, lim); ok && loss < best-1e-12 {
						best, bestNode = loss, append([]int(nil), node...)
					}
					return
				}
				for l := range hs[j].Height() {
					node[j] = l
					walk(j + 1)
				}
			}
			walk(0)
			if !near(res.Loss, best) {
				t.Errorf("k=%d limit=%v: search loss %v at %v, exhaustive %v at %v", k, lim, res.Loss, res.Levels, best, bestNode)
			}
			ncp, _ := independentNCP(t, tb, out, qis)
			if !near(ncp, best) {
				t.Errorf("k=%d limit=%v: output ncp %v, exhaustive optimum %v", k, lim, ncp, best)
			}
		}
	}
}

// bruteNode scores one full-domain node: the NCP with suppressed rows
// counted as fully generalized, and whether it is anonymous.
func bruteNode(t *testing.T, tb *anonymize.Table, qis []string, hs []*anonymize.Hierarchy, node []int, k int, limit float64) (float64, bool) {
	n := tb.NumRows()
	keys := make([]string, n)
	loss := make([]float64, n)
	parts := make([]string, len(qis))
	for j, q := range qis {
		c := tb.Column(q)
		domain := map[string]bool{}
		for i := range n {
			domain[c.Value(i)] = true
		}
		leaves := map[string]int{}
		for v := range domain {
			g, _ := hs[j].Generalize(v, node[j])
			leaves[g]++
		}
		for i := range n {
			g, _ := hs[j].Generalize(c.Value(i), node[j])
			loss[i] += float64(leaves[g]-1) / float64(len(domain)-1)
			if j == 0 {
				keys[i] = ""
			}
			parts[j] = g
			keys[i] += g + "\x00"
		}
	}
	sizes := map[string]int{}
	for _, key := range keys {
		sizes[key]++
	}
	total, suppressed := 0.0, 0
	for i, key := range keys {
		if sizes[key] < k {
			suppressed++
			total += float64(len(qis))
		} else {
			total += loss[i]
		}
	}
	if float64(suppressed) > limit*float64(n)+1e-9 {
		return 0, false
	}
	return total / float64(n*len(qis)), true
}

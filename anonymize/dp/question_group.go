package dp

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// GROUP BY: the kept rows are split by the values of one or two columns;
// each group gets a noisy count that decides whether it is shown, and the
// statistic. See the package documentation in question.go.

type group struct {
	key      uint64 // code of the first column << 32 | code of the second
	ord      uint64 // order of first appearance
	rows     int64
	patients int64
	sum, n   int64 // SUM and MEAN: clamped values and how many
}

// groups splits the kept rows.
func (e *evaluation) groups() []*group {
	first := e.qt.cols[e.q.GroupBy[0]].c.Codes
	var second []uint32
	if len(e.q.GroupBy) > 1 {
		second = e.qt.cols[e.q.GroupBy[1]].c.Codes
	}
	var cells []cellInfo
	var values []uint32
	var lo, hi int64
	if e.q.Column != "" {
		c := e.qt.cols[e.q.Column]
		cells, values = c.info(), c.c.Codes
		lo, hi, _ = e.bounds()
	}
	// COUNT(PATIENTS) counts a patient once per group: firstGroup holds
	// each patient's first group (ordinal + 1), pairs the others
	// (patient << 32 | group ordinal), rare when patients sit in one group.
	var firstGroup []uint32
	var pairs map[uint64]struct{}
	if e.q.Statistic == StatPatients && e.qt.patient != nil {
		firstGroup, pairs = make([]uint32, e.qt.npat), map[uint64]struct{}{}
	}
	var order []*group
	look := e.groupIndex()
	for _, i := range e.kept {
		key := uint64(first[i]) << 32
		if second != nil {
			key |= uint64(second[i])
		}
		g := look(key)
		if g.rows == 0 {
			g.ord = uint64(len(order))
			order = append(order, g)
		}
		g.rows++
		if firstGroup != nil {
			e.countPatient(g, firstGroup, pairs, e.qt.patient[i])
		} else {
			g.patients++ // each row its own patient
		}
		if cells != nil {
			if ci := &cells[values[i]]; ci.whole {
				g.sum += min(max(ci.whole64, lo), hi)
				g.n++
			}
		}
	}
	slices.SortFunc(order, func(a, b *group) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	return order
}

// denseGroups is the most key combinations looked up in a slice rather
// than a map.
const denseGroups = 1 << 16

// groupIndex returns the lookup from a key to its group, made on first
// use: a slice over every combination of codes when there are few, else a
// map.
func (e *evaluation) groupIndex() func(uint64) *group {
	n1 := uint64(len(e.qt.cols[e.q.GroupBy[0]].c.Dict))
	n2 := uint64(1)
	if len(e.q.GroupBy) > 1 {
		n2 = uint64(len(e.qt.cols[e.q.GroupBy[1]].c.Dict))
	}
	if n1*n2 <= denseGroups {
		dense := make([]*group, n1*n2)
		return func(key uint64) *group {
			j := (key>>32)*n2 + key&0xffffffff
			if dense[j] == nil {
				dense[j] = &group{key: key}
			}
			return dense[j]
		}
	}
	index := map[uint64]*group{}
	return func(key uint64) *group {
		g := index[key]
		if g == nil {
			g = &group{key: key}
			index[key] = g
		}
		return g
	}
}

// countPatient counts patient pt in group g unless it is counted there.
func (e *evaluation) countPatient(g *group, firstGroup []uint32, pairs map[uint64]struct{}, pt uint32) {
	switch first := firstGroup[pt]; {
	case first == 0:
		firstGroup[pt] = uint32(g.ord) + 1
		g.patients++
	case first == uint32(g.ord)+1:
	default:
		pk := uint64(pt)<<32 | g.ord
		if _, seen := pairs[pk]; !seen {
			pairs[pk] = struct{}{}
			g.patients++
		}
	}
}

// labels are a group's values.
func (e *evaluation) labels(g *group) []string {
	out := []string{e.qt.cols[e.q.GroupBy[0]].c.Dict[g.key>>32]}
	if len(e.q.GroupBy) > 1 {
		out = append(out, e.qt.cols[e.q.GroupBy[1]].c.Dict[uint32(g.key)])
	}
	return out
}

// grouped answers GROUP BY questions.
func (e *evaluation) grouped() error {
	gs := e.groups()
	var err error
	switch e.q.Statistic {
	case StatCount, StatPatients:
		err = e.groupedCount(gs)
	default:
		err = e.groupedValues(gs)
	}
	if err != nil {
		return err
	}
	slices.SortStableFunc(e.ans.Rows, func(a, b AnswerRow) int {
		return strings.Compare(strings.Join(a.Group, "\x00"), strings.Join(b.Group, "\x00"))
	})
	e.ans.Delta = float64(e.qt.clip) * CardDelta
	return nil
}

// groupedCount: one noisy count per group, L1 sensitivity clip (a
// patient's kept rows fall in at most clip groups); shown at τ.
func (e *evaluation) groupedCount(gs []*group) error {
	m, err := NewLaplace(e.eps, e.qt.clip)
	if err != nil {
		return err
	}
	most := e.qt.clip
	if e.q.Statistic == StatPatients {
		most = 1
	}
	tau := threshold(m, most)
	for _, g := range gs {
		v := g.rows
		if e.q.Statistic == StatPatients {
			v = g.patients
		}
		row, err := countFigure(m, e.src, v)
		if err != nil {
			return err
		}
		if row.Value >= float64(tau) {
			row.Group = e.labels(g)
			e.ans.Rows = append(e.ans.Rows, row)
		}
	}
	e.note(fmt.Sprintf("Groups whose noisy count is below %d are not shown (one patient's rows could otherwise reveal them).", tau))
	return nil
}

// groupedValues: SUM and MEAN by group spend ε/2 on counts that decide
// which groups are shown (rows for SUM, numeric cells for MEAN, which
// also divides by it) and ε/2 on the sums.
func (e *evaluation) groupedValues(gs []*group) error {
	half := new(big.Rat).Quo(e.eps, big.NewRat(2, 1))
	countM, err := NewLaplace(half, e.qt.clip)
	if err != nil {
		return err
	}
	sumM, err := NewLaplace(half, e.sumSensitivity())
	if err != nil {
		return err
	}
	tau := threshold(countM, e.qt.clip)
	lo, hi, _ := e.bounds()
	bs, bc := laplaceBound(sumM, 0.025), laplaceBound(countM, 0.025)
	for _, g := range gs {
		n := g.rows
		if e.q.Statistic == StatMean {
			n = g.n
		}
		nc, err := countM.Add(e.src, n)
		if err != nil {
			return err
		}
		ns, err := sumM.Add(e.src, g.sum)
		if err != nil {
			return err
		}
		if nc < tau {
			continue
		}
		row := AnswerRow{Value: float64(ns), Low: float64(ns - sumM.Bound95()), High: float64(ns + sumM.Bound95())}
		if e.q.Statistic == StatMean {
			row = meanRow(ns, nc, bs, bc, lo, hi)
		}
		row.Group = e.labels(g)
		e.ans.Rows = append(e.ans.Rows, row)
	}
	e.note(fmt.Sprintf("Groups whose noisy count is below %d are not shown (one patient's rows could otherwise reveal them).", tau))
	e.valueNotes()
	return nil
}

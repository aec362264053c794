package anonymize

import (
	"math"
	"slices"
)

// The generalization lattice of the optimal search (search.go): one node
// per combination of hierarchy levels, with per node its lower bound, its
// state as far as known, and what monotonicity has decided about it.

const (
	stateUnknown uint8 = iota
	stateFails
	stateAnon
)

type lattice struct {
	heights []int
	stride  []int
	size    int
	lb      []float64
	state   []uint8
	loss    []float64
	// dominated nodes generalize an anonymous node without suppression and
	// so cannot lose less than it.
	dominated []bool
	// penalty is a lower bound on the suppression loss of a node: a row in
	// a class smaller than k at a node is in one at every specialization.
	penalty []float64
}

// raisePenalty records that every node in the box [from, to] suppresses at
// least the rows worth pen.
func (lt *lattice) raisePenalty(from, to []int, pen float64) {
	cur := slices.Clone(from)
	for {
		if i := lt.index(cur); lt.penalty[i] < pen {
			lt.penalty[i] = pen
		}
		if !nextInBox(cur, from, to) {
			return
		}
	}
}

// bound is the best lower bound on a node's loss.
func (lt *lattice) bound(i int) float64 { return lt.lb[i] + lt.penalty[i] }

func (lt *lattice) markDominated(from, to []int, except int) {
	cur := slices.Clone(from)
	for {
		if i := lt.index(cur); i != except {
			lt.dominated[i] = true
		}
		if !nextInBox(cur, from, to) {
			return
		}
	}
}

func (sp *space) newLattice() *lattice {
	m := len(sp.qis)
	lt := &lattice{heights: make([]int, m), stride: make([]int, m), size: 1}
	for j := m - 1; j >= 0; j-- {
		lt.heights[j] = sp.qis[j].height
		lt.stride[j] = lt.size
		lt.size *= lt.heights[j]
	}
	lt.lb = make([]float64, lt.size)
	lt.state = make([]uint8, lt.size)
	lt.loss = make([]float64, lt.size)
	lt.dominated = make([]bool, lt.size)
	lt.penalty = make([]float64, lt.size)
	norm := float64(max(sp.n, 1) * m)
	lv := make([]int, m)
	for i := range lt.size {
		lt.levels(i, lv)
		s := 0.0
		for j, l := range lv {
			s += sp.qis[j].colLoss[l]
		}
		lt.lb[i] = s / norm
		lt.loss[i] = math.NaN()
	}
	return lt
}

func (lt *lattice) levels(idx int, out []int) {
	for j, s := range lt.stride {
		out[j] = idx / s % lt.heights[j]
	}
}

func (lt *lattice) index(lv []int) int {
	i := 0
	for j, l := range lv {
		i += l * lt.stride[j]
	}
	return i
}

// tagBox sets state on every unknown node in the box [from, to] (levels).
func (lt *lattice) tagBox(from, to []int, state uint8) {
	cur := slices.Clone(from)
	for {
		i := lt.index(cur)
		if lt.state[i] == stateUnknown {
			lt.state[i] = state
		}
		if !nextInBox(cur, from, to) {
			return
		}
	}
}

// nextInBox moves cur (levels) to the next node of the box [from, to], the
// last column varying fastest, and reports false once cur was the box's last
// node (cur is then back at from). It steps in place, so a walk allocates
// only its one copy of from.
func nextInBox(cur, from, to []int) bool {
	for j := len(cur) - 1; j >= 0; j-- {
		if cur[j] < to[j] {
			cur[j]++
			return true
		}
		cur[j] = from[j]
	}
	return false
}

package anonymize

import (
	"context"
	"math"
	"runtime"
	"slices"
)

// The optimal full-domain search. A node of the lattice is one hierarchy
// level per quasi-identifier; a node is anonymous when the classes it
// produces satisfy the privacy models after suppressing at most the
// suppression limit of rows. The result is the anonymous node of least loss
// (normalized certainty penalty, suppressed rows counted as fully
// generalized). Three facts make the search fast:
//
//   - a lower bound: the loss of a node without suppression is a sum of
//     per-column constants (no data pass) and never exceeds its real loss.
//     Nodes whose bound is not below the best loss found need no look.
//   - monotonicity (predictive tagging, as in ARX's Flash): k-anonymity, with
//     or without suppression, fails for every specialization of a failing
//     node, so one evaluation rules out a whole sub-lattice; and a node that
//     is anonymous without suppressing anything loses no more than any of
//     its generalizations, which therefore need no look either.
//   - roll-up: classes are computed from the distinct quasi-identifier
//     tuples, not rows, and from the cached classes of a finer node when one
//     exists (merging classes rather than regrouping tuples).
//
// The search runs in phases: a greedy walk down from the top of the lattice
// finds a good anonymous node (an upper bound); then the nodes that could
// still beat it are evaluated from the top of that region down, so that
// each failing node rules out everything below it; a last sweep by
// increasing lower bound decides what the others left open (models that
// are not monotone, such as l-diversity with suppression), and proves the
// result optimal.

type searcher struct {
	sp        *space
	lt        *lattice
	cache     []*snapshot
	cached    int
	evaluated int
	monotone  bool
	// cacheEvaluated says whether evaluated nodes' classes are kept for
	// rolling up later ones: only worth it when the search moves upwards.
	cacheEvaluated bool
	*scratch
	spare *scratch // a second worker's buffers, for evaluating two nodes at once
	// best is the least loss of an anonymous node found so far, bestNode
	// that node (-1 while there is none).
	best     float64
	bestNode int
}

// evaluatePair evaluates two incomparable nodes, the second on another
// goroutine with the spare buffers, and records both.
func (s *searcher) evaluatePair(a, b int) {
	lt := s.lt
	m := len(lt.heights)
	la, lb := make([]int, m), make([]int, m)
	lt.levels(a, la)
	lt.levels(b, lb)
	srcA, srcB := s.source(la), s.source(lb)
	helper := *s
	helper.scratch = s.spare
	var eb *evaluation
	done := make(chan struct{})
	go func() {
		eb = helper.check(helper.rollup(srcB, lb))
		close(done)
	}()
	ea := s.check(s.rollup(srcA, la))
	<-done
	s.evaluated += 2
	s.record(a, la, ea)
	s.record(b, lb, eb)
}

// evaluate computes the classes of node lv and checks them.
func (s *searcher) evaluate(lv []int) *evaluation {
	s.evaluated++
	return s.check(s.rollup(s.source(lv), lv))
}

// source returns the cached predecessor of lv with the fewest classes.
func (s *searcher) source(lv []int) *snapshot {
	sp := s.sp
	var src *snapshot
	for _, c := range s.cache {
		ok := true
		for j, l := range c.node {
			if l > lv[j] || sp.qis[j].up == nil && l != 0 || sp.qis[j].up != nil && sp.qis[j].up[l][lv[j]] == nil {
				ok = false
				break
			}
		}
		if ok && (src == nil || c.classes() < src.classes()) {
			src = c
		}
	}
	return src
}

// snapshotBudget bounds the memory of cached snapshots, in stored ints.
const snapshotBudget = 8 << 20

func (s *searcher) remember(snap *snapshot) {
	size := len(snap.cols)*len(snap.count) + len(snap.count) + len(snap.members)
	for s.cached+size > snapshotBudget && len(s.cache) > 1 {
		// Keep the bottom (index 0); drop the oldest other.
		old := s.cache[1]
		s.cached -= len(old.cols)*len(old.count) + len(old.count) + len(old.members)
		s.cache = slices.Delete(s.cache, 1, 2)
	}
	s.cache = append(s.cache, snap)
	s.cached += size
}

// keep caches a copy of a snapshot built in the scratch buffers.
func (s *searcher) keep(snap *snapshot) {
	c := *snap
	c.cols = make([][]uint32, len(snap.cols))
	for j, col := range snap.cols {
		c.cols[j] = slices.Clone(col)
	}
	c.count = slices.Clone(snap.count)
	s.remember(&c)
}

// waypoint caches the classes of the meet (level-wise minimum) of the
// nodes in next when the best cached source for them is poor, so that they
// roll up from it rather than from the bottom.
func (s *searcher) waypoint(next [][]int) {
	w := slices.Clone(next[0])
	for _, lv := range next[1:] {
		for j, l := range lv {
			w[j] = min(w[j], l)
		}
	}
	if slices.Equal(w, next[0]) {
		return
	}
	src := s.source(w)
	if slices.Equal(src.node, w) || src.classes() < len(s.sp.count)/2 {
		return
	}
	snap := s.rollup(src, w)
	if snap.classes() < src.classes()*3/4 {
		s.keep(snap)
	}
}

// visit evaluates node idx, records the outcome and tags the sub-lattices
// that monotonicity decides.
func (s *searcher) visit(idx int) {
	lv := make([]int, len(s.lt.heights))
	s.lt.levels(idx, lv)
	s.record(idx, lv, s.evaluate(lv))
}

// record stores an evaluation's outcome and tags what it decides.
func (s *searcher) record(idx int, lv []int, e *evaluation) {
	lt := s.lt
	if s.cacheEvaluated && e.snap.classes() < len(s.sp.count)*3/4 {
		s.keep(e.snap)
	}
	top := make([]int, len(lv))
	for j, h := range lt.heights {
		top[j] = h - 1
	}
	zero := make([]int, len(lv))
	if e.kPenalty > 0 && e.kOK {
		lt.raisePenalty(zero, lv, e.kPenalty)
	}
	if e.anon {
		lt.state[idx] = stateAnon
		lt.loss[idx] = e.loss
		if s.monotone {
			lt.tagBox(lv, top, stateAnon)
		}
		if e.outliers == 0 && !lt.dominated[idx] {
			// Nothing suppressed here, so nothing is above: every
			// generalization of this node loses at least as much.
			lt.markDominated(lv, top, idx)
		}
	} else {
		lt.state[idx] = stateFails
		if s.monotone || !e.kOK {
			lt.tagBox(zero, lv, stateFails)
		}
	}
}

func (sp *space) searchOptimal(ctx context.Context) (*Table, *SearchResult, error) {
	m := len(sp.qis)
	if n := sp.latticeSize(); n > 20_000_000 {
		return nil, nil, invalidf("privacy: the generalization lattice has %d nodes, too many for the optimal search; use method mondrian", n)
	}
	lt := sp.newLattice()
	s := &searcher{sp: sp, lt: lt, scratch: newScratch(sp), best: math.Inf(1), bestNode: -1}
	if runtime.GOMAXPROCS(0) > 1 {
		s.spare = newScratch(sp)
	}
	s.monotone = !sp.p.needsSensitive() || sp.limit == 0
	s.cache = []*snapshot{sp.bottom()}

	lv := make([]int, m) // the phases' buffer for a node's levels
	if err := s.upperBound(ctx, lv); err != nil {
		return nil, nil, err
	}
	if err := s.descendRegion(ctx, lv); err != nil {
		return nil, nil, err
	}
	if err := s.sweepByBound(ctx); err != nil {
		return nil, nil, err
	}
	if s.bestNode < 0 {
		return nil, nil, invalidf("privacy: no generalization satisfies the privacy models within the suppression limit of %d rows (even full generalization fails: too few rows?)", sp.limit)
	}
	lt.levels(s.bestNode, lv)
	out, suppressed := sp.applyFullDomain(s, lv)
	res := &SearchResult{Levels: map[string]int{}, Suppressed: suppressed, Loss: s.best,
		Evaluated: s.evaluated, LatticeNodes: lt.size}
	for j, q := range sp.qis {
		res.Levels[q.col.Name] = lv[j]
	}
	return out, res, nil
}

// note takes node n as the best so far when it is anonymous with a known
// loss below the best.
func (s *searcher) note(n int) {
	lt := s.lt
	if lt.state[n] == stateAnon && !math.IsNaN(lt.loss[n]) && lt.loss[n] < s.best {
		s.best, s.bestNode = lt.loss[n], n
	}
}

// look visits node n unless ctx is done, and notes it.
func (s *searcher) look(ctx context.Context, n int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.visit(n)
	s.note(n)
	return nil
}

// known says whether node n needs no evaluation: it fails, is dominated,
// or its loss is known.
func (s *searcher) known(n int) bool {
	lt := s.lt
	return lt.state[n] == stateFails || lt.dominated[n] || !math.IsNaN(lt.loss[n])
}

// open says whether node n could still beat the best and is not known.
func (s *searcher) open(n int) bool { return s.lt.bound(n) < s.best && !s.known(n) }

// upperBound is phase 2: an upper bound. Walk down from the top, always to
// the cheapest anonymous predecessor, until none is anonymous.
func (s *searcher) upperBound(ctx context.Context, lv []int) error {
	lt := s.lt
	m := len(lv)
	cur := lt.size - 1
	if !s.known(cur) {
		if err := s.look(ctx, cur); err != nil {
			return err
		}
	}
	preds := make([]int, 0, m)
	for lt.state[cur] == stateAnon {
		lt.levels(cur, lv)
		preds = preds[:0]
		for j := range m {
			if lv[j] > 0 {
				preds = append(preds, cur-lt.stride[j])
			}
		}
		slices.SortFunc(preds, func(a, b int) int { return cmpFloat(lt.lb[a], lt.lb[b]) })
		next, err := s.firstAnonymous(ctx, preds)
		if err != nil {
			return err
		}
		if next < 0 {
			break
		}
		cur = next
	}
	return nil
}

// firstAnonymous returns the first of preds that could beat the best and
// is anonymous, evaluating them in turn as needed; -1 when none is.
func (s *searcher) firstAnonymous(ctx context.Context, preds []int) (int, error) {
	lt := s.lt
	for _, p := range preds {
		if lt.state[p] == stateFails || lt.bound(p) >= s.best {
			continue
		}
		if !s.known(p) {
			if err := s.look(ctx, p); err != nil {
				return -1, err
			}
		}
		if lt.state[p] == stateAnon {
			return p, nil
		}
	}
	return -1, nil
}

// lookahead is how many upcoming nodes of the region a waypoint serves.
const lookahead = 8

// descendRegion is phase 3: the nodes that could still beat the bound, from
// the top of that region down, so that each failing node rules out all
// below it.
func (s *searcher) descendRegion(ctx context.Context, lv []int) error {
	region, sums := s.region(lv)
	next := make([][]int, 0, lookahead)
	for i, n := range region {
		if !s.open(n) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		s.lt.levels(n, lv)
		if src := s.source(lv); src.classes() > len(s.sp.count)/2 {
			next = s.upcoming(next, lv, region[i+1:])
			s.waypoint(next)
		}
		// A partner at the same height is incomparable with n: neither's
		// outcome can decide the other, so both may run at once.
		if partner := s.partner(n, region[i+1:], sums); partner >= 0 {
			s.evaluatePair(n, partner)
			s.note(n)
			s.note(partner)
			continue
		}
		if err := s.look(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// region returns the nodes that could beat the bound and are not known,
// highest first (by the sum of their levels, then by lower bound), and
// each node's sum of levels.
func (s *searcher) region(lv []int) ([]int, []int) {
	lt := s.lt
	region := make([]int, 0, lt.size)
	sums := make([]int, lt.size)
	for i := range lt.size {
		if lt.bound(i) < s.best && !s.known(i) {
			region = append(region, i)
			lt.levels(i, lv)
			for _, l := range lv {
				sums[i] += l
			}
		}
	}
	slices.SortFunc(region, func(a, b int) int {
		if sums[a] != sums[b] {
			return sums[b] - sums[a]
		}
		return cmpFloat(lt.lb[b], lt.lb[a])
	})
	return region, sums
}

// upcoming fills next with lv and the levels of the open nodes of rest
// that follow it, up to lookahead nodes in all.
func (s *searcher) upcoming(next [][]int, lv []int, rest []int) [][]int {
	next = append(next[:0], slices.Clone(lv))
	for _, n2 := range rest {
		if len(next) == lookahead {
			break
		}
		if s.open(n2) {
			l2 := make([]int, len(lv))
			s.lt.levels(n2, l2)
			next = append(next, l2)
		}
	}
	return next
}

// partner returns the first open node of rest at the same height as n, or
// -1 when there is none or no spare buffers to evaluate it with.
func (s *searcher) partner(n int, rest []int, sums []int) int {
	if s.spare == nil {
		return -1
	}
	for _, n2 := range rest {
		if sums[n2] != sums[n] {
			break
		}
		if s.open(n2) {
			return n2
		}
	}
	return -1
}

// sweepByBound is phase 4: by increasing lower bound until it reaches the
// best loss; it decides whatever the phases above left open (non-monotone
// models).
func (s *searcher) sweepByBound(ctx context.Context) error {
	lt := s.lt
	s.cacheEvaluated = true
	byLB := make([]int, lt.size)
	for i := range byLB {
		byLB[i] = i
	}
	slices.SortStableFunc(byLB, func(a, b int) int { return cmpFloat(lt.lb[a], lt.lb[b]) })
	for _, n := range byLB {
		if lt.lb[n] >= s.best {
			break
		}
		if s.known(n) || lt.bound(n) >= s.best {
			s.note(n)
			continue
		}
		if err := s.look(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// applyFullDomain writes the table generalized to node lv, without the rows
// of suppressed classes.
func (sp *space) applyFullDomain(s *searcher, lv []int) (*Table, int) {
	// Evaluate the node straight from the tuples to know each tuple's class.
	s.cache = s.cache[:1]
	e := s.evaluate(lv)
	m := len(sp.qis)
	// Tuple -> class by regrouping (the evaluation grouped bottom classes = tuples in order).
	nt := len(sp.count)
	tupleFails := make([]bool, nt)
	exact := true
	prod := uint64(1)
	for _, r := range s.radix {
		if prod > math.MaxUint64/r {
			exact = false
		}
		prod *= r
	}
	s.g.init(e.snap.classes(), m, exact)
	for c := range e.snap.classes() {
		vec := make([]uint32, m)
		for j := range m {
			vec[j] = e.snap.cols[j][c]
		}
		s.g.insert(s.g.key(vec, s.radix), vec)
	}
	vec := make([]uint32, m)
	for tu := range nt {
		for j, q := range sp.qis {
			vec[j] = q.gen[lv[j]][sp.codes[tu*m+j]]
		}
		c, _ := s.g.insert(s.g.key(vec, s.radix), vec)
		tupleFails[tu] = e.fails[c]
	}
	return sp.emit(func(row int) bool { return !tupleFails[sp.rowTuple[row]] },
		func(j int, keep []bool) *Column {
			q := sp.qis[j]
			l := lv[j]
			codes := make([]uint32, 0, len(keep))
			for i, code := range q.col.Codes {
				if keep[i] {
					codes = append(codes, q.gen[l][code])
				}
			}
			c := q.col.withData(q.genVals[l], codes).Compact()
			c.Hierarchy, c.Level = q.h, l
			return c.note("privacy")
		})
}

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
		j := len(cur) - 1
		for ; j >= 0; j-- {
			if cur[j] < to[j] {
				cur[j]++
				break
			}
			cur[j] = from[j]
		}
		if j < 0 {
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
		j := len(cur) - 1
		for ; j >= 0; j-- {
			if cur[j] < to[j] {
				cur[j]++
				break
			}
			cur[j] = from[j]
		}
		if j < 0 {
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
		j := len(cur) - 1
		for ; j >= 0; j-- {
			if cur[j] < to[j] {
				cur[j]++
				break
			}
			cur[j] = from[j]
		}
		if j < 0 {
			return
		}
	}
}

// snapshot is the set of equivalence classes of one node.
type snapshot struct {
	node    []int
	cols    [][]uint32 // [j][class] generalized id at node[j]
	count   []int32
	start   []int32 // members CSR (tuple ids), only with sensitive columns
	members []int32
}

func (s *snapshot) classes() int { return len(s.count) }

type evaluation struct {
	anon     bool // satisfies all models within the suppression limit
	outliers int  // rows suppressed
	// kPenalty is the loss the rows of classes smaller than k add by being
	// suppressed; every specialization suppresses at least those rows.
	kPenalty float64
	kOK      bool // satisfies k-anonymity within the suppression limit (monotone)
	loss     float64
	snap     *snapshot
	fails    []bool // per class, whether it is suppressed
}

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
}

// scratch holds the buffers one evaluation at a time works in.
type scratch struct {
	g        grouper
	cc       *classCheck
	radix    []uint64
	vec      []uint32
	scaled   [][]uint64
	dense    []int32
	bufCols  [][]uint32
	bufCount []int32
	keyBuf   []uint64
	rep      []int32
}

func newScratch(sp *space) *scratch {
	m := len(sp.qis)
	return &scratch{cc: newClassCheck(sp), radix: make([]uint64, m), vec: make([]uint32, m),
		scaled: make([][]uint64, m), bufCols: make([][]uint32, m)}
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

func (sp *space) bottom() *snapshot {
	m := len(sp.qis)
	nt := len(sp.count)
	s := &snapshot{node: make([]int, m), cols: make([][]uint32, m), count: sp.count}
	for j, q := range sp.qis {
		s.cols[j] = make([]uint32, nt)
		for tu := range nt {
			s.cols[j][tu] = q.gen[0][sp.codes[tu*m+j]]
		}
	}
	if len(sp.sens) > 0 {
		s.start = make([]int32, nt+1)
		s.members = make([]int32, nt)
		for i := range nt {
			s.start[i+1] = int32(i + 1)
			s.members[i] = int32(i)
		}
	}
	return s
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

// rollup computes the classes of node lv from those of src, a predecessor.
// The result lives in scratch buffers until the next rollup.
func (s *searcher) rollup(src *snapshot, lv []int) *snapshot {
	sp := s.sp
	m := len(sp.qis)
	ups := make([][]uint32, m)
	exact := true
	prod := uint64(1)
	for j, q := range sp.qis {
		if q.up != nil {
			ups[j] = q.up[src.node[j]][lv[j]]
		} else {
			ups[j] = q.up0(lv[j])
		}
		s.radix[j] = uint64(len(q.genVals[lv[j]]))
		if prod > math.MaxUint64/s.radix[j] {
			exact = false
		}
		prod *= s.radix[j]
	}
	nsrc := src.classes()
	// The classes are built in scratch buffers; visit copies them out
	// when the snapshot is worth caching. Each new class remembers one
	// source class (rep) from which its codes are filled in column by column.
	dst := &snapshot{node: slices.Clone(lv), count: s.bufCount[:0]}
	var classOf []int32
	if src.start != nil {
		classOf = make([]int32, nsrc)
	}
	rep := s.rep[:0]
	if exact {
		// key = sum over columns of scaled ids, computed a column at a
		// time; the tables turn the mixed-radix product into lookups.
		mult := uint64(1)
		for j := m - 1; j >= 0; j-- {
			t := s.scaled[j][:0]
			for _, g := range ups[j] {
				t = append(t, uint64(g)*mult)
			}
			s.scaled[j] = t
			mult *= s.radix[j]
		}
		if cap(s.keyBuf) < nsrc {
			s.keyBuf = make([]uint64, nsrc)
		}
		keys := s.keyBuf[:nsrc]
		t0, c0 := s.scaled[0], src.cols[0][:nsrc]
		for i, c := range c0 {
			keys[i] = t0[c]
		}
		for j := 1; j < m; j++ {
			t, col := s.scaled[j], src.cols[j][:nsrc]
			for i, c := range col {
				keys[i] += t[c]
			}
		}
		dense := prod <= 1<<22 && prod <= uint64(8*nsrc+4096)
		counts := src.count[:nsrc]
		if dense {
			if uint64(cap(s.dense)) < prod {
				s.dense = make([]int32, prod)
			}
			d := s.dense[:prod]
			for i, key := range keys {
				id := d[key] - 1
				if id < 0 {
					id = int32(len(dst.count))
					d[key] = id + 1
					rep = append(rep, int32(i))
					dst.count = append(dst.count, 0)
				}
				dst.count[id] += counts[i]
				if classOf != nil {
					classOf[i] = id
				}
			}
			for _, r := range rep {
				d[keys[r]] = 0
			}
		} else {
			s.g.init(min(nsrc, 1<<16), m, true)
			for i, key := range keys {
				id, added := s.g.insert(key, nil)
				if added {
					rep = append(rep, int32(i))
					dst.count = append(dst.count, 0)
				}
				dst.count[id] += counts[i]
				if classOf != nil {
					classOf[i] = int32(id)
				}
			}
		}
	} else {
		s.g.init(min(nsrc, 1<<16), m, false)
		vec := s.vec
		for i := range nsrc {
			for j, up := range ups {
				vec[j] = up[src.cols[j][i]]
			}
			id, added := s.g.insert(s.g.key(vec, s.radix), vec)
			if added {
				rep = append(rep, int32(i))
				dst.count = append(dst.count, 0)
			}
			dst.count[id] += src.count[i]
			if classOf != nil {
				classOf[i] = int32(id)
			}
		}
	}
	s.rep = rep
	dst.cols = make([][]uint32, m)
	for j, up := range ups {
		col := s.bufCols[j][:0]
		sc := src.cols[j]
		for _, r := range rep {
			col = append(col, up[sc[r]])
		}
		s.bufCols[j] = col
		dst.cols[j] = col
	}
	s.bufCount = dst.count
	if src.start == nil {
		return dst
	}
	nc := dst.classes()
	if src.start != nil {
		dst.start = make([]int32, nc+1)
		for i := range nsrc {
			dst.start[classOf[i]+1] += src.start[i+1] - src.start[i]
		}
		for i := 1; i <= nc; i++ {
			dst.start[i] += dst.start[i-1]
		}
		pos := slices.Clone(dst.start[:nc])
		dst.members = make([]int32, len(src.members))
		for i := range nsrc {
			c := classOf[i]
			n := copy(dst.members[pos[c]:], src.members[src.start[i]:src.start[i+1]])
			pos[c] += int32(n)
		}
	}
	return dst
}

// up0 maps level-0 ids to level l ids for hierarchies that are not trees
// (only the bottom snapshot is a valid source for them).
func (q *qiCol) up0(l int) []uint32 {
	m := make([]uint32, len(q.genVals[0]))
	for code := range q.col.Dict {
		m[q.gen[0][code]] = q.gen[l][code]
	}
	return m
}

func (s *searcher) check(snap *snapshot) *evaluation {
	sp := s.sp
	m := len(sp.qis)
	k := int32(sp.p.K)
	e := &evaluation{snap: snap, fails: make([]bool, snap.classes())}
	outliers, kOutliers := 0, 0
	total, kPen := 0.0, 0.0
	for j, q := range sp.qis {
		total += q.colLoss[snap.node[j]]
	}
	for c, cnt := range snap.count {
		fail := cnt < k
		if fail {
			kOutliers += int(cnt)
		} else if snap.start != nil {
			fail = !s.cc.ok(int(cnt), snap.members[snap.start[c]:snap.start[c+1]])
		}
		if fail {
			e.fails[c] = true
			outliers += int(cnt)
			cell := 0.0
			for j, q := range sp.qis {
				cell += q.ncp[snap.node[j]][snap.cols[j][c]]
			}
			total += float64(cnt) * (float64(m) - cell)
			if cnt < k {
				kPen += float64(cnt) * (float64(m) - cell)
			}
		}
	}
	e.kOK = kOutliers <= sp.limit
	e.anon = outliers <= sp.limit
	e.outliers = outliers
	e.loss = total / float64(max(sp.n, 1)*m)
	e.kPenalty = kPen / float64(max(sp.n, 1)*m)
	return e
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
	s := &searcher{sp: sp, lt: lt, scratch: newScratch(sp)}
	if runtime.GOMAXPROCS(0) > 1 {
		s.spare = newScratch(sp)
	}
	s.monotone = !sp.p.needsSensitive() || sp.limit == 0
	s.cache = []*snapshot{sp.bottom()}

	best, bestNode := math.Inf(1), -1
	note := func(n int) {
		if lt.state[n] == stateAnon && !math.IsNaN(lt.loss[n]) && lt.loss[n] < best {
			best, bestNode = lt.loss[n], n
		}
	}
	visit := func(n int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.visit(n)
		note(n)
		return nil
	}
	known := func(n int) bool {
		return lt.state[n] == stateFails || lt.dominated[n] || !math.IsNaN(lt.loss[n])
	}

	// Phase 2: an upper bound. Walk down from the top, always to the
	// cheapest anonymous predecessor, until none is anonymous.
	cur := lt.size - 1
	if !known(cur) {
		if err := visit(cur); err != nil {
			return nil, nil, err
		}
	}
	lv := make([]int, m)
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
		next := -1
		for _, p := range preds {
			if lt.state[p] == stateFails || lt.bound(p) >= best {
				continue
			}
			if !known(p) {
				if err := visit(p); err != nil {
					return nil, nil, err
				}
			}
			if lt.state[p] == stateAnon {
				next = p
				break
			}
		}
		if next < 0 {
			break
		}
		cur = next
	}

	// Phase 3: the nodes that could still beat the bound, from the top of
	// that region down, so that each failing node rules out all below it.
	region := make([]int, 0, lt.size)
	sums := make([]int, lt.size)
	for i := range lt.size {
		if lt.bound(i) < best && !known(i) {
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
	const lookahead = 8
	next := make([][]int, 0, lookahead)
	open := func(n int) bool { return lt.bound(n) < best && !known(n) }
	for i, n := range region {
		if !open(n) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		lt.levels(n, lv)
		if src := s.source(lv); src.classes() > len(sp.count)/2 {
			next = append(next[:0], slices.Clone(lv))
			for _, n2 := range region[i+1:] {
				if len(next) == lookahead {
					break
				}
				if open(n2) {
					l2 := make([]int, m)
					lt.levels(n2, l2)
					next = append(next, l2)
				}
			}
			s.waypoint(next)
		}
		// A partner at the same height is incomparable with n: neither's
		// outcome can decide the other, so both may run at once.
		partner := -1
		if s.spare != nil {
			for _, n2 := range region[i+1:] {
				if sums[n2] != sums[n] {
					break
				}
				if open(n2) {
					partner = n2
					break
				}
			}
		}
		if partner >= 0 {
			s.evaluatePair(n, partner)
			note(n)
			note(partner)
			continue
		}
		if err := visit(n); err != nil {
			return nil, nil, err
		}
	}

	// Phase 4: by increasing lower bound until it reaches the best loss;
	// it decides whatever the phases above left open (non-monotone models).
	s.cacheEvaluated = true
	byLB := make([]int, lt.size)
	for i := range byLB {
		byLB[i] = i
	}
	slices.SortStableFunc(byLB, func(a, b int) int { return cmpFloat(lt.lb[a], lt.lb[b]) })
	for _, n := range byLB {
		if lt.lb[n] >= best {
			break
		}
		if known(n) || lt.bound(n) >= best {
			note(n)
			continue
		}
		if err := visit(n); err != nil {
			return nil, nil, err
		}
	}
	if bestNode < 0 {
		return nil, nil, invalidf("privacy: no generalization satisfies the privacy models within the suppression limit of %d rows (even full generalization fails: too few rows?)", sp.limit)
	}
	lt.levels(bestNode, lv)
	out, suppressed := sp.applyFullDomain(s, lv)
	res := &SearchResult{Levels: map[string]int{}, Suppressed: suppressed, Loss: best,
		Evaluated: s.evaluated, LatticeNodes: lt.size}
	for j, q := range sp.qis {
		res.Levels[q.col.Name] = lv[j]
	}
	return out, res, nil
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

// emit builds the output table: rows for which keep is true, QI columns
// from qiColumn, all other columns filtered. It returns the table and the
// number of suppressed rows.
func (sp *space) emit(keepRow func(int) bool, qiColumn func(j int, keep []bool) *Column) (*Table, int) {
	keep := make([]bool, sp.n)
	suppressed := 0
	for i := range keep {
		keep[i] = keepRow(i)
		if !keep[i] {
			suppressed++
		}
	}
	var out *Table
	if suppressed > 0 {
		out = sp.t.Filter(keep)
	} else {
		out = sp.t.WithColumns(slices.Clone(sp.t.Columns))
	}
	for j, q := range sp.qis {
		out.Columns[q.idx] = qiColumn(j, keep)
	}
	for i, c := range out.Columns {
		if c.Role != RoleQuasi && suppressed > 0 {
			out.Columns[i] = c.Compact()
		}
	}
	out.Suppressed = sp.t.Suppressed + suppressed
	return out, suppressed
}

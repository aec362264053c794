package anonymize

import (
	"math"
	"slices"
)

// The equivalence classes of one lattice node: snapshots of them, rolled
// up from a finer node's, and checked against the privacy models.

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

// rollup computes the classes of node lv from those of src, a predecessor.
// The result lives in scratch buffers until the next rollup.
func (s *searcher) rollup(src *snapshot, lv []int) *snapshot {
	ups, exact, prod := s.upMaps(src, lv)
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
	switch {
	case !exact:
		rep = s.groupHashed(dst, src, ups, classOf, rep)
	case prod <= 1<<22 && prod <= uint64(8*nsrc+4096):
		rep = s.groupDense(dst, s.scaledKeys(src, ups), src.count[:nsrc], classOf, rep, prod)
	default:
		rep = s.groupExact(dst, s.scaledKeys(src, ups), src.count[:nsrc], classOf, rep)
	}
	s.rep = rep
	dst.cols = make([][]uint32, len(ups))
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
	rollupMembers(dst, src, classOf)
	return dst
}

// upMaps returns, per quasi-identifier, the map from src's ids to lv's,
// sets s.radix to lv's domain sizes, and says whether their product fits
// 64 bits (exact) and what it is.
func (s *searcher) upMaps(src *snapshot, lv []int) (ups [][]uint32, exact bool, prod uint64) {
	ups = make([][]uint32, len(s.sp.qis))
	exact, prod = true, 1
	for j, q := range s.sp.qis {
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
	return ups, exact, prod
}

// scaledKeys returns each source class's mixed-radix key at the new node
// (in s.keyBuf): the sum over columns of scaled ids, computed a column at
// a time; the tables turn the mixed-radix product into lookups.
func (s *searcher) scaledKeys(src *snapshot, ups [][]uint32) []uint64 {
	m, nsrc := len(ups), src.classes()
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
	return keys
}

// groupDense groups source classes by key through a dense table of prod
// slots, adding the new classes' counts to dst and their representatives
// to rep; classOf, when not nil, gets each source class's new class.
func (s *searcher) groupDense(dst *snapshot, keys []uint64, counts []int32, classOf, rep []int32, prod uint64) []int32 {
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
	return rep
}

// groupExact is groupDense through the hash table, for key spaces too
// large for a dense table.
func (s *searcher) groupExact(dst *snapshot, keys []uint64, counts []int32, classOf, rep []int32) []int32 {
	s.g.init(min(len(keys), 1<<16), len(s.sp.qis), true)
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
	return rep
}

// groupHashed groups source classes by their id vectors at the new node,
// hashed and verified, when the mixed-radix key does not fit 64 bits.
func (s *searcher) groupHashed(dst, src *snapshot, ups [][]uint32, classOf, rep []int32) []int32 {
	nsrc := src.classes()
	s.g.init(min(nsrc, 1<<16), len(ups), false)
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
	return rep
}

// rollupMembers gathers the member tuples of dst's classes (CSR) from
// those of src's, given each source class's new class.
func rollupMembers(dst, src *snapshot, classOf []int32) {
	nsrc, nc := src.classes(), dst.classes()
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

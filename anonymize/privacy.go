package anonymize

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Method selects how the privacy transform searches for a safe generalization.
type Method string

const (
	// MethodAuto uses the optimal full-domain search when the generalization
	// lattice is small enough (MaxLatticeNodes) and Mondrian otherwise.
	MethodAuto Method = "auto"
	// MethodOptimal searches the lattice of full-domain generalizations (one
	// hierarchy level per quasi-identifier for all rows) for the anonymous
	// node with the least information loss, pruning with monotonicity as
	// ARX's Flash does.
	MethodOptimal Method = "optimal"
	// MethodMondrian partitions the rows recursively on the
	// quasi-identifiers (strict multidimensional partitioning, local
	// recoding): each partition is generalized to its own ranges.
	MethodMondrian Method = "mondrian"
)

// DefaultSuppressionLimit is the share of rows the search may suppress when
// the configuration says nothing.
const DefaultSuppressionLimit = 0.02

// MaxLatticeNodes is the lattice size above which MethodAuto picks Mondrian.
const MaxLatticeNodes = 200_000

// LDiversity variants.
const (
	LDistinct = "distinct" // each class holds at least L distinct sensitive values
	LEntropy  = "entropy"  // each class's sensitive entropy is at least log(L)
)

// Privacy is the privacy-model transform: it generalizes the
// quasi-identifiers (columns with RoleQuasi) and suppresses rows until every
// equivalence class (rows equal on all quasi-identifiers) satisfies the
// models, and removes the suppressed rows from the output.
//
// Quasi-identifiers use their Column.Hierarchy; those without one get an
// automatic hierarchy (AutoHierarchy). The sensitive columns (RoleSensitive)
// are what l-diversity and t-closeness protect.
type Privacy struct {
	// K: every class holds at least K rows (k-anonymity). At least 1.
	K int `json:"k" yaml:"k"`
	// L, when > 0: l-diversity of each sensitive column in every class.
	L float64 `json:"l,omitempty" yaml:"l,omitempty"`
	// LVariant is LDistinct (default) or LEntropy.
	LVariant string `json:"l_variant,omitempty" yaml:"l_variant,omitempty"`
	// T, when > 0: t-closeness of each sensitive column: the earth mover's
	// distance between a class's distribution and the table's is at most T
	// (equal ground distance for categorical columns, ordered distance for
	// numeric ones).
	T float64 `json:"t,omitempty" yaml:"t,omitempty"`
	// SuppressionLimit is the largest share of rows the search may remove
	// (0..1); nil means DefaultSuppressionLimit.
	SuppressionLimit *float64 `json:"suppression_limit,omitempty" yaml:"suppression_limit,omitempty"`
	// Method picks the search; empty means MethodAuto.
	Method Method `json:"method,omitempty" yaml:"method,omitempty"`
}

// Validate checks the parameters.
func (p *Privacy) Validate() error {
	if p.K < 1 {
		return invalidf("privacy: k must be at least 1, got %d", p.K)
	}
	if p.L < 0 {
		return invalidf("privacy: l must not be negative")
	}
	switch p.LVariant {
	case "", LDistinct, LEntropy:
	default:
		return invalidf("privacy: l_variant must be %q or %q, got %q", LDistinct, LEntropy, p.LVariant)
	}
	if p.T < 0 || p.T > 1 {
		return invalidf("privacy: t must be between 0 and 1, got %v", p.T)
	}
	if s := p.suppression(); s < 0 || s > 1 {
		return invalidf("privacy: suppression_limit must be between 0 and 1, got %v", s)
	}
	switch p.Method {
	case "", MethodAuto, MethodOptimal, MethodMondrian:
	default:
		return invalidf("privacy: method must be auto, optimal or mondrian, got %q", p.Method)
	}
	return nil
}

func (p *Privacy) suppression() float64 {
	if p.SuppressionLimit == nil {
		return DefaultSuppressionLimit
	}
	return *p.SuppressionLimit
}

func (p *Privacy) needsSensitive() bool { return p.L > 0 || p.T > 0 }

// Describe implements Transform.
func (p *Privacy) Describe() Descriptor {
	return Descriptor{Name: "privacy", Version: Version, Scope: ScopeTable,
		Summary: "k-anonymity, l-diversity and t-closeness by generalization and record suppression"}
}

// Apply implements Transform.
func (p *Privacy) Apply(ctx context.Context, t *Table) (*Table, error) {
	out, _, err := p.Anonymize(ctx, t)
	return out, err
}

// SearchResult describes what the privacy transform did.
type SearchResult struct {
	Method     Method         `json:"method"`
	Levels     map[string]int `json:"levels,omitempty"` // full-domain: the chosen level per quasi-identifier
	Suppressed int            `json:"suppressed"`
	// Loss is the normalized certainty penalty of the result with
	// suppressed rows counted as fully generalized (0 best, 1 worst).
	Loss float64 `json:"loss"`
	// Evaluated is the number of lattice nodes whose classes were computed
	// (full-domain) or partitions created (Mondrian).
	Evaluated int `json:"evaluated"`
	// LatticeNodes is the lattice size (full-domain).
	LatticeNodes int `json:"lattice_nodes,omitempty"`
}

// Anonymize runs the search and returns the transformed table with what the
// search decided. It fails with ErrInvalid when no anonymous result exists
// within the suppression limit.
func (p *Privacy) Anonymize(ctx context.Context, t *Table) (*Table, *SearchResult, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	sp, err := newSpace(t, p)
	if err != nil {
		return nil, nil, err
	}
	method := p.Method
	if method == "" || method == MethodAuto {
		method = MethodOptimal
		if sp.latticeSize() > MaxLatticeNodes {
			method = MethodMondrian
		}
	}
	var res *SearchResult
	var out *Table
	switch method {
	case MethodOptimal:
		out, res, err = sp.searchOptimal(ctx)
	default:
		out, res, err = sp.mondrian(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	res.Method = method
	return out, res, nil
}

// qiCol is a quasi-identifier prepared for the search: its hierarchy bound
// to the values present, and per level the generalized value of each
// dictionary code as a dense id.
type qiCol struct {
	idx     int // column index in the table
	col     *Column
	h       *Hierarchy
	height  int
	domain  int          // distinct values in the data
	gen     [][]uint32   // [level][code] -> generalized id
	genVals [][]string   // [level][id] -> value
	ncp     [][]float64  // [level][id] -> cell loss
	up      [][][]uint32 // [from][to][id at from] -> id at to; nil when the hierarchy is not a tree
	colLoss []float64    // [level] sum over rows of the cell loss
	numeric bool
	nums    []float64 // [code] -> value, numeric columns
	lo, hi  float64
	rank    []int32 // [code] -> position in the column's order (Mondrian)
	byRank  []int32 // [rank] -> code
}

// sensCol is a sensitive column with the table-wide distribution t-closeness compares against.
type sensCol struct {
	col     *Column
	numeric bool
	order   []int32   // [code] -> rank, numeric columns (ordered distance)
	global  []float64 // [code] -> share of rows
	ncodes  int
}

// space is the table compressed to distinct quasi-identifier tuples.
type space struct {
	p        *Privacy
	t        *Table
	n        int
	qis      []*qiCol
	sens     []*sensCol
	rowTuple []uint32
	codes    []uint32 // [tuple*m + j] -> code of QI j
	count    []int32  // [tuple] -> rows
	// sensHist[s] is a CSR list per tuple of (code, count) for sensitive column s.
	sensStart [][]int32
	sensCode  [][]uint32
	sensCount [][]int32
	limit     int // rows that may be suppressed
}

func (sp *space) latticeSize() int {
	n := 1
	for _, q := range sp.qis {
		n *= q.height
		if n > math.MaxInt32 {
			return math.MaxInt32
		}
	}
	return n
}

func newSpace(t *Table, p *Privacy) (*space, error) {
	sp := &space{p: p, t: t, n: t.NumRows()}
	sp.limit = int(math.Floor(p.suppression()*float64(sp.n) + 1e-9))
	for i, c := range t.Columns {
		switch c.Role {
		case RoleQuasi:
			q, err := newQICol(i, c.Compact())
			if err != nil {
				return nil, err
			}
			sp.qis = append(sp.qis, q)
		case RoleSensitive:
			if p.needsSensitive() {
				sp.sens = append(sp.sens, newSensCol(c.Compact()))
			}
		}
	}
	if len(sp.qis) == 0 {
		return nil, fmt.Errorf("privacy: %w (set the role of the columns that identify a person in combination)", ErrNoQuasiIdentifiers)
	}
	if p.needsSensitive() && len(sp.sens) == 0 {
		return nil, invalidf("privacy: l-diversity and t-closeness need at least one sensitive column")
	}
	sp.compress()
	for j, q := range sp.qis {
		q.colLoss = make([]float64, q.height)
		rows := make([]float64, len(q.col.Dict))
		for tu, cnt := range sp.count {
			rows[sp.codes[tu*len(sp.qis)+j]] += float64(cnt)
		}
		for l := range q.height {
			s := 0.0
			for c, r := range rows {
				s += r * q.ncp[l][q.gen[l][c]]
			}
			q.colLoss[l] = s
		}
	}
	return sp, nil
}

func newQICol(idx int, c *Column) (*qiCol, error) {
	h := c.Hierarchy
	var err error
	if h == nil {
		h, err = AutoHierarchy(c.Name, c.Type, c.Dict)
	} else {
		h, err = h.Restrict(c.Dict)
	}
	if err != nil {
		return nil, fmt.Errorf("quasi-identifier %q: %w", c.Name, err)
	}
	q := &qiCol{idx: idx, col: c, h: h, height: h.Height(), domain: len(c.Dict)}
	counts := h.leafCounts()
	q.gen = make([][]uint32, q.height)
	q.genVals = make([][]string, q.height)
	q.ncp = make([][]float64, q.height)
	for l := range q.height {
		ids := make(map[string]uint32)
		q.gen[l] = make([]uint32, len(c.Dict))
		for code, v := range c.Dict {
			g, _ := h.Generalize(v, l)
			id, ok := ids[g]
			if !ok {
				id = uint32(len(q.genVals[l]))
				ids[g] = id
				q.genVals[l] = append(q.genVals[l], g)
				q.ncp[l] = append(q.ncp[l], leafLoss(counts[l][g], q.domain))
			}
			q.gen[l][code] = id
		}
	}
	// up maps let the search roll classes up from a finer node; they exist
	// only when every generalized value has one parent (a tree).
	q.up = make([][][]uint32, q.height)
	tree := true
	for a := 0; a < q.height && tree; a++ {
		q.up[a] = make([][]uint32, q.height)
		for b := a; b < q.height && tree; b++ {
			m := make([]uint32, len(q.genVals[a]))
			set := make([]bool, len(m))
			for code := range c.Dict {
				ga, gb := q.gen[a][code], q.gen[b][code]
				if set[ga] && m[ga] != gb {
					tree = false
					break
				}
				m[ga], set[ga] = gb, true
			}
			q.up[a][b] = m
		}
	}
	if !tree {
		q.up = nil
	}
	q.numeric = c.Type.Numeric()
	if q.numeric {
		q.nums = make([]float64, len(c.Dict))
		q.lo, q.hi = math.Inf(1), math.Inf(-1)
		for code, v := range c.Dict {
			f, ok := parseNumber(v)
			if !ok {
				q.numeric = false
				break
			}
			q.nums[code] = f
			q.lo, q.hi = min(q.lo, f), max(q.hi, f)
		}
	}
	q.rank = q.order()
	return q, nil
}

// leafLoss is the normalized certainty penalty of a value that stands for
// leaves of the domain's values.
func leafLoss(leaves, domain int) float64 {
	if domain <= 1 {
		return 0
	}
	return float64(max(leaves, 1)-1) / float64(domain-1)
}

// order ranks the column's values: by number for numeric columns, else by
// their hierarchy path (coarsest first) so that siblings sit together.
func (q *qiCol) order() []int32 {
	codes := make([]int, len(q.col.Dict))
	for i := range codes {
		codes[i] = i
	}
	if q.numeric {
		slices.SortStableFunc(codes, func(a, b int) int {
			switch {
			case q.nums[a] < q.nums[b]:
				return -1
			case q.nums[a] > q.nums[b]:
				return 1
			}
			return 0
		})
	} else {
		key := func(c int) string {
			var sb strings.Builder
			for l := q.height - 1; l >= 0; l-- {
				sb.WriteString(q.genVals[l][q.gen[l][c]])
				sb.WriteByte(0)
			}
			return sb.String()
		}
		keys := make([]string, len(codes))
		for i := range codes {
			keys[i] = key(i)
		}
		slices.SortStableFunc(codes, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	}
	rank := make([]int32, len(codes))
	for r, c := range codes {
		rank[c] = int32(r)
	}
	return rank
}

func newSensCol(c *Column) *sensCol {
	s := &sensCol{col: c, ncodes: len(c.Dict), global: make([]float64, len(c.Dict))}
	for _, code := range c.Codes {
		s.global[code]++
	}
	for i := range s.global {
		s.global[i] /= float64(max(len(c.Codes), 1))
	}
	if c.Type.Numeric() {
		nums := make([]float64, len(c.Dict))
		ok := true
		for i, v := range c.Dict {
			nums[i], ok = parseNumber(v)
			if !ok {
				break
			}
		}
		if ok {
			s.numeric = true
			codes := make([]int32, len(c.Dict))
			for i := range codes {
				codes[i] = int32(i)
			}
			slices.SortStableFunc(codes, func(a, b int32) int {
				switch {
				case nums[a] < nums[b]:
					return -1
				case nums[a] > nums[b]:
					return 1
				}
				return 0
			})
			s.order = make([]int32, len(codes))
			for r, code := range codes {
				s.order[code] = int32(r)
			}
		}
	}
	return s
}

// compress maps every row to its distinct quasi-identifier tuple.
func (sp *space) compress() {
	m := len(sp.qis)
	cols := make([][]uint32, m)
	radix := make([]uint64, m)
	exact := true
	prod := uint64(1)
	for j, q := range sp.qis {
		cols[j] = q.col.Codes
		radix[j] = uint64(len(q.col.Dict))
		if radix[j] == 0 {
			radix[j] = 1
		}
		if prod > math.MaxUint64/radix[j] {
			exact = false
		}
		prod *= radix[j]
	}
	var g grouper
	g.init(1024, m, exact)
	sp.rowTuple = make([]uint32, sp.n)
	vec := make([]uint32, m)
	for i := range sp.n {
		var key uint64
		for j := range m {
			vec[j] = cols[j][i]
		}
		key = g.key(vec, radix)
		id, added := g.insert(key, vec)
		if added {
			sp.codes = append(sp.codes, vec...)
			sp.count = append(sp.count, 0)
		}
		sp.count[id]++
		sp.rowTuple[i] = uint32(id)
	}
	// Sensitive histograms per tuple.
	nt := len(sp.count)
	for _, s := range sp.sens {
		pairs := make(map[uint64]int32)
		for i, code := range s.col.Codes {
			pairs[uint64(sp.rowTuple[i])<<32|uint64(code)]++
		}
		start := make([]int32, nt+1)
		for k := range pairs {
			start[k>>32+1]++
		}
		for i := 1; i <= nt; i++ {
			start[i] += start[i-1]
		}
		pos := slices.Clone(start[:nt])
		codes := make([]uint32, len(pairs))
		counts := make([]int32, len(pairs))
		for k, c := range pairs {
			tu := k >> 32
			codes[pos[tu]] = uint32(k)
			counts[pos[tu]] = c
			pos[tu]++
		}
		sp.sensStart = append(sp.sensStart, start)
		sp.sensCode = append(sp.sensCode, codes)
		sp.sensCount = append(sp.sensCount, counts)
	}
}

// grouper is an open-addressing hash table from code vectors to dense ids,
// reused across lattice nodes. Keys are mixed-radix numbers when the radix
// product fits 64 bits (exact), else hashes verified against the stored vectors.
type grouper struct {
	keys  []uint64
	ids   []int32
	mask  uint64
	n     int
	m     int
	exact bool
	vecs  []uint32 // stored vectors when not exact
}

func (g *grouper) init(hint, m int, exact bool) {
	size := 16
	for size < 2*hint {
		size <<= 1
	}
	if cap(g.keys) >= size {
		g.keys = g.keys[:size]
		g.ids = g.ids[:size]
		clear(g.ids)
	} else {
		g.keys = make([]uint64, size)
		g.ids = make([]int32, size)
	}
	g.mask = uint64(size - 1)
	g.n = 0
	g.m = m
	g.exact = exact
	g.vecs = g.vecs[:0]
}

func (g *grouper) key(vec []uint32, radix []uint64) uint64 {
	var k uint64
	if g.exact {
		for j, v := range vec {
			k = k*radix[j] + uint64(v)
		}
		return k
	}
	k = 0xcbf29ce484222325
	for _, v := range vec {
		k ^= uint64(v)
		k *= 0x100000001b3
		k ^= k >> 29
	}
	return k
}

// insert returns the id of vec (key must be g.key(vec)), adding it when new.
// ids are stored +1 so that 0 marks an empty slot.
func (g *grouper) insert(key uint64, vec []uint32) (int, bool) {
	if 2*(g.n+1) > len(g.keys) {
		g.grow()
	}
	h := (key * 0x9E3779B97F4A7C15) >> 20
	for i := h & g.mask; ; i = (i + 1) & g.mask {
		id := g.ids[i]
		if id == 0 {
			g.keys[i] = key
			g.ids[i] = int32(g.n + 1)
			g.n++
			if !g.exact {
				g.vecs = append(g.vecs, vec...)
			}
			return g.n - 1, true
		}
		if g.keys[i] == key && (g.exact || slices.Equal(g.vecs[int(id-1)*g.m:int(id)*g.m], vec)) {
			return int(id - 1), false
		}
	}
}

func (g *grouper) grow() {
	oldKeys, oldIDs := g.keys, g.ids
	size := 2 * len(oldKeys)
	g.keys = make([]uint64, size)
	g.ids = make([]int32, size)
	g.mask = uint64(size - 1)
	for i, id := range oldIDs {
		if id == 0 {
			continue
		}
		h := (oldKeys[i] * 0x9E3779B97F4A7C15) >> 20
		for k := h & g.mask; ; k = (k + 1) & g.mask {
			if g.ids[k] == 0 {
				g.keys[k] = oldKeys[i]
				g.ids[k] = id
				break
			}
		}
	}
}

// classCheck evaluates the privacy models on one equivalence class given
// its rows and, for l and t, its members (tuple ids).
type classCheck struct {
	sp      *space
	scratch []float64
	touched []uint32
}

func newClassCheck(sp *space) *classCheck {
	n := 0
	for _, s := range sp.sens {
		n = max(n, s.ncodes)
	}
	return &classCheck{sp: sp, scratch: make([]float64, n)}
}

// ok reports whether a class of rows rows with the given member tuples
// satisfies l-diversity and t-closeness (k is checked by the caller).
func (cc *classCheck) ok(rows int, members []int32) bool {
	p := cc.sp.p
	for si, s := range cc.sp.sens {
		start, codes, counts := cc.sp.sensStart[si], cc.sp.sensCode[si], cc.sp.sensCount[si]
		cc.touched = cc.touched[:0]
		for _, tu := range members {
			for x := start[tu]; x < start[tu+1]; x++ {
				c := codes[x]
				if cc.scratch[c] == 0 {
					cc.touched = append(cc.touched, c)
				}
				cc.scratch[c] += float64(counts[x])
			}
		}
		pass := cc.evaluate(s, float64(rows), p)
		for _, c := range cc.touched {
			cc.scratch[c] = 0
		}
		if !pass {
			return false
		}
	}
	return true
}

func (cc *classCheck) evaluate(s *sensCol, rows float64, p *Privacy) bool {
	if p.L > 0 {
		if p.LVariant == LEntropy {
			e := 0.0
			for _, c := range cc.touched {
				f := cc.scratch[c] / rows
				e -= f * math.Log(f)
			}
			if e < math.Log(p.L)-1e-12 {
				return false
			}
		} else if float64(len(cc.touched)) < p.L {
			return false
		}
	}
	if p.T > 0 && emd(s, cc.scratch, cc.touched, rows) > p.T+1e-12 {
		return false
	}
	return true
}

// emd is the earth mover's distance between a class's sensitive
// distribution (hist/rows over the touched codes) and the table's.
func emd(s *sensCol, hist []float64, touched []uint32, rows float64) float64 {
	if !s.numeric {
		// Equal ground distance: half the L1 distance.
		d := 0.0
		inClass := 0.0
		for _, c := range touched {
			d += math.Abs(hist[c]/rows - s.global[c])
			inClass += s.global[c]
		}
		d += 1 - inClass // codes absent from the class
		return d / 2
	}
	// Ordered distance: sum of absolute cumulative differences / (m-1).
	m := s.ncodes
	if m <= 1 {
		return 0
	}
	diff := make([]float64, m)
	for c, g := range s.global {
		diff[s.order[c]] -= g
	}
	for _, c := range touched {
		diff[s.order[c]] += hist[c] / rows
	}
	cum, d := 0.0, 0.0
	for _, v := range diff[:m-1] {
		cum += v
		d += math.Abs(cum)
	}
	return d / float64(m-1)
}

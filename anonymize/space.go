package anonymize

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The privacy transform's search space, shared by both searches: the
// quasi-identifiers prepared with their hierarchies, the sensitive columns
// with their table-wide distributions, the rows compressed to distinct
// quasi-identifier tuples, and the output table written back from them.

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

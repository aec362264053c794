package anonymize

import (
	"context"
	"math"
	"slices"
	"strconv"
)

// Mondrian: strict multidimensional partitioning (LeFevre, DeWitt,
// Ramakrishnan 2006). Starting from the whole table, a partition is split
// at the median of the quasi-identifier with the widest normalized range,
// trying the next widest when a split would leave a side that breaks the
// privacy models; partitions that cannot be split are generalized each to
// its own ranges (local recoding). Rows with equal quasi-identifiers always
// stay together (strict), so the work is on the distinct tuples, weighted
// by their row counts.
//
// Numeric quasi-identifiers generalize to "[lo, hi]" intervals (a single
// value stays as it is); others to the lowest hierarchy value that covers
// the partition's values (their order for splitting follows the hierarchy,
// so siblings stay together).

func (sp *space) mondrian(ctx context.Context) (*Table, *SearchResult, error) {
	m := len(sp.qis)
	nt := len(sp.count)
	mr := &mondrianRun{sp: sp, cc: newClassCheck(sp), k: sp.p.K, dims: make([]int, m), span: make([]float64, m)}
	all := make([]int32, nt)
	for i := range all {
		all[i] = int32(i)
	}
	if !mr.allowed(all, sp.n) {
		return nil, nil, invalidf("privacy: the table as a whole does not satisfy the privacy models (%d rows, k=%d): no partitioning can", sp.n, mr.k)
	}
	leaves, evaluated, err := mr.partition(ctx, all)
	if err != nil {
		return nil, nil, err
	}
	tupleOut, uniform, loss := mr.generalize(leaves)
	out, _ := sp.emit(func(int) bool { return true }, func(j int, _ []bool) *Column {
		q := sp.qis[j]
		b := NewColumnBuilder(q.col.Name, q.col.Type)
		for _, tu := range sp.rowTuple {
			b.Append(tupleOut[j][tu])
		}
		c := q.col.withData(b.col.Dict, b.col.Codes)
		c.Hierarchy, c.Level = q.h, max(uniform[j], -1)
		return c.note("privacy")
	})
	res := &SearchResult{Loss: loss / float64(max(sp.n, 1)*m), Evaluated: evaluated}
	return out, res, nil
}

// mondrianRun holds one Mondrian partitioning's state and buffers.
type mondrianRun struct {
	sp   *space
	cc   *classCheck
	k    int
	dims []int     // the quasi-identifiers by decreasing span, for the partition at hand
	span []float64 // [j] the partition's normalized range of QI j
}

// mondrianPart is a partition: its tuples and their rows.
type mondrianPart struct {
	tuples []int32
	rows   int
}

func (mr *mondrianRun) rowsOf(part []int32) int {
	n := 0
	for _, tu := range part {
		n += int(mr.sp.count[tu])
	}
	return n
}

// allowed says whether a partition may stand: at least k rows, and the
// other models hold on it.
func (mr *mondrianRun) allowed(part []int32, rows int) bool {
	if rows < mr.k {
		return false
	}
	if len(mr.sp.sens) > 0 {
		return mr.cc.ok(rows, part)
	}
	return true
}

// partition splits the whole table (all tuples) until no partition can be
// split, and returns the partitions (leaves) and how many it looked at.
func (mr *mondrianRun) partition(ctx context.Context, all []int32) ([][]int32, int, error) {
	stack := []mondrianPart{{all, mr.sp.n}}
	var leaves [][]int32
	evaluated := 0
	for len(stack) > 0 {
		if evaluated%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		evaluated++
		mr.spans(p.tuples)
		if left, right, ok := mr.split(p); ok {
			stack = append(stack, left, right)
		} else {
			leaves = append(leaves, p.tuples)
		}
	}
	return leaves, evaluated, nil
}

// spans sets mr.span to each quasi-identifier's normalized range over the
// tuples and mr.dims to the quasi-identifiers by decreasing span.
func (mr *mondrianRun) spans(tuples []int32) {
	sp := mr.sp
	m := len(sp.qis)
	for j, q := range sp.qis {
		mr.dims[j] = j
		lo, hi := int32(math.MaxInt32), int32(-1)
		for _, tu := range tuples {
			r := q.rank[sp.codes[int(tu)*m+j]]
			lo, hi = min(lo, r), max(hi, r)
		}
		mr.span[j] = 0
		if hi > lo {
			if q.numeric && q.hi > q.lo {
				mr.span[j] = (q.nums[q.codeAtRank(hi)] - q.nums[q.codeAtRank(lo)]) / (q.hi - q.lo)
			} else {
				mr.span[j] = float64(hi-lo) / float64(max(q.domain-1, 1))
			}
		}
	}
	span := mr.span
	slices.SortStableFunc(mr.dims, func(a, b int) int { return cmpFloat(span[b], span[a]) })
}

// split splits p on the widest quasi-identifier whose median split leaves
// two allowed sides, trying the next widest otherwise (mr.spans(p.tuples)
// must have run); false when no quasi-identifier can.
func (mr *mondrianRun) split(p mondrianPart) (mondrianPart, mondrianPart, bool) {
	for _, j := range mr.dims {
		if mr.span[j] == 0 {
			break
		}
		cut, ok := mr.medianCut(p, j)
		if !ok {
			continue
		}
		left, right := p.tuples[:cut], p.tuples[cut:]
		lr := mr.rowsOf(left)
		if mr.allowed(left, lr) && mr.allowed(right, p.rows-lr) {
			return mondrianPart{left, lr}, mondrianPart{right, p.rows - lr}, true
		}
	}
	return mondrianPart{}, mondrianPart{}, false
}

// medianCut sorts p's tuples by QI j and returns where the median split
// cuts them: after the last tuple of the median value, or of the value
// below it when the median is the maximum; false when there is none below.
func (mr *mondrianRun) medianCut(p mondrianPart, j int) (int, bool) {
	sp := mr.sp
	m := len(sp.qis)
	rank := sp.qis[j].rank
	key := func(tu int32) int32 { return rank[sp.codes[int(tu)*m+j]] }
	slices.SortFunc(p.tuples, func(a, b int32) int { return int(key(a) - key(b)) })
	// The split value: the median rank, moved down when it is the maximum.
	half, acc := (p.rows+1)/2, 0
	at := 0
	for i, tu := range p.tuples {
		acc += int(sp.count[tu])
		if acc >= half {
			at = i
			break
		}
	}
	v := key(p.tuples[at])
	if v == key(p.tuples[len(p.tuples)-1]) {
		// everything from the median up is one value: split below it
		for at >= 0 && key(p.tuples[at]) == v {
			at--
		}
		if at < 0 {
			return 0, false
		}
		v = key(p.tuples[at])
	}
	cut := at + 1
	for cut < len(p.tuples) && key(p.tuples[cut]) == v {
		cut++
	}
	return cut, true
}

// generalize generalizes each leaf partition: tupleOut[j][tuple] is the
// output value of QI j, uniform[j] the level all partitions share (-1 when
// they do not, -2 when there are none), and loss the rows' summed cell loss.
func (mr *mondrianRun) generalize(leaves [][]int32) (tupleOut [][]string, uniform []int, loss float64) {
	sp := mr.sp
	m := len(sp.qis)
	tupleOut = make([][]string, m)
	for j := range tupleOut {
		tupleOut[j] = make([]string, len(sp.count))
	}
	uniform = make([]int, m)
	for j := range uniform {
		uniform[j] = -2
	}
	for _, leaf := range leaves {
		rows := mr.rowsOf(leaf)
		for j, q := range sp.qis {
			v, cell, level := q.generalizePartition(sp, leaf, j)
			for _, tu := range leaf {
				tupleOut[j][tu] = v
			}
			loss += float64(rows) * cell
			switch uniform[j] {
			case -2:
				uniform[j] = level
			case level:
			default:
				uniform[j] = -1
			}
		}
	}
	return tupleOut, uniform, loss
}

// codeAtRank returns the dictionary code with the given rank.
func (q *qiCol) codeAtRank(r int32) int {
	if q.byRank == nil {
		q.byRank = make([]int32, len(q.rank))
		for c, rk := range q.rank {
			q.byRank[rk] = int32(c)
		}
	}
	return int(q.byRank[r])
}

// generalizePartition returns the value that stands for the partition's
// values of QI j, its cell loss and hierarchy level (-1 for intervals).
func (q *qiCol) generalizePartition(sp *space, leaf []int32, j int) (string, float64, int) {
	m := len(sp.qis)
	first := sp.codes[int(leaf[0])*m+j]
	if q.numeric {
		lo, hi := q.nums[first], q.nums[first]
		loCode := first
		for _, tu := range leaf {
			c := sp.codes[int(tu)*m+j]
			f := q.nums[c]
			if f < lo {
				lo, loCode = f, c
			}
			hi = max(hi, f)
		}
		if lo == hi {
			return q.col.Dict[loCode], 0, 0
		}
		cell := 0.0
		if q.hi > q.lo {
			cell = (hi - lo) / (q.hi - q.lo)
		}
		return formatInterval(lo, hi), cell, -1
	}
	for l := range q.height {
		g := q.gen[l][first]
		same := true
		for _, tu := range leaf {
			if q.gen[l][sp.codes[int(tu)*m+j]] != g {
				same = false
				break
			}
		}
		if same {
			return q.genVals[l][g], q.ncp[l][g], l
		}
	}
	return "*", 1, q.height - 1
}

// formatInterval writes a closed interval as Mondrian's output shows it.
func formatInterval(lo, hi float64) string {
	return "[" + strconv.FormatFloat(lo, 'f', -1, 64) + ", " + strconv.FormatFloat(hi, 'f', -1, 64) + "]"
}

// parseInterval reads formatInterval's output.
func parseInterval(v string) (lo, hi float64, ok bool) {
	if len(v) < 6 || v[0] != '[' || v[len(v)-1] != ']' {
		return 0, 0, false
	}
	inner := v[1 : len(v)-1]
	for i := 0; i+1 < len(inner); i++ {
		if inner[i] == ',' && inner[i+1] == ' ' {
			a, err1 := strconv.ParseFloat(inner[:i], 64)
			b, err2 := strconv.ParseFloat(inner[i+2:], 64)
			return a, b, err1 == nil && err2 == nil
		}
	}
	return 0, 0, false
}

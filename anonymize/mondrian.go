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
	cc := newClassCheck(sp)
	k := sp.p.K
	rowsOf := func(part []int32) int {
		n := 0
		for _, tu := range part {
			n += int(sp.count[tu])
		}
		return n
	}
	allowed := func(part []int32, rows int) bool {
		if rows < k {
			return false
		}
		if len(sp.sens) > 0 {
			return cc.ok(rows, part)
		}
		return true
	}
	all := make([]int32, nt)
	for i := range all {
		all[i] = int32(i)
	}
	if !allowed(all, sp.n) {
		return nil, nil, invalidf("privacy: the table as a whole does not satisfy the privacy models (%d rows, k=%d): no partitioning can", sp.n, k)
	}
	type part struct {
		tuples []int32
		rows   int
	}
	stack := []part{{all, sp.n}}
	var leaves [][]int32
	dims := make([]int, m)
	span := make([]float64, m)
	evaluated := 0
	for len(stack) > 0 {
		if evaluated%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		evaluated++
		for j, q := range sp.qis {
			dims[j] = j
			lo, hi := int32(math.MaxInt32), int32(-1)
			for _, tu := range p.tuples {
				r := q.rank[sp.codes[int(tu)*m+j]]
				lo, hi = min(lo, r), max(hi, r)
			}
			span[j] = 0
			if hi > lo {
				if q.numeric && q.hi > q.lo {
					span[j] = (q.nums[q.codeAtRank(hi)] - q.nums[q.codeAtRank(lo)]) / (q.hi - q.lo)
				} else {
					span[j] = float64(hi-lo) / float64(max(q.domain-1, 1))
				}
			}
		}
		slices.SortStableFunc(dims, func(a, b int) int { return cmpFloat(span[b], span[a]) })
		split := false
		for _, j := range dims {
			if span[j] == 0 {
				break
			}
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
					continue
				}
				v = key(p.tuples[at])
			}
			cut := at + 1
			for cut < len(p.tuples) && key(p.tuples[cut]) == v {
				cut++
			}
			left, right := p.tuples[:cut], p.tuples[cut:]
			lr := rowsOf(left)
			if allowed(left, lr) && allowed(right, p.rows-lr) {
				stack = append(stack, part{left, lr}, part{right, p.rows - lr})
				split = true
				break
			}
		}
		if !split {
			leaves = append(leaves, p.tuples)
		}
	}

	// Generalize each leaf partition; tupleOut[j][tuple] is the output value.
	tupleOut := make([][]string, m)
	for j := range tupleOut {
		tupleOut[j] = make([]string, nt)
	}
	loss := 0.0
	uniform := make([]int, m) // the level all partitions share, or -1
	for j := range uniform {
		uniform[j] = -2
	}
	for _, leaf := range leaves {
		rows := rowsOf(leaf)
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

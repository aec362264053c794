package anonymize

import "math"

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

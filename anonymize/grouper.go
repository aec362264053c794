package anonymize

import "slices"

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

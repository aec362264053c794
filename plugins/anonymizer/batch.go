package anonymizer

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/medmarket/medmarket/anonymize"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// The wire form of a batch (see plugins/proto): per column, the distinct
// values back to back with their end offsets, and the codes as fixed-width
// little-endian integers (1, 2 or 4 bytes as the dictionary needs).

// batchTargetBytes is the size batches aim at: large enough that per-message
// costs vanish, small enough that both processes work at once (the host
// encodes batch n+1 while the plugin transforms batch n).
const batchTargetBytes = 16 << 20

// hierarchyIDs numbers the hierarchies one side of a call has sent, so each
// travels once per call.
type hierarchyIDs struct {
	ids  map[*anonymize.Hierarchy]uint32
	next uint32
	// defined, when set, learns each id defined, so that answers referring
	// to a hierarchy this side sent can be decoded.
	defined *hierarchyMap
}

func newHierarchyIDs(first uint32, defined *hierarchyMap) *hierarchyIDs {
	return &hierarchyIDs{ids: map[*anonymize.Hierarchy]uint32{}, next: first, defined: defined}
}

// hierarchyMap maps the ids of one call to hierarchies; the sender and the
// receiver of a call share it.
type hierarchyMap struct {
	mu sync.Mutex
	m  map[uint32]*anonymize.Hierarchy
}

func newHierarchyMap() *hierarchyMap {
	return &hierarchyMap{m: map[uint32]*anonymize.Hierarchy{}}
}

func (h *hierarchyMap) get(id uint32) (*anonymize.Hierarchy, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	x, ok := h.m[id]
	return x, ok
}

func (h *hierarchyMap) set(id uint32, x *anonymize.Hierarchy) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m[id] = x
}

// ref returns h's id, adding its definition to b the first time.
func (ids *hierarchyIDs) ref(h *anonymize.Hierarchy, b *pb.Batch) uint32 {
	if h == nil {
		return 0
	}
	if id, ok := ids.ids[h]; ok {
		return id
	}
	id := ids.next
	ids.next++
	ids.ids[h] = id
	if ids.defined != nil {
		ids.defined.set(id, h)
	}
	rows := h.Rows()
	m := &pb.Hierarchy{Id: id, Height: uint32(h.Height())}
	var vals []byte
	for _, r := range rows {
		for _, v := range r {
			vals = append(vals, v...)
			m.Ends = append(m.Ends, uint32(len(vals)))
		}
	}
	m.Values = vals
	b.Hierarchies = append(b.Hierarchies, m)
	return id
}

// encodeBatch encodes t, whose dictionaries should hold only values its
// rows use (Table.Compact).
func encodeBatch(t *anonymize.Table, ids *hierarchyIDs) *pb.Batch {
	b := &pb.Batch{Rows: uint32(t.NumRows()), Columns: make([]*pb.Column, len(t.Columns))}
	for i, c := range t.Columns {
		b.Columns[i] = encodeColumn(c, ids.ref(c.Hierarchy, b))
	}
	return b
}

// batcher encodes consecutive row ranges of one table. Each batch carries
// only the values its rows use, found with a per-column scratch remap in
// time proportional to the batch, not to the table's dictionaries (which is
// what Table.Slice(...).Compact() would cost per batch).
type batcher struct {
	t     *anonymize.Table
	ids   *hierarchyIDs
	remap [][]uint32 // per column: old code -> new code + 1, 0 when unused in this batch
	used  [][]uint32 // per column scratch: old codes in order of first use
	// Buffers of the previous batch, reused: gRPC has serialized a message
	// when Send returns, so the next batch may overwrite them.
	dicts, codes, ends [][]byte
}

func newBatcher(t *anonymize.Table, ids *hierarchyIDs) *batcher {
	n := len(t.Columns)
	return &batcher{t: t, ids: ids, remap: make([][]uint32, n), used: make([][]uint32, n),
		dicts: make([][]byte, n), codes: make([][]byte, n), ends: make([][]byte, n)}
}

// encode returns rows [lo, hi) as a batch.
func (bt *batcher) encode(lo, hi int) *pb.Batch {
	b := &pb.Batch{Rows: uint32(hi - lo), Columns: make([]*pb.Column, len(bt.t.Columns))}
	for j, c := range bt.t.Columns {
		if bt.remap[j] == nil {
			bt.remap[j] = make([]uint32, len(c.Dict))
		}
		b.Columns[j] = bt.encodeColumn(j, c, lo, hi)
	}
	for j, c := range bt.t.Columns {
		b.Columns[j].Hierarchy = bt.ids.ref(c.Hierarchy, b)
	}
	return b
}

func (bt *batcher) encodeColumn(j int, c *anonymize.Column, lo, hi int) *pb.Column {
	codes := c.Codes[lo:hi]
	remap := bt.remap[j]
	used := bt.used[j][:0]
	// Find the values the batch uses...
	for _, code := range codes {
		if remap[code] == 0 {
			used = append(used, code)
			remap[code] = 1
		}
	}
	// ...and number them in dictionary order, which is close to the order
	// their strings sit in memory: gathering them is then a sequential
	// read instead of a cache miss per value.
	if len(used)*16 >= len(remap) {
		used = used[:0]
		for code, v := range remap {
			if v != 0 {
				used = append(used, uint32(code))
			}
		}
	} else {
		slices.Sort(used)
	}
	for i, code := range used {
		remap[code] = uint32(i + 1)
	}
	width := codeWidth(len(used))
	out := grow(bt.codes[j], len(codes)*width)
	bt.codes[j] = out
	switch width {
	case 1:
		for i, code := range codes {
			out[i] = byte(remap[code] - 1)
		}
	case 2:
		for i, code := range codes {
			binary.LittleEndian.PutUint16(out[2*i:], uint16(remap[code]-1))
		}
	default:
		for i, code := range codes {
			binary.LittleEndian.PutUint32(out[4*i:], remap[code]-1)
		}
	}
	size := 0
	for _, code := range used {
		size += len(c.Dict[code])
	}
	dict := grow(bt.dicts[j], size)[:0]
	ends := grow(bt.ends[j], 4*len(used))
	for i, code := range used {
		dict = append(dict, c.Dict[code]...)
		binary.LittleEndian.PutUint32(ends[4*i:], uint32(len(dict)))
		remap[code] = 0
	}
	bt.used[j], bt.dicts[j], bt.ends[j] = used, dict, ends
	return &pb.Column{
		Name: c.Name, Type: c.Type.String(), Role: c.Role.String(), Level: int32(c.Level),
		Applied: c.Applied, Dict: dict, DictEnds: ends, CodeWidth: uint32(width), Codes: out,
	}
}

// grow returns b resized to n, reallocated only when too small.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n, n+n/4)
	}
	return b[:n]
}

func encodeColumn(c *anonymize.Column, hier uint32) *pb.Column {
	size := 0
	for _, v := range c.Dict {
		size += len(v)
	}
	dict := make([]byte, 0, size)
	ends := make([]byte, 4*len(c.Dict))
	for i, v := range c.Dict {
		dict = append(dict, v...)
		binary.LittleEndian.PutUint32(ends[4*i:], uint32(len(dict)))
	}
	width := codeWidth(len(c.Dict))
	codes := make([]byte, len(c.Codes)*width)
	switch width {
	case 1:
		for i, code := range c.Codes {
			codes[i] = byte(code)
		}
	case 2:
		for i, code := range c.Codes {
			binary.LittleEndian.PutUint16(codes[2*i:], uint16(code))
		}
	default:
		for i, code := range c.Codes {
			binary.LittleEndian.PutUint32(codes[4*i:], code)
		}
	}
	return &pb.Column{
		Name: c.Name, Type: c.Type.String(), Role: c.Role.String(), Level: int32(c.Level),
		Applied: c.Applied, Hierarchy: hier,
		Dict: dict, DictEnds: ends, CodeWidth: uint32(width), Codes: codes,
	}
}

func codeWidth(n int) int {
	switch {
	case n <= 1<<8:
		return 1
	case n <= 1<<16:
		return 2
	}
	return 4
}

// batchError is a malformed batch: a peer that does not speak the protocol.
func batchError(format string, args ...any) error {
	return invalidErr{msg: "malformed batch: " + fmt.Sprintf(format, args...)}
}

// encodeAnswer encodes a row-scoped transform's answer to batch in: columns
// whose data is the data of an input column (passed through) go back as
// metadata and a reference (same_as), the others compacted and in full.
func encodeAnswer(out, in *anonymize.Table, ids *hierarchyIDs) *pb.Batch {
	rows := out.NumRows()
	if len(out.Columns) == 0 { // every column dropped: the rows remain
		rows = in.NumRows()
	}
	b := &pb.Batch{Rows: uint32(rows), Columns: make([]*pb.Column, len(out.Columns))}
	for i, c := range out.Columns {
		k := slices.IndexFunc(in.Columns, func(x *anonymize.Column) bool { return sameData(c, x) })
		if k < 0 {
			b.Columns[i] = encodeColumn(c.Compact(), 0)
		} else {
			b.Columns[i] = &pb.Column{Name: c.Name, Type: c.Type.String(), Role: c.Role.String(), Level: int32(c.Level),
				Applied: c.Applied, SameAs: uint32(k + 1)}
		}
		b.Columns[i].Hierarchy = ids.ref(c.Hierarchy, b)
	}
	return b
}

// sameData reports whether two columns share their dictionary and codes.
func sameData(a, b *anonymize.Column) bool {
	return len(a.Codes) > 0 && len(a.Codes) == len(b.Codes) && &a.Codes[0] == &b.Codes[0] &&
		len(a.Dict) == len(b.Dict) && (len(a.Dict) == 0 || &a.Dict[0] == &b.Dict[0])
}

// decodeBatch decodes a batch, checking every offset and code, and records
// the hierarchies it defines in hier. The returned table's strings point
// into b's buffers (b must not be modified afterwards). References to
// input columns (same_as) are errors here: see decodeAnswer.
func decodeBatch(name string, b *pb.Batch, hier *hierarchyMap) (*anonymize.Table, error) {
	t, refs, err := decodeAnswer(name, b, hier)
	if err != nil {
		return nil, err
	}
	for _, k := range refs {
		if k >= 0 {
			return nil, batchError("column refers to an input column outside the answer of a row-scoped call")
		}
	}
	return t, nil
}

// decodeAnswer decodes a batch that may refer to input columns (same_as):
// those columns come without data, and refs[i] is the input column's index
// (-1 for columns with data).
func decodeAnswer(name string, b *pb.Batch, hier *hierarchyMap) (*anonymize.Table, []int, error) {
	for _, hm := range b.Hierarchies {
		h, err := decodeHierarchy(hm)
		if err != nil {
			return nil, nil, err
		}
		hier.set(hm.Id, h)
	}
	cols := make([]*anonymize.Column, len(b.Columns))
	refs := make([]int, len(b.Columns))
	for i, cm := range b.Columns {
		c, err := decodeColumn(cm, int(b.Rows), hier)
		if err != nil {
			return nil, nil, err
		}
		cols[i] = c
		refs[i] = int(cm.SameAs) - 1
	}
	t := &anonymize.Table{Name: name, Columns: cols}
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if seen[c.Name] {
			return nil, nil, batchError("duplicate column %q", c.Name)
		}
		seen[c.Name] = true
	}
	return t, refs, nil
}

func decodeColumn(m *pb.Column, rows int, hier *hierarchyMap) (*anonymize.Column, error) {
	c := &anonymize.Column{Name: m.Name, Level: int(m.Level), Applied: m.Applied}
	if err := c.Type.UnmarshalText([]byte(m.Type)); err != nil {
		return nil, batchError("column %q: %v", m.Name, err)
	}
	if err := c.Role.UnmarshalText([]byte(m.Role)); err != nil {
		return nil, batchError("column %q: %v", m.Name, err)
	}
	if m.Hierarchy != 0 {
		h, ok := hier.get(m.Hierarchy)
		if !ok {
			return nil, batchError("column %q: undefined hierarchy %d", m.Name, m.Hierarchy)
		}
		c.Hierarchy = h
	}
	if m.SameAs != 0 {
		if len(m.Dict) > 0 || len(m.DictEnds) > 0 || len(m.Codes) > 0 {
			return nil, batchError("column %q: refers to input column %d and carries data", m.Name, m.SameAs)
		}
		return c, nil
	}
	if len(m.DictEnds)%4 != 0 {
		return nil, batchError("column %q: %d bytes of value ends, not a multiple of 4", m.Name, len(m.DictEnds))
	}
	dict, err := splitValues(m.Dict, len(m.DictEnds)/4, func(i int) uint32 { return binary.LittleEndian.Uint32(m.DictEnds[4*i:]) })
	if err != nil {
		return nil, batchError("column %q: %v", m.Name, err)
	}
	c.Dict = dict
	w := int(m.CodeWidth)
	if w != 1 && w != 2 && w != 4 {
		return nil, batchError("column %q: code width %d (want 1, 2 or 4)", m.Name, w)
	}
	if len(m.Codes) != rows*w {
		return nil, batchError("column %q: %d bytes of codes for %d rows of width %d", m.Name, len(m.Codes), rows, w)
	}
	codes, err := decodeCodes(m.Codes, w, rows, uint32(len(dict)))
	if err != nil {
		return nil, batchError("column %q %v", m.Name, err)
	}
	c.Codes = codes
	return c, nil
}

// decodeCodes decodes rows codes of width w (1, 2 or 4 bytes, little
// endian), each checked to be below n, the dictionary's size.
func decodeCodes(b []byte, w, rows int, n uint32) ([]uint32, error) {
	codes := make([]uint32, rows)
	bad := false
	switch w {
	case 1:
		for i := range codes {
			codes[i] = uint32(b[i])
			bad = bad || codes[i] >= n
		}
	case 2:
		for i := range codes {
			codes[i] = uint32(binary.LittleEndian.Uint16(b[2*i:]))
			bad = bad || codes[i] >= n
		}
	default:
		for i := range codes {
			codes[i] = binary.LittleEndian.Uint32(b[4*i:])
			bad = bad || codes[i] >= n
		}
	}
	if bad {
		for r, code := range codes {
			if code >= n {
				return nil, fmt.Errorf("row %d: code %d outside dictionary of %d", r, code, n)
			}
		}
	}
	return codes, nil
}

// splitValues cuts data at the n offsets end returns. The strings share data's memory: one
// conversion instead of one allocation per value.
func splitValues(data []byte, n int, end func(i int) uint32) ([]string, error) {
	var s string
	if len(data) > 0 {
		s = unsafe.String(&data[0], len(data))
	}
	out := make([]string, n)
	prev := uint32(0)
	for i := range n {
		e := end(i)
		if e < prev || int(e) > len(s) {
			return nil, fmt.Errorf("value %d ends at %d, outside %d..%d", i, e, prev, len(s))
		}
		out[i] = s[prev:e]
		prev = e
	}
	if int(prev) != len(s) {
		return nil, fmt.Errorf("%d bytes of values after the last value", len(s)-int(prev))
	}
	return out, nil
}

func decodeHierarchy(m *pb.Hierarchy) (*anonymize.Hierarchy, error) {
	vals, err := splitValues(m.Values, len(m.Ends), func(i int) uint32 { return m.Ends[i] })
	if err != nil {
		return nil, batchError("hierarchy %d: %v", m.Id, err)
	}
	hgt := int(m.Height)
	if hgt == 0 || len(vals)%hgt != 0 {
		return nil, batchError("hierarchy %d: %d values do not make rows of %d", m.Id, len(vals), hgt)
	}
	rows := make([][]string, 0, len(vals)/hgt)
	for i := 0; i < len(vals); i += hgt {
		rows = append(rows, vals[i:i+hgt:i+hgt])
	}
	h, err := anonymize.NewHierarchy(rows)
	if err != nil {
		return nil, batchError("hierarchy %d: %v", m.Id, err)
	}
	return h, nil
}

// batchBytes estimates the encoded size of rows [lo, hi) of t before
// compaction, for sizing batches: every row's codes plus, per column, the
// average dictionary bytes per row (an upper bound for unique columns).
func bytesPerRow(t *anonymize.Table) int {
	n := t.NumRows()
	if n == 0 {
		return 1
	}
	total := 0
	for _, c := range t.Columns {
		size := 0
		for _, v := range c.Dict {
			size += len(v) + 4
		}
		total += size/n + 1 + codeWidth(len(c.Dict))
	}
	return max(total, 1)
}

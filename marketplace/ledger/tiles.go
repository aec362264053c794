package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tidwall/buntdb"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
)

// Tree nodes are stored in tiles. Tile (s, t) holds the nodes of levels 8s to
// 8s+7 that lie under the 256 nodes [256t, 256t+256) of level 8s: 256 + 128 +
// ... + 2 = 510 hashes when full. Only complete (perfect) subtree roots are
// stored; the nodes of a tree of size n are exactly those, so the width of
// every tile (how many level-8s nodes it has) follows from n.
//
// Encoding: a 2-byte big-endian width w, then level 0 of the tile (w hashes),
// level 1 (w>>1 hashes), ..., level 7 (w>>7 hashes).

const (
	tileHeight = 8
	tileWidth  = 1 << tileHeight
	hashSize   = 32
)

type tileID struct {
	stratum uint   // tile levels are 8*stratum ... 8*stratum+7
	index   uint64 // which run of 256 level-8*stratum nodes
}

// locate returns the tile holding node id, the node's level within the tile
// and its position within that level.
func locate(id compact.NodeID) (t tileID, j uint, k uint64) {
	s, j := id.Level/tileHeight, id.Level%tileHeight
	per := uint64(tileWidth >> j)
	return tileID{s, id.Index / per}, j, id.Index % per
}

// expectedWidth is the width of tile t in a tree of size n.
func expectedWidth(n uint64, t tileID) uint64 {
	if t.stratum*tileHeight >= 64 {
		return 0
	}
	c := n >> (t.stratum * tileHeight)
	start := t.index * tileWidth
	if c <= start {
		return 0
	}
	return min(c-start, tileWidth)
}

func hashCount(w uint64) uint64 {
	var n uint64
	for j := range uint(tileHeight) {
		n += w >> j
	}
	return n
}

// tileNode returns node (j, k) of an encoded tile, or false when the tile does
// not have it.
func tileNode(s string, j uint, k uint64) ([]byte, bool) {
	if len(s) < 2 {
		return nil, false
	}
	w := uint64(s[0])<<8 | uint64(s[1])
	if k >= w>>j || uint64(len(s)) != 2+hashSize*hashCount(w) {
		return nil, false
	}
	off := uint64(2)
	for i := range j {
		off += hashSize * (w >> i)
	}
	off += hashSize * k
	return []byte(s[off : off+hashSize]), true
}

// tile is a decoded tile being written.
type tile struct {
	levels [tileHeight][]byte
}

func decodeTile(s string) (*tile, error) {
	t := &tile{}
	if s == "" {
		return t, nil
	}
	if len(s) < 2 {
		return nil, errors.New("tile too short")
	}
	w := uint64(s[0])<<8 | uint64(s[1])
	if w > tileWidth || uint64(len(s)) != 2+hashSize*hashCount(w) {
		return nil, fmt.Errorf("tile of width %d has %d bytes", w, len(s))
	}
	off := uint64(2)
	for j := range uint(tileHeight) {
		n := hashSize * (w >> j)
		t.levels[j] = append(make([]byte, 0, hashSize*(tileWidth>>j)), s[off:off+n]...)
		off += n
	}
	return t, nil
}

// truncate drops the nodes beyond width w (left over by a torn append).
func (t *tile) truncate(w uint64) {
	for j := range uint(tileHeight) {
		if n := hashSize * (w >> j); uint64(len(t.levels[j])) > n {
			t.levels[j] = t.levels[j][:n]
		}
	}
}

func (t *tile) put(j uint, k uint64, h []byte) error {
	lv := &t.levels[j]
	off := k * hashSize
	switch {
	case off == uint64(len(*lv)):
		*lv = append(*lv, h...)
	case off < uint64(len(*lv)):
		copy((*lv)[off:], h)
	default:
		return fmt.Errorf("tile node (%d, %d) would leave a gap", j, k)
	}
	return nil
}

func (t *tile) encode(w uint64) (string, error) {
	b := make([]byte, 2, 2+hashSize*hashCount(w))
	binary.BigEndian.PutUint16(b, uint16(w))
	for j := range uint(tileHeight) {
		n := hashSize * (w >> j)
		if uint64(len(t.levels[j])) != n {
			return "", fmt.Errorf("tile level %d has %d bytes, want %d", j, len(t.levels[j]), n)
		}
		b = append(b, t.levels[j]...)
	}
	return string(b), nil
}

// tileWriter collects the new nodes of one append transaction.
type tileWriter struct {
	tx      *buntdb.Tx
	hexID   string
	oldSize uint64
	tiles   map[tileID]*tile
}

func newTileWriter(tx *buntdb.Tx, id LogID, oldSize uint64) *tileWriter {
	return &tileWriter{tx: tx, hexID: id.hex(), oldSize: oldSize, tiles: make(map[tileID]*tile)}
}

func (w *tileWriter) set(id compact.NodeID, h []byte) error {
	t, j, k := locate(id)
	tl, ok := w.tiles[t]
	if !ok {
		v, err := w.tx.Get(tileKey(w.hexID, t))
		if err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		if tl, err = decodeTile(v); err != nil {
			return fmt.Errorf("ledger: tile %d/%d: %w", t.stratum, t.index, err)
		}
		tl.truncate(expectedWidth(w.oldSize, t))
		w.tiles[t] = tl
	}
	if err := tl.put(j, k, h); err != nil {
		return fmt.Errorf("ledger: tile %d/%d: %w", t.stratum, t.index, err)
	}
	return nil
}

func (w *tileWriter) flush(newSize uint64) error {
	for t, tl := range w.tiles {
		v, err := tl.encode(expectedWidth(newSize, t))
		if err != nil {
			return fmt.Errorf("ledger: tile %d/%d: %w", t.stratum, t.index, err)
		}
		if _, _, err := w.tx.Set(tileKey(w.hexID, t), v, nil); err != nil {
			return err
		}
	}
	return nil
}

// nodeReader reads tree nodes in one transaction, keeping the tiles it read.
type nodeReader struct {
	tx    *buntdb.Tx
	id    LogID
	hexID string
	tiles map[tileID]string
}

func newNodeReader(tx *buntdb.Tx, id LogID) *nodeReader {
	return &nodeReader{tx: tx, id: id, hexID: id.hex(), tiles: make(map[tileID]string, 4)}
}

// errMissingNode says the store lacks a node a tree of the requested size has.
var errMissingNode = errors.New("tree node missing from the store")

func (r *nodeReader) node(id compact.NodeID) ([]byte, error) {
	t, j, k := locate(id)
	s, ok := r.tiles[t]
	if !ok {
		var err error
		s, err = r.tx.Get(tileKey(r.hexID, t))
		if err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return nil, err
		}
		r.tiles[t] = s
	}
	h, ok := tileNode(s, j, k)
	if !ok {
		return nil, fmt.Errorf("log %s: node (level %d, index %d): %w", r.id, id.Level, id.Index, errMissingNode)
	}
	return h, nil
}

func (r *nodeReader) nodes(ids []compact.NodeID) ([][]byte, error) {
	hs := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := r.node(id)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	return hs, nil
}

// rootAt returns the root of the tree of the first n leaves.
func (r *nodeReader) rootAt(n uint64) ([32]byte, error) {
	var out [32]byte
	if n == 0 {
		copy(out[:], hasher.EmptyRoot())
		return out, nil
	}
	hs, err := r.nodes(compact.RangeNodes(0, n, nil))
	if err != nil {
		return out, err
	}
	rg, err := rangeFactory.NewRange(0, n, hs)
	if err != nil {
		return out, err
	}
	root, err := rg.GetRootHash(nil)
	if err != nil {
		return out, err
	}
	copy(out[:], root)
	return out, nil
}

// inclusion returns the RFC 6962 audit path of leaf index in the tree of size
// n, bottom up.
func (r *nodeReader) inclusion(index, n uint64) ([][]byte, error) {
	return r.readProof(proof.Inclusion(index, n))
}

// consistency returns the RFC 6962 consistency proof from size m to size n.
func (r *nodeReader) consistency(m, n uint64) ([][]byte, error) {
	return r.readProof(proof.Consistency(m, n))
}

// readProof reads the stored hashes the library's proof nodes name and folds
// them into the proof (err is the library's planning error, passed on).
func (r *nodeReader) readProof(nodes proof.Nodes, err error) ([][]byte, error) {
	if err != nil {
		return nil, err
	}
	hs, err := r.nodes(nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hs, hasher.HashChildren)
}

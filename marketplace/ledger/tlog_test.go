package ledger

import (
	"testing"

	"github.com/tidwall/buntdb"
	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/tlog"
)

// The Go checksum database's RFC 6962 code (golang.org/x/mod/sumdb/tlog) is
// the independent implementation the log's roots, stored nodes and proofs
// are checked against.

// tlogTree is the tree tlog builds from the same leaves.
type tlogTree struct {
	hashes []tlog.Hash // tlog's stored hashes, in tlog's storage order
}

func (tt *tlogTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = tt.hashes[x]
	}
	return out, nil
}

func (tt *tlogTree) add(tb testing.TB, n int64, data []byte) {
	hs, err := tlog.StoredHashes(n, data, tt)
	if err != nil {
		tb.Fatal(err)
	}
	tt.hashes = append(tt.hashes, hs...)
}

// storedReader reads the ledger's stored nodes in tlog's numbering.
func storedReader(tb testing.TB, t *testLog) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		err := t.db.View(func(tx *buntdb.Tx) error {
			rd := newNodeReader(tx, t.id)
			for i, x := range indexes {
				level, n := tlog.SplitStoredHashIndex(x)
				h, err := rd.node(compact.NewNodeID(uint(level), uint64(n)))
				if err != nil {
					return err
				}
				out[i] = tlog.Hash(h)
			}
			return nil
		})
		return out, err
	})
}

func toTlog(p [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(p))
	for i, h := range p {
		out[i] = tlog.Hash(h)
	}
	return out
}

// checkAgainstTlog checks the log at its current size n: the root, every
// stored node, the inclusion proof of the entries in idx and the consistency
// proofs from the sizes in from.
func checkAgainstTlog(t *testing.T, tl *testLog, tt *tlogTree, n int64, idx, from []int64) {
	t.Helper()
	want, err := tlog.TreeHash(n, tt)
	if err != nil {
		t.Fatal(err)
	}
	th, err := tl.l.Head(ctx, tl.id)
	if err != nil {
		t.Fatal(err)
	}
	if th.Size != uint64(n) || tlog.Hash(th.Root) != want {
		t.Fatalf("size %d: head %d %x, tlog root %x", n, th.Size, th.Root, want)
	}
	// tlog also reaches the same root through the ledger's stored nodes.
	if got, err := tlog.TreeHash(n, storedReader(t, tl)); err != nil || got != want {
		t.Fatalf("size %d: tlog.TreeHash over stored nodes = %x, %v; want %x", n, got, err, want)
	}
	for _, i := range idx {
		p, err := tl.l.InclusionProof(ctx, tl.id, uint64(i), uint64(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(toTlog(p), n, want, i, tlog.RecordHash(leaf(uint64(i)))); err != nil {
			t.Fatalf("size %d: inclusion proof of %d rejected by tlog: %v", n, i, err)
		}
	}
	for _, m := range from {
		p, err := tl.l.ConsistencyProof(ctx, tl.id, uint64(m), uint64(n))
		if err != nil {
			t.Fatal(err)
		}
		old, err := tlog.TreeHash(m, tt)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := tl.l.RootAt(ctx, tl.id, uint64(m)); err != nil || tlog.Hash(got) != old {
			t.Fatalf("RootAt(%d) = %x, %v; tlog says %x", m, got, err, old)
		}
		if err := tlog.CheckTree(toTlog(p), n, want, m, old); err != nil {
			t.Fatalf("consistency proof %d -> %d rejected by tlog: %v", m, n, err)
		}
	}
}

func TestProofs_matchTlog_everySizeTo300(t *testing.T) {
	t.Parallel()
	tl := newTestLog(t, true)
	tt := &tlogTree{}
	for n := int64(1); n <= 300; n++ {
		if _, err := tl.l.Append(ctx, tl.id, leaf(uint64(n-1))); err != nil {
			t.Fatal(err)
		}
		tt.add(t, n-1, leaf(uint64(n-1)))
		// Every index and every older size up to 100; beyond, the edges
		// and the middle.
		var idx []int64
		for i := range n {
			if n <= 100 || i < 8 || i >= n-8 || i == n/3 || i == n/2 || i%61 == 0 {
				idx = append(idx, i)
			}
		}
		checkAgainstTlog(t, tl, tt, n, idx, append(idx[1:], n))
	}
	// Every hash tlog stores is a node the ledger stores, with the same value.
	rd := storedReader(t, tl)
	got, err := rd.ReadHashes(func() []int64 {
		x := make([]int64, len(tt.hashes))
		for i := range x {
			x[i] = int64(i)
		}
		return x
	}())
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != tt.hashes[i] {
			level, n := tlog.SplitStoredHashIndex(int64(i))
			t.Fatalf("node (level %d, index %d) = %x, tlog %x", level, n, got[i], tt.hashes[i])
		}
	}
}

func TestProofs_matchTlog_bigSizesInBatches(t *testing.T) {
	t.Parallel()
	tl := newTestLog(t, true)
	tt := &tlogTree{}
	var size int64
	for _, n := range []int64{1000, 4096, 4097, 65535, 65536, 65537 + 300} {
		tl.appendN(uint64(n), 777)
		for ; size < n; size++ {
			tt.add(t, size, leaf(uint64(size)))
		}
		idx := []int64{0, 1, 255, 256, n / 3, n / 2, n - 257, n - 2, n - 1}
		from := []int64{1, 2, 255, 256, 257, n / 3, n - 1, n}
		checkAgainstTlog(t, tl, tt, n, idx, from)
	}
}

package trials

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/medmarket/medmarket/marketplace/ledger"
)

// hashStore is tlog's own tree over the export's leaves: the independent
// implementation the export is checked against (the Go checksum database's
// RFC 6962 code, golang.org/x/mod/sumdb/tlog).
type hashStore []tlog.Hash

func (s *hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = (*s)[x]
	}
	return out, nil
}

func tlogHashes(tb testing.TB, b64s []string) []tlog.Hash {
	tb.Helper()
	out := make([]tlog.Hash, len(b64s))
	for i, s := range b64s {
		h, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(h) != tlog.HashSize {
			tb.Fatalf("proof hash %q: %v", s, err)
		}
		out[i] = tlog.Hash(h)
	}
	return out
}

// The exported JSON, read field by field as the README documents it (not
// with this package's types), checked with tlog: every leaf hashed with
// tlog.RecordHash, its inclusion proof with tlog.CheckRecord, every
// checkpoint's root against tlog's tree of the same leaves, the consistency
// proofs between checkpoints with tlog.CheckTree, and the chain's latest
// anchor against tlog's root of that size. The checkpoints' signatures are
// checked with golang.org/x/mod/sumdb/note and the key registered on chain.
func TestExport_leavesAndProofsCheckWithTlog(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT40000001")
	e.steps(tr.ID, 40)
	first := e.anchor(tr.ID) // 41
	e.steps(tr.ID, 39)
	latest := e.anchor(tr.ID) // 80
	e.steps(tr.ID, 5)         // 85, not anchored: in the export, after a checkpoint signed at export
	doc := readExportDoc(t, e, tr.ID)
	if doc.TreeSize != 85 || len(doc.Entries) != 85 || len(doc.Checkpoints) != 3 || len(doc.Consistency) != 2 {
		t.Fatalf("export: size %d, %d entries, %d checkpoints, %d consistency proofs", doc.TreeSize, len(doc.Entries), len(doc.Checkpoints), len(doc.Consistency))
	}
	tree := newTlogTree(t, doc)

	// The checkpoints: signed by the key the chain registered with the trial
	// (named by the origin), each root tlog's root of that many leaves.
	chainKey, err := e.lookup().LogKey(ctx, tr.ID)
	if err != nil || chainKey != doc.VerifierKey {
		t.Fatalf("chain key %q (%v), export key %q", chainKey, err, doc.VerifierKey)
	}
	roots := tree.checkpointRoots(t, doc, chainKey)
	for _, size := range []int64{41, 80, 85} {
		if _, ok := roots[size]; !ok {
			t.Errorf("no checkpoint of size %d: %v", size, roots)
		}
	}
	tree.checkProofs(t, doc, roots)

	// The chain's anchors are tlog's roots of those sizes.
	on, err := e.lookup().Latest(ctx, ledger.LogID(tr.ID))
	if err != nil || on.TreeSize != 80 || tlog.Hash(on.RootHash) != tree.rootAt(t, 80) || first.RootHash != [32]byte(tree.rootAt(t, 41)) || latest.RootHash != on.RootHash {
		t.Errorf("chain's latest anchor %+v (%v); tlog's root of 80 leaves %x", on, err, tree.rootAt(t, 80))
	}
	// And tlog notices a changed leaf.
	changed := tlog.RecordHash([]byte("changed"))
	if err := tlog.CheckRecord(tlogHashes(t, doc.Entries[7].Proof), doc.TreeSize, roots[doc.TreeSize], 7, changed); err == nil {
		t.Error("tlog accepted a changed leaf")
	}
}

// exportDoc is the exported JSON as the README documents it.
type exportDoc struct {
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
	TreeSize    int64  `json:"tree_size"`
	Entries     []struct {
		Index int64    `json:"index"`
		Leaf  string   `json:"leaf"`
		Proof []string `json:"proof"`
	} `json:"entries"`
	Checkpoints []string `json:"checkpoints"`
	Consistency []struct {
		From  int64    `json:"from"`
		To    int64    `json:"to"`
		Proof []string `json:"proof"`
	} `json:"consistency"`
}

// readExportDoc exports trial id and reads the JSON back field by field.
func readExportDoc(t *testing.T, e *testEnv, id common.Hash) exportDoc {
	t.Helper()
	ex, err := e.svc.Export(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteExport(&buf, ex); err != nil {
		t.Fatal(err)
	}
	var doc exportDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// tlogTree is tlog's tree over the leaves as exported.
type tlogTree struct {
	store      hashStore
	leafHashes []tlog.Hash
}

func newTlogTree(t *testing.T, doc exportDoc) *tlogTree {
	t.Helper()
	tree := &tlogTree{leafHashes: make([]tlog.Hash, len(doc.Entries))}
	for i, x := range doc.Entries {
		if x.Index != int64(i) {
			t.Fatalf("entry %d at position %d", x.Index, i)
		}
		leaf, err := base64.StdEncoding.DecodeString(x.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		tree.leafHashes[i] = tlog.RecordHash(leaf)
		hs, err := tlog.StoredHashes(int64(i), leaf, &tree.store)
		if err != nil {
			t.Fatal(err)
		}
		tree.store = append(tree.store, hs...)
	}
	return tree
}

// rootAt is tlog's root of the first n leaves.
func (tree *tlogTree) rootAt(t *testing.T, n int64) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(n, &tree.store)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// checkpointRoots opens every checkpoint with note and key, checks its root
// against tlog's root of that many leaves, and returns the roots by size.
func (tree *tlogTree) checkpointRoots(t *testing.T, doc exportDoc, key string) map[int64]tlog.Hash {
	t.Helper()
	v, err := note.NewVerifier(key)
	if err != nil || v.Name() != doc.Origin {
		t.Fatalf("key %q named %q, origin %q: %v", key, v.Name(), doc.Origin, err)
	}
	roots := map[int64]tlog.Hash{}
	for _, text := range doc.Checkpoints {
		n, err := note.Open([]byte(text), note.VerifierList(v))
		if err != nil {
			t.Fatalf("checkpoint %q: %v", text, err)
		}
		lines := strings.Split(n.Text, "\n")
		size, err := strconv.ParseInt(lines[1], 10, 64)
		if err != nil || lines[0] != doc.Origin {
			t.Fatalf("checkpoint text %q", n.Text)
		}
		root := tlogHashes(t, []string{lines[2]})[0]
		if want := tree.rootAt(t, size); root != want {
			t.Errorf("checkpoint %d: root %x, tlog's root of the leaves %x", size, root, want)
		}
		roots[size] = root
	}
	return roots
}

// checkProofs checks every entry's inclusion in the export's tree and the
// consistency between consecutive checkpoints with tlog.
func (tree *tlogTree) checkProofs(t *testing.T, doc exportDoc, roots map[int64]tlog.Hash) {
	t.Helper()
	for i, x := range doc.Entries {
		if err := tlog.CheckRecord(tlogHashes(t, x.Proof), doc.TreeSize, roots[doc.TreeSize], int64(i), tree.leafHashes[i]); err != nil {
			t.Errorf("entry %d: tlog rejects its inclusion proof: %v", i, err)
		}
	}
	for _, c := range doc.Consistency {
		if err := tlog.CheckTree(tlogHashes(t, c.Proof), c.To, roots[c.To], c.From, roots[c.From]); err != nil {
			t.Errorf("consistency %d -> %d: tlog rejects it: %v", c.From, c.To, err)
		}
	}
}

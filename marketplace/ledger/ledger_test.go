package ledger

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

func TestAppend_assignsIndexesAndKeepsItsOwnCopy(t *testing.T) {
	tl := newTestLog(t, true)
	b := []byte("first")
	if i, err := tl.l.Append(ctx, tl.id, b); err != nil || i != 0 {
		t.Fatalf("Append = %d, %v", i, err)
	}
	b[0] = 'X' // the caller's buffer is the caller's
	first, err := tl.l.AppendBatch(ctx, tl.id, [][]byte{[]byte("second"), []byte("third")})
	if err != nil || first != 1 {
		t.Fatalf("AppendBatch = %d, %v", first, err)
	}
	es, err := tl.l.Entries(ctx, tl.id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"first", "second", "third"}
	if len(es) != len(want) {
		t.Fatalf("Entries = %d entries", len(es))
	}
	for i, e := range es {
		if e.Index != uint64(i) || string(e.Leaf) != want[i] {
			t.Errorf("entry %d = %d %q, want %q", i, e.Index, e.Leaf, want[i])
		}
	}
	if e, err := tl.l.Entry(ctx, tl.id, 2); err != nil || string(e.Leaf) != "third" {
		t.Errorf("Entry(2) = %+v, %v", e, err)
	}
	if _, err := tl.l.Entry(ctx, tl.id, 3); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("Entry(3) error = %v, want ENOTFOUND", err)
	}
}

func TestAppend_refusesBadLeavesAndAppendsNothing(t *testing.T) {
	tl := newTestLog(t, true)
	tl.appendN(3, 3)
	for name, batch := range map[string][][]byte{
		"empty batch":     nil,
		"empty leaf":      {[]byte("ok"), {}},
		"oversized leaf":  {[]byte("ok"), make([]byte, MaxLeafSize+1)},
		"nil leaf inside": {nil},
	} {
		if _, err := tl.l.AppendBatch(ctx, tl.id, batch); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s: error = %v, want EINVALID", name, err)
		}
	}
	if th, _ := tl.l.Head(ctx, tl.id); th.Size != 3 {
		t.Errorf("size after refused appends = %d, want 3", th.Size)
	}
}

func TestLedger_unknownLogIsNotFound(t *testing.T) {
	tl := newTestLog(t, true)
	if _, err := tl.l.Head(ctx, logID("nope")); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("Head error = %v", err)
	}
	if _, err := tl.l.Checkpoint(ctx, logID("nope")); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("Checkpoint error = %v", err)
	}
}

func TestLedger_logsAreSeparate(t *testing.T) {
	tl := newTestLog(t, true)
	a, b := logID("A"), logID("B")
	for i := range 5 {
		if _, err := tl.l.Append(ctx, a, leaf(uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tl.l.Append(ctx, b, []byte("only")); err != nil {
		t.Fatal(err)
	}
	ids, err := tl.l.Logs(ctx)
	if err != nil || len(ids) != 2 || ids[0] != a || ids[1] != b {
		t.Fatalf("Logs = %v, %v", ids, err)
	}
	ha, _ := tl.l.Head(ctx, a)
	hb, _ := tl.l.Head(ctx, b)
	if ha.Size != 5 || hb.Size != 1 || ha.Root == hb.Root {
		t.Errorf("heads %+v %+v", ha, hb)
	}
	cpa, _ := tl.l.Checkpoint(ctx, a)
	cpb, _ := tl.l.Checkpoint(ctx, b)
	if cpa.Origin == cpb.Origin {
		t.Errorf("two logs share origin %q", cpa.Origin)
	}
}

func TestNew_refusesDatabaseWithoutFsyncPerTransaction(t *testing.T) {
	db, err := buntdb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(t, db)
	if _, err := New(db, Config{KeyDir: t.TempDir()}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("New on an EverySecond database: %v, want EINVALID", err)
	}
}

func TestAppend_acknowledgedEntriesSurviveReopen(t *testing.T) {
	tl := newTestLog(t, false)
	tl.appendN(1000, 100)
	before, _ := tl.l.Head(ctx, tl.id)
	tl.reopen()
	after, err := tl.l.Head(ctx, tl.id)
	if err != nil || after != before {
		t.Fatalf("head after reopen %+v, %v; before %+v", after, err, before)
	}
	tl.appendN(1500, 100)
	if rep, err := tl.l.Check(ctx, tl.id); err != nil {
		t.Fatalf("Check after reopen: %v\n%v", err, rep.Findings)
	}
}

// A crash in the middle of buntdb's write of an append leaves the first part
// of the transaction in the file, in no fixed key order. Every cut must
// reopen as a whole log: the size before the append or after it.
func TestRecover_tornAppendRollsBackToAWholeLog(t *testing.T) {
	t.Parallel()
	tl := newTestLog(t, false)
	tl.appendN(1000, 250)
	tl.checkpoint()
	mid, err := os.ReadFile(tl.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	tl.appendN(1000+700, 700) // one transaction over several tiles
	full, err := os.ReadFile(tl.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(full, mid) {
		t.Fatal("the append did not only add to the file")
	}
	sizes := map[uint64]int{}
	for cut := len(mid) + 1; cut < len(full); cut += (len(full)-len(mid))/37 + 1 {
		path := filepath.Join(t.TempDir(), "torn.db")
		if err := os.WriteFile(path, full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		db := openDB(t, path)
		l, err := New(db, tl.cfg)
		if err != nil {
			t.Fatalf("cut at %d: New: %v", cut, err)
		}
		th, err := l.Head(ctx, tl.id)
		if err != nil {
			t.Fatal(err)
		}
		sizes[th.Size]++
		if th.Size != 1000 && th.Size != 1700 {
			t.Fatalf("cut at %d: size %d, want 1000 or 1700", cut, th.Size)
		}
		if rep, err := l.Check(ctx, tl.id); err != nil {
			t.Fatalf("cut at %d (size %d): %v\n%v", cut, th.Size, err, rep.Findings)
		}
		// The log goes on from there.
		if _, err := l.AppendBatch(ctx, tl.id, leaves(th.Size, 300)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Checkpoint(ctx, tl.id); err != nil {
			t.Fatalf("cut at %d: checkpoint after recovery: %v", cut, err)
		}
		if rep, err := l.Check(ctx, tl.id); err != nil {
			t.Fatalf("cut at %d: after more appends: %v\n%v", cut, err, rep.Findings)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("cut at %d: close: %v", cut, err)
		}
	}
	if sizes[1000] == 0 {
		t.Errorf("no cut rolled back (sizes seen %v)", sizes)
	}
	t.Logf("sizes after torn appends: %v", sizes)
}

package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/buntdb"
)

var ctx = context.Background()

// openDB opens a buntdb file (or ":memory:") with the node's sync policy.
func openDB(tb testing.TB, path string) *buntdb.DB {
	tb.Helper()
	db, err := buntdb.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		tb.Fatal(err)
	}
	cfg.SyncPolicy = buntdb.Always
	if err := db.SetConfig(cfg); err != nil {
		tb.Fatal(err)
	}
	return db
}

// closeDB closes db, failing the test if the close fails.
func closeDB(tb testing.TB, db *buntdb.DB) {
	tb.Helper()
	if err := db.Close(); err != nil {
		tb.Error(err)
	}
}

// testLog is a ledger on its own database with one log id.
type testLog struct {
	tb     testing.TB
	dir    string
	dbPath string
	db     *buntdb.DB
	l      *Ledger
	id     LogID
	cfg    Config
}

// newTestLog opens a ledger in a fresh temp dir; memory keeps the database
// in memory (fast, for proof tests).
func newTestLog(tb testing.TB, memory bool) *testLog {
	tb.Helper()
	dir := tb.TempDir()
	t := &testLog{tb: tb, dir: dir, dbPath: filepath.Join(dir, "node.db"), id: logID("NCT-TEST")}
	if memory {
		t.dbPath = ":memory:"
	}
	t.cfg = Config{KeyDir: filepath.Join(dir, "keys")}
	t.open()
	tb.Cleanup(func() { closeDB(tb, t.db) })
	return t
}

func (t *testLog) open() {
	t.tb.Helper()
	t.db = openDB(t.tb, t.dbPath)
	l, err := New(t.db, t.cfg)
	if err != nil {
		t.tb.Fatal(err)
	}
	t.l = l
}

// reopen closes and reopens the database and the ledger, as a restart does.
func (t *testLog) reopen() {
	t.tb.Helper()
	if err := t.db.Close(); err != nil {
		t.tb.Fatal(err)
	}
	t.open()
}

func logID(name string) LogID {
	var id LogID
	copy(id[:], name)
	return id
}

// leaf is the deterministic leaf of entry i: about 300 bytes, like a signed step.
func leaf(i uint64) []byte {
	s := fmt.Sprintf("step %d|", i)
	return []byte(s + strings.Repeat("x", 300-len(s)))
}

func leaves(from, n uint64) [][]byte {
	out := make([][]byte, n)
	for i := range n {
		out[i] = leaf(from + i)
	}
	return out
}

// appendN appends entries up to size n in batches of at most batch.
func (t *testLog) appendN(n, batch uint64) {
	t.tb.Helper()
	th, err := t.l.Head(ctx, t.id)
	if err != nil && n > 0 {
		th.Size = 0
	}
	for size := th.Size; size < n; {
		k := min(batch, n-size)
		first, err := t.l.AppendBatch(ctx, t.id, leaves(size, k))
		if err != nil {
			t.tb.Fatal(err)
		}
		if first != size {
			t.tb.Fatalf("batch appended at %d, want %d", first, size)
		}
		size += k
	}
}

func (t *testLog) checkpoint() Checkpoint {
	t.tb.Helper()
	cp, err := t.l.Checkpoint(ctx, t.id)
	if err != nil {
		t.tb.Fatal(err)
	}
	return cp
}

// set writes a raw key, as someone editing the store would.
func (t *testLog) set(key, value string) {
	t.tb.Helper()
	err := t.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(key, value, nil)
		return err
	})
	if err != nil {
		t.tb.Fatal(err)
	}
}

func (t *testLog) get(key string) string {
	t.tb.Helper()
	var v string
	err := t.db.View(func(tx *buntdb.Tx) error {
		var err error
		v, err = tx.Get(key)
		return err
	})
	if err != nil {
		t.tb.Fatalf("get %s: %v", key, err)
	}
	return v
}

func (t *testLog) del(key string) {
	t.tb.Helper()
	err := t.db.Update(func(tx *buntdb.Tx) error {
		_, err := tx.Delete(key)
		return err
	})
	if err != nil {
		t.tb.Fatal(err)
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }

// key is the verifier key of the test log.
func (t *testLog) key() string {
	t.tb.Helper()
	k, err := t.l.LogKey(t.id)
	if err != nil {
		t.tb.Fatal(err)
	}
	return k
}

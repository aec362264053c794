package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/buntdb"
	"github.com/transparency-dev/merkle/compact"
)

// A process killed while buntdb writes a transaction can leave the first part
// of it in the file (the kernel may stop a large write at a page boundary),
// and buntdb replays the complete commands it finds. An append transaction
// writes entries, tiles and the state in no fixed order, so after such a
// crash a log can hold some of them. None of that append was acknowledged
// (its fsync never returned), so recovery brings the log back to a whole
// state: either the state of the torn append, when every entry and node it
// names is there, or the size before it (state.Prev), whose nodes the tiles
// still hold since tiles only ever grow. Entries beyond the size are dropped.

func (l *Ledger) recoverAll() error {
	ids, err := l.Logs(context.Background())
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := l.db.Update(func(tx *buntdb.Tx) error { return l.recoverLog(tx, id) }); err != nil {
			return fmt.Errorf("ledger: recover log %s: %w", id, err)
		}
	}
	return nil
}

func (l *Ledger) recoverLog(tx *buntdb.Tx, id LogID) error {
	st, err := loadState(tx, id)
	if err != nil {
		return err
	}
	if reason := tornAppend(tx, id, st); reason != "" {
		rd := newNodeReader(tx, id)
		hs, err := rd.nodes(compact.RangeNodes(0, st.Prev, nil))
		if err != nil {
			return fmt.Errorf("cannot roll back to size %d: %w", st.Prev, err)
		}
		l.log.Warn("ledger: rolled back a torn append", "log", id.String(), "from", st.Size, "to", st.Prev, "why", reason)
		st = &logState{Origin: st.Origin, Key: st.Key, Size: st.Prev, Prev: st.Prev, Range: hs}
		if err := saveState(tx, id, st); err != nil {
			return err
		}
	}
	return deleteEntriesFrom(tx, id.hex(), st.Size)
}

// tornAppend says why the last append of the log is incomplete, or "".
func tornAppend(tx *buntdb.Tx, id LogID, st *logState) string {
	if st.Prev >= st.Size {
		return ""
	}
	hexID := id.hex()
	for i := st.Prev; i < st.Size; i++ {
		if _, err := tx.Get(entryKeyHex(hexID, i)); err != nil {
			return fmt.Sprintf("entry %d missing", i)
		}
	}
	for s := uint(0); s*tileHeight < 64 && st.Size>>(s*tileHeight) > 0; s++ {
		lo := (st.Prev >> (s * tileHeight)) / tileWidth
		hi := ((st.Size >> (s * tileHeight)) - 1) / tileWidth
		for t := lo; t <= hi; t++ {
			tid := tileID{s, t}
			want := expectedWidth(st.Size, tid)
			if want == 0 {
				continue
			}
			v, err := tx.Get(tileKey(hexID, tid))
			if err != nil || len(v) < 2 || uint64(v[0])<<8|uint64(v[1]) < want {
				return fmt.Sprintf("tile %d/%d incomplete", s, t)
			}
		}
	}
	return ""
}

// deleteEntriesFrom deletes the entries of a log from index from on.
func deleteEntriesFrom(tx *buntdb.Tx, hexID string, from uint64) error {
	p := entryPrefix(hexID)
	var keys []string
	err := tx.AscendGreaterOrEqual("", entryKeyHex(hexID, from), func(k, _ string) bool {
		if !strings.HasPrefix(k, p) {
			return false
		}
		keys = append(keys, k)
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.Delete(k); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
	}
	return nil
}

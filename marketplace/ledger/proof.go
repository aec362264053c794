package ledger

import (
	"context"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// InclusionProof returns the RFC 6962 inclusion proof (audit path, bottom up)
// of entry index in the tree of log id at size; 0 <= index < size <= the
// log's size (EINVALID otherwise).
func (l *Ledger) InclusionProof(ctx context.Context, id LogID, index, size uint64) ([][]byte, error) {
	var p [][]byte
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		if index >= size || size > st.Size {
			return marketplace.Errorf(marketplace.EINVALID, "No inclusion proof of entry %d in a tree of size %d: log %s has %d entries.", index, size, id, st.Size)
		}
		p, err = newNodeReader(tx, id).inclusion(index, size)
		return err
	})
	return p, err
}

// ConsistencyProof returns the RFC 6962 consistency proof between the trees of
// log id at sizes from and to; from <= to <= the log's size (EINVALID
// otherwise).
func (l *Ledger) ConsistencyProof(ctx context.Context, id LogID, from, to uint64) ([][]byte, error) {
	var p [][]byte
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		if from > to || to > st.Size {
			return marketplace.Errorf(marketplace.EINVALID, "No consistency proof from size %d to %d: log %s has %d entries.", from, to, id, st.Size)
		}
		p, err = newNodeReader(tx, id).consistency(from, to)
		return err
	})
	return p, err
}

// RootAt returns the root hash of the tree of the first size entries of log
// id (size <= the log's size, EINVALID otherwise).
func (l *Ledger) RootAt(ctx context.Context, id LogID, size uint64) ([32]byte, error) {
	var root [32]byte
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		if size > st.Size {
			return marketplace.Errorf(marketplace.EINVALID, "Log %s has %d entries, fewer than %d.", id, st.Size, size)
		}
		root, err = newNodeReader(tx, id).rootAt(size)
		return err
	})
	return root, err
}

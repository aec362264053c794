package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// Keys of dropped publishes (prefix "mk:"):
//
//	mk:drop:<content hash>   Drop: records deleted, blob maybe not yet
const dropPrefix = "mk:drop:"

// Drop is the trace of a publish whose records were deleted (a discarded
// draft, an expired hub upload) while its blob may still be on disk: the
// records go first, with this trace in the same transaction, so that a
// crash never leaves a record naming a missing blob; the blob goes next,
// then the trace (ClearDrop). A trace left by a crash says which blob to
// remove on the next pass.
type Drop struct {
	ContentHash common.Hash `json:"content_hash"`
	Dropped     time.Time   `json:"dropped"`
}

// DropPublish deletes, in one transaction, the publish record of content,
// the dataset key wrapped to the node key, and its card unless another
// publish record lists the same card, and records a Drop. check, if not
// nil, sees the current record inside the transaction and may refuse
// (its error is returned, nothing is deleted). ENOTFOUND when there is no
// record. The caller removes the blob, then calls ClearDrop.
func (s *Store) DropPublish(ctx context.Context, content common.Hash, now time.Time, check func(Publish) error) (Publish, error) {
	var p Publish
	err := s.db.Update(func(tx *buntdb.Tx) error {
		if err := getJSON(tx, publishPrefix+content.Hex(), &p); err != nil {
			return err
		}
		if check != nil {
			if err := check(p); err != nil {
				return err
			}
		}
		keys := []string{publishPrefix + content.Hex(), dsKeyPrefix + content.Hex()}
		shared := false
		var derr error
		if err := tx.AscendKeys(publishPrefix+"*", func(k, v string) bool {
			if strings.TrimPrefix(k, publishPrefix) == content.Hex() {
				return true
			}
			var o Publish
			if derr = jsonUnmarshal(v, &o); derr != nil {
				return false
			}
			shared = o.MetadataHash == p.MetadataHash
			return !shared
		}); err != nil {
			return err
		}
		if derr != nil {
			return derr
		}
		if !shared {
			keys = append(keys, cardPrefix+p.MetadataHash.Hex())
		}
		for _, k := range keys {
			if _, err := tx.Delete(k); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
		}
		return setJSON(tx, dropPrefix+content.Hex(), Drop{ContentHash: content, Dropped: now.UTC()})
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return p, marketplace.Errorf(marketplace.ENOTFOUND, "No publish of dataset %s on this node.", content.Hex())
	}
	return p, err
}

// Drops returns the publishes dropped whose blob may still be on disk.
func (s *Store) Drops(ctx context.Context) ([]Drop, error) {
	return scanJSON[Drop](s.db, dropPrefix+"*")
}

// ClearDrop forgets a drop once its blob is gone (or taken again by a new
// record of the same content).
func (s *Store) ClearDrop(ctx context.Context, content common.Hash) error {
	return s.db.Update(func(tx *buntdb.Tx) error {
		if _, err := tx.Delete(dropPrefix + content.Hex()); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		return nil
	})
}

// Holds reports whether any record of this node names the blob of content:
// a publish record or a wrapped dataset key.
func (s *Store) Holds(ctx context.Context, content common.Hash) (bool, error) {
	held := false
	err := s.db.View(func(tx *buntdb.Tx) error {
		for _, k := range []string{publishPrefix + content.Hex(), dsKeyPrefix + content.Hex(), poolBlobPrefix + content.Hex()} {
			if _, err := tx.Get(k); err == nil {
				held = true
			} else if !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	return held, err
}

func jsonUnmarshal(v string, out any) error {
	return json.Unmarshal([]byte(v), out)
}

// DatasetKeys returns the content hashes of every wrapped dataset key.
func (s *Store) DatasetKeys(ctx context.Context) ([]common.Hash, error) {
	var out []common.Hash
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys(dsKeyPrefix+"*", func(k, v string) bool {
			out = append(out, common.HexToHash(strings.TrimPrefix(k, dsKeyPrefix)))
			return true
		})
	})
	return out, err
}

// DropOrphanKey deletes, in one transaction, the dataset key of content
// that no publish record names (a crash between storing the key and the
// record) and records a Drop, like DropPublish: the caller removes the
// blob, then calls ClearDrop. ECONFLICT when a publish record names it
// (it is no orphan), ENOTFOUND when there is no key.
func (s *Store) DropOrphanKey(ctx context.Context, content common.Hash, now time.Time) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		if _, err := tx.Get(publishPrefix + content.Hex()); err == nil {
			return marketplace.Errorf(marketplace.ECONFLICT, "Dataset %s has a publish record: its key is no orphan.", content.Hex())
		} else if !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		if _, err := tx.Delete(dsKeyPrefix + content.Hex()); err != nil {
			return err
		}
		return setJSON(tx, dropPrefix+content.Hex(), Drop{ContentHash: content, Dropped: now.UTC()})
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return marketplace.Errorf(marketplace.ENOTFOUND, "This node holds no key for dataset %s.", content.Hex())
	}
	return err
}

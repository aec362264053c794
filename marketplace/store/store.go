package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// Store is the buntdb database of one data directory.
type Store struct {
	db *buntdb.DB

	mirrorMu sync.Mutex
	mirror   *mirror // the catalog's in-memory index (catalog_mirror.go), loaded on first use
}

// Open opens (creating if needed) the buntdb file at path. Every write is
// fsynced before it is acknowledged, so an acknowledged write survives a crash.
func Open(path string) (*Store, error) {
	db, err := buntdb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		_ = db.Close() // the config error is the one to report
		return nil, fmt.Errorf("read store config: %w", err)
	}
	cfg.SyncPolicy = buntdb.Always
	if err := db.SetConfig(cfg); err != nil {
		_ = db.Close() // the config error is the one to report
		return nil, fmt.Errorf("set store config: %w", err)
	}
	return &Store{db: db}, nil
}

// Close flushes and closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Len returns the number of keys in the store.
func (s *Store) Len(ctx context.Context) (int, error) {
	var n int
	err := s.db.View(func(tx *buntdb.Tx) error {
		var err error
		n, err = tx.Len()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count store keys: %w", err)
	}
	return n, nil
}

const nodeKey = "node"

// Node returns the node record, or an ENOTFOUND error before the first Start.
func (s *Store) Node(ctx context.Context) (marketplace.Node, error) {
	var n marketplace.Node
	err := s.db.View(func(tx *buntdb.Tx) error {
		return getJSON(tx, nodeKey, &n)
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return n, marketplace.Errorf(marketplace.ENOTFOUND, "Node record not found.")
	}
	return n, err
}

// StartNode records one more start of the node, creating the record on the
// first start, and returns it.
func (s *Store) StartNode(ctx context.Context, now time.Time) (marketplace.Node, error) {
	var n marketplace.Node
	err := s.db.Update(func(tx *buntdb.Tx) error {
		err := getJSON(tx, nodeKey, &n)
		if errors.Is(err, buntdb.ErrNotFound) {
			n = marketplace.Node{Created: now.UTC()}
		} else if err != nil {
			return err
		}
		n.Starts++
		return setJSON(tx, nodeKey, n)
	})
	if err != nil {
		return n, fmt.Errorf("record node start: %w", err)
	}
	return n, nil
}

// SetNodeName changes the node's name after validating it.
func (s *Store) SetNodeName(ctx context.Context, name string) (marketplace.Node, error) {
	if err := marketplace.ValidateNodeName(name); err != nil {
		return marketplace.Node{}, err
	}
	var n marketplace.Node
	err := s.db.Update(func(tx *buntdb.Tx) error {
		if err := getJSON(tx, nodeKey, &n); err != nil {
			return err
		}
		n.Name = name
		return setJSON(tx, nodeKey, n)
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return n, marketplace.Errorf(marketplace.ENOTFOUND, "Node record not found.")
	}
	if err != nil {
		return n, fmt.Errorf("set node name: %w", err)
	}
	return n, nil
}

// scanJSON decodes the value of every key that matches pattern (a buntdb
// pattern, such as a prefix and "*"), in key order. A value that does not
// decode stops the scan with an error naming its key.
func scanJSON[T any](db *buntdb.DB, pattern string) ([]T, error) {
	var out []T
	err := db.View(func(tx *buntdb.Tx) error {
		var derr error
		if err := tx.AscendKeys(pattern, func(k, v string) bool {
			var x T
			if derr = json.Unmarshal([]byte(v), &x); derr != nil {
				derr = fmt.Errorf("decode %s: %w", k, derr)
				return false
			}
			out = append(out, x)
			return true
		}); err != nil {
			return err
		}
		return derr
	})
	return out, err
}

// loadJSON decodes the value at key in a read transaction. A missing key
// returns notFound (the ENOTFOUND error saying what is missing; nil: the
// zero T and no error).
func loadJSON[T any](db *buntdb.DB, key string, notFound error) (T, error) {
	var v T
	err := db.View(func(tx *buntdb.Tx) error { return getJSON(tx, key, &v) })
	if errors.Is(err, buntdb.ErrNotFound) {
		return v, notFound
	}
	return v, err
}

func getJSON(tx *buntdb.Tx, key string, v any) error {
	s, err := tx.Get(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}

func setJSON(tx *buntdb.Tx, key string, v any) error {
	b, err := jsonMarshal(v)
	if err != nil {
		return err
	}
	_, _, err = tx.Set(key, string(b), nil)
	return err
}

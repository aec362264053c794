package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// Keys of saved release configurations (prefix "cfg:"):
//
//	cfg:<account, lower-case hex>:<name, lower case>   SavedConfig
//
// Names are unique per account regardless of case: "Clinic" and "clinic"
// are one configuration. The app owns what a configuration holds (Body);
// the store keeps it, bounds the count per account atomically, and never
// reads it.
const savedConfigPrefix = "cfg:"

// SavedConfig is one account's saved release configuration.
type SavedConfig struct {
	Owner common.Address `json:"owner"`
	Name  string         `json:"name"` // as the owner spelled it
	// Body is the configuration as the app encodes it (JSON).
	Body    json.RawMessage `json:"body"`
	Created time.Time       `json:"created"`
	Updated time.Time       `json:"updated"`
}

func savedConfigsOf(owner common.Address) string {
	return savedConfigPrefix + strings.ToLower(owner.Hex()) + ":"
}

func savedConfigKey(owner common.Address, name string) string {
	return savedConfigsOf(owner) + strings.ToLower(name)
}

// PutSavedConfig stores c, replacing the owner's configuration of the same
// name (case aside; its Created is kept), and returns what it stored. A new
// name is refused with ECONFLICT when the owner already has limit
// configurations (limit <= 0: no bound); the count and the write are one
// transaction. The caller validates the name and bounds Body's size; a
// name with a ':' or no owner is EINVALID here.
func (s *Store) PutSavedConfig(ctx context.Context, c SavedConfig, now time.Time, limit int) (SavedConfig, error) {
	if c.Owner == (common.Address{}) || strings.TrimSpace(c.Name) == "" || strings.ContainsAny(c.Name, ":*?") || !json.Valid(c.Body) {
		return SavedConfig{}, marketplace.Errorf(marketplace.EINVALID, "Saved configuration needs an owner, a name without ':', '*' or '?', and a JSON body.")
	}
	key := savedConfigKey(c.Owner, c.Name)
	c.Updated = now.UTC()
	err := s.db.Update(func(tx *buntdb.Tx) error {
		var old SavedConfig
		switch err := getJSON(tx, key, &old); {
		case err == nil:
			c.Created = old.Created
		case errors.Is(err, buntdb.ErrNotFound):
			c.Created = c.Updated
			if limit > 0 {
				n := 0
				if err := tx.AscendKeys(savedConfigsOf(c.Owner)+"*", func(string, string) bool { n++; return true }); err != nil {
					return err
				}
				if n >= limit {
					return marketplace.Errorf(marketplace.ECONFLICT,
						"Name: you already have %d saved configurations, the most this node keeps per account; delete one or save under an existing name.", n)
				}
			}
		default:
			return err
		}
		return setJSON(tx, key, c)
	})
	if err != nil {
		if marketplace.ErrorCode(err) != marketplace.EINTERNAL {
			return SavedConfig{}, err
		}
		return SavedConfig{}, fmt.Errorf("store saved configuration %q: %w", c.Name, err)
	}
	return c, nil
}

// SavedConfigs returns owner's saved configurations, by name (case aside).
func (s *Store) SavedConfigs(ctx context.Context, owner common.Address) ([]SavedConfig, error) {
	out, err := scanJSON[SavedConfig](s.db, savedConfigsOf(owner)+"*")
	if err != nil {
		return nil, fmt.Errorf("read saved configurations: %w", err)
	}
	return out, nil
}

// SavedConfig returns owner's configuration named name (case aside), or
// ENOTFOUND naming it.
func (s *Store) SavedConfig(ctx context.Context, owner common.Address, name string) (SavedConfig, error) {
	return loadJSON[SavedConfig](s.db, savedConfigKey(owner, name),
		marketplace.Errorf(marketplace.ENOTFOUND, "Name: you have no saved configuration %q.", name))
}

// DeleteSavedConfig deletes owner's configuration named name (case aside),
// or ENOTFOUND naming it.
func (s *Store) DeleteSavedConfig(ctx context.Context, owner common.Address, name string) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		_, err := tx.Delete(savedConfigKey(owner, name))
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return marketplace.Errorf(marketplace.ENOTFOUND, "Name: you have no saved configuration %q.", name)
	}
	if err != nil {
		return fmt.Errorf("delete saved configuration %q: %w", name, err)
	}
	return nil
}

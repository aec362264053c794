package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// Keys of the pools' records (prefix "pool:"):
//
//	pool:op:<contract>                  OperatedPool: a pool this node runs as its hub
//	pool:member:<contract>:<account>    Membership: a patient of this node in a pool
//	pool:release:<contract>             PendingRelease: a pool version being listed
//	pool:blob:<content hash>            PoolBlob: an encrypted contribution this hub holds
//	pool:round:<contract>:<n>           the entitlements of payout round n, as posted
//
// A pool's own history (its configuration, consents, withdrawals, releases
// and payout rounds) is its log in the ledger, not here: these records are
// what this node needs to act (keys, where the hub is, what is in flight).
const (
	poolOpPrefix      = "pool:op:"
	poolMemberPrefix  = "pool:member:"
	poolReleasePrefix = "pool:release:"
	poolBlobPrefix    = "pool:blob:"
	poolRoundPrefix   = "pool:round:"
)

// OperatedPool is a pool this node runs: its contract, and the pool's key
// (contributions are encrypted to it on patients' nodes) wrapped (ECIES)
// to the node key, so the store never holds it in clear.
type OperatedPool struct {
	Contract common.Address `json:"contract"`
	Chain    uint64         `json:"chain"`
	Operator common.Address `json:"operator"`
	Wrapped  []byte         `json:"wrapped"`
	// Config is the pool's first configuration (pools.Config JSON), kept
	// here until it is the first entry of the pool's log.
	Config  json.RawMessage `json:"config"`
	Created time.Time       `json:"created"`
}

// PutOperatedPool records a pool this node runs.
func (s *Store) PutOperatedPool(ctx context.Context, p OperatedPool) error {
	if p.Contract == (common.Address{}) || len(p.Wrapped) == 0 {
		return marketplace.Errorf(marketplace.EINVALID, "A pool record needs its contract and its wrapped key.")
	}
	return s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, poolOpPrefix+p.Contract.Hex(), p) })
}

// OperatedPool returns the pool this node runs at contract, ENOTFOUND when it runs none there.
func (s *Store) OperatedPool(ctx context.Context, contract common.Address) (OperatedPool, error) {
	return loadJSON[OperatedPool](s.db, poolOpPrefix+contract.Hex(),
		marketplace.Errorf(marketplace.ENOTFOUND, "This node runs no pool %s.", contract.Hex()))
}

// OperatedPools returns the pools this node runs, by contract.
func (s *Store) OperatedPools(ctx context.Context) ([]OperatedPool, error) {
	return scanJSON[OperatedPool](s.db, poolOpPrefix+"*")
}

// Membership is a patient of this node in a pool: where the pool's hub is,
// which account contributed what, and when it joined or withdrew.
type Membership struct {
	Pool         common.Address `json:"pool"`
	Chain        uint64         `json:"chain"`
	Name         string         `json:"name"`
	Hub          string         `json:"hub"`
	Account      common.Address `json:"account"`
	Contribution common.Hash    `json:"contribution"`
	Records      int            `json:"records"`
	Joined       time.Time      `json:"joined"`
	Withdrawn    time.Time      `json:"withdrawn,omitzero"`
	// LogKey is the pool log's verifier key when the patient joined: a
	// log the hub later serves under another key is refused.
	LogKey string `json:"log_key,omitempty"`
}

func memberKey(pool, account common.Address) string {
	return poolMemberPrefix + pool.Hex() + ":" + account.Hex()
}

// PutMembership records (or replaces) a membership.
func (s *Store) PutMembership(ctx context.Context, m Membership) error {
	if m.Pool == (common.Address{}) || m.Account == (common.Address{}) {
		return marketplace.Errorf(marketplace.EINVALID, "A membership needs its pool and its account.")
	}
	return s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, memberKey(m.Pool, m.Account), m) })
}

// Membership returns account's membership of pool, ENOTFOUND when it never joined from this node.
func (s *Store) Membership(ctx context.Context, pool, account common.Address) (Membership, error) {
	return loadJSON[Membership](s.db, memberKey(pool, account),
		marketplace.Errorf(marketplace.ENOTFOUND, "Account %s has not joined pool %s from this node.", account.Hex(), pool.Hex()))
}

// Memberships returns this node's memberships, by pool then account.
func (s *Store) Memberships(ctx context.Context) ([]Membership, error) {
	return scanJSON[Membership](s.db, poolMemberPrefix+"*")
}

// PendingRelease is a pool version prepared and being listed: written
// before the listing's transactions, so a crash between them and the
// version's entry in the pool log is finished by the next release (the
// listing is found on chain by its content hash) rather than lost.
type PendingRelease struct {
	Pool        common.Address  `json:"pool"`
	ContentHash common.Hash     `json:"content_hash"`
	Release     json.RawMessage `json:"release"` // the version's log entry, its listing id still unset
	Created     time.Time       `json:"created"`
}

// PutPendingRelease records the release in flight of its pool (one at a time).
func (s *Store) PutPendingRelease(ctx context.Context, r PendingRelease) error {
	return s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, poolReleasePrefix+r.Pool.Hex(), r) })
}

// PendingRelease returns pool's release in flight, ENOTFOUND when none.
func (s *Store) PendingRelease(ctx context.Context, pool common.Address) (PendingRelease, error) {
	return loadJSON[PendingRelease](s.db, poolReleasePrefix+pool.Hex(),
		marketplace.Errorf(marketplace.ENOTFOUND, "Pool %s has no release in flight.", pool.Hex()))
}

// DeletePendingRelease forgets pool's release in flight (it is in the log now).
func (s *Store) DeletePendingRelease(ctx context.Context, pool common.Address) error {
	return s.db.Update(func(tx *buntdb.Tx) error {
		if _, err := tx.Delete(poolReleasePrefix + pool.Hex()); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		return nil
	})
}

// PoolBlob is an encrypted contribution this node holds as a pool's hub:
// its record keeps the blob from the start-up cleanup of blobs no record
// names (Holds).
type PoolBlob struct {
	ContentHash common.Hash    `json:"content_hash"`
	Pool        common.Address `json:"pool"`
	Account     common.Address `json:"account"`
	Created     time.Time      `json:"created"`
}

// PutPoolBlob records a contribution's blob.
func (s *Store) PutPoolBlob(ctx context.Context, b PoolBlob) error {
	return s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, poolBlobPrefix+b.ContentHash.Hex(), b) })
}

// PoolBlobs returns the contributions' blobs this node holds.
func (s *Store) PoolBlobs(ctx context.Context) ([]PoolBlob, error) {
	return scanJSON[PoolBlob](s.db, poolBlobPrefix+"*")
}

func roundKey(pool common.Address, n uint64) string {
	return fmt.Sprintf("%s%s:%020d", poolRoundPrefix, pool.Hex(), n)
}

// PutPoolRound keeps the entitlements of pool's payout round n (JSON), as
// the hub publishes them beside the root it posts.
func (s *Store) PutPoolRound(ctx context.Context, pool common.Address, n uint64, entitlements []byte) error {
	return s.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(roundKey(pool, n), string(entitlements), nil)
		return err
	})
}

// PoolRound returns what PutPoolRound kept, ENOTFOUND when nothing.
func (s *Store) PoolRound(ctx context.Context, pool common.Address, n uint64) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(roundKey(pool, n))
		out = []byte(v)
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "Pool %s: no payout round %d here.", pool.Hex(), n)
	}
	return out, err
}

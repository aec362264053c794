package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// Keys of buyers' statements (prefix "mk:"):
//
//	mk:mystmt:<listing, 20 digits>:<buyer>         Statement: what an account of this node stated at its last purchase
//	mk:stmt:<listing, 20 digits>:<buyer>:<buy tx>  Statement: a statement a buyer delivered to this node as provider
//
// The two are kept apart: a node can be a buyer's node and a provider at
// once (even for the same listing).
const (
	myStatementPrefix = "mk:mystmt:"
	statementPrefix   = "mk:stmt:"
)

// Statement is a buyer's statements at one purchase (see
// marketplace.Statements), signed by the buyer (EIP-191; the provider
// package defines the message), bound to the buy transaction.
type Statement struct {
	ListingID uint64         `json:"listing_id"`
	Buyer     common.Address `json:"buyer"`
	TxHash    common.Hash    `json:"tx_hash"` // the buy transaction
	marketplace.Statements
	Signature []byte `json:"signature"`
	// Created is when the buyer's node recorded the purchase's statement, or
	// when the provider received it.
	Created time.Time `json:"created"`

	// On the buyer's node: the provider the statement goes to, and when it
	// got there (zero until delivered; Download and the market loop retry).
	Provider  string    `json:"provider,omitempty"`
	Delivered time.Time `json:"delivered,omitzero"`
	// Attempted is the last delivery attempt, LastError why it failed;
	// Refused when the provider answered with a refusal (not merely
	// unreachable): the market loop stops retrying, a download tries again.
	Attempted time.Time `json:"attempted,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	Refused   bool      `json:"refused,omitempty"`
}

func myStatementKey(id uint64, buyer common.Address) string {
	return fmt.Sprintf("%s%020d:%s", myStatementPrefix, id, buyer.Hex())
}

func statementKey(id uint64, buyer common.Address, tx common.Hash) string {
	return fmt.Sprintf("%s%020d:%s:%s", statementPrefix, id, buyer.Hex(), tx.Hex())
}

func (s Statement) check() error {
	if s.ListingID == 0 || s.Buyer == (common.Address{}) || s.TxHash == (common.Hash{}) {
		return marketplace.Errorf(marketplace.EINVALID, "Statement record needs a listing, a buyer and a buy transaction.")
	}
	return nil
}

// PutMyStatement stores what buyer stated at its purchase of listing id
// (replacing the statement of an earlier purchase of it).
func (s *Store) PutMyStatement(ctx context.Context, st Statement) error {
	if err := st.check(); err != nil {
		return err
	}
	return s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, myStatementKey(st.ListingID, st.Buyer), st) })
}

// MyStatement returns what buyer stated at its last purchase of listing id
// through this node, ENOTFOUND if nothing.
func (s *Store) MyStatement(ctx context.Context, id uint64, buyer common.Address) (Statement, error) {
	return loadJSON[Statement](s.db, myStatementKey(id, buyer),
		marketplace.Errorf(marketplace.ENOTFOUND, "No statement of %s for listing %d on this node.", buyer.Hex(), id))
}

// UndeliveredStatements returns this node's buyers' statements not yet
// delivered to their provider, oldest first.
func (s *Store) UndeliveredStatements(ctx context.Context) ([]Statement, error) {
	all, err := s.scanStatements(myStatementPrefix + "*")
	return deleteDelivered(all), err
}

func deleteDelivered(all []Statement) []Statement {
	out := all[:0]
	for _, st := range all {
		if st.Delivered.IsZero() {
			out = append(out, st)
		}
	}
	return out
}

// AddStatement records a statement a buyer delivered to this node as the
// listing's provider (the caller checked its signature and the licence).
// ECONFLICT when the statement of that buy transaction is already recorded:
// a statement is delivered once.
func (s *Store) AddStatement(ctx context.Context, st Statement) error {
	if err := st.check(); err != nil {
		return err
	}
	key := statementKey(st.ListingID, st.Buyer, st.TxHash)
	return s.db.Update(func(tx *buntdb.Tx) error {
		if _, err := tx.Get(key); err == nil {
			return marketplace.Errorf(marketplace.ECONFLICT,
				"The statement of %s for listing %d (buy %s) is already recorded.", st.Buyer.Hex(), st.ListingID, st.TxHash.Hex())
		} else if !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		return setJSON(tx, key, st)
	})
}

// Statements returns the statements buyers delivered to this node for
// listing id, oldest first.
func (s *Store) Statements(ctx context.Context, id uint64) ([]Statement, error) {
	return s.scanStatements(fmt.Sprintf("%s%020d:*", statementPrefix, id))
}

func (s *Store) scanStatements(pattern string) ([]Statement, error) {
	out, err := scanJSON[Statement](s.db, pattern)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

const sessionPrefix = "session:"

// PutSession stores a session that expires after ttl without use.
func (s *Store) PutSession(ctx context.Context, sess marketplace.Session, ttl time.Duration) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		return setJSONTTL(tx, sessionPrefix+sess.ID, sess, ttl)
	})
	if err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

// Session returns the stored session without writing anything; ENOTFOUND
// when it never existed, was ended, or its record expired.
func (s *Store) Session(ctx context.Context, id string) (marketplace.Session, error) {
	var sess marketplace.Session
	err := s.db.View(func(tx *buntdb.Tx) error {
		return getJSON(tx, sessionPrefix+id, &sess)
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return sess, marketplace.Errorf(marketplace.ENOTFOUND, "Your session has ended; sign in again.")
	}
	if err != nil {
		return sess, fmt.Errorf("read session: %w", err)
	}
	return sess, nil
}

// TouchSession returns the session and restarts its record's expiry (ttl
// from now), writing LastSeen: one durable write, so callers touch a
// session in use at most every so often (app keeps the last use in memory
// between touches); ENOTFOUND when it never existed, was ended, or expired.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time, ttl time.Duration) (marketplace.Session, error) {
	var sess marketplace.Session
	err := s.db.Update(func(tx *buntdb.Tx) error {
		if err := getJSON(tx, sessionPrefix+id, &sess); err != nil {
			return err
		}
		sess.LastSeen = now.UTC()
		return setJSONTTL(tx, sessionPrefix+id, sess, ttl)
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return sess, marketplace.Errorf(marketplace.ENOTFOUND, "Your session has ended; sign in again.")
	}
	if err != nil {
		return sess, fmt.Errorf("read session: %w", err)
	}
	return sess, nil
}

// SessionLive reports whether session id exists and has not expired,
// without restarting its idle timer.
func (s *Store) SessionLive(ctx context.Context, id string) (bool, error) {
	err := s.db.View(func(tx *buntdb.Tx) error {
		_, err := tx.Get(sessionPrefix + id)
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// DeleteSession ends a session; ending one that is gone is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		_, err := tx.Delete(sessionPrefix + id)
		return err
	})
	if err != nil && !errors.Is(err, buntdb.ErrNotFound) {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func setJSONTTL(tx *buntdb.Tx, key string, v any, ttl time.Duration) error {
	b, err := jsonMarshal(v)
	if err != nil {
		return err
	}
	_, _, err = tx.Set(key, string(b), &buntdb.SetOptions{Expires: true, TTL: ttl})
	return err
}

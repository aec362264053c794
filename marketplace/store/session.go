package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

const sessionPrefix = "session:"

// sessionRecord is a session as stored: the session and the time its record
// expires. The expiry is a value compared with the caller's clock, not a
// buntdb TTL, so a node (and a test) decides expiry by the clock it was
// given; SweepSessions deletes the records past it. A record written before
// expiries were stored has none (the zero time) and is kept until ended.
type sessionRecord struct {
	marketplace.Session
	Expires time.Time `json:"expires,omitzero"`
}

// expiredAt reports whether the record has expired at now.
func (r sessionRecord) expiredAt(now time.Time) bool {
	return !r.Expires.IsZero() && !now.Before(r.Expires)
}

// errSessionEnded is the one answer for a session that never existed, was
// ended or has expired.
func errSessionEnded() error {
	return marketplace.Errorf(marketplace.ENOTFOUND, "Your session has ended; sign in again.")
}

// PutSession stores a session whose record expires at expires.
func (s *Store) PutSession(ctx context.Context, sess marketplace.Session, expires time.Time) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		return setJSON(tx, sessionPrefix+sess.ID, sessionRecord{Session: sess, Expires: expires.UTC()})
	})
	if err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

// getSession reads the record of session id; buntdb.ErrNotFound when there
// is none or it has expired at now.
func getSession(tx *buntdb.Tx, id string, now time.Time) (sessionRecord, error) {
	var rec sessionRecord
	if err := getJSON(tx, sessionPrefix+id, &rec); err != nil {
		return rec, err
	}
	if rec.expiredAt(now) {
		return rec, buntdb.ErrNotFound
	}
	return rec, nil
}

// Session returns the session stored under id without writing anything;
// ENOTFOUND when it never existed, was ended, or its record has expired at
// now.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (marketplace.Session, error) {
	var rec sessionRecord
	err := s.db.View(func(tx *buntdb.Tx) error {
		var err error
		rec, err = getSession(tx, id, now)
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return marketplace.Session{}, errSessionEnded()
	}
	if err != nil {
		return marketplace.Session{}, fmt.Errorf("read session: %w", err)
	}
	return rec.Session, nil
}

// TouchSession returns the session and moves its record's expiry to
// expires, writing LastSeen (now): one durable write, so callers touch a
// session in use at most every so often (app keeps the last use in memory
// between touches); ENOTFOUND when it never existed, was ended, or its
// record has expired at now.
func (s *Store) TouchSession(ctx context.Context, id string, now, expires time.Time) (marketplace.Session, error) {
	var rec sessionRecord
	err := s.db.Update(func(tx *buntdb.Tx) error {
		var err error
		if rec, err = getSession(tx, id, now); err != nil {
			return err
		}
		rec.LastSeen = now.UTC()
		rec.Expires = expires.UTC()
		return setJSON(tx, sessionPrefix+id, rec)
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return marketplace.Session{}, errSessionEnded()
	}
	if err != nil {
		return marketplace.Session{}, fmt.Errorf("read session: %w", err)
	}
	return rec.Session, nil
}

// SessionLive reports whether session id exists and its record has not
// expired at now, without moving its expiry.
func (s *Store) SessionLive(ctx context.Context, id string, now time.Time) (bool, error) {
	err := s.db.View(func(tx *buntdb.Tx) error {
		_, err := getSession(tx, id, now)
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

// SweepSessions deletes the session records expired at now (those of
// sessions whose token never came back, or that a restart orphaned) and
// returns how many it deleted.
func (s *Store) SweepSessions(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *buntdb.Tx) error {
		var expired []string
		var decodeErr error
		err := tx.AscendKeys(sessionPrefix+"*", func(key, value string) bool {
			var rec sessionRecord
			if decodeErr = json.Unmarshal([]byte(value), &rec); decodeErr != nil {
				decodeErr = fmt.Errorf("decode %s: %w", key, decodeErr)
				return false
			}
			if rec.expiredAt(now) {
				expired = append(expired, key)
			}
			return true
		})
		if err != nil {
			return err
		}
		if decodeErr != nil {
			return decodeErr
		}
		// Deleted after the scan: buntdb forbids writes while iterating.
		for _, key := range expired {
			if _, err := tx.Delete(key); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep sessions: %w", err)
	}
	return n, nil
}

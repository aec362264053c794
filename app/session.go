package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// DefaultSessionIdle is how long a session lasts without use.
const DefaultSessionIdle = 30 * time.Minute

// sessionTouchEvery is how often a session in use has its store record
// rewritten (LastSeen and the record's expiry): a durable write with an
// fsync, which once per request cost a signed-in page nine tenths of its
// throughput. Between touches the last use is kept in memory, beside the
// session's key, and decides idle expiry; the record's own expiry (idle
// plus this, a time stored in the record and compared with the App's clock)
// only collects records that nothing in memory refers to.
const sessionTouchEvery = time.Minute

// touchEvery is sessionTouchEvery, or half the idle time when that is
// shorter, so a record is always rewritten before it could expire.
func (a *App) touchEvery() time.Duration { return min(sessionTouchEvery, a.sessionIdle/2) }

// recordExpiry is when a session record written at now expires: after the
// idle time and one touch interval, so a session in use (touched at least
// every touchEvery) never loses its record.
func (a *App) recordExpiry(now time.Time) time.Time { return now.Add(a.sessionIdle + a.touchEvery()) }

// sessionUse is what the node remembers of a session's use between touches.
type sessionUse struct {
	lastSeen time.Time // the last request of the session
	written  time.Time // when the record was last written
}

// signers keeps the unlocked keys of signed-in sessions in memory only: the
// store keeps the session record, never a key. After a restart the records
// remain but their keys are gone, so the user signs in again.
type signers struct {
	mu       sync.Mutex
	m        map[string]*vault.Signer // by session id
	uses     map[string]*sessionUse   // by session id, beside each key
	releases map[string]func()        // what to let go of when the session ends (trial anchoring's hold)
}

// put keeps the key of a session opened (and written) at now.
func (s *signers) put(id string, sg *vault.Signer, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*vault.Signer{}
		s.uses = map[string]*sessionUse{}
	}
	s.m[id] = sg
	s.uses[id] = &sessionUse{lastSeen: now, written: now}
}

// use records a use of session id at now. live is false when the node
// holds no key for it or it has been idle longer than idle; write is true
// when its record was last written every or more ago (and is then counted
// as written now).
func (s *signers) use(id string, now time.Time, idle, every time.Duration) (live, write bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uses[id]
	if s.m[id] == nil || u == nil || now.Sub(u.lastSeen) > idle {
		return false, false
	}
	if now.After(u.lastSeen) {
		u.lastSeen = now
	}
	if now.Sub(u.written) >= every {
		u.written = now
		return true, true
	}
	return true, false
}

// idle reports whether session id has gone unused longer than idle at now.
func (s *signers) idle(id string, now time.Time, idle time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uses[id]
	return u == nil || now.Sub(u.lastSeen) > idle
}

func (s *signers) get(id string) *vault.Signer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

// ids lists the sessions holding a key.
func (s *signers) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for id := range s.m {
		out = append(out, id)
	}
	return out
}

// holdOnce calls hold the first time a live session asks and keeps its
// release for when the session ends.
func (s *signers) holdOnce(id string, hold func() (release func())) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		return
	}
	if _, ok := s.releases[id]; ok {
		return
	}
	if s.releases == nil {
		s.releases = map[string]func(){}
	}
	s.releases[id] = hold()
}

// drop lets go of what a session held, then locks and forgets its key.
func (s *signers) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if release := s.releases[id]; release != nil {
		release()
		delete(s.releases, id)
	}
	if sg := s.m[id]; sg != nil {
		sg.Lock()
		delete(s.m, id)
	}
	delete(s.uses, id)
}

// LockIdleSessions locks the keys of sessions that ended by idle expiry:
// the store forgets them, and their keys must not stay unlocked in memory
// until the token comes back. It then deletes the store's expired session
// records (those no key in memory refers to, such as a restart leaves). It
// returns how many keys it locked; RunMarket calls it.
func (a *App) LockIdleSessions(ctx context.Context) (int, error) {
	n := 0
	now := a.now()
	for _, id := range a.signers.ids() {
		live, err := a.store.SessionLive(ctx, id, now)
		if err != nil {
			return n, err
		}
		if !live || a.signers.idle(id, now, a.sessionIdle) {
			a.signers.drop(id)
			if live {
				if err := a.store.DeleteSession(ctx, id); err != nil {
					return n, err
				}
			}
			n++
		}
	}
	if n > 0 {
		a.log.Info("idle sessions ended, their keys locked", "sessions", n)
	}
	swept, err := a.store.SweepSessions(ctx, now)
	if err != nil {
		return n, err
	}
	if swept > 0 {
		a.log.Info("expired session records deleted", "records", swept)
	}
	return n, nil
}

// sessionID is the store's name for a token: its SHA-256, so the store
// never holds a token that would open the session.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SignIn unlocks the named account (or address) with its passphrase and
// opens a session. It returns the session's token, the secret the UI keeps
// in a cookie. An unknown account and a wrong passphrase give the same
// EFORBIDDEN; too many failures of the account or of the client (the
// context's WithClient) an EUNAVAILABLE whose RetryAfter names the wait.
func (a *App) SignIn(ctx context.Context, name, passphrase string) (string, marketplace.Session, error) {
	sg, err := a.unlock(ctx, name, passphrase)
	if err != nil {
		return "", marketplace.Session{}, err
	}
	return a.openSession(ctx, sg)
}

// openSession opens a session holding the unlocked key sg; on failure it
// locks sg.
func (a *App) openSession(ctx context.Context, sg *vault.Signer) (string, marketplace.Session, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		sg.Lock()
		return "", marketplace.Session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := a.now().UTC()
	roles, err := a.AccountRoles(ctx, sg.Account().Address)
	if err != nil {
		sg.Lock()
		return "", marketplace.Session{}, err
	}
	sess := marketplace.Session{ID: sessionID(token), Account: sg.Account(), Roles: roles, Created: now, LastSeen: now}
	if err := a.store.PutSession(ctx, sess, a.recordExpiry(now)); err != nil {
		sg.Lock()
		return "", sess, err
	}
	a.signers.put(sess.ID, sg, now)
	a.log.Info("signed in", "account", sess.Account.Name, "address", sess.Account.Address)
	return token, sess, nil
}

// Session returns the live session of token and restarts its idle timer:
// in memory on every use, in the store at most every touchEvery. A session
// idle longer than the idle time, or whose key this process no longer holds
// (the node restarted), is ended: ENOTFOUND, sign in again.
func (a *App) Session(ctx context.Context, token string) (marketplace.Session, error) {
	id := sessionID(token)
	now := a.now()
	live, write := a.signers.use(id, now, a.sessionIdle, a.touchEvery())
	if !live {
		a.signers.drop(id)
		if ok, err := a.store.SessionLive(ctx, id, now); err == nil && ok {
			if err := a.store.DeleteSession(ctx, id); err != nil {
				a.log.Warn("end session", "err", err)
			}
		}
		return marketplace.Session{}, marketplace.Errorf(marketplace.ENOTFOUND, "Your session has ended; sign in again.")
	}
	var sess marketplace.Session
	var err error
	if write {
		sess, err = a.store.TouchSession(ctx, id, now, a.recordExpiry(now))
	} else {
		sess, err = a.store.Session(ctx, id, now)
	}
	if err != nil {
		if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
			a.signers.drop(id)
		}
		return sess, err
	}
	sess.LastSeen = now.UTC()
	// Roles are read again on each use, so a change shows at once.
	if roles, err := a.AccountRoles(ctx, sess.Address()); err == nil {
		sess.Roles = roles
	} else {
		a.log.Warn("read roles", "account", sess.Account.Name, "err", err)
	}
	return sess, nil
}

// SignOut ends the session of token and forgets its key.
func (a *App) SignOut(ctx context.Context, token string) error {
	id := sessionID(token)
	a.signers.drop(id)
	return a.store.DeleteSession(ctx, id)
}

// sessionSigner returns the unlocked key of a live session.
func (a *App) sessionSigner(ctx context.Context, token string) (*vault.Signer, error) {
	if _, err := a.Session(ctx, token); err != nil {
		return nil, err
	}
	sg := a.signers.get(sessionID(token))
	if sg == nil {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "Your session has ended; sign in again.")
	}
	return sg, nil
}

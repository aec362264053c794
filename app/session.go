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

// signers keeps the unlocked keys of signed-in sessions in memory only: the
// store keeps the session record, never a key. After a restart the records
// remain but their keys are gone, so the user signs in again.
type signers struct {
	mu       sync.Mutex
	m        map[string]*vault.Signer // by session id
	releases map[string]func()        // what to let go of when the session ends (trial anchoring's hold)
}

func (s *signers) put(id string, sg *vault.Signer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*vault.Signer{}
	}
	s.m[id] = sg
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
}

// LockIdleSessions locks the keys of sessions that ended by idle expiry:
// the store forgets them, and their keys must not stay unlocked in memory
// until the token comes back. It returns how many it locked; RunMarket
// calls it.
func (a *App) LockIdleSessions(ctx context.Context) (int, error) {
	n := 0
	for _, id := range a.signers.ids() {
		live, err := a.store.SessionLive(ctx, id)
		if err != nil {
			return n, err
		}
		if !live {
			a.signers.drop(id)
			n++
		}
	}
	if n > 0 {
		a.log.Info("idle sessions ended, their keys locked", "sessions", n)
	}
	return n, nil
}

// sessionID is the store's name for a token: its SHA-256, so the store
// never holds a token that would open the session.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SignIn unlocks the named account with its passphrase and opens a session.
// It returns the session's token, the secret the UI keeps in a cookie.
func (a *App) SignIn(ctx context.Context, name, passphrase string) (string, marketplace.Session, error) {
	sg, err := a.keys.Unlock(name, passphrase)
	if err != nil {
		return "", marketplace.Session{}, err
	}
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
	if err := a.store.PutSession(ctx, sess, a.sessionIdle); err != nil {
		sg.Lock()
		return "", sess, err
	}
	a.signers.put(sess.ID, sg)
	a.log.Info("signed in", "account", sess.Account.Name, "address", sess.Account.Address)
	return token, sess, nil
}

// Session returns the live session of token and restarts its idle timer.
// A session whose key this process no longer holds (the node restarted) is
// ended: ENOTFOUND, sign in again.
func (a *App) Session(ctx context.Context, token string) (marketplace.Session, error) {
	id := sessionID(token)
	sess, err := a.store.TouchSession(ctx, id, a.now(), a.sessionIdle)
	if err != nil {
		a.signers.drop(id)
		return sess, err
	}
	if a.signers.get(id) == nil {
		a.store.DeleteSession(ctx, id)
		return marketplace.Session{}, marketplace.Errorf(marketplace.ENOTFOUND, "Your session has ended; sign in again.")
	}
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

package ledger

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
	"unicode"

	"github.com/tidwall/buntdb"
	"golang.org/x/mod/sumdb/note"

	"github.com/medmarket/medmarket/marketplace"
)

// Each log signs its checkpoints with its own Ed25519 key, named by the log's
// origin as C2SP tlog-checkpoint has it (the key name is the origin line), so
// a checkpoint of one log can never pass for another's and an auditor pins
// one key per log (the trials layer registers it on chain with the trial).
//
// The key is derived, not stored: its seed is HMAC-SHA256(node key seed,
// "medmarket/ledger/log-key/v1\x00" || origin). The same node derives the
// same key for a log before it exists (to register it) and after a crash,
// so there is no window in which a registered key could be lost.
//
// Logs created before log keys existed keep signing with the node key
// (ledger.key, named Config.KeyName); their state has no key, and Verify
// says that their key is not named by their origin.

const logKeyLabel = "medmarket/ledger/log-key/v1\x00"

// logKey is one log's signing key.
type logKey struct {
	signer   note.Signer
	verifier note.Verifier
	vkey     string // note verifier key "origin+hash+base64"
}

// ed25519Signer is a note.Signer over an Ed25519 key.
type ed25519Signer struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
}

func (s ed25519Signer) Name() string                    { return s.name }
func (s ed25519Signer) KeyHash() uint32                 { return s.hash }
func (s ed25519Signer) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }

// CheckKeyName reports whether name is a valid signed-note key name (non-empty
// UTF-8 without spaces or '+'), which every origin must be, since it names
// the log's key.
func CheckKeyName(name string) error {
	if name == "" || strings.ContainsRune(name, '+') || strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return marketplace.Errorf(marketplace.EINVALID, "%q cannot name a log key: a signed-note key name is non-empty, without spaces or '+'.", name)
	}
	return nil
}

// deriveLogKey derives the key of the log with origin.
func (l *Ledger) deriveLogKey(origin string) (*logKey, error) {
	l.mu.Lock()
	k := l.logKeys[origin]
	l.mu.Unlock()
	if k != nil {
		return k, nil
	}
	if err := CheckKeyName(origin); err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, l.seed)
	m.Write([]byte(logKeyLabel + origin))
	priv := ed25519.NewKeyFromSeed(m.Sum(nil))
	vkey, err := note.NewEd25519VerifierKey(origin, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("ledger: log key of %s: %w", origin, err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("ledger: log key of %s: %w", origin, err)
	}
	k = &logKey{signer: ed25519Signer{name: origin, hash: v.KeyHash(), key: priv}, verifier: v, vkey: vkey}
	l.mu.Lock()
	l.logKeys[origin] = k
	l.mu.Unlock()
	return k, nil
}

// keyOf returns the key of the log whose state is st: the one derived for
// its origin, or the node key for a log from before log keys (st.Key empty).
// The key is always derived again, never taken from the state, so a changed
// state cannot choose the key its checkpoints are checked with.
func (l *Ledger) keyOf(id LogID, st *logState) (*logKey, error) {
	if st.Key == "" {
		return &logKey{signer: l.signer, verifier: l.verifier, vkey: l.verifierKey}, nil
	}
	return l.deriveLogKey(l.prefixOf(id, st))
}

// prefixOf is the origin a log's key is named by: its state's origin when
// that names the log, else the origin the log would get here.
func (l *Ledger) prefixOf(id LogID, st *logState) string {
	if strings.HasSuffix(st.Origin, "/"+id.hex()) {
		return st.Origin
	}
	return l.prefix + "/" + id.hex()
}

// verifierOf returns the verifier of log id's checkpoints, reading its state
// in tx.
func (l *Ledger) verifierOf(tx *buntdb.Tx, id LogID) (note.Verifier, error) {
	st, err := loadState(tx, id)
	if err != nil {
		return nil, err
	}
	k, err := l.keyOf(id, st)
	if err != nil {
		return nil, err
	}
	return k.verifier, nil
}

// LogKey returns the verifier key (note format "name+hash+base64", the name
// being the log's origin) that log id's checkpoints are signed with: the key
// of the log when it exists, else the key it will have once its first entry
// is appended. The trials layer registers it on chain before that.
func (l *Ledger) LogKey(id LogID) (string, error) {
	var st *logState
	err := l.db.View(func(tx *buntdb.Tx) error {
		var err error
		st, err = loadState(tx, id)
		return err
	})
	switch {
	case marketplace.ErrorCode(err) == marketplace.ENOTFOUND:
		st = l.newState(id)
	case err != nil:
		return "", err
	}
	k, err := l.keyOf(id, st)
	if err != nil {
		return "", err
	}
	return k.vkey, nil
}

// newState is the state of a log before its first entry.
func (l *Ledger) newState(id LogID) *logState {
	origin := l.prefix + "/" + id.hex()
	st := &logState{Origin: origin}
	if k, err := l.deriveLogKey(origin); err == nil {
		st.Key = k.vkey
	}
	return st
}

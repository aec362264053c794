package ledger

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tidwall/buntdb"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"github.com/medmarket/medmarket/marketplace"
)

// Checkpoint is a signed statement of a log's size and root hash in the C2SP
// tlog-checkpoint format (https://c2sp.org/tlog-checkpoint): a signed note
// whose text is the origin line, the tree size in decimal and the root hash in
// standard base64, each ending in a newline.
type Checkpoint struct {
	Origin string   // the log's origin, unique per log
	Size   uint64   // tree size
	Root   [32]byte // RFC 6962 root hash of the first Size entries
	Note   string   // the signed note exactly as signed: text, blank line, signature lines
}

// KeyFile is the name of the log signing key in Config.KeyDir.
const KeyFile = "ledger.key"

// checkpointText is the note text of a checkpoint.
func checkpointText(origin string, size uint64, root [32]byte) string {
	return origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n"
}

// parseCheckpointText parses the text of a checkpoint note. Extension lines
// after the root hash are allowed and ignored.
func parseCheckpointText(text string) (Checkpoint, error) {
	var cp Checkpoint
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return cp, errors.New("a checkpoint needs an origin, a size and a root hash line")
	}
	cp.Origin = lines[0]
	if cp.Origin == "" {
		return cp, errors.New("empty origin line")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || (len(lines[1]) > 1 && lines[1][0] == '0') {
		return cp, fmt.Errorf("tree size %q is not a decimal number", lines[1])
	}
	cp.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != len(cp.Root) {
		return cp, fmt.Errorf("root hash %q is not 32 bytes of base64", lines[2])
	}
	copy(cp.Root[:], root)
	return cp, nil
}

// OpenCheckpoint checks the signature of a checkpoint note with the verifier
// key (note format "name+hash+base64") and parses it. The error says whether
// the signature or the text is wrong.
func OpenCheckpoint(msg []byte, verifierKey string) (Checkpoint, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("invalid verifier key: %w", err)
	}
	return openCheckpoint(msg, v)
}

func openCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("signature by %s does not match the text", invalid.Name)
		case errors.As(err, &unverified):
			return Checkpoint{}, fmt.Errorf("not signed by the log key %s", v.Name())
		}
		return Checkpoint{}, fmt.Errorf("not a signed note: %w", err)
	}
	cp, err := parseCheckpointText(n.Text)
	if err != nil {
		return cp, err
	}
	cp.Note = string(msg)
	return cp, nil
}

// loadOrCreateKey reads the note signer key in dir/ledger.key, creating dir
// (0700) and the key (0600) on first use, and returns the signer, the
// verifier key and the key's Ed25519 seed (from which log keys are derived).
func loadOrCreateKey(dir, name string) (note.Signer, string, []byte, error) {
	if dir == "" {
		return nil, "", nil, marketplace.Errorf(marketplace.EINVALID, "The ledger needs a directory for its signing key.")
	}
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = createKey(dir, path, name)
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("ledger key %s: %w", path, err)
	}
	skey := strings.TrimSpace(string(b))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", nil, fmt.Errorf("ledger key %s: %w", path, err)
	}
	vkey, seed, err := verifierKeyOf(skey, signer.Name())
	if err != nil {
		return nil, "", nil, fmt.Errorf("ledger key %s: %w", path, err)
	}
	return signer, vkey, seed, nil
}

// createKey writes a new key whole or not at all: to a temp file, synced, then
// linked into place (which, unlike rename, never replaces a key another
// process created meanwhile), and the directory synced so the link survives
// a crash. A crash leaves at worst a temp file, never an empty ledger.key.
func createKey(dir, path, name string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".ledger-key-*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // already gone from its place once linked
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path) // another process won: use its key
	} else if err != nil {
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	return []byte(skey), nil
}

// syncDir makes the directory entries created in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("sync directory: %w", err)
	}
	return d.Close()
}

// verifierKeyOf derives the verifier key and returns the seed of an Ed25519
// note signer key (PRIVATE+KEY+name+hash+base64(0x01 || seed)).
func verifierKeyOf(skey, name string) (string, []byte, error) {
	parts := strings.SplitN(skey, "+", 5) // PRIVATE, KEY, name, hash, key (base64 may hold '+')
	if len(parts) != 5 {
		return "", nil, errors.New("not a note signer key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", nil, errors.New("not an Ed25519 note signer key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	return vkey, key[1:], err
}

// Checkpoint returns a signed checkpoint of log id at its current size:
// the one already signed for that size, or a new one.
//
// The log never signs two checkpoints that disagree. It refuses (ECONFLICT)
// to sign when a checkpoint of the same size with another root, or of a
// larger size, was signed before, and when the new tree is not consistent
// with the latest signed checkpoint (checked with a consistency proof from
// the stored tree, so a changed store is caught before it is signed). An
// empty log has no checkpoint (EINVALID).
func (l *Ledger) Checkpoint(ctx context.Context, id LogID) (Checkpoint, error) {
	var cp Checkpoint
	err := l.db.Update(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		if st.Size == 0 {
			return marketplace.Errorf(marketplace.EINVALID, "Log %s is empty: there is nothing to sign.", id)
		}
		root, err := st.root()
		if err != nil {
			return err
		}
		rd := newNodeReader(tx, id)
		if tree, err := rd.rootAt(st.Size); err != nil || tree != root {
			return marketplace.Wrap(marketplace.ECONFLICT, err, "Refusing to sign log %s: its stored tree does not match its state at size %d (the store was changed).", id, st.Size)
		}
		latest, ok, err := l.latestCheckpoint(tx, id)
		if err != nil {
			return err
		}
		if ok {
			switch {
			case latest.Size > st.Size:
				return marketplace.Errorf(marketplace.ECONFLICT, "Refusing to sign log %s at size %d: checkpoint %d is already signed (entries were lost from the store).", id, st.Size, latest.Size)
			case latest.Size == st.Size && latest.Root != root:
				return marketplace.Errorf(marketplace.ECONFLICT, "Refusing to sign log %s: checkpoint %d was signed with another root (the store was changed).", id, latest.Size)
			case latest.Size == st.Size:
				cp = latest
				return nil
			}
			p, err := rd.consistency(latest.Size, st.Size)
			if err == nil {
				err = proof.VerifyConsistency(hasher, latest.Size, st.Size, p, latest.Root[:], root[:])
			}
			if err != nil {
				return marketplace.Wrap(marketplace.ECONFLICT, err, "Refusing to sign log %s at size %d: the tree is not consistent with checkpoint %d (the store was changed).", id, st.Size, latest.Size)
			}
		}
		key, err := l.keyOf(id, st)
		if err != nil {
			return err
		}
		msg, err := note.Sign(&note.Note{Text: checkpointText(st.Origin, st.Size, root)}, key.signer)
		if err != nil {
			return fmt.Errorf("sign checkpoint: %w", err)
		}
		cp = Checkpoint{Origin: st.Origin, Size: st.Size, Root: root, Note: string(msg)}
		_, _, err = tx.Set(checkpointKey(id.hex(), st.Size), cp.Note, nil)
		return err
	})
	return cp, err
}

// LatestCheckpoint returns the latest signed checkpoint of log id
// (ENOTFOUND when none was signed).
func (l *Ledger) LatestCheckpoint(ctx context.Context, id LogID) (Checkpoint, error) {
	var cp Checkpoint
	err := l.db.View(func(tx *buntdb.Tx) error {
		c, ok, err := l.latestCheckpoint(tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return marketplace.Errorf(marketplace.ENOTFOUND, "Log %s has no signed checkpoint.", id)
		}
		cp = c
		return nil
	})
	return cp, err
}

// Checkpoints returns the signed checkpoints of log id, smallest first.
func (l *Ledger) Checkpoints(ctx context.Context, id LogID) ([]Checkpoint, error) {
	var cps []Checkpoint
	err := l.db.View(func(tx *buntdb.Tx) error {
		var err error
		cps, err = l.checkpoints(tx, id, ^uint64(0))
		return err
	})
	return cps, err
}

// checkpoints returns the stored checkpoints up to size max, checking their
// signatures and that each is stored under its own size.
func (l *Ledger) checkpoints(tx *buntdb.Tx, id LogID, max uint64) ([]Checkpoint, error) {
	var cps []Checkpoint
	var ierr error
	p := checkpointPrefix(id.hex())
	err := tx.AscendRange("", p, p+"~", func(k, v string) bool {
		cp, err := l.parseStored(tx, id, k, v)
		if err != nil {
			ierr = err
			return false
		}
		if cp.Size > max {
			return false
		}
		cps = append(cps, cp)
		return true
	})
	if err != nil {
		return nil, err
	}
	return cps, ierr
}

func (l *Ledger) latestCheckpoint(tx *buntdb.Tx, id LogID) (Checkpoint, bool, error) {
	var cp Checkpoint
	var found bool
	var ierr error
	p := checkpointPrefix(id.hex())
	err := tx.DescendLessOrEqual("", p+"~", func(k, v string) bool {
		if !strings.HasPrefix(k, p) {
			return false
		}
		cp, ierr = l.parseStored(tx, id, k, v)
		found = ierr == nil
		return false
	})
	if err != nil {
		return cp, false, err
	}
	return cp, found, ierr
}

// parseStored opens a stored checkpoint: its signature must verify with the
// log's key and its size must be the one in its key.
func (l *Ledger) parseStored(tx *buntdb.Tx, id LogID, key, v string) (Checkpoint, error) {
	size, _ := strconv.ParseUint(strings.TrimPrefix(key, checkpointPrefix(id.hex())), 16, 64)
	verifier, err := l.verifierOf(tx, id)
	if err != nil {
		return Checkpoint{}, err
	}
	cp, err := openCheckpoint([]byte(v), verifier)
	if err != nil {
		return cp, marketplace.Wrap(marketplace.ECONFLICT, err, "Stored checkpoint %d of log %s is not valid (the store was changed)", size, id)
	}
	if cp.Size != size {
		return cp, marketplace.Errorf(marketplace.ECONFLICT, "Stored checkpoint %d of log %s says size %d (the store was changed).", size, id, cp.Size)
	}
	return cp, nil
}

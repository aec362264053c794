// Package ledger is medmarket's append-only Merkle log: one log per clinical
// trial (the log id is the trial id), RFC 6962 hashing, signed checkpoints in
// the C2SP tlog-checkpoint note format, inclusion and consistency proofs,
// anchoring of checkpoints on chain, and offline verification of an exported
// Bundle.
//
// The tree maths (hashing, compact ranges, proof shapes, proof verification)
// belong to github.com/transparency-dev/merkle; this package owns the storage
// and the formats.
//
// # Dependencies
//
// Of ours it imports marketplace only (for error codes). It must not import
// marketplace/contracts or marketplace/chain: it anchors through the
// Anchorer interface, and the TrialRegistry anchorer lives in
// marketplace/trials. Nor app, frontend or the CLI, which sit above it.
//
// # Entries
//
// An entry is the opaque leaf bytes the caller gives (the trials layer puts a
// signed step there) and the index the log assigns. The leaf hash is
// SHA-256(0x00 || leaf) as RFC 6962 says.
//
// # Storage
//
// Everything lives in the buntdb the caller hands to New, under keys that
// start with "ledger:":
//
//	ledger:log:<id>                 log state: origin, size, compact range of [0, size)
//	ledger:<id>:e:<index>           leaf bytes of one entry
//	ledger:<id>:t:<stratum>:<tile>  a tile: the tree nodes of levels 8s..8s+7 under 256 nodes of level 8s
//	ledger:<id>:cp:<size>           signed checkpoint note
//	ledger:<id>:anchor:<size>       anchor record (tx hash, block, time)
//
// with <id> the log id in lowercase hex and numbers in 16-digit hex, so keys
// sort in index order. Every tree node is stored (in tiles of 256 leaves), so
// an inclusion or consistency proof reads O(log n) nodes from at most a few
// tiles, whatever the size of the log.
//
// # Durability
//
// New requires the database to run with SyncPolicy buntdb.Always: buntdb then
// writes one transaction with one write call and fsyncs it before Update
// returns. Append and AppendBatch are one transaction each (leaves, tree
// nodes and the new state together), so an entry whose append returned
// without error survives a crash or a power cut, and an append that did not
// return is either wholly there or wholly absent. AppendBatch amortises the
// fsync over its leaves: none of them is acknowledged before all of them are
// on disk. A process killed in the middle of buntdb's write can leave part of
// a transaction in the file; New finds such a torn append and rolls the log
// back to its size before it (nothing acknowledged is lost by that).
package ledger

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/tidwall/buntdb"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/medmarket/medmarket/marketplace"
)

// MaxLeafSize is the largest leaf an entry may hold. Large documents belong
// in the leaf by hash.
const MaxLeafSize = 1 << 20

// LogID names a log. For trial logs it is the trial id registered on chain.
type LogID [32]byte

// String returns the id as 0x-prefixed hex, as bytes32 values are written.
func (id LogID) String() string { return "0x" + hex.EncodeToString(id[:]) }

// MarshalText encodes the id as String does.
func (id LogID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText decodes 64 hex digits, with or without a 0x prefix.
func (id *LogID) UnmarshalText(b []byte) error {
	v, err := ParseLogID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseLogID decodes 64 hex digits, with or without a 0x prefix.
func ParseLogID(s string) (LogID, error) {
	var id LogID
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil || len(b) != len(id) {
		return id, marketplace.Errorf(marketplace.EINVALID, "Log id %q is not 32 bytes of hex.", s)
	}
	copy(id[:], b)
	return id, nil
}

func (id LogID) hex() string { return hex.EncodeToString(id[:]) }

// Entry is one record of a log.
type Entry struct {
	Index uint64 // position in the log, from 0; assigned by the log
	Leaf  []byte // the bytes hashed as the Merkle leaf, exactly as appended
}

// TreeHead is the size and root hash of a log's tree.
type TreeHead struct {
	Size uint64
	Root [32]byte
}

// Config tells New where the signing key lives and how to anchor.
type Config struct {
	// KeyDir is the directory of the log signing key (file ledger.key, an
	// Ed25519 note signer key). Both are created on first use, the file with
	// mode 0600. Required.
	KeyDir string
	// KeyName is the key's name in signatures; it must be a valid note key
	// name (no spaces or '+'). Default "medmarket-ledger". Used only when the
	// key is created.
	KeyName string
	// OriginPrefix starts the checkpoint origin of every new log:
	// OriginPrefix + "/" + the log id in hex. Default "medmarket/ledger".
	// A log keeps the origin it was created with.
	OriginPrefix string
	// Anchorer writes checkpoints on chain. Nil: Anchor, Reconcile and the
	// scheduler return EUNAVAILABLE.
	Anchorer Anchorer
	// Logger receives the scheduler's reports. Default: discarded.
	Logger *slog.Logger
}

// Ledger is the set of logs in one buntdb. It is safe for concurrent use;
// appends to all logs are serialised by buntdb's single writer.
type Ledger struct {
	db          *buntdb.DB
	signer      note.Signer
	verifierKey string
	verifier    note.Verifier
	seed        []byte // the node key's Ed25519 seed, from which each log's key is derived (logkey.go)
	prefix      string
	anchorer    Anchorer
	log         *slog.Logger

	mu        sync.Mutex
	anchoring map[LogID]*sync.Mutex // one anchoring at a time per log
	dirty     map[LogID]bool        // logs appended to since the scheduler last looked
	wake      chan struct{}         // pokes the scheduler, capacity 1
	lastErr   map[LogID]string      // last scheduled anchoring failure per log
	logKeys   map[string]*logKey    // derived log keys by origin

	// afterAnchorTx, when set (tests), runs after the anchor transaction was
	// mined and before its record is written; an error stops Anchor there,
	// as a crash would.
	afterAnchorTx func() error
}

var hasher = rfc6962.DefaultHasher

var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// New opens the logs kept in db, creating the signing key in cfg.KeyDir on
// first use, and repairs any log whose last append was torn by a crash.
// db must run with SyncPolicy buntdb.Always (see the package doc).
func New(db *buntdb.DB, cfg Config) (*Ledger, error) {
	if db == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "The ledger needs a database.")
	}
	var dbc buntdb.Config
	if err := db.ReadConfig(&dbc); err != nil {
		return nil, fmt.Errorf("ledger: read database config: %w", err)
	}
	if dbc.SyncPolicy != buntdb.Always {
		return nil, marketplace.Errorf(marketplace.EINVALID, "The ledger's database must fsync every transaction (buntdb SyncPolicy Always).")
	}
	if cfg.KeyName == "" {
		cfg.KeyName = "medmarket-ledger"
	}
	if cfg.OriginPrefix == "" {
		cfg.OriginPrefix = "medmarket/ledger"
	}
	if err := CheckKeyName(cfg.OriginPrefix); err != nil {
		// The origin names the log's key (C2SP tlog-checkpoint).
		return nil, marketplace.Errorf(marketplace.EINVALID, "The origin prefix %q must be a valid key name: no spaces, newlines or '+'.", cfg.OriginPrefix)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	signer, vkey, seed, err := loadOrCreateKey(cfg.KeyDir, cfg.KeyName)
	if err != nil {
		return nil, err
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("ledger: verifier key: %w", err)
	}
	l := &Ledger{
		db: db, signer: signer, verifierKey: vkey, verifier: verifier, seed: seed,
		prefix: cfg.OriginPrefix, anchorer: cfg.Anchorer, log: cfg.Logger,
		anchoring: make(map[LogID]*sync.Mutex),
		dirty:     make(map[LogID]bool),
		wake:      make(chan struct{}, 1),
		lastErr:   make(map[LogID]string),
		logKeys:   make(map[string]*logKey),
	}
	if err := l.recoverAll(); err != nil {
		return nil, err
	}
	return l, nil
}

// logState is what ledger:log:<id> holds.
type logState struct {
	Origin string `json:"origin"`
	// Key is the verifier key of the log's own signing key, named by
	// Origin (see logkey.go); empty for a log from before log keys, which
	// signs with the node key.
	Key  string `json:"key,omitempty"`
	Size uint64 `json:"size"`
	// Prev is the size before the last append transaction. If that
	// transaction was torn by a crash, recovery rolls back to Prev.
	Prev  uint64   `json:"prev"`
	Range [][]byte `json:"range"` // compact range hashes of [0, Size), left to right
}

func (s *logState) root() ([32]byte, error) {
	var out [32]byte
	if s.Size == 0 {
		copy(out[:], hasher.EmptyRoot())
		return out, nil
	}
	r, err := rangeFactory.NewRange(0, s.Size, s.Range)
	if err != nil {
		return out, fmt.Errorf("log state: %w", err)
	}
	h, err := r.GetRootHash(nil)
	if err != nil {
		return out, fmt.Errorf("log state: %w", err)
	}
	copy(out[:], h)
	return out, nil
}

func loadState(tx *buntdb.Tx, id LogID) (*logState, error) {
	v, err := tx.Get(stateKey(id))
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "No log %s.", id)
	}
	if err != nil {
		return nil, err
	}
	var s logState
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return nil, fmt.Errorf("log %s: decode state: %w", id, err)
	}
	return &s, nil
}

func saveState(tx *buntdb.Tx, id LogID, s *logState) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, _, err = tx.Set(stateKey(id), string(b), nil)
	return err
}

// Append adds one entry to log id, creating the log on its first entry, and
// returns the entry's index once it is on disk. It is AppendBatch of one leaf.
func (l *Ledger) Append(ctx context.Context, id LogID, leaf []byte) (uint64, error) {
	return l.AppendBatch(ctx, id, [][]byte{leaf})
}

// AppendBatch adds leaves to log id in order, in one transaction and one
// fsync, creating the log on its first entry. It returns the index of the
// first leaf; leaf i gets index first+i. Either all leaves are appended or
// none is. The log keeps its own copy of the bytes. Leaves must be non-empty
// and at most MaxLeafSize bytes (EINVALID).
func (l *Ledger) AppendBatch(ctx context.Context, id LogID, leaves [][]byte) (uint64, error) {
	if len(leaves) == 0 {
		return 0, marketplace.Errorf(marketplace.EINVALID, "Nothing to append.")
	}
	for i, leaf := range leaves {
		if len(leaf) == 0 {
			return 0, marketplace.Errorf(marketplace.EINVALID, "Leaf %d of the batch is empty.", i)
		}
		if len(leaf) > MaxLeafSize {
			return 0, marketplace.Errorf(marketplace.EINVALID, "Leaf %d of the batch has %d bytes; the limit is %d.", i, len(leaf), MaxLeafSize)
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Hash outside the write lock.
	hashes := make([][]byte, len(leaves))
	for i, leaf := range leaves {
		hashes[i] = hasher.HashLeaf(leaf)
	}
	var first uint64
	err := l.db.Update(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
			// A new log; drop what a torn first append may have left.
			st = l.newState(id)
			if err := deleteEntriesFrom(tx, id.hex(), 0); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		first = st.Size
		r, err := rangeFactory.NewRange(0, st.Size, st.Range)
		if err != nil {
			return fmt.Errorf("log %s: state: %w", id, err)
		}
		tw := newTileWriter(tx, id, st.Size)
		var visitErr error
		visit := func(nid compact.NodeID, h []byte) {
			if err := tw.set(nid, h); err != nil && visitErr == nil {
				visitErr = err
			}
		}
		hexID := id.hex()
		for i, leaf := range leaves {
			idx := first + uint64(i)
			if _, _, err := tx.Set(entryKeyHex(hexID, idx), string(leaf), nil); err != nil {
				return err
			}
			// Append visits the leaf and every inner node it completes.
			if err := r.Append(hashes[i], visit); err != nil {
				return fmt.Errorf("log %s: append: %w", id, err)
			}
		}
		if visitErr != nil {
			return visitErr
		}
		st.Prev, st.Size, st.Range = st.Size, r.End(), r.Hashes()
		if err := tw.flush(st.Size); err != nil {
			return err
		}
		return saveState(tx, id, st)
	})
	if err != nil {
		return 0, err
	}
	l.markDirty(id)
	return first, nil
}

// Head returns the size and root of log id's tree (ENOTFOUND for no log).
func (l *Ledger) Head(ctx context.Context, id LogID) (TreeHead, error) {
	var th TreeHead
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		th.Size = st.Size
		th.Root, err = st.root()
		return err
	})
	return th, err
}

// Entry returns entry index of log id (ENOTFOUND beyond the end).
func (l *Ledger) Entry(ctx context.Context, id LogID, index uint64) (Entry, error) {
	var e Entry
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		if index >= st.Size {
			return marketplace.Errorf(marketplace.ENOTFOUND, "Log %s has no entry %d (size %d).", id, index, st.Size)
		}
		v, err := tx.Get(entryKeyHex(id.hex(), index))
		if errors.Is(err, buntdb.ErrNotFound) {
			return marketplace.Errorf(marketplace.ENOTFOUND, "Entry %d of log %s is missing from the store.", index, id)
		}
		if err != nil {
			return err
		}
		e = Entry{Index: index, Leaf: []byte(v)}
		return nil
	})
	return e, err
}

// Entries returns the entries of log id with indexes in [from, to), cut at
// the log's size. Stored entries that are missing are skipped (Check reports
// them).
func (l *Ledger) Entries(ctx context.Context, id LogID, from, to uint64) ([]Entry, error) {
	var out []Entry
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		to = min(to, st.Size)
		if from >= to {
			return nil
		}
		hexID := id.hex()
		var ierr error
		err = tx.AscendRange("", entryKeyHex(hexID, from), entryKeyHex(hexID, to), func(k, v string) bool {
			idx, err := entryIndex(hexID, k)
			if err != nil {
				ierr = err
				return false
			}
			out = append(out, Entry{Index: idx, Leaf: []byte(v)})
			return true
		})
		if err != nil {
			return err
		}
		return ierr
	})
	return out, err
}

// Logs returns the ids of all logs, in id order.
func (l *Ledger) Logs(ctx context.Context) ([]LogID, error) {
	var ids []LogID
	err := l.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendGreaterOrEqual("", stateKeyPrefix, func(k, _ string) bool {
			if !strings.HasPrefix(k, stateKeyPrefix) {
				return false
			}
			if id, err := ParseLogID(strings.TrimPrefix(k, stateKeyPrefix)); err == nil {
				ids = append(ids, id)
			}
			return true
		})
	})
	return ids, err
}

package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// AnchorReceipt records a checkpoint written on chain.
type AnchorReceipt struct {
	TreeSize uint64      `json:"tree_size"`
	RootHash common.Hash `json:"root_hash"`
	TxHash   common.Hash `json:"tx_hash"`           // the anchor transaction; zero in Anchorer.Latest's answer
	Block    uint64      `json:"block"`             // the block that holds it
	Time     time.Time   `json:"time"`              // the block's time
	GasUsed  uint64      `json:"gas_used,omitzero"` // what the transaction cost, when known
}

// AnchorLookup finds what the chain recorded; Verify uses it to compare a
// bundle's anchors with the chain.
type AnchorLookup interface {
	// FindAnchor returns the anchor of log id with tree size size recorded on
	// chain (its root, transaction and block), ENOTFOUND if there is none,
	// EUNAVAILABLE if the chain cannot be reached.
	FindAnchor(ctx context.Context, id LogID, size uint64) (AnchorReceipt, error)
	// Latest returns the latest anchor of log id on chain, with a zero
	// TreeSize when nothing is anchored, and without TxHash and Block;
	// ENOTFOUND when the log is not registered.
	Latest(ctx context.Context, id LogID) (AnchorReceipt, error)
}

// Anchorer writes checkpoints on chain. The ledger knows no contract: the
// TrialRegistry anchorer of trial logs lives in marketplace/trials.
type Anchorer interface {
	AnchorLookup
	// Anchor records (size, root) for log id on chain in one transaction and
	// waits until it is mined. The chain refuses sizes that do not grow the
	// anchored tree (ECONFLICT), so no size is ever anchored twice.
	Anchor(ctx context.Context, id LogID, size uint64, root [32]byte) (AnchorReceipt, error)
}

func (l *Ledger) anchorLock(id LogID) *sync.Mutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.anchoring[id]
	if !ok {
		m = new(sync.Mutex)
		l.anchoring[id] = m
	}
	return m
}

// Anchor signs a checkpoint of log id at its current size (or takes the one
// already signed) and anchors it on chain, in one transaction whatever the
// number of entries since the last anchor, then records the anchor. It first
// reconciles with the chain (see Reconcile). When the latest checkpoint is
// already anchored it returns that anchor and sends nothing. Anchorings of
// one log are serialised.
func (l *Ledger) Anchor(ctx context.Context, id LogID) (AnchorReceipt, error) {
	if l.anchorer == nil {
		return AnchorReceipt{}, marketplace.Errorf(marketplace.EUNAVAILABLE, "No chain is configured for anchoring.")
	}
	m := l.anchorLock(id)
	m.Lock()
	defer m.Unlock()
	if err := l.reconcile(ctx, id); err != nil {
		return AnchorReceipt{}, err
	}
	cp, err := l.Checkpoint(ctx, id)
	if err != nil {
		return AnchorReceipt{}, err
	}
	last, ok, err := l.latestAnchor(id)
	if err != nil {
		return AnchorReceipt{}, err
	}
	if ok && last.TreeSize >= cp.Size {
		return last, nil
	}
	rec, err := l.anchorer.Anchor(ctx, id, cp.Size, cp.Root)
	if err != nil {
		// A transaction from before a crash may have been mined meanwhile:
		// take the chain's word.
		if marketplace.ErrorCode(err) == marketplace.ECONFLICT {
			if rerr := l.reconcile(ctx, id); rerr == nil {
				if last, ok, _ := l.latestAnchor(id); ok && last.TreeSize >= cp.Size {
					return last, nil
				}
			}
		}
		return AnchorReceipt{}, err
	}
	if rec.TreeSize != cp.Size || rec.RootHash != common.Hash(cp.Root) {
		return AnchorReceipt{}, fmt.Errorf("ledger: anchorer recorded size %d root %x for checkpoint %d root %x", rec.TreeSize, rec.RootHash, cp.Size, cp.Root)
	}
	if l.afterAnchorTx != nil {
		if err := l.afterAnchorTx(); err != nil {
			return AnchorReceipt{}, err
		}
	}
	if err := l.recordAnchor(id, rec); err != nil {
		return AnchorReceipt{}, err
	}
	return rec, nil
}

// Reconcile brings the anchor records of log id in line with the chain: when
// the chain holds a later anchor than the records (the node crashed after the
// transaction was mined and before it was recorded), it records it, with its
// transaction and block from the chain. A chain anchor that this log never
// signed is an ECONFLICT. A log whose trial is not registered on chain has
// nothing to reconcile.
func (l *Ledger) Reconcile(ctx context.Context, id LogID) error {
	if l.anchorer == nil {
		return marketplace.Errorf(marketplace.EUNAVAILABLE, "No chain is configured for anchoring.")
	}
	m := l.anchorLock(id)
	m.Lock()
	defer m.Unlock()
	return l.reconcile(ctx, id)
}

func (l *Ledger) reconcile(ctx context.Context, id LogID) error {
	on, err := l.anchorer.Latest(ctx, id)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if on.TreeSize == 0 {
		return nil
	}
	last, ok, err := l.latestAnchor(id)
	if err != nil {
		return err
	}
	if ok && last.TreeSize == on.TreeSize {
		if last.RootHash != on.RootHash {
			return marketplace.Errorf(marketplace.ECONFLICT, "Log %s: the chain anchors root %x at size %d, the record says %x.", id, on.RootHash, on.TreeSize, last.RootHash)
		}
		return nil
	}
	if ok && last.TreeSize > on.TreeSize {
		return marketplace.Errorf(marketplace.ECONFLICT, "Log %s: anchor %d is recorded but the chain's latest anchor is %d (another chain?).", id, last.TreeSize, on.TreeSize)
	}
	var cp Checkpoint
	err = l.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(checkpointKey(id.hex(), on.TreeSize))
		if errors.Is(err, buntdb.ErrNotFound) {
			return marketplace.Errorf(marketplace.ECONFLICT, "Log %s: the chain anchors size %d, which this log never signed.", id, on.TreeSize)
		}
		if err != nil {
			return err
		}
		cp, err = l.parseStored(tx, id, checkpointKey(id.hex(), on.TreeSize), v)
		return err
	})
	if err != nil {
		return err
	}
	if common.Hash(cp.Root) != on.RootHash {
		return marketplace.Errorf(marketplace.ECONFLICT, "Log %s: the chain anchors root %x at size %d; checkpoint %d says %x.", id, on.RootHash, on.TreeSize, cp.Size, cp.Root)
	}
	rec, err := l.anchorer.FindAnchor(ctx, id, on.TreeSize)
	if err != nil {
		return err
	}
	if rec.RootHash != on.RootHash {
		return marketplace.Errorf(marketplace.ECONFLICT, "Log %s: the chain's anchor event for size %d has root %x, its state %x.", id, on.TreeSize, rec.RootHash, on.RootHash)
	}
	l.log.Info("ledger: recorded an anchor found on chain", "log", id.String(), "size", rec.TreeSize, "tx", rec.TxHash.Hex())
	return l.recordAnchor(id, rec)
}

func (l *Ledger) recordAnchor(id LogID, rec AnchorReceipt) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return l.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(anchorKey(id.hex(), rec.TreeSize), string(b), nil)
		return err
	})
}

func (l *Ledger) latestAnchor(id LogID) (AnchorReceipt, bool, error) {
	var rec AnchorReceipt
	var found bool
	err := l.db.View(func(tx *buntdb.Tx) error {
		p := anchorPrefix(id.hex())
		var ierr error
		err := tx.DescendLessOrEqual("", p+"~", func(k, v string) bool {
			if strings.HasPrefix(k, p) {
				ierr = json.Unmarshal([]byte(v), &rec)
				found = ierr == nil
			}
			return false
		})
		if err != nil {
			return err
		}
		return ierr
	})
	return rec, found, err
}

// Anchors returns the recorded anchors of log id, smallest tree first.
func (l *Ledger) Anchors(ctx context.Context, id LogID) ([]AnchorReceipt, error) {
	var out []AnchorReceipt
	err := l.db.View(func(tx *buntdb.Tx) error {
		var err error
		out, err = anchors(tx, id)
		return err
	})
	return out, err
}

func anchors(tx *buntdb.Tx, id LogID) ([]AnchorReceipt, error) {
	var out []AnchorReceipt
	var ierr error
	p := anchorPrefix(id.hex())
	err := tx.AscendRange("", p, p+"~", func(k, v string) bool {
		var rec AnchorReceipt
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			ierr = fmt.Errorf("ledger: anchor record %s: %w", k, err)
			return false
		}
		out = append(out, rec)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, ierr
}

// Status is what a UI shows about a log's anchoring.
type Status struct {
	Size       uint64         // entries in the log
	Checkpoint *Checkpoint    // the latest signed checkpoint, nil if none
	Anchor     *AnchorReceipt // the latest recorded anchor, nil if none
	Unanchored uint64         // entries not covered by the latest anchor
	LastError  string         // the scheduler's last failure to anchor this log, "" after a success
}

// Status reports log id's size, latest checkpoint and latest anchor.
func (l *Ledger) Status(ctx context.Context, id LogID) (Status, error) {
	var s Status
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		s.Size = st.Size
		cp, ok, err := l.latestCheckpoint(tx, id)
		if err != nil {
			return err
		}
		if ok {
			s.Checkpoint = &cp
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	rec, ok, err := l.latestAnchor(id)
	if err != nil {
		return s, err
	}
	s.Unanchored = s.Size
	if ok {
		s.Anchor = &rec
		s.Unanchored = s.Size - min(s.Size, rec.TreeSize)
	}
	l.mu.Lock()
	s.LastError = l.lastErr[id]
	l.mu.Unlock()
	return s, nil
}

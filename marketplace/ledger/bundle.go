package ledger

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// BundleFormat names the current Bundle format.
const BundleFormat = "medmarket-ledger-bundle/v1"

// Bundle is everything an auditor needs to verify a log offline: its entries
// with inclusion proofs, its signed checkpoints with consistency proofs, and
// its anchors. JSON field names are the stable format; []byte fields are
// standard base64, hashes in anchors are 0x-hex.
type Bundle struct {
	Format      string `json:"format"`       // BundleFormat
	LogID       LogID  `json:"log_id"`       // the trial id
	Origin      string `json:"origin"`       // the checkpoint origin line of the log
	VerifierKey string `json:"verifier_key"` // the log key, note verifier format
	// TreeSize is the size of the checkpoint the inclusion proofs are
	// against: the latest signed checkpoint, which may be later than the
	// latest anchor. The bundle holds entries 0..TreeSize-1.
	TreeSize uint64        `json:"tree_size"`
	Entries  []BundleEntry `json:"entries"`
	// Checkpoints are the signed checkpoint notes up to TreeSize, smallest
	// first.
	Checkpoints []string `json:"checkpoints"`
	// Consistency holds a proof between each pair of consecutive checkpoints.
	Consistency []ConsistencyProof `json:"consistency"`
	// Anchors are the on-chain anchors of checkpoints up to TreeSize.
	Anchors []AnchorReceipt `json:"anchors"`
}

// BundleEntry is one entry with its inclusion proof in the tree of size
// Bundle.TreeSize.
type BundleEntry struct {
	Index uint64   `json:"index"`
	Leaf  []byte   `json:"leaf"`  // the exact bytes hashed as the leaf
	Proof [][]byte `json:"proof"` // RFC 6962 audit path, bottom up
}

// ConsistencyProof proves that the tree of size From is a prefix of the tree
// of size To (RFC 6962).
type ConsistencyProof struct {
	From  uint64   `json:"from"`
	To    uint64   `json:"to"`
	Proof [][]byte `json:"proof"`
}

// exportChunk is how many entries Export reads per read transaction, so a
// long export does not hold appends up.
const exportChunk = 4096

// Export returns the bundle of log id: every entry up to the latest signed
// checkpoint with its inclusion proof against that checkpoint, the signed
// checkpoints with consistency proofs, and the recorded anchors (Verify says
// which entries are not anchored yet). A log without a checkpoint cannot be
// exported (ECONFLICT).
//
// Export reports what the store holds; it does not judge it (Check and
// Verify do), so a changed store gives a bundle that fails verification.
func (l *Ledger) Export(ctx context.Context, id LogID) (*Bundle, error) {
	b := &Bundle{Format: BundleFormat, LogID: id}
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		b.Origin = st.Origin
		key, err := l.keyOf(id, st)
		if err != nil {
			return err
		}
		b.VerifierKey = key.vkey
		// The checkpoints as stored, valid or not: Verify judges them.
		type stored struct {
			size uint64
			note string
		}
		var cps []stored
		p := checkpointPrefix(id.hex())
		err = tx.AscendRange("", p, p+"~", func(k, v string) bool {
			size, err := strconv.ParseUint(strings.TrimPrefix(k, p), 16, 64)
			if err == nil && size <= st.Size {
				cps = append(cps, stored{size, v})
			}
			return true
		})
		if err != nil {
			return err
		}
		if len(cps) == 0 {
			return marketplace.Errorf(marketplace.ECONFLICT, "Log %s has no signed checkpoint to export against.", id)
		}
		ancs, err := anchors(tx, id)
		if err != nil {
			return err
		}
		// The whole log as signed: entries after the last anchor are in the
		// bundle too, and Verify says they are not anchored yet.
		b.TreeSize = cps[len(cps)-1].size
		rd := newNodeReader(tx, id)
		for i, cp := range cps {
			if cp.size > b.TreeSize {
				break
			}
			b.Checkpoints = append(b.Checkpoints, cp.note)
			if i > 0 {
				p, err := rd.consistency(cps[i-1].size, cp.size)
				if err != nil {
					return err
				}
				b.Consistency = append(b.Consistency, ConsistencyProof{From: cps[i-1].size, To: cp.size, Proof: p})
			}
		}
		for _, a := range ancs {
			if a.TreeSize <= b.TreeSize {
				b.Anchors = append(b.Anchors, a)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.Entries = make([]BundleEntry, 0, b.TreeSize)
	for from := uint64(0); from < b.TreeSize; from += exportChunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		to := min(from+exportChunk, b.TreeSize)
		err := l.db.View(func(tx *buntdb.Tx) error {
			rd := newNodeReader(tx, id)
			hexID := id.hex()
			var ierr error
			err := tx.AscendRange("", entryKeyHex(hexID, from), entryKeyHex(hexID, to), func(k, v string) bool {
				idx, err := entryIndex(hexID, k)
				if err != nil {
					ierr = err
					return false
				}
				p, err := rd.inclusion(idx, b.TreeSize)
				if err != nil {
					ierr = err
					return false
				}
				b.Entries = append(b.Entries, BundleEntry{Index: idx, Leaf: []byte(v), Proof: p})
				return true
			})
			if err != nil {
				return err
			}
			return ierr
		})
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// WriteBundle writes b as indented JSON.
func WriteBundle(w io.Writer, b *Bundle) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// ReadBundle decodes a bundle written by WriteBundle (EINVALID when it is not
// one).
func ReadBundle(r io.Reader) (*Bundle, error) {
	var b Bundle
	// Unknown fields are allowed: later formats may add some, and the trials
	// layer may wrap a bundle in its own export.
	if err := json.NewDecoder(r).Decode(&b); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Not a ledger bundle")
	}
	if b.Format != BundleFormat {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Bundle format %q is not %q.", b.Format, BundleFormat)
	}
	return &b, nil
}

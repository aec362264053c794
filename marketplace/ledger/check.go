package ledger

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"
	"github.com/transparency-dev/merkle/compact"
)

// maxNodeFindings caps the findings about inner tree nodes; one changed node
// makes all its ancestors differ too.
const maxNodeFindings = 20

// Check looks for tampering in the store of log id: it rehashes every stored
// entry and compares it with the tree's leaf hash at its index (a changed,
// moved or removed entry is named), recomputes every inner node and the root
// at every signed checkpoint from the leaves and compares them with the
// stored nodes and the checkpoints, checks each checkpoint's signature and
// each anchor record against its checkpoint. It reads the whole log in one
// read transaction, so appends wait meanwhile.
//
// It returns the report and nil, or the report's Err (EINVALID naming what
// differs).
func (l *Ledger) Check(ctx context.Context, id LogID) (*Report, error) {
	rep := &Report{LogID: id}
	err := l.db.View(func(tx *buntdb.Tx) error {
		st, err := loadState(tx, id)
		if err != nil {
			return err
		}
		rep.Origin, rep.TreeSize = st.Origin, st.Size
		c := &checker{l: l, tx: tx, id: id, st: st, rep: rep, rd: newNodeReader(tx, id)}
		return c.run(ctx)
	})
	if err != nil {
		return nil, err
	}
	return rep, rep.Err()
}

// checker checks one log's store inside one read transaction (see Check).
type checker struct {
	l     *Ledger
	tx    *buntdb.Tx
	id    LogID
	st    *logState
	rep   *Report
	rd    *nodeReader
	cps   []Checkpoint
	nodes int // node findings so far

	// The fresh tree the stored entries fold into.
	rng      *compact.Range
	next     int    // the first checkpoint in cps the tree has not reached
	expected uint64 // the index of the next entry
}

func (c *checker) fail(subject, format string, args ...any) {
	c.rep.Findings = append(c.rep.Findings, Finding{Subject: subject, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) run(ctx context.Context) error {
	if err := c.checkCheckpoints(); err != nil {
		return err
	}
	if err := c.checkEntries(ctx); err != nil {
		return err
	}
	if err := c.checkAnchors(); err != nil {
		return err
	}
	if len(c.rep.Findings) == 0 {
		c.rep.Findings = append(c.rep.Findings, Finding{Subject: "log", OK: true,
			Detail: fmt.Sprintf("%d entries, %d checkpoints and %d anchors match the tree", c.rep.Entries, c.rep.Checkpoints, c.rep.Anchors)})
	}
	return nil
}

// checkCheckpoints checks each checkpoint on its own and keeps the valid
// ones in c.cps.
func (c *checker) checkCheckpoints() error {
	p := checkpointPrefix(c.id.hex())
	return c.tx.AscendRange("", p, p+"~", func(k, v string) bool {
		c.rep.Checkpoints++
		size, _ := strconv.ParseUint(strings.TrimPrefix(k, p), 16, 64)
		cp, err := c.l.parseStored(c.tx, c.id, k, v)
		switch {
		case err != nil:
			c.fail(fmt.Sprintf("checkpoint %d", size), "%v", err)
		case cp.Origin != c.st.Origin:
			c.fail(fmt.Sprintf("checkpoint %d", size), "origin %q is not the log's %q", cp.Origin, c.st.Origin)
		case cp.Size > c.st.Size:
			c.fail(fmt.Sprintf("checkpoint %d", size), "signed for more entries than the log holds (%d): entries were removed", c.st.Size)
		default:
			c.cps = append(c.cps, cp)
		}
		return true
	})
}

// visit compares an inner node of the fresh tree with the stored one.
func (c *checker) visit(nid compact.NodeID, h []byte) {
	if nid.Level == 0 || c.nodes >= maxNodeFindings {
		return // leaves are checked as entries
	}
	stored, err := c.rd.node(nid)
	if err != nil || !bytes.Equal(stored, h) {
		c.nodes++
		c.fail(fmt.Sprintf("tree node (level %d, index %d)", nid.Level, nid.Index), "stored hash differs from the hash of its children")
	}
}

// feed appends leaf hash lh to the fresh tree and, when the tree reaches a
// checkpoint's size, compares the roots.
func (c *checker) feed(lh []byte) error {
	if err := c.rng.Append(lh, c.visit); err != nil {
		return err
	}
	for c.next < len(c.cps) && c.cps[c.next].Size < c.rng.End() {
		c.next++
	}
	if c.next < len(c.cps) && c.cps[c.next].Size == c.rng.End() {
		cp := c.cps[c.next]
		root, err := c.rng.GetRootHash(nil)
		if err != nil {
			return err
		}
		if [32]byte(root) != cp.Root {
			c.fail(fmt.Sprintf("checkpoint %d", cp.Size), "its root %s is not the root %s of the stored entries 0-%d", b64(cp.Root[:]), b64(root), cp.Size-1)
		}
		c.next++
	}
	return nil
}

// standIn feeds the tree's leaf hashes for the missing entries from-to
// (exclusive), so that the checks after them still run.
func (c *checker) standIn(from, to uint64) error {
	for i := from; i < to; i++ {
		lh, err := c.rd.node(compact.NewNodeID(0, i))
		if err != nil {
			return fmt.Errorf("entry %d and its leaf hash are both missing", i)
		}
		if err := c.feed(lh); err != nil {
			return err
		}
	}
	return nil
}

// missing records that entries from-to (exclusive) are not stored.
func (c *checker) missing(from, to uint64) {
	if to-from == 1 {
		c.fail(fmt.Sprintf("entry %d", from), "missing from the store")
	} else {
		c.fail(fmt.Sprintf("entries %d-%d", from, to-1), "missing from the store")
	}
}

// checkEntries rehashes every stored entry, compares it with the tree's
// leaf, folds it into the fresh tree and compares the tree's root with the
// log state's.
func (c *checker) checkEntries(ctx context.Context) error {
	c.rng = rangeFactory.NewEmptyRange(0)
	hexID := c.id.hex()
	ep := entryPrefix(hexID)
	var ferr error // stops the scan: the tree cannot be recomputed
	err := c.tx.AscendRange("", ep, ep+"~", func(k, v string) bool {
		if ctx.Err() != nil {
			ferr = ctx.Err()
			return false
		}
		idx, err := entryIndex(hexID, k)
		if err != nil {
			ferr = err
			return false
		}
		ferr = c.entry(idx, v)
		return ferr == nil
	})
	if err != nil {
		return err
	}
	if ferr == nil && c.expected < c.st.Size {
		c.missing(c.expected, c.st.Size)
		ferr = c.standIn(c.expected, c.st.Size)
	}
	c.checkRoot(ferr)
	return nil
}

// entry checks the stored entry idx with bytes v.
func (c *checker) entry(idx uint64, v string) error {
	c.rep.Entries++
	subject := fmt.Sprintf("entry %d", idx)
	if idx >= c.st.Size {
		c.fail(subject, "stored beyond the log's size %d", c.st.Size)
		return nil
	}
	if idx > c.expected {
		c.missing(c.expected, idx)
		if err := c.standIn(c.expected, idx); err != nil {
			return err
		}
	}
	c.expected = idx + 1
	lh := hasher.HashLeaf([]byte(v))
	stored, err := c.rd.node(compact.NewNodeID(0, idx))
	switch {
	case err != nil:
		c.fail(subject, "the tree has no leaf hash for it")
	case !bytes.Equal(stored, lh):
		c.fail(subject, "its bytes do not hash to the tree's leaf %d (the entry was changed, or moved from another index)", idx)
	}
	return c.feed(lh)
}

// checkRoot compares the fresh tree's root with the log state's, unless
// the tree could not be recomputed (ferr).
func (c *checker) checkRoot(ferr error) {
	if ferr != nil {
		c.fail("log", "the tree could not be recomputed: %v", ferr)
	} else if root, err := c.st.root(); err != nil {
		c.fail("log state", "%v", err)
	} else if got, err := c.rng.GetRootHash(nil); c.st.Size > 0 && (err != nil || [32]byte(got) != root) {
		c.fail("log state", "its root %s at size %d is not the root %s of the stored entries", b64(root[:]), c.st.Size, b64(got))
	}
}

// checkAnchors checks the anchor records against the valid checkpoints.
func (c *checker) checkAnchors() error {
	ancs, err := anchors(c.tx, c.id)
	if err != nil {
		return err
	}
	for _, a := range ancs {
		c.rep.Anchors++
		var cp *Checkpoint
		for i := range c.cps {
			if c.cps[i].Size == a.TreeSize {
				cp = &c.cps[i]
			}
		}
		subject := fmt.Sprintf("anchor %d", a.TreeSize)
		switch {
		case cp == nil:
			c.fail(subject, "no valid checkpoint of size %d", a.TreeSize)
		case common.Hash(cp.Root) != a.RootHash:
			c.fail(subject, "anchored root %x differs from checkpoint %d's root %x", a.RootHash, cp.Size, cp.Root)
		}
	}
	return nil
}

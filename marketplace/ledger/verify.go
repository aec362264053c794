package ledger

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"github.com/medmarket/medmarket/marketplace"
)

// Finding is the outcome of one check of a verification: one per entry,
// checkpoint and anchor, and one for the bundle as a whole when it fails.
type Finding struct {
	Subject string // what was checked: "entry 12", "checkpoint 1000", "anchor 1000", "bundle"
	OK      bool
	Detail  string // what passed, or why it failed
}

func (f Finding) String() string {
	if f.OK {
		return f.Subject + ": ok (" + f.Detail + ")"
	}
	return f.Subject + ": FAIL: " + f.Detail
}

// Report is the result of Verify or Check.
type Report struct {
	LogID       LogID
	Origin      string
	TreeSize    uint64 // the checkpoint the entries were proved against
	Entries     int    // entries looked at
	Checkpoints int
	Anchors     int
	Findings    []Finding // bundle first, then checkpoints, anchors and entries in order
}

// OK reports whether every check passed.
func (r *Report) OK() bool { return len(r.Failures()) == 0 }

// Failures returns the failed findings.
func (r *Report) Failures() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if !f.OK {
			out = append(out, f)
		}
	}
	return out
}

// Summary is one line saying what was verified.
func (r *Report) Summary() string {
	state := "verified"
	if n := len(r.Failures()); n > 0 {
		state = fmt.Sprintf("FAILED (%d problems)", n)
	}
	return fmt.Sprintf("log %s %s: %d entries, %d checkpoints, %d anchors, proofs against tree size %d",
		r.LogID, state, r.Entries, r.Checkpoints, r.Anchors, r.TreeSize)
}

// Err returns nil when every check passed, else an EINVALID error naming the
// first failures.
func (r *Report) Err() error {
	fails := r.Failures()
	if len(fails) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Verification of log %s failed: ", r.LogID)
	for i, f := range fails {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(fails)-5)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Subject + ": " + f.Detail)
	}
	return marketplace.Errorf(marketplace.EINVALID, "%s", b.String())
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// VerifierKey, when set, is the log key the auditor trusts; the bundle
	// must carry the same key. Otherwise the bundle's own key is used.
	VerifierKey string
	// Chain, when set, is asked for every anchor of the bundle, whose root
	// and transaction must match the chain's record.
	Chain AnchorLookup
	// AllowUnanchored accepts a bundle whose proofs are against a checkpoint
	// that has no anchor.
	AllowUnanchored bool
}

// Verify checks a bundle offline, from its own content only (and the chain,
// when opts.Chain is set): each checkpoint's signature with the log key; the
// consistency of each checkpoint with the one before; that the entries are
// 0..TreeSize-1, once each and in order, each included in the checkpoint of
// size TreeSize; that every checkpoint's root is the root of the entries up
// to its size; that every anchor matches a checkpoint (and the chain); and
// that the checkpoint of size TreeSize is anchored.
//
// It returns the report, and nil or the report's Err (EINVALID naming the
// failing entries and checkpoints). When only the chain could not be asked,
// the error is EUNAVAILABLE.
func Verify(ctx context.Context, b *Bundle, opts VerifyOptions) (*Report, error) {
	if b == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "No bundle to verify.")
	}
	v := &verifier{b: b, rep: &Report{LogID: b.LogID, Origin: b.Origin, TreeSize: b.TreeSize}}
	v.run(ctx, opts)
	if err := v.rep.Err(); err != nil {
		if v.chainErr != nil && len(v.rep.Failures()) == v.chainFails {
			return v.rep, marketplace.Wrap(marketplace.EUNAVAILABLE, v.chainErr, "The chain could not be asked about the anchors of log %s", b.LogID)
		}
		return v.rep, err
	}
	return v.rep, nil
}

type verifier struct {
	b          *Bundle
	rep        *Report
	bundle     []Finding
	cps        []Checkpoint        // valid checkpoints, ascending
	cpProblems map[uint64][]string // by size
	noProof    map[uint64]uint64   // checkpoint size -> previous valid checkpoint without a consistency proof between them
	rootShown  map[uint64]bool     // checkpoint sizes whose root the entries reproduce
	chainErr   error
	chainFails int
}

func (v *verifier) failBundle(format string, args ...any) {
	v.bundle = append(v.bundle, Finding{Subject: "bundle", Detail: fmt.Sprintf(format, args...)})
}

func (v *verifier) run(ctx context.Context, opts VerifyOptions) {
	b := v.b
	vkey := b.VerifierKey
	if opts.VerifierKey != "" && opts.VerifierKey != vkey {
		v.failBundle("it carries log key %q, not the trusted key %q", vkey, opts.VerifierKey)
		vkey = opts.VerifierKey
	}
	nv, err := note.NewVerifier(vkey)
	if err != nil {
		v.failBundle("log key %q is not a note verifier key: %v", vkey, err)
		v.rep.Findings = v.bundle
		return
	}
	if b.Format != BundleFormat {
		v.failBundle("format %q is not %q", b.Format, BundleFormat)
	}
	// The signed origin names the log, so checkpoints of one trial cannot
	// pass for another's.
	if !strings.HasSuffix(b.Origin, "/"+b.LogID.hex()) {
		v.failBundle("origin %q does not name log %s", b.Origin, b.LogID)
	}
	cpFindings := v.checkpoints(nv)
	target, haveTarget := v.checkpoint(b.TreeSize)
	if !haveTarget {
		v.failBundle("it has no valid checkpoint of tree size %d, which its inclusion proofs are against", b.TreeSize)
	}
	anchorFindings := v.anchors(ctx, opts)
	if haveTarget && !opts.AllowUnanchored && !v.anchored(b.TreeSize) {
		v.failBundle("checkpoint %d, which the entries are proved against, is not anchored", b.TreeSize)
	}
	entryFindings := v.entries(target, haveTarget)

	// Without a consistency proof (a checkpoint between was dropped), the
	// entries can still show that both roots belong to one log.
	for size, prev := range v.noProof {
		if !v.rootShown[size] || !v.rootShown[prev] {
			v.cpProblems[size] = append(v.cpProblems[size], fmt.Sprintf("no consistency proof from checkpoint %d", prev))
		}
	}
	// The checkpoint findings can only be completed after the entries.
	for i := range cpFindings {
		f := &cpFindings[i]
		if size, ok := f.sizeOf(); ok && len(v.cpProblems[size]) > 0 {
			f.OK = false
			f.Detail = strings.Join(v.cpProblems[size], "; ")
		}
	}
	v.rep.Findings = append(append(append(v.bundle, cpFindings...), anchorFindings...), entryFindings...)
}

// sizeOf returns the size in a "checkpoint N" subject.
func (f Finding) sizeOf() (uint64, bool) {
	var n uint64
	_, err := fmt.Sscanf(f.Subject, "checkpoint %d", &n)
	return n, err == nil
}

func (v *verifier) checkpoint(size uint64) (Checkpoint, bool) {
	for _, cp := range v.cps {
		if cp.Size == size {
			return cp, true
		}
	}
	return Checkpoint{}, false
}

// anchored reports whether an anchor in the bundle matches the checkpoint of
// that size.
func (v *verifier) anchored(size uint64) bool {
	cp, ok := v.checkpoint(size)
	for _, a := range v.b.Anchors {
		if ok && a.TreeSize == size && a.RootHash == common.Hash(cp.Root) {
			return true
		}
	}
	return false
}

// checkpoints checks signatures, origin, order and consistency proofs.
func (v *verifier) checkpoints(nv note.Verifier) []Finding {
	v.cpProblems = make(map[uint64][]string)
	v.noProof = make(map[uint64]uint64)
	v.rootShown = make(map[uint64]bool)
	var out []Finding
	for i, text := range v.b.Checkpoints {
		v.rep.Checkpoints++
		subject := fmt.Sprintf("checkpoint #%d", i+1)
		if body, _, ok := strings.Cut(text, "\n\n"); ok {
			if cp, err := parseCheckpointText(body + "\n"); err == nil {
				subject = fmt.Sprintf("checkpoint %d", cp.Size)
			}
		}
		cp, err := openCheckpoint([]byte(text), nv)
		if err != nil {
			out = append(out, Finding{Subject: subject, Detail: err.Error()})
			continue
		}
		if cp.Origin != v.b.Origin {
			out = append(out, Finding{Subject: subject, Detail: fmt.Sprintf("origin %q is not the log's %q", cp.Origin, v.b.Origin)})
			continue
		}
		if n := len(v.cps); n > 0 && cp.Size <= v.cps[n-1].Size {
			detail := fmt.Sprintf("out of order after checkpoint %d", v.cps[n-1].Size)
			if cp.Size == v.cps[n-1].Size && cp.Root != v.cps[n-1].Root {
				detail = fmt.Sprintf("a second checkpoint of size %d with another root (%s, not %s)", cp.Size, b64(cp.Root[:]), b64(v.cps[n-1].Root[:]))
			}
			out = append(out, Finding{Subject: subject, Detail: detail})
			continue
		}
		f := Finding{Subject: subject, OK: true, Detail: "signed by the log key"}
		if n := len(v.cps); n > 0 {
			prev := v.cps[n-1]
			if p, ok := v.consistencyProof(prev.Size, cp.Size); !ok {
				// Fine if the entries show both roots (see run).
				v.noProof[cp.Size] = prev.Size
			} else if err := proof.VerifyConsistency(hasher, prev.Size, cp.Size, p, prev.Root[:], cp.Root[:]); err != nil {
				v.cpProblems[cp.Size] = append(v.cpProblems[cp.Size], fmt.Sprintf("not consistent with checkpoint %d: %s", prev.Size, describeProofErr(err)))
			} else {
				f.Detail += fmt.Sprintf(", consistent with checkpoint %d", prev.Size)
			}
		}
		v.cps = append(v.cps, cp)
		out = append(out, f)
	}
	return out
}

func (v *verifier) consistencyProof(from, to uint64) ([][]byte, bool) {
	for _, c := range v.b.Consistency {
		if c.From == from && c.To == to {
			return c.Proof, true
		}
	}
	return nil, false
}

// anchors checks each anchor against the bundle's checkpoints and the chain.
func (v *verifier) anchors(ctx context.Context, opts VerifyOptions) []Finding {
	var out []Finding
	var prev uint64
	for i, a := range v.b.Anchors {
		v.rep.Anchors++
		f := Finding{Subject: fmt.Sprintf("anchor %d", a.TreeSize)}
		cp, ok := v.checkpoint(a.TreeSize)
		switch {
		case i > 0 && a.TreeSize <= prev:
			f.Detail = fmt.Sprintf("out of order after anchor %d", prev)
		case !ok:
			f.Detail = fmt.Sprintf("no valid checkpoint of size %d in the bundle", a.TreeSize)
		case common.Hash(cp.Root) != a.RootHash:
			f.Detail = fmt.Sprintf("anchored root %x differs from checkpoint %d's root %x", a.RootHash, cp.Size, cp.Root)
		default:
			f.OK = true
			f.Detail = fmt.Sprintf("matches checkpoint %d, tx %s, block %d", cp.Size, a.TxHash.Hex(), a.Block)
		}
		prev = a.TreeSize
		if f.OK && opts.Chain != nil {
			on, err := opts.Chain.FindAnchor(ctx, v.b.LogID, a.TreeSize)
			switch {
			case marketplace.ErrorCode(err) == marketplace.ENOTFOUND:
				f.OK, f.Detail = false, fmt.Sprintf("the chain has no anchor of size %d for log %s", a.TreeSize, v.b.LogID)
			case err != nil:
				f.OK, f.Detail = false, fmt.Sprintf("could not be checked on chain: %v", err)
				v.chainErr = err
				v.chainFails++
			case on.RootHash != a.RootHash:
				f.OK, f.Detail = false, fmt.Sprintf("the chain records root %x (tx %s), the bundle %x", on.RootHash, on.TxHash.Hex(), a.RootHash)
			case a.TxHash != (common.Hash{}) && on.TxHash != a.TxHash:
				f.OK, f.Detail = false, fmt.Sprintf("the chain records it in tx %s, the bundle says tx %s", on.TxHash.Hex(), a.TxHash.Hex())
			default:
				f.Detail += ", recorded on chain"
			}
		}
		out = append(out, f)
	}
	return out
}

// entries checks order, inclusion in target and, by recomputing the tree
// from the leaves, the root of every checkpoint.
func (v *verifier) entries(target Checkpoint, haveTarget bool) []Finding {
	var out []Finding
	size := v.b.TreeSize
	missing := func(from, to uint64) {
		if to-from == 1 {
			out = append(out, Finding{Subject: fmt.Sprintf("entry %d", from), Detail: "missing from the bundle"})
		} else {
			out = append(out, Finding{Subject: fmt.Sprintf("entries %d-%d", from, to-1), Detail: "missing from the bundle"})
		}
	}
	rng := rangeFactory.NewEmptyRange(0)
	broken := false // entries are missing: the roots cannot be recomputed
	next := 0       // index into v.cps of the next checkpoint to compare
	var expected uint64
	for pos, e := range v.b.Entries {
		v.rep.Entries++
		subject := fmt.Sprintf("entry %d", e.Index)
		if e.Index < expected {
			out = append(out, Finding{Subject: subject, Detail: fmt.Sprintf("listed again or out of order at position %d (entries must be in index order, once each)", pos)})
			continue
		}
		if e.Index >= size {
			out = append(out, Finding{Subject: subject, Detail: fmt.Sprintf("beyond the bundle's tree size %d", size)})
			continue
		}
		if e.Index > expected {
			missing(expected, e.Index)
			broken = true
		}
		expected = e.Index + 1
		lh := hasher.HashLeaf(e.Leaf)
		switch {
		case !haveTarget:
			out = append(out, Finding{Subject: subject, Detail: fmt.Sprintf("no checkpoint of size %d to prove it against", size)})
		default:
			if err := proof.VerifyInclusion(hasher, e.Index, size, lh, e.Proof, target.Root[:]); err != nil {
				out = append(out, Finding{Subject: subject, Detail: fmt.Sprintf("not included at index %d in checkpoint %d (the leaf or its proof was changed): %s", e.Index, size, describeProofErr(err))})
			} else {
				out = append(out, Finding{Subject: subject, OK: true, Detail: fmt.Sprintf("included in checkpoint %d", size)})
			}
		}
		if broken {
			continue
		}
		if err := rng.Append(lh, nil); err != nil {
			broken = true
			continue
		}
		for next < len(v.cps) && v.cps[next].Size < rng.End() {
			next++
		}
		if next < len(v.cps) && v.cps[next].Size == rng.End() {
			cp := v.cps[next]
			root, err := rng.GetRootHash(nil)
			if err != nil || [32]byte(root) != cp.Root {
				v.cpProblems[cp.Size] = append(v.cpProblems[cp.Size], fmt.Sprintf("its root %s is not the root %s of entries 0-%d", b64(cp.Root[:]), b64(root), cp.Size-1))
			} else {
				v.rootShown[cp.Size] = true
			}
			next++
		}
	}
	if expected < size {
		missing(expected, size)
	}
	return out
}

func b64(h []byte) string {
	if len(h) == 0 {
		return "(none)"
	}
	return base64.StdEncoding.EncodeToString(h)
}

// describeProofErr says why a proof failed without the library's byte dumps.
func describeProofErr(err error) string {
	var mm proof.RootMismatchError
	if errors.As(err, &mm) {
		return fmt.Sprintf("the proof leads to root %s, not %s", b64(mm.CalculatedRoot), b64(mm.ExpectedRoot))
	}
	return err.Error()
}

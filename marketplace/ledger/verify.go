package ledger

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"github.com/medmarket/medmarket/marketplace"
)

// Finding is the outcome of one check of a verification: one per entry,
// checkpoint and anchor, one for the bundle as a whole when it fails, and
// one for the log against the chain's latest anchor.
type Finding struct {
	Subject string // what was checked: "entry 12", "checkpoint 1000", "anchor 1000", "bundle", "log"
	OK      bool
	// Warning marks a finding that does not fail the verification but that
	// an auditor must read: entries not anchored yet.
	Warning bool
	Detail  string // what passed, or why it failed
}

func (f Finding) String() string {
	switch {
	case !f.OK:
		return f.Subject + ": FAIL: " + f.Detail
	case f.Warning:
		return f.Subject + ": WARNING: " + f.Detail
	}
	return f.Subject + ": ok (" + f.Detail + ")"
}

// Report is the result of Verify or Check.
type Report struct {
	LogID       LogID
	Origin      string
	TreeSize    uint64 // the checkpoint the entries were proved against
	Entries     int    // entries looked at
	Checkpoints int
	Anchors     int
	Findings    []Finding // bundle first, then checkpoints, anchors and entries in order, then the log against the chain
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

// Warnings returns the findings that passed with a warning.
func (r *Report) Warnings() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.OK && f.Warning {
			out = append(out, f)
		}
	}
	return out
}

// State is "verified", "verified with N warnings" or "FAILED (N problems)".
func (r *Report) State() string {
	if n := len(r.Failures()); n > 0 {
		return fmt.Sprintf("FAILED (%d problems)", n)
	}
	if n := len(r.Warnings()); n == 1 {
		return "verified with 1 warning"
	} else if n > 1 {
		return fmt.Sprintf("verified with %d warnings", n)
	}
	return "verified"
}

// Summary is one line saying what was verified.
func (r *Report) Summary() string {
	return fmt.Sprintf("log %s %s: %d entries, %d checkpoints, %d anchors, proofs against tree size %d",
		r.LogID, r.State(), r.Entries, r.Checkpoints, r.Anchors, r.TreeSize)
}

// Err returns nil when every check passed, else an EINVALID error naming the
// first failures.
func (r *Report) Err() error {
	fails := r.Failures()
	if len(fails) == 0 {
		return nil
	}
	// What concerns the whole log (its key, the chain's latest anchor) first.
	sort.SliceStable(fails, func(i, j int) bool { return logLevel(fails[i]) && !logLevel(fails[j]) })
	var b strings.Builder
	fmt.Fprintf(&b, "Verification of log %s failed: ", r.LogID)
	const shown = 8
	for i, f := range fails {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(fails)-shown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Subject + ": " + f.Detail)
	}
	return marketplace.Errorf(marketplace.EINVALID, "%s", b.String())
}

// logLevel reports whether a finding is about the whole log.
func logLevel(f Finding) bool {
	return f.Subject == "log" || f.Subject == "log key" || f.Subject == "bundle"
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// VerifierKey, when set, is the log key the auditor trusts (pinned:
	// given by the auditor, or registered on chain); a bundle carrying
	// another key fails. Otherwise the bundle's own key is used, which
	// proves only that the bundle is self-consistent; a bundle without a key
	// is checked for everything but the checkpoint signatures.
	VerifierKey string
	// Chain, when set, is asked for every anchor of the bundle, whose root
	// and transaction must match the chain's record, and for the log's
	// latest anchor: a bundle that stops before it fails (entries are
	// missing), and the bundle's first entries must give its root.
	Chain AnchorLookup
}

// Verify checks a bundle offline, from its own content only (and the chain,
// when opts.Chain is set): each checkpoint's signature with the log key,
// whose name must be the log's origin (C2SP tlog-checkpoint); the
// consistency of each checkpoint with the one before; that the entries are
// 0..TreeSize-1, once each and in order, each included in the checkpoint of
// size TreeSize; that every checkpoint's root is the root of the entries up
// to its size; that every anchor matches a checkpoint (and the chain); with
// a chain, that the bundle reaches the chain's latest anchor and agrees with
// its root. Entries after the latest anchor are a warning ("entries 300-311
// are not anchored yet"), not a failure.
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
	b                 *Bundle
	rep               *Report
	bundle            []Finding
	cps               []Checkpoint        // valid checkpoints, ascending
	cpProblems        map[uint64][]string // by size
	noProof           map[uint64]uint64   // checkpoint size -> previous valid checkpoint without a consistency proof between them
	rootShown         map[uint64]bool     // checkpoint sizes whose root the entries reproduce
	chainLatestAnchor AnchorReceipt       // the chain's latest anchor of the log
	wantRoot          uint64              // a size whose root the entries must give (the chain's latest anchor)
	rootAt            map[uint64][32]byte // roots the entries gave, at wantRoot
	chainErr          error
	chainFails        int
}

func (v *verifier) failBundle(format string, args ...any) {
	v.bundle = append(v.bundle, Finding{Subject: "bundle", Detail: fmt.Sprintf(format, args...)})
}

func (v *verifier) run(ctx context.Context, opts VerifyOptions) {
	b := v.b
	nv := v.logKey(opts)
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
	var chainFindings []Finding
	if opts.Chain != nil {
		chainFindings = v.chainLatest(ctx, opts.Chain)
	}
	entryFindings := v.entries(target, haveTarget)
	if opts.Chain != nil {
		chainFindings = v.chainRoot(chainFindings)
	} else if haveTarget {
		chainFindings = v.unanchoredTail()
	}

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
	v.rep.Findings = append(append(append(append(v.bundle, cpFindings...), anchorFindings...), entryFindings...), chainFindings...)
}

// logKey returns the verifier of the checkpoints: the pinned key, else the
// bundle's; nil when there is none (the signatures are then not checked).
// The key must be named by the log's origin (C2SP tlog-checkpoint).
func (v *verifier) logKey(opts VerifyOptions) note.Verifier {
	b := v.b
	vkey := b.VerifierKey
	switch {
	case opts.VerifierKey != "" && vkey != "" && opts.VerifierKey != vkey:
		v.failBundle("it carries log key %q, not the trusted key %q", vkey, opts.VerifierKey)
		vkey = opts.VerifierKey
	case opts.VerifierKey != "":
		vkey = opts.VerifierKey
	case vkey == "":
		v.failBundle("it carries no verifier_key: the checkpoint signatures could not be checked (the entries' hashes, the tree, inclusion, consistency and anchors were)")
		return nil
	}
	nv, err := note.NewVerifier(vkey)
	if err != nil {
		v.failBundle("log key %q is not a note verifier key: %v", vkey, err)
		return nil
	}
	if nv.Name() != b.Origin {
		v.failBundle("log key %q is named %q, not by the log's origin %q (C2SP tlog-checkpoint: a log signs under its origin)", vkey, nv.Name(), b.Origin)
	}
	return nv
}

// chainLatest compares the bundle's size with the chain's latest anchor of
// the log: a bundle that stops before it leaves anchored entries out.
func (v *verifier) chainLatest(ctx context.Context, chain AnchorLookup) []Finding {
	id, size := v.b.LogID, v.b.TreeSize
	on, err := chain.Latest(ctx, id)
	switch {
	case marketplace.ErrorCode(err) == marketplace.ENOTFOUND:
		return []Finding{{Subject: "log", Detail: fmt.Sprintf("the chain has no log %s (not registered)", id)}}
	case err != nil:
		v.chainErr = err
		v.chainFails++
		return []Finding{{Subject: "log", Detail: fmt.Sprintf("the chain's latest anchor could not be read: %v", err)}}
	}
	v.chainLatestAnchor = on
	if on.TreeSize == 0 {
		return nil
	}
	where := fmt.Sprintf("an anchor of size %d", on.TreeSize)
	if rec, err := chain.FindAnchor(ctx, id, on.TreeSize); err == nil {
		v.chainLatestAnchor.TxHash, v.chainLatestAnchor.Block = rec.TxHash, rec.Block
		where += fmt.Sprintf(" at block %d", rec.Block)
	}
	if on.TreeSize > size {
		return []Finding{{Subject: "log", Detail: fmt.Sprintf("the chain holds %s; this export stops at %d: %s missing",
			where, size, entryRange(size, on.TreeSize, "is", "are"))}}
	}
	v.wantRoot = on.TreeSize
	return nil
}

// chainRoot completes the chain findings once the entries gave their roots.
func (v *verifier) chainRoot(fs []Finding) []Finding {
	on, size := v.chainLatestAnchor, v.b.TreeSize
	if len(fs) > 0 || v.chainErr != nil {
		return fs
	}
	if on.TreeSize == 0 {
		if size == 0 {
			return nil
		}
		return []Finding{{Subject: "log", OK: true, Warning: true,
			Detail: fmt.Sprintf("nothing of this log is anchored on chain: %s not anchored yet", entryRange(0, size, "is", "are"))}}
	}
	where := fmt.Sprintf("size %d", on.TreeSize)
	if on.Block != 0 {
		where += fmt.Sprintf(", block %d", on.Block)
	}
	root, ok := v.rootAt[on.TreeSize]
	switch {
	case !ok:
		fs = append(fs, Finding{Subject: "log", Detail: fmt.Sprintf("the chain's latest anchor (%s) cannot be compared: entries before it are missing or out of order", where)})
	case common.Hash(root) != on.RootHash:
		fs = append(fs, Finding{Subject: "log", Detail: fmt.Sprintf("the chain's latest anchor (%s) has root %x; entries 0-%d of this export give root %x", where, on.RootHash, on.TreeSize-1, root)})
	default:
		fs = append(fs, Finding{Subject: "log", OK: true, Detail: fmt.Sprintf("entries 0-%d give the root of the chain's latest anchor (%s)", on.TreeSize-1, where)})
	}
	if size > on.TreeSize {
		fs = append(fs, Finding{Subject: "log", OK: true, Warning: true,
			Detail: fmt.Sprintf("%s not anchored yet (the chain's latest anchor is of size %d)", entryRange(on.TreeSize, size, "is", "are"), on.TreeSize)})
	}
	return fs
}

// unanchoredTail warns, offline, about the entries after the bundle's last
// valid anchor.
func (v *verifier) unanchoredTail() []Finding {
	var last uint64
	for _, a := range v.b.Anchors {
		if a.TreeSize > last && v.anchored(a.TreeSize) {
			last = a.TreeSize
		}
	}
	if size := v.b.TreeSize; size > last {
		return []Finding{{Subject: "log", OK: true, Warning: true,
			Detail: fmt.Sprintf("%s not anchored yet (by the export's own anchors; offline, the chain was not asked)", entryRange(last, size, "is", "are"))}}
	}
	return nil
}

// entryRange names entries [from, to): "entry 7 is" or "entries 100-299 are".
func entryRange(from, to uint64, one, many string) string {
	if to-from == 1 {
		return fmt.Sprintf("entry %d %s", from, one)
	}
	return fmt.Sprintf("entries %d-%d %s", from, to-1, many)
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
		var cp Checkpoint
		var err error
		signed := "signed by the log key"
		if nv != nil {
			cp, err = openCheckpoint([]byte(text), nv)
		} else {
			cp, err = readUnverified(text)
			signed = "signature not checked (no log key)"
		}
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
		f := Finding{Subject: subject, OK: true, Detail: signed}
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

// readUnverified parses a checkpoint note without checking its signature.
func readUnverified(text string) (Checkpoint, error) {
	body, _, ok := strings.Cut(text, "\n\n")
	if !ok {
		return Checkpoint{}, errors.New("not a signed note: no blank line before the signatures")
	}
	cp, err := parseCheckpointText(body + "\n")
	cp.Note = text
	return cp, err
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
		if v.wantRoot == rng.End() {
			if root, err := rng.GetRootHash(nil); err == nil {
				v.rootAt = map[uint64][32]byte{v.wantRoot: [32]byte(root)}
			}
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

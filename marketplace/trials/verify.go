package trials

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// ChainLookup is what Verify asks the chain: the anchors (ledger), the
// protocol registrations and the log key of a trial. NewChainLookup makes one.
type ChainLookup interface {
	ledger.AnchorLookup
	// Protocols returns the trial's sponsor and its registered protocol
	// hashes in order, with their transactions.
	Protocols(ctx context.Context, id common.Hash) (common.Address, []marketplace.ProtocolVersion, error)
	// LogKey returns the verifier key of the trial's log registered with the
	// trial (its TrialRegistered event, checked against the SHA-256 the
	// contract stores); ENOTFOUND when the trial is not registered,
	// ECONFLICT for a registry from before log keys were pinned.
	LogKey(ctx context.Context, id common.Hash) (string, error)
}

// NewChainLookup returns a ChainLookup on the TrialRegistry at registry.
func NewChainLookup(backend Backend, registry common.Address, fromBlock uint64) ChainLookup {
	return &chainLookup{registryAnchorer: newRegistryAnchorer(backend, nil, registry, nil, fromBlock), reg: newRegistry(backend, nil, registry, fromBlock)}
}

type chainLookup struct {
	*registryAnchorer
	reg *registry
}

func (c *chainLookup) Protocols(ctx context.Context, id common.Hash) (common.Address, []marketplace.ProtocolVersion, error) {
	sponsor, txs, err := c.reg.protocols(ctx, id)
	if err != nil {
		return sponsor, nil, err
	}
	out := make([]marketplace.ProtocolVersion, len(txs))
	for i, t := range txs {
		out[i] = marketplace.ProtocolVersion{Version: i + 1, SHA256: t.Hash, TxHash: t.TxHash, Block: t.Block, Time: t.Time}
	}
	return sponsor, out, nil
}

func (c *chainLookup) LogKey(ctx context.Context, id common.Hash) (string, error) {
	oc, err := c.reg.trial(ctx, id)
	if err != nil {
		return "", err
	}
	if oc.Sponsor == (common.Address{}) {
		return "", marketplace.Errorf(marketplace.ENOTFOUND, "Trial %s is not registered on the TrialRegistry at %s.", id.Hex(), c.reg.address.Hex())
	}
	_, key, _, err := c.reg.events(ctx, id)
	if err != nil {
		return "", err
	}
	if logKeyHash(key) != oc.LogKeyHash {
		return "", marketplace.Errorf(marketplace.EUNAVAILABLE, "The chain's registration event of trial %s does not carry the log key whose hash the registry stores (%s); the node's event index may be incomplete.", id.Hex(), oc.LogKeyHash.Hex())
	}
	return key, nil
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Chain, when set, is asked for every anchor, for the latest anchor
	// (an export that stops before it fails), for the trial's protocol
	// registrations, which must match the export, and for the log key
	// registered with the trial, which the checkpoints must be signed with.
	Chain ChainLookup
	// VerifierKey is the log key the auditor pins (medmarket verify --key).
	// Offline, without it, verification fails: a key carried by the export
	// proves nothing, since anyone can sign a cut or changed export with a
	// fresh key. With a chain, it must be the key the chain registered.
	VerifierKey string
}

// Report is the result of verifying a trial's audit trail: the ledger's
// findings (one per entry, checkpoint and anchor), with each entry's
// signature and step checks merged into its finding, and findings for the
// trial and its protocol versions.
type Report struct {
	*ledger.Report
	Trial marketplace.Trial
	Steps []marketplace.Step // the decoded steps of entries whose leaf decodes, in index order
	// Team is the log replayed as verified: the staff and their roles over
	// time, designs, queries and locks.
	Team    *Team
	checker *entryChecker
}

// Summary is one line saying what was verified.
func (r *Report) Summary() string {
	staff := map[common.Address]bool{}
	for _, s := range r.Steps {
		if s.Who != r.Trial.Sponsor {
			staff[s.Who] = true
		}
	}
	return fmt.Sprintf("trial %s (%s) %s: %d entries signed by sponsor %s and %d staff, %d checkpoints, %d anchors, proofs against tree size %d",
		r.Trial.Identifier, r.Trial.ID.Hex(), r.State(), r.Entries, r.Trial.Sponsor.Hex(), len(staff), r.Checkpoints, r.Anchors, r.TreeSize)
}

// Verify checks an export offline (and against the chain with opts.Chain):
// everything ledger.Verify checks (inclusion of every entry in the anchored
// checkpoint, checkpoint signatures and consistency, anchors), and, for the
// trial, that its id is its sponsor's and identifier's, that its protocol
// versions are those registered on chain, and for every entry: that its leaf
// is a signed step in canonical form, signed by the sponsor (EIP-191) for
// this trial at this index, no earlier than the entry before, under a
// protocol version registered earlier in the log, correcting only earlier
// entries; and that the signature and step shown beside the leaf are the
// leaf's. A failure names the entry and why.
//
// It returns the report and nil or the report's Err (EINVALID); EUNAVAILABLE
// when the chain could not be asked.
func Verify(ctx context.Context, e *Export, opts VerifyOptions) (*Report, error) {
	lopts := ledger.VerifyOptions{VerifierKey: opts.VerifierKey}
	keyFinding, err := logKeyFinding(ctx, e, opts, &lopts)
	if err != nil {
		return nil, err
	}
	usedKey := lopts.VerifierKey
	if usedKey == "" {
		usedKey = e.VerifierKey
	}
	// The signatures are recovered while the ledger checks the proofs.
	leaves := decodeLeaves(e.Entries, usedKey)
	lrep, err := ledger.Verify(ctx, e.ledgerBundle(), lopts)
	if lrep == nil {
		return nil, err
	}
	if err != nil && marketplace.ErrorCode(err) != marketplace.EINVALID {
		return nil, err
	}
	rep := &Report{Report: lrep, Trial: e.Trial}
	rep.Findings = append([]ledger.Finding{keyFinding}, rep.Findings...)
	rep.checkTrial(e)
	if opts.Chain != nil {
		if err := rep.checkChainProtocols(ctx, opts.Chain); err != nil {
			return nil, err
		}
	}
	rep.checkEntries(e, usedKey, leaves)
	return rep, rep.Err()
}

// logKeyFinding chooses the log key the checkpoints are checked with (into
// lopts): the chain's (registered with the trial), else the one the auditor
// pins; never only the export's own. With a chain, lopts asks it for the
// anchors too.
func logKeyFinding(ctx context.Context, e *Export, opts VerifyOptions, lopts *ledger.VerifyOptions) (ledger.Finding, error) {
	switch {
	case opts.Chain != nil:
		lopts.Chain = opts.Chain
		key, err := opts.Chain.LogKey(ctx, e.Trial.ID)
		switch {
		case marketplace.ErrorCode(err) == marketplace.ENOTFOUND:
			return ledger.Finding{Subject: "log key", Detail: marketplace.ErrorMessage(err)}, nil
		case err != nil:
			return ledger.Finding{}, err
		case opts.VerifierKey != "" && opts.VerifierKey != key:
			lopts.VerifierKey = key
			return ledger.Finding{Subject: "log key", Detail: fmt.Sprintf("the key given (%s) is not the key the chain registered with the trial (%s)", opts.VerifierKey, key)}, nil
		default:
			lopts.VerifierKey = key
			return ledger.Finding{Subject: "log key", OK: true, Detail: fmt.Sprintf("%s, registered on chain with the trial", key)}, nil
		}
	case opts.VerifierKey != "":
		return ledger.Finding{Subject: "log key", OK: true, Detail: fmt.Sprintf("%s, pinned by the auditor", opts.VerifierKey)}, nil
	default:
		return ledger.Finding{Subject: "log key", Detail: "not pinned: offline, give the trial's log key (medmarket verify --key KEY, from the trial's registration on chain); a key carried by the export proves nothing, since anyone can sign a cut or changed export with a fresh key"}, nil
	}
}

// add appends a finding.
func (r *Report) add(subject string, ok bool, format string, args ...any) {
	r.Findings = append(r.Findings, ledger.Finding{Subject: subject, OK: ok, Detail: fmt.Sprintf(format, args...)})
}

// checkTrial checks the export's format and its trial: valid, its log's,
// with a protocol version.
func (r *Report) checkTrial(e *Export) {
	t := e.Trial
	switch {
	case e.Export != ExportFormat:
		r.add("trial", false, "export format %q is not %q", e.Export, ExportFormat)
	case t.Validate() != nil:
		r.add("trial", false, "%s", marketplace.ErrorMessage(t.Validate()))
	case common.Hash(e.LogID) != t.ID:
		r.add("trial", false, "the log %s is not the trial's log %s", e.LogID, t.ID.Hex())
	case len(t.Protocols) == 0:
		r.add("trial", false, "no protocol version")
	default:
		r.add("trial", true, "%s %q, id = keccak256 of sponsor %s and identifier", t.Identifier, t.Title, t.Sponsor.Hex())
	}
}

// checkChainProtocols compares the trial's sponsor and protocol versions
// with those the chain registered.
func (r *Report) checkChainProtocols(ctx context.Context, chain ChainLookup) error {
	t := r.Trial
	sponsor, onChain, err := chain.Protocols(ctx, t.ID)
	if err != nil {
		return err
	}
	if sponsor != t.Sponsor {
		r.add("trial", false, "the chain records sponsor %s, the export %s", sponsor.Hex(), t.Sponsor.Hex())
	}
	for i, p := range t.Protocols {
		subject := fmt.Sprintf("protocol %d", p.Version)
		switch {
		case i >= len(onChain):
			r.add(subject, false, "%s is not registered on chain", p.SHA256.Hex())
		case onChain[i].SHA256 != p.SHA256:
			r.add(subject, false, "the chain registered %s as version %d, the export %s", onChain[i].SHA256.Hex(), i+1, p.SHA256.Hex())
		case onChain[i].TxHash != p.TxHash:
			r.add(subject, false, "registered on chain by tx %s, the export says %s", onChain[i].TxHash.Hex(), p.TxHash.Hex())
		default:
			r.add(subject, true, "SHA-256 %s registered on chain in block %d (%s)", p.SHA256.Hex(), onChain[i].Block, onChain[i].Time.Format("2006-01-02 15:04:05Z"))
		}
	}
	if len(onChain) > len(t.Protocols) {
		r.add(fmt.Sprintf("protocol %d", len(t.Protocols)+1), false, "registered on chain (%s) but missing from the export", onChain[len(t.Protocols)].SHA256.Hex())
	}
	return nil
}

// decoded is an entry's leaf decoded, its signature checked, and what the
// export shows beside it compared with it.
type decoded struct {
	SignedStep
	err   error  // the leaf is not a signed step
	shown string // what the export shows differs from the leaf ("" when not)
}

// decodeLeaves decodes and checks every entry's signature, and compares
// what the export shows beside each leaf, in parallel: recovery and JSON
// are the cost. The result arrives on the channel when done.
func decodeLeaves(entries []ExportEntry, usedKey string) <-chan []decoded {
	out := make([]decoded, len(entries))
	done := make(chan []decoded, 1)
	var wg sync.WaitGroup
	workers := max(1, runtime.GOMAXPROCS(0))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(entries); i += workers {
				d := &out[i]
				if d.SignedStep, d.err = DecodeLeaf(entries[i].Leaf); d.err == nil {
					d.shown = shownMatchesLeaf(entries[i], d.SignedStep, usedKey)
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		done <- out
	}()
	return done
}

// checkEntries checks every entry's signed step (see Verify) and merges the
// outcome into the entry's finding from the ledger.
func (r *Report) checkEntries(e *Export, usedKey string, leaves <-chan []decoded) {
	ds := <-leaves
	findings := map[string]int{}
	for i, f := range r.Findings {
		findings[f.Subject] = i
	}
	r.Team = NewTeam(r.Trial)
	r.checker = &entryChecker{trial: r.Trial, usedKey: usedKey, team: r.Team}
	for i, x := range e.Entries {
		r.checkEntry(findings, x, ds[i])
	}
}

// checkEntry checks one entry, the next of the log, and replays it into
// the team.
func (r *Report) checkEntry(findings map[string]int, x ExportEntry, dd decoded) {
	c, d, derr := r.checker, dd.SignedStep, dd.err
	problem := c.problem(x, dd)
	if derr != nil {
		c.team.Apply(&marketplace.Step{Index: x.Index}, false)
	} else {
		r.Steps = append(r.Steps, d.Step)
		c.prev = &d.Step
		c.team.Apply(&d.Step, problem == "")
	}
	r.mergeEntryFinding(findings, fmt.Sprintf("entry %d", x.Index), problem, c.signedBy(&d.Step), &d.Step)
}

// mergeEntryFinding puts problem (or, without one, what the step is) into
// the finding of subject, adding the finding when the ledger had none.
func (r *Report) mergeEntryFinding(findings map[string]int, subject, problem, by string, s *marketplace.Step) {
	fi, ok := findings[subject]
	if !ok {
		r.Findings = append(r.Findings, ledger.Finding{Subject: subject, OK: true})
		fi = len(r.Findings) - 1
	}
	f := &r.Findings[fi]
	switch {
	case problem != "" && f.OK:
		f.Detail, f.OK = problem, false
	case problem != "":
		f.Detail = problem + "; " + f.Detail
	case f.OK:
		f.Detail = strings.TrimSpace(fmt.Sprintf("%s %s, %s by %s; %s", s.Type.Label(), s.Subject, s.Meaning, by, f.Detail))
	}
}

// entryChecker checks the entries of one export in index order.
type entryChecker struct {
	trial       marketplace.Trial
	usedKey     string            // the log key the checkpoints are checked with
	prev        *marketplace.Step // the last entry that decoded
	maxProtocol int               // the highest protocol version registered so far
	team        *Team             // the entries so far, replayed
}

// signedBy names the signer of s as the trial knows it, before s.
func (c *entryChecker) signedBy(s *marketplace.Step) string {
	if s.Who == c.trial.Sponsor {
		return "the sponsor"
	}
	if s.Name != "" {
		return fmt.Sprintf("%s (%s)", s.Name, s.Who.Hex())
	}
	return s.Who.Hex()
}

// problem says what is wrong with entry x, whose leaf decoded to d (or
// failed with derr); "" when nothing is.
func (c *entryChecker) problem(x ExportEntry, dd decoded) string {
	t, d, derr := c.trial, dd.SignedStep, dd.err
	s := &d.Step
	problem := ""
	switch {
	case derr != nil:
		return "the leaf is not a valid signed step: " + marketplace.ErrorMessage(derr)
	case s.Who != d.Signer:
		problem = fmt.Sprintf("its signature does not match its content: the step names signer %s, but the signature is %s's (changed after it was signed, or signed with another key)", s.Who.Hex(), d.Signer.Hex())
	case s.Trial != t.ID:
		problem = fmt.Sprintf("belongs to trial %s, not %s", s.Trial.Hex(), t.ID.Hex())
	case s.Index != x.Index:
		problem = fmt.Sprintf("was signed for index %d (the entry was moved)", s.Index)
	case c.prev != nil && s.When.Before(c.prev.When):
		problem = fmt.Sprintf("time %s is earlier than the entry before (%s)", s.When.Format("2006-01-02T15:04:05.000Z"), c.prev.When.Format("2006-01-02T15:04:05.000Z"))
	case x.Index == 0 && s.Type != marketplace.StepRegistration:
		problem = fmt.Sprintf("the first entry is a %s, not the registration", s.Type)
	case x.Index > 0 && s.Type == marketplace.StepRegistration:
		problem = "a second registration"
	default:
		problem = checkProtocol(t, s, &c.maxProtocol)
	}
	if problem == "" {
		if err := c.team.Check(s); err != nil {
			problem = marketplace.ErrorMessage(err)
		}
	}
	if problem != "" {
		return problem
	}
	return dd.shown
}

// shownMatchesLeaf checks what the export shows beside a sound leaf: the
// registration's log key, the signature and the step must be the leaf's.
func shownMatchesLeaf(x ExportEntry, d SignedStep, usedKey string) string {
	if d.Step.Type == marketplace.StepRegistration {
		if problem := checkRegisteredKey(&d.Step, usedKey); problem != "" {
			return problem
		}
	}
	if !bytes.Equal(x.Signature, d.Signature) {
		return "the signature shown beside the leaf is not the leaf's"
	}
	if x.Step != nil {
		shown, _ := json.Marshal(x.Step)
		if !bytes.Equal(shown, d.Canonical) {
			return "the step shown beside the leaf differs from the signed leaf"
		}
	}
	return ""
}

// checkRegisteredKey checks that the registration entry, which names the
// log key it was registered with (logs from before log keys do not), names
// the key the checkpoints are checked with.
func checkRegisteredKey(s *marketplace.Step, key string) string {
	var data struct {
		LogKey string `json:"log_key"`
	}
	if json.Unmarshal(s.Data, &data) != nil || data.LogKey == "" || key == "" || data.LogKey == key {
		return ""
	}
	return fmt.Sprintf("registers log key %s, not the key %s the checkpoints are checked with", data.LogKey, key)
}

// checkProtocol checks the protocol version a step is recorded under: it
// must be one of the trial's, with the same hash, and registered by an
// earlier entry (or by this one, for the registration and amendments).
func checkProtocol(t marketplace.Trial, s *marketplace.Step, maxSeen *int) string {
	p, ok := t.Protocol(s.Protocol)
	if !ok || p.SHA256 != s.ProtocolSHA256 {
		return fmt.Sprintf("references protocol version %d (%s), which is not a registered version of the trial", s.Protocol, s.ProtocolSHA256.Hex())
	}
	switch s.Type {
	case marketplace.StepRegistration, marketplace.StepProtocolAmendment:
		if s.Protocol != *maxSeen+1 {
			return fmt.Sprintf("registers protocol version %d after version %d", s.Protocol, *maxSeen)
		}
		*maxSeen = s.Protocol
	default:
		if s.Protocol > *maxSeen {
			return fmt.Sprintf("references protocol version %d before the log registered it", s.Protocol)
		}
	}
	return ""
}

// VerifyLog checks trial id's whole log as stored here: the store (ledger
// Check: every entry against the tree, checkpoints, anchor records), and
// the export of its anchored part as an auditor would verify it, against
// the chain when the service has one, plus the signature of every entry
// after the last anchor.
func (s *Service) VerifyLog(ctx context.Context, id common.Hash) (*Report, error) {
	e, err := s.Export(ctx, id)
	if err != nil {
		return nil, err
	}
	head, err := s.ledger.Head(ctx, ledger.LogID(id))
	if err != nil {
		return nil, err
	}
	// This node's own log: its key is the one this ledger derives.
	key, err := s.ledger.LogKey(ledger.LogID(id))
	if err != nil {
		return nil, err
	}
	opts := VerifyOptions{VerifierKey: key}
	if s.reg != nil {
		opts.Chain = &chainLookup{registryAnchorer: newRegistryAnchorer(s.reg.backend, nil, s.reg.address, nil, s.reg.fromBlock), reg: s.reg}
	}
	rep, verr := Verify(ctx, e, opts)
	if rep == nil {
		return nil, verr
	}
	crep, cerr := s.ledger.Check(ctx, ledger.LogID(id))
	if crep != nil {
		for _, f := range crep.Failures() {
			f.Subject = "store: " + f.Subject
			rep.Findings = append(rep.Findings, f)
		}
	} else if cerr != nil {
		return nil, cerr
	}
	// Entries after the checkpoint the export stops at: their signatures.
	if head.Size > e.TreeSize {
		es, err := s.ledger.Entries(ctx, ledger.LogID(id), e.TreeSize, head.Size)
		if err != nil {
			return nil, err
		}
		findings := map[string]int{}
		for _, x := range es {
			d, err := DecodeLeaf(x.Leaf)
			rep.checkEntry(findings, ExportEntry{Index: x.Index, Leaf: x.Leaf, Signature: d.Signature}, decoded{SignedStep: d, err: err})
			if f := &rep.Findings[len(rep.Findings)-1]; f.OK {
				f.Detail = strings.TrimRight(f.Detail, "; ") + "; not anchored yet"
			}
			rep.Entries++
		}
	}
	return rep, rep.Err()
}

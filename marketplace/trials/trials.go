// Package trials keeps clinical trials' audit trails: a sponsor registers a
// trial by its protocol document's SHA-256 on chain (TrialRegistry), records
// each step of the trial as an entry signed with its key (EIP-191) in the
// trial's Merkle log (marketplace/ledger), anchors the log's checkpoints on
// chain, and exports the trail for auditors, who verify it offline.
//
// See README.md for the entry and export formats.
package trials

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// Config tells New where the trials live and which chain registers them.
type Config struct {
	// DB is the node's buntdb (SyncPolicy Always). The service keeps its
	// trials under "trial:" keys and the ledger under "ledger:" keys.
	DB *buntdb.DB
	// KeyDir holds the log signing key (ledger.key) and the pseudonym secret
	// (pseudonym.key); both are made on first use.
	KeyDir string
	// Chain, ChainID and Registry locate the TrialRegistry contract; with a
	// nil Chain or a zero Registry, registering and anchoring are
	// EUNAVAILABLE (reading and exporting still work).
	Chain Backend
	// Sender sends the register, amend and anchor transactions; nil sends
	// them straight to Chain (backendSender), which queues them only
	// with each other. A node passes the sender that queues each account's
	// transactions with all others it sends (buys, transfers), so none of
	// them clash on a nonce.
	Sender    Sender
	ChainID   *big.Int
	Registry  common.Address
	FromBlock uint64 // the registry's deployment block, where event searches start
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service registers trials and records, anchors, exports and verifies their
// steps. Safe for concurrent use; the steps of one trial are appended one
// batch at a time.
type Service struct {
	db       *buntdb.DB
	ledger   *ledger.Ledger
	reg      *registry // nil without a chain
	anchorer *sponsorAnchorer
	ps       *pseudonymizer
	now      func() time.Time
	log      *slog.Logger
	chainID  *big.Int
	regAddr  common.Address
	keepFor  atomic.Int64 // how long a sponsor's key stays unlocked for scheduled anchoring; 0: not at all

	mu   sync.Mutex
	logs map[common.Hash]*logState
}

// logState is what the service remembers of one trial's log between appends.
type logState struct {
	mu     sync.Mutex
	loaded bool
	size   uint64
	last   time.Time         // the time of the last entry: the next may not be earlier
	keys   map[string]uint64 // source key -> latest index; nil until needed
}

// New opens the trial service on cfg.DB.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.KeyDir == "" {
		return nil, marketplace.Errorf(marketplace.EINTERNAL, "trials: DB and KeyDir required")
	}
	s := &Service{db: cfg.DB, now: cfg.Now, log: cfg.Logger, chainID: cfg.ChainID, regAddr: cfg.Registry, logs: map[common.Hash]*logState{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	secret, err := loadSecret(cfg.KeyDir)
	if err != nil {
		return nil, err
	}
	if s.ps, err = newPseudonymizer(secret); err != nil {
		return nil, err
	}
	lcfg := ledger.Config{KeyDir: cfg.KeyDir, Logger: s.log}
	if cfg.Chain != nil && cfg.Registry != (common.Address{}) {
		s.reg = newRegistry(cfg.Chain, cfg.Sender, cfg.Registry, cfg.FromBlock)
		s.anchorer = newSponsorAnchorer(cfg.Chain, cfg.Sender, cfg.Registry, cfg.ChainID, cfg.FromBlock, s.sponsorOf, s.now)
		lcfg.Anchorer = s.anchorer
	}
	if s.ledger, err = ledger.New(cfg.DB, lcfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Ledger returns the ledger that holds the trials' logs.
func (s *Service) Ledger() *ledger.Ledger { return s.ledger }

func (s *Service) needChain() error {
	if s.reg == nil {
		return marketplace.Errorf(marketplace.EUNAVAILABLE, "No TrialRegistry contract on this node's chain: deploy the contracts first (medmarket chain deploy).")
	}
	return nil
}

func trialKey(id common.Hash) string { return "trial:" + strings.TrimPrefix(id.Hex(), "0x") }

// Trial returns the trial with id (ENOTFOUND when this node has none).
func (s *Service) Trial(ctx context.Context, id common.Hash) (marketplace.Trial, error) {
	var t marketplace.Trial
	err := s.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(trialKey(id))
		if err != nil {
			return err
		}
		return json.Unmarshal([]byte(v), &t)
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return t, marketplace.Errorf(marketplace.ENOTFOUND, "No trial %s on this node.", id.Hex())
	}
	if err != nil {
		return t, fmt.Errorf("read trial %s: %w", id.Hex(), err)
	}
	return t, nil
}

// Trials returns the trials registered from this node, in id order.
func (s *Service) Trials(ctx context.Context) ([]marketplace.Trial, error) {
	var out []marketplace.Trial
	err := s.db.View(func(tx *buntdb.Tx) error {
		var derr error
		err := tx.AscendRange("", "trial:", "trial;", func(k, v string) bool {
			var t marketplace.Trial
			if derr = json.Unmarshal([]byte(v), &t); derr != nil {
				derr = fmt.Errorf("decode %s: %w", k, derr)
				return false
			}
			out = append(out, t)
			return true
		})
		return errors.Join(err, derr)
	})
	return out, err
}

// FindTrial returns the trial whose id or identifier is ref (ENOTFOUND).
func (s *Service) FindTrial(ctx context.Context, ref string) (marketplace.Trial, error) {
	ref = strings.TrimSpace(ref)
	if id, err := ledger.ParseLogID(ref); err == nil {
		return s.Trial(ctx, common.Hash(id))
	}
	ts, err := s.Trials(ctx)
	if err != nil {
		return marketplace.Trial{}, err
	}
	for _, t := range ts {
		if strings.EqualFold(t.Identifier, ref) {
			return t, nil
		}
	}
	return marketplace.Trial{}, marketplace.Errorf(marketplace.ENOTFOUND, "No trial %q on this node (give its id or identifier).", ref)
}

func (s *Service) putTrial(t marketplace.Trial) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(trialKey(t.ID), string(b), nil)
		return err
	})
}

func (s *Service) sponsorOf(ctx context.Context, id common.Hash) (common.Address, error) {
	t, err := s.Trial(ctx, id)
	return t.Sponsor, err
}

// Protocol is a protocol document to register.
type Protocol struct {
	Name string    // file name, for people
	Body io.Reader // the document; only its SHA-256 leaves the node
}

func (p Protocol) hash() (common.Hash, int64, error) {
	if p.Body == nil {
		return common.Hash{}, 0, marketplace.Errorf(marketplace.EINVALID, "Protocol document required.")
	}
	h := sha256.New()
	n, err := io.Copy(h, p.Body)
	if err != nil {
		return common.Hash{}, 0, marketplace.Wrap(marketplace.EINVALID, err, "Protocol document cannot be read")
	}
	if n == 0 {
		return common.Hash{}, 0, marketplace.Errorf(marketplace.EINVALID, "Protocol document %s is empty.", p.Name)
	}
	return common.Hash(h.Sum(nil)), n, nil
}

// Register registers a trial sponsored by signer: the protocol document's
// SHA-256 goes on chain with TrialRegistry.register, then the trial is
// recorded here and its log starts with a registration entry. The trial id
// is marketplace.TrialID(sponsor, identifier). ECONFLICT when the sponsor
// registered that identifier already; a registration mined before a crash
// that kept it from being recorded here is picked up again.
func (s *Service) Register(ctx context.Context, signer Signer, title, identifier string, protocol Protocol) (marketplace.Trial, error) {
	t := marketplace.Trial{Title: strings.TrimSpace(title), Identifier: strings.TrimSpace(identifier), Sponsor: signer.Address()}
	t.ID = marketplace.TrialID(t.Sponsor, t.Identifier)
	if err := t.Validate(); err != nil {
		return t, err
	}
	if err := s.needChain(); err != nil {
		return t, err
	}
	hash, size, err := protocol.hash()
	if err != nil {
		return t, err
	}
	if _, err := s.Trial(ctx, t.ID); err == nil {
		return t, marketplace.Errorf(marketplace.ECONFLICT, "Trial %s is already registered (id %s).", t.Identifier, t.ID.Hex())
	}
	k, release := s.anchorer.hold(signer)
	defer release()
	k.tx.Lock()
	defer k.tx.Unlock()

	// The log's key is bound on chain with the trial, before its log holds
	// any entry: auditors take it from the chain (see verify.go).
	logKey, err := s.ledger.LogKey(ledger.LogID(t.ID))
	if err != nil {
		return t, err
	}
	var ptx protocolTx
	oc, err := s.reg.trial(ctx, t.ID)
	switch {
	case err != nil:
		return t, err
	case oc.Sponsor == (common.Address{}):
		if ptx, err = s.reg.register(ctx, signer.TransactOpts(ctx, s.chainID), t.ID, hash, logKey); err != nil {
			return t, err
		}
	case oc.Sponsor == t.Sponsor && oc.Protocol == hash && oc.LogKeyHash == logKeyHash(logKey):
		// Registered before a crash kept it from being recorded: take it up.
		_, txs, err := s.reg.protocols(ctx, t.ID)
		if err != nil {
			return t, err
		}
		if len(txs) != 1 {
			return t, marketplace.Errorf(marketplace.ECONFLICT, "Trial %s is registered on chain with %d protocol versions this node never recorded.", t.ID.Hex(), len(txs))
		}
		ptx = txs[0]
	default:
		return t, marketplace.Errorf(marketplace.ECONFLICT, "Trial %s (%s) is already registered on chain by %s with protocol %s.",
			t.Identifier, t.ID.Hex(), oc.Sponsor.Hex(), oc.Protocol.Hex())
	}
	t.Protocols = []marketplace.ProtocolVersion{{Version: 1, SHA256: hash, Name: protocol.Name, Size: size, TxHash: ptx.TxHash, Block: ptx.Block, Time: ptx.Time}}
	if err := s.putTrial(t); err != nil {
		return t, err
	}
	s.log.Info("trial registered", "trial", t.ID, "identifier", t.Identifier, "protocol", hash, "tx", ptx.TxHash, "block", ptx.Block)
	if _, err := s.Record(ctx, signer, t.ID, nil); err != nil { // the registration entry
		return t, err
	}
	return t, nil
}

// Amend registers a new protocol version of trial id with TrialRegistry.amend
// and records a protocol_amendment entry. Sponsor only (EFORBIDDEN);
// ECONFLICT for the document in force.
func (s *Service) Amend(ctx context.Context, signer Signer, id common.Hash, protocol Protocol) (marketplace.ProtocolVersion, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return marketplace.ProtocolVersion{}, err
	}
	if err := s.checkSponsor(t, signer); err != nil {
		return marketplace.ProtocolVersion{}, err
	}
	if err := s.needChain(); err != nil {
		return marketplace.ProtocolVersion{}, err
	}
	hash, size, err := protocol.hash()
	if err != nil {
		return marketplace.ProtocolVersion{}, err
	}
	if p, ok := t.ProtocolByHash(hash); ok {
		return p, marketplace.Errorf(marketplace.ECONFLICT, "This document is protocol version %d of trial %s already.", p.Version, t.Identifier)
	}
	k, release := s.anchorer.hold(signer)
	defer release()
	k.tx.Lock()
	var ptx protocolTx
	oc, err := s.reg.trial(ctx, id)
	switch {
	case err != nil:
	case oc.Protocol == hash: // amended before a crash kept it from being recorded
		var txs []protocolTx
		if _, txs, err = s.reg.protocols(ctx, id); err == nil {
			ptx = txs[len(txs)-1]
		}
	case oc.Protocol != t.CurrentProtocol().SHA256:
		err = marketplace.Errorf(marketplace.ECONFLICT, "The chain's protocol of trial %s is %s, which this node never recorded.", t.Identifier, oc.Protocol.Hex())
	default:
		ptx, err = s.reg.amend(ctx, signer.TransactOpts(ctx, s.chainID), id, hash)
	}
	k.tx.Unlock()
	if err != nil {
		return marketplace.ProtocolVersion{}, err
	}
	p := marketplace.ProtocolVersion{Version: len(t.Protocols) + 1, SHA256: hash, Name: protocol.Name, Size: size, TxHash: ptx.TxHash, Block: ptx.Block, Time: ptx.Time}
	st := s.state(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	t.Protocols = append(t.Protocols, p)
	if err := s.putTrial(t); err != nil {
		return p, err
	}
	s.log.Info("trial protocol amended", "trial", id, "version", p.Version, "protocol", hash, "tx", ptx.TxHash)
	prev := t.Protocols[len(t.Protocols)-2]
	data, _ := json.Marshal(map[string]any{"protocol": protocolData(p), "previous_sha256": prev.SHA256})
	in := StepInput{Ref: "amendment", Type: string(marketplace.StepProtocolAmendment), Protocol: strconv.Itoa(p.Version), Data: data}
	if _, err := s.recordLocked(ctx, signer, t, st, []StepInput{in}, 1); err != nil {
		return p, err
	}
	return p, nil
}

func protocolData(p marketplace.ProtocolVersion) map[string]any {
	return map[string]any{"version": p.Version, "sha256": p.SHA256, "name": p.Name, "size": p.Size,
		"tx_hash": p.TxHash, "block": p.Block, "time": p.Time.UTC().Format(time.RFC3339)}
}

func (s *Service) checkSponsor(t marketplace.Trial, signer Signer) error {
	if signer.Address() != t.Sponsor {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "Only the sponsor %s of trial %s may sign its steps, not %s.", t.Sponsor.Hex(), t.Identifier, signer.Address().Hex())
	}
	return nil
}

func (s *Service) state(id common.Hash) *logState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.logs[id]
	if st == nil {
		st = &logState{}
		s.logs[id] = st
	}
	return st
}

// load reads the log's size and last time; st.mu is held.
func (s *Service) load(ctx context.Context, id common.Hash, st *logState) error {
	if st.loaded {
		return nil
	}
	head, err := s.ledger.Head(ctx, ledger.LogID(id))
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		st.loaded = true
		return nil
	}
	if err != nil {
		return err
	}
	st.size = head.Size
	if head.Size > 0 {
		e, err := s.ledger.Entry(ctx, ledger.LogID(id), head.Size-1)
		if err != nil {
			return err
		}
		step, err := peekStep(e.Leaf)
		if err != nil {
			return marketplace.Wrap(marketplace.EINTERNAL, err, "The last entry of trial %s does not decode", id.Hex())
		}
		st.last = step.When
	}
	st.loaded = true
	return nil
}

// loadKeys indexes the source keys of the log; st.mu is held.
func (s *Service) loadKeys(ctx context.Context, id common.Hash, st *logState) error {
	if st.keys != nil {
		return nil
	}
	keys := map[string]uint64{}
	const chunk = 4096
	for from := uint64(0); from < st.size; from += chunk {
		es, err := s.ledger.Entries(ctx, ledger.LogID(id), from, from+chunk)
		if err != nil {
			return err
		}
		for _, e := range es {
			if step, err := peekStep(e.Leaf); err == nil && step.Source != nil && step.Source.Key != "" {
				keys[step.Source.Key] = e.Index
			}
		}
	}
	st.keys = keys
	return nil
}

// peekStep decodes the step of a leaf without checking its signature.
func peekStep(leaf []byte) (marketplace.Step, error) {
	var l leafJSON
	if err := json.Unmarshal(leaf, &l); err != nil {
		return marketplace.Step{}, err
	}
	var st marketplace.Step
	err := json.Unmarshal(l.Step, &st)
	return st, err
}

// Prepared is a step as it would be recorded: checked, its subject
// pseudonymized, its index fixed (for a preview: as things stand now).
type Prepared struct {
	Ref  string
	Step marketplace.Step
	Err  string // why the step is refused, "" when it is fine
}

// Prepare checks inputs as Record would, without signing or appending, for
// a preview: one Prepared per input, with its problem if any. The error is
// the InputErrors of the refused inputs (EINVALID), or another failure.
func (s *Service) Prepare(ctx context.Context, as common.Address, id common.Hash, inputs []StepInput) ([]Prepared, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return nil, err
	}
	st := s.state(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := s.load(ctx, id, st); err != nil {
		return nil, err
	}
	base := st.size
	if base == 0 {
		base = 1 // the registration entry comes first
	}
	steps, errs, err := s.build(ctx, t, st, base, as, inputs, 0)
	if err != nil {
		return nil, err
	}
	out := make([]Prepared, len(inputs))
	for i := range inputs {
		out[i] = Prepared{Ref: inputs[i].Ref, Step: steps[i]}
	}
	byRef := map[string]int{}
	for i := range out {
		byRef[out[i].Ref] = i
	}
	for _, e := range errs {
		if i, ok := byRef[e.Ref]; ok {
			if out[i].Err != "" {
				out[i].Err += "; "
			}
			out[i].Err += e.Msg
		}
	}
	return out, errs.Err()
}

// Entry is a recorded step with its place in the log.
type Entry struct {
	Index     uint64
	Step      marketplace.Step
	Signature []byte
	LeafHash  common.Hash // RFC 6962 leaf hash
}

// Record checks inputs, signs each step with signer (the trial's sponsor,
// else EFORBIDDEN), and appends them to the trial's log in one batch: all
// or none. Any refused input refuses the batch with InputErrors (EINVALID)
// naming each. An empty log first gets the registration entry.
func (s *Service) Record(ctx context.Context, signer Signer, id common.Hash, inputs []StepInput) ([]Entry, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkSponsor(t, signer); err != nil {
		return nil, err
	}
	st := s.state(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	return s.recordLocked(ctx, signer, t, st, inputs, 0)
}

// recordLocked appends inputs; st.mu is held. The first internal inputs may
// have the step types the service writes itself.
func (s *Service) recordLocked(ctx context.Context, signer Signer, t marketplace.Trial, st *logState, inputs []StepInput, internal int) ([]Entry, error) {
	if err := s.load(ctx, t.ID, st); err != nil {
		return nil, err
	}
	if st.size == 0 {
		p := t.Protocols[0]
		logKey, err := s.ledger.LogKey(ledger.LogID(t.ID))
		if err != nil {
			return nil, err
		}
		data, _ := json.Marshal(map[string]any{"title": t.Title, "identifier": t.Identifier, "protocol": protocolData(p),
			"registry": s.regAddr, "chain_id": bigString(s.chainID), "log_key": logKey})
		reg := StepInput{Ref: "registration", Type: string(marketplace.StepRegistration), Protocol: "1", Data: data}
		inputs = append([]StepInput{reg}, inputs...)
		internal++
	} else if len(inputs) == 0 {
		return nil, nil
	}
	steps, errs, err := s.build(ctx, t, st, st.size, signer.Address(), inputs, internal)
	if err != nil {
		return nil, err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	// When: the node's clock in UTC, never earlier than the entry before.
	when := s.now().UTC()
	if when.Before(st.last) {
		when = st.last
	}
	for i := range steps {
		steps[i].When = when
	}
	leaves, sigs, err := signSteps(steps, signer)
	if err != nil {
		return nil, err
	}
	first, err := s.ledger.AppendBatch(ctx, ledger.LogID(t.ID), leaves)
	if err != nil {
		st.loaded = false // read the log again next time
		return nil, err
	}
	if first != st.size {
		st.loaded, st.keys = false, nil
		return nil, marketplace.Errorf(marketplace.EINTERNAL, "Trial %s: entries were appended at %d, expected %d.", t.ID.Hex(), first, st.size)
	}
	st.size += uint64(len(leaves))
	st.last = when
	out := make([]Entry, len(steps))
	for i := range steps {
		if st.keys != nil && steps[i].Source != nil && steps[i].Source.Key != "" {
			st.keys[steps[i].Source.Key] = steps[i].Index
		}
		out[i] = Entry{Index: steps[i].Index, Step: steps[i], Signature: sigs[i], LeafHash: leafHash(leaves[i])}
	}
	s.log.Debug("trial steps recorded", "trial", t.ID, "first", first, "count", len(out))
	return out, nil
}

func bigString(b *big.Int) string {
	if b == nil {
		return ""
	}
	return b.String()
}

// signSteps signs each step's canonical bytes, in parallel, and returns the
// leaves.
func signSteps(steps []marketplace.Step, signer Signer) ([][]byte, [][]byte, error) {
	leaves := make([][]byte, len(steps))
	sigs := make([][]byte, len(steps))
	workers := min(runtime.GOMAXPROCS(0), (len(steps)+63)/64)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, max(workers, 1))
	for w := range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(steps) {
					return
				}
				c, err := canonicalStep(&steps[i])
				if err == nil {
					sigs[i], err = signer.SignPersonal(c)
				}
				if err != nil {
					errs[w] = err
					return
				}
				leaves[i] = encodeLeaf(c, sigs[i])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return leaves, sigs, nil
}

// build turns inputs into steps at indexes base, base+1...; who signs.
// It returns the problems of each input as InputErrors, and an error for
// failures that are no input's fault.
func (s *Service) build(ctx context.Context, t marketplace.Trial, st *logState, base uint64, who common.Address, inputs []StepInput, internal int) ([]marketplace.Step, InputErrors, error) {
	steps := make([]marketplace.Step, len(inputs))
	var errs InputErrors
	batchKeys := map[string]uint64{}
	for i, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ref := in.Ref
		if ref == "" {
			ref = fmt.Sprintf("step %d", i+1)
			inputs[i].Ref = ref
		}
		bad := func(format string, args ...any) {
			errs = append(errs, InputError{ref, fmt.Sprintf(format, args...)})
		}
		idx := base + uint64(i)
		step := marketplace.Step{Format: marketplace.StepFormat, Trial: t.ID, Index: idx, Who: who, When: s.now().UTC(), Reason: strings.TrimSpace(in.Reason)}

		typ, err := marketplace.ParseStepType(in.Type)
		switch {
		case err != nil:
			bad("%s", marketplace.ErrorMessage(err))
		case !typ.Recordable() && i >= internal:
			bad("%s steps are recorded when the protocol is registered on chain (trial register / trial amend), not by hand", typ.Label())
		}
		step.Type = typ

		if step.Subject, err = s.ps.pseudonym(t.ID, in.Subject); err != nil {
			bad("%s", marketplace.ErrorMessage(err))
		} else if step.Subject == "" && typ.SubjectLevel() {
			bad("%s steps need a subject", typ.Label())
		}

		step.Meaning = marketplace.MeaningAuthored
		if in.Meaning != "" {
			if step.Meaning, err = marketplace.ParseSignatureMeaning(in.Meaning); err != nil {
				bad("%s", marketplace.ErrorMessage(err))
			}
		}

		p, err := resolveProtocol(t, in.Protocol)
		if err != nil {
			if typ == marketplace.StepConsent || typ == marketplace.StepReconsent {
				bad("consent refused: %s", marketplace.ErrorMessage(err))
			} else {
				bad("%s", marketplace.ErrorMessage(err))
			}
		}
		step.Protocol, step.ProtocolSHA256 = p.Version, p.SHA256

		if len(in.Data) > 0 {
			if step.Data, err = canonicalData(in.Data); err != nil {
				bad("%s", marketplace.ErrorMessage(err))
			} else if len(step.Data) > marketplace.MaxStepDataLen {
				bad("data is %d bytes, at most %d allowed (refer to large documents by their SHA-256)", len(step.Data), marketplace.MaxStepDataLen)
			} else if err := checkData(step.Data); err != nil {
				bad("%s", marketplace.ErrorMessage(err))
			}
		}
		step.Documents = in.Documents

		src := in.Source
		if src.Ref == "" && src.Recorder != "" {
			src.Ref = in.Ref
		}
		if src != (marketplace.StepSource{}) {
			if src.At != nil {
				at := src.At.UTC()
				src.At = &at
			}
			if cat, ok := directIdentifier(src.Actor, false); ok {
				bad("the source's user %q looks like a direct identifier (%s); use user ids", src.Actor, cat)
			}
			step.Source = &src
		}

		corrects := in.Corrects
		for _, k := range []struct {
			key      string
			required bool
		}{{in.CorrectsKey, true}, {in.UpdateOf, false}} {
			if k.key == "" || corrects != nil {
				continue
			}
			if j, ok := batchKeys[k.key]; ok {
				corrects = &j
				continue
			}
			if err := s.loadKeys(ctx, t.ID, st); err != nil {
				return nil, nil, err
			}
			if j, ok := st.keys[k.key]; ok {
				corrects = &j
			} else if k.required {
				bad("corrects record %s, which no earlier entry recorded", k.key)
			}
		}
		if corrects != nil {
			c := *corrects
			step.Corrects = &c
			switch {
			case c >= idx:
				bad("corrects entry %d, which is not an earlier entry (this one will be %d)", c, idx)
			case step.Reason == "":
				bad("a correction of entry %d needs a reason for the change", c)
			}
		}
		if step.Source != nil && step.Source.Key != "" {
			batchKeys[step.Source.Key] = idx
		}
		if len(errs) == 0 || errs[len(errs)-1].Ref != ref {
			if err := step.Validate(); err != nil {
				bad("%s", strings.TrimPrefix(marketplace.ErrorMessage(err), fmt.Sprintf("Step %d: ", idx)))
			}
		}
		steps[i] = step
	}
	return steps, errs, nil
}

// resolveProtocol finds the registered protocol version ref names: "" (the
// one in force), "2", "v2", or a SHA-256 in hex.
func resolveProtocol(t marketplace.Trial, ref string) (marketplace.ProtocolVersion, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return t.CurrentProtocol(), nil
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(ref), "v")); err == nil {
		if p, ok := t.Protocol(n); ok {
			return p, nil
		}
		return marketplace.ProtocolVersion{}, marketplace.Errorf(marketplace.EINVALID,
			"protocol version %d is not registered for trial %s (registered: 1 to %d)", n, t.Identifier, len(t.Protocols))
	}
	if h := strings.TrimPrefix(strings.ToLower(ref), "0x"); len(h) == 64 {
		if p, ok := t.ProtocolByHash(common.HexToHash(h)); ok {
			return p, nil
		}
		return marketplace.ProtocolVersion{}, marketplace.Errorf(marketplace.EINVALID,
			"protocol %s is not a registered protocol version of trial %s", ref, t.Identifier)
	}
	return marketplace.ProtocolVersion{}, marketplace.Errorf(marketplace.EINVALID, "protocol %q: give a version number or the document's SHA-256", ref)
}

// StepFilter selects entries of a trial's log.
type StepFilter struct {
	Type    marketplace.StepType // "" for all
	Subject string               // a subject id or pseudonym; "" for all
	Offset  uint64               // skip entries before this index
	Limit   int                  // at most this many; 0 for all
}

// Steps returns the entries of trial id that match f, oldest first. It reads
// the steps without checking their signatures (Verify does).
func (s *Service) Steps(ctx context.Context, id common.Hash, f StepFilter) ([]Entry, error) {
	if _, err := s.Trial(ctx, id); err != nil {
		return nil, err
	}
	subject := ""
	if f.Subject != "" {
		var err error
		if subject, err = s.ps.pseudonym(id, f.Subject); err != nil {
			return nil, err
		}
	}
	head, err := s.ledger.Head(ctx, ledger.LogID(id))
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []Entry
	const chunk = 4096
	for from := f.Offset; from < head.Size; from += chunk {
		es, err := s.ledger.Entries(ctx, ledger.LogID(id), from, from+chunk)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			var l leafJSON
			var step marketplace.Step
			if json.Unmarshal(e.Leaf, &l) != nil || json.Unmarshal(l.Step, &step) != nil {
				step = marketplace.Step{Index: e.Index, Type: "undecodable"}
			}
			if (f.Type != "" && step.Type != f.Type) || (subject != "" && step.Subject != subject) {
				continue
			}
			out = append(out, Entry{Index: e.Index, Step: step, Signature: l.Signature, LeafHash: leafHash(e.Leaf)})
			if f.Limit > 0 && len(out) >= f.Limit {
				return out, nil
			}
		}
	}
	return out, nil
}

func leafHash(leaf []byte) common.Hash {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(leaf)
	return common.Hash(h.Sum(nil))
}

// Pseudonym returns the pseudonym that subject has in trial id.
func (s *Service) Pseudonym(id common.Hash, subject string) (string, error) {
	return s.ps.pseudonym(id, subject)
}

// Anchor anchors the current checkpoint of trial id's log on chain now, as
// signer (the sponsor, else EFORBIDDEN): one transaction whatever the number
// of entries since the last anchor. With nothing new to anchor it returns
// the latest anchor and sends nothing.
func (s *Service) Anchor(ctx context.Context, signer Signer, id common.Hash) (ledger.AnchorReceipt, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return ledger.AnchorReceipt{}, err
	}
	if err := s.checkSponsor(t, signer); err != nil {
		return ledger.AnchorReceipt{}, err
	}
	if err := s.needChain(); err != nil {
		return ledger.AnchorReceipt{}, err
	}
	_, release := s.anchorer.hold(signer)
	defer release()
	rec, err := s.ledger.Anchor(ctx, ledger.LogID(id))
	if err == nil {
		s.log.Info("trial anchored", "trial", id, "size", rec.TreeSize, "tx", rec.TxHash, "block", rec.Block)
	}
	return rec, err
}

// Status reports the anchoring of trial id's log.
func (s *Service) Status(ctx context.Context, id common.Hash) (ledger.Status, error) {
	if _, err := s.Trial(ctx, id); err != nil {
		return ledger.Status{}, err
	}
	st, err := s.ledger.Status(ctx, ledger.LogID(id))
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return ledger.Status{}, nil
	}
	return st, err
}

// RunAnchoring anchors trial logs by policy until ctx ends (see
// ledger.RunAnchoring). Only logs whose sponsor's key is unlocked in this
// process can be anchored: keep says how long a sponsor's key stays unlocked
// after the sponsor's last action (Keep), so that what the sponsor recorded
// gets anchored; 0 keeps no key, and the scheduler then reports those logs
// as waiting for their sponsor.
func (s *Service) RunAnchoring(ctx context.Context, p ledger.AnchorPolicy, keep time.Duration) error {
	if err := s.needChain(); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	s.keepFor.Store(int64(keep))
	defer s.keepFor.Store(0)
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.anchorer.expire()
			}
		}
	}()
	return s.ledger.RunAnchoring(ctx, p)
}

// Keep keeps signer's key unlocked for scheduled anchoring while
// RunAnchoring runs, for its keep duration after this call. It reports
// whether it kept it: if so, the service locks the key when the time is up
// and the caller must not lock it; if not, the caller locks it.
func (s *Service) Keep(signer Signer) bool {
	d := time.Duration(s.keepFor.Load())
	if d <= 0 || s.anchorer == nil {
		return false
	}
	s.anchorer.keep(signer, d)
	return true
}

// Hold keeps signer's key available for anchoring its trials until release
// is called (the caller still owns the key and locks it afterwards): a
// signed-in sponsor's trials are anchored on schedule while the session
// lasts.
func (s *Service) Hold(signer Signer) (release func()) {
	if s.anchorer == nil {
		return func() {}
	}
	_, release = s.anchorer.hold(signer)
	return release
}

package trials

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

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
		return marketplace.Errorf(marketplace.EFORBIDDEN, "Only the sponsor %s of trial %s may amend its protocol or anchor its log, not %s.", t.Sponsor.Hex(), t.Identifier, signer.Address().Hex())
	}
	return nil
}

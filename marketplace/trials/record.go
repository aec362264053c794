package trials

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

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
	if err := s.loadTeam(ctx, t, st); err != nil {
		return nil, err
	}
	st.team.begin()
	defer st.team.rollback() // a preview changes nothing
	base := st.size
	if base == 0 {
		base = 1 // the registration entry comes first
		st.team.Apply(&marketplace.Step{Type: marketplace.StepRegistration, Who: t.Sponsor}, true)
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

// Record checks inputs, signs each step with signer (the trial's sponsor
// or a member of its team), and appends them to the trial's log in one
// batch: all or none. Any refused input refuses the batch with InputErrors
// (EINVALID) naming each, among them a step the signer's role does not
// allow; a signer who is not on the team at all is EFORBIDDEN. An empty log
// first gets the registration entry.
func (s *Service) Record(ctx context.Context, signer Signer, id common.Hash, inputs []StepInput) ([]Entry, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return nil, err
	}
	st := s.state(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := s.checkMember(ctx, t, st, signer.Address()); err != nil {
		return nil, err
	}
	return s.recordLocked(ctx, signer, t, st, inputs, 0)
}

// checkMember refuses (EFORBIDDEN) who when it is neither the sponsor nor
// on the team now; st.mu is held.
func (s *Service) checkMember(ctx context.Context, t marketplace.Trial, st *logState, who common.Address) error {
	if who == t.Sponsor {
		return nil
	}
	if err := s.load(ctx, t.ID, st); err != nil {
		return err
	}
	if err := s.loadTeam(ctx, t, st); err != nil {
		return err
	}
	if len(st.team.grants[who]) == 0 {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "%s is not on the team of trial %s: the sponsor %s has not authorized it (or revoked it).", who.Hex(), t.Identifier, t.Sponsor.Hex())
	}
	return nil
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
	if err := s.loadTeam(ctx, t, st); err != nil {
		return nil, err
	}
	st.team.begin()
	defer st.team.rollback() // unless committed below
	steps, errs, err := s.build(ctx, t, st, st.size, signer.Address(), inputs, internal)
	if err != nil {
		return nil, err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	when := s.nextTime(st)
	for i := range steps {
		steps[i].When = when
	}
	if err := s.saveSubjectIDs(st, t.ID, inputs, steps); err != nil {
		return nil, err
	}
	leaves, sigs, err := signSteps(steps, signer)
	if err != nil {
		return nil, err
	}
	return s.appendLocked(ctx, t, st, steps, leaves, sigs)
}

// appendLocked appends the signed steps (st.team holds them applied since
// begin) in one batch, and commits the team; st.mu is held.
func (s *Service) appendLocked(ctx context.Context, t marketplace.Trial, st *logState, steps []marketplace.Step, leaves, sigs [][]byte) ([]Entry, error) {
	first, err := s.ledger.AppendBatch(ctx, ledger.LogID(t.ID), leaves)
	if err != nil {
		st.loaded = false // read the log again next time
		return nil, err
	}
	if first != st.size {
		st.loaded, st.keys, st.team = false, nil, nil
		return nil, marketplace.Errorf(marketplace.EINTERNAL, "Trial %s: entries were appended at %d, expected %d.", t.ID.Hex(), first, st.size)
	}
	st.size += uint64(len(leaves))
	st.last = steps[len(steps)-1].When
	st.team.commit()
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

// nextTime is when the next entry is recorded: the node's clock in UTC,
// never earlier than the entry before; st.mu is held.
func (s *Service) nextTime(st *logState) time.Time {
	when := s.now().UTC()
	if when.Before(st.last) {
		when = st.last
	}
	return when
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

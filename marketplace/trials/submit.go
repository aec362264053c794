package trials

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// Staff whose keys live on another node sign for themselves: their node asks
// the trial's node to PrepareFor them (the steps as Record would build them
// for that signer, as things stand now), signs each step's canonical bytes
// with the key it holds, and Submits the signed leaves. The key never leaves
// its node; the trial's node checks each leaf is the step it would record
// now, signed by the account the step names, before appending it.

// MaxSubmitAge is how much older than the node's clock a submitted step's
// time may be: a step prepared, signed elsewhere and submitted within it is
// appended; an older one is refused (prepare and sign it again).
const MaxSubmitAge = 5 * time.Minute

// MaxSubmitSteps bounds the steps of one PrepareFor or Submit.
const MaxSubmitSteps = 1000

// PrepareFor builds inputs into the steps Record would append for signer
// who now, with the same checks (the team replay among them): their indexes
// follow the log's current size and their time is set. It signs and appends
// nothing; the caller signs each step (canonical JSON, EIP-191) and hands
// the leaves to Submit. Refused inputs are InputErrors (EINVALID); a signer
// who is neither the sponsor nor on the team is EFORBIDDEN; a log without
// its registration entry yet is ECONFLICT (the sponsor records first).
func (s *Service) PrepareFor(ctx context.Context, who common.Address, id common.Hash, inputs []StepInput) ([]marketplace.Step, error) {
	if len(inputs) == 0 || len(inputs) > MaxSubmitSteps {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Steps: %d given, 1 to %d allowed.", len(inputs), MaxSubmitSteps)
	}
	t, err := s.Trial(ctx, id)
	if err != nil {
		return nil, err
	}
	st := s.state(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := s.readyForRemote(ctx, t, st, who); err != nil {
		return nil, err
	}
	st.team.begin()
	defer st.team.rollback() // PrepareFor changes nothing
	steps, errs, err := s.build(ctx, t, st, st.size, who, inputs, 0)
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
	// Only this node knows which subject id a pseudonym stands for, and only
	// now: the team member's node submits signed pseudonyms.
	if err := s.saveSubjectIDs(st, t.ID, inputs, steps); err != nil {
		return nil, err
	}
	return steps, nil
}

// readyForRemote loads st and its team and refuses a signer off the team
// or a log that has no entry yet; st.mu is held.
func (s *Service) readyForRemote(ctx context.Context, t marketplace.Trial, st *logState, who common.Address) error {
	if err := s.load(ctx, t.ID, st); err != nil {
		return err
	}
	if st.size == 0 {
		return marketplace.Errorf(marketplace.ECONFLICT, "Trial %s has no entries yet: its sponsor records first, on the trial's own node.", t.Identifier)
	}
	if err := s.checkMember(ctx, t, st, who); err != nil {
		return err
	}
	return s.loadTeam(ctx, t, st)
}

// Submit appends leaves signed on another node to trial id's log, all or
// none, in one batch. Each leaf must decode (DecodeLeaf), be signed by the
// account its step names, belong to this trial, and be exactly the step
// PrepareFor would build for that signer at its index now: the next index
// of the log (ECONFLICT when the log moved on: prepare and sign again), a
// time not earlier than the last entry's nor older than MaxSubmitAge, and
// the team's checks passed. Refusals are EINVALID or EFORBIDDEN naming the
// entry.
func (s *Service) Submit(ctx context.Context, id common.Hash, leaves [][]byte) ([]Entry, error) {
	if len(leaves) == 0 || len(leaves) > MaxSubmitSteps {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Signed steps: %d given, 1 to %d allowed.", len(leaves), MaxSubmitSteps)
	}
	signed, err := decodeSubmitted(id, leaves)
	if err != nil {
		return nil, err
	}
	who := signed[0].Signer
	t, err := s.Trial(ctx, id)
	if err != nil {
		return nil, err
	}
	st := s.state(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := s.readyForRemote(ctx, t, st, who); err != nil {
		return nil, err
	}
	if err := s.checkPlace(st, signed); err != nil {
		return nil, err
	}
	st.team.begin()
	defer st.team.rollback() // unless appended
	inputs := make([]StepInput, len(signed))
	for i := range signed {
		inputs[i] = inputOf(&signed[i].Step)
	}
	steps, errs, err := s.build(ctx, t, st, st.size, who, inputs, 0)
	if err != nil {
		return nil, err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	sigs := make([][]byte, len(signed))
	for i := range steps {
		steps[i].When = signed[i].Step.When
		c, err := canonicalStep(&steps[i])
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(c, signed[i].Canonical) {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Entry %d is not the step this node prepares from it now: prepare and sign it again.", steps[i].Index)
		}
		sigs[i] = signed[i].Signature
	}
	return s.appendLocked(ctx, t, st, steps, leaves, sigs)
}

// decodeSubmitted decodes leaves for Submit: each well formed, of trial id,
// signed by the account its step names, all by one signer.
func decodeSubmitted(id common.Hash, leaves [][]byte) ([]SignedStep, error) {
	out := make([]SignedStep, len(leaves))
	for i, leaf := range leaves {
		d, err := DecodeLeaf(leaf)
		if err != nil {
			return nil, marketplace.Wrap(marketplace.ErrorCode(err), err, "Signed step %d", i+1)
		}
		switch {
		case d.Step.Trial != id:
			return nil, marketplace.Errorf(marketplace.EINVALID, "Signed step %d is of trial %s, not %s.", i+1, d.Step.Trial.Hex(), id.Hex())
		case d.Signer != d.Step.Who:
			return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Signed step %d names %s as its signer but is signed by %s.", i+1, d.Step.Who.Hex(), d.Signer.Hex())
		case d.Signer != out[0].Signer && i > 0:
			return nil, marketplace.Errorf(marketplace.EINVALID, "Signed step %d is signed by %s, step 1 by %s: submit one signer's steps at a time.", i+1, d.Signer.Hex(), out[0].Signer.Hex())
		}
		out[i] = d
	}
	return out, nil
}

// checkPlace checks the submitted steps follow the log: the next indexes
// (ECONFLICT when the log moved on) and times not earlier than the last
// entry's, not older than MaxSubmitAge and not ahead of the node's clock.
func (s *Service) checkPlace(st *logState, signed []SignedStep) error {
	if first := signed[0].Step.Index; first != st.size {
		return marketplace.Errorf(marketplace.ECONFLICT, "The log holds %d entries now; the steps were prepared as entry %d on: prepare and sign them again.", st.size, first)
	}
	now := s.now().UTC()
	last := st.last
	for i := range signed {
		step := &signed[i].Step
		switch {
		case step.Index != st.size+uint64(i):
			return marketplace.Errorf(marketplace.EINVALID, "Signed step %d is entry %d; entry %d was expected.", i+1, step.Index, st.size+uint64(i))
		case step.When.Before(last):
			return marketplace.Errorf(marketplace.EINVALID, "Entry %d is dated %s, before the entry before it (%s).", step.Index, step.When.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano))
		case step.When.Before(now.Add(-MaxSubmitAge)):
			return marketplace.Errorf(marketplace.ECONFLICT, "Entry %d was prepared at %s, more than %s ago: prepare and sign it again.", step.Index, step.When.Format(time.RFC3339), MaxSubmitAge)
		case step.When.After(now) && step.When.After(st.last):
			return marketplace.Errorf(marketplace.EINVALID, "Entry %d is dated %s, ahead of this node's clock.", step.Index, step.When.Format(time.RFC3339Nano))
		}
		last = step.When
	}
	return nil
}

// inputOf is the input PrepareFor builds step from: its fields as they
// are, the subject by pseudonym and the protocol by number. It has no Ref:
// the source's ref is in the step already, or was empty.
func inputOf(step *marketplace.Step) StepInput {
	in := StepInput{Type: string(step.Type), Subject: step.Subject,
		Protocol: strconv.Itoa(step.Protocol), Data: step.Data, Documents: step.Documents, Meaning: string(step.Meaning),
		Corrects: step.Corrects, Reason: step.Reason, Site: step.Site, Concerns: step.Concerns, Item: step.Item, Name: step.Name}
	if step.Source != nil {
		in.Source = *step.Source
	}
	return in
}

// SignSteps signs prepared steps (PrepareFor's, as the trial's node sent
// them) with signer and returns the leaves to Submit. Check them first
// (CheckPrepared): the signer vouches for what it signs.
func SignSteps(steps []marketplace.Step, signer Signer) ([][]byte, error) {
	leaves, _, err := signSteps(steps, signer)
	return leaves, err
}

// CheckPrepared checks, before a signer signs them, that the steps another
// node prepared are those of the inputs it asked for: one per input, of
// trial id, signed by who, with the input's type, meaning, data, reason,
// corrected and concerned entries and item. What only the trial's node
// knows (the subject's pseudonym, the site, the index) it cannot check.
func CheckPrepared(id common.Hash, who common.Address, inputs []StepInput, steps []marketplace.Step) error {
	if len(steps) != len(inputs) {
		return marketplace.Errorf(marketplace.EINVALID, "The trial's node prepared %d steps for %d inputs.", len(steps), len(inputs))
	}
	for i := range steps {
		if p := preparedMismatch(id, who, &inputs[i], &steps[i]); p != "" {
			return marketplace.Errorf(marketplace.EINVALID, "The trial's node prepared step %d with %s: not signed.", i+1, p)
		}
	}
	return nil
}

// preparedMismatch names what of step differs from in, "" when nothing.
func preparedMismatch(id common.Hash, who common.Address, in *StepInput, step *marketplace.Step) string {
	typ, _ := marketplace.ParseStepType(in.Type)
	meaning := marketplace.MeaningAuthored
	if in.Meaning != "" {
		meaning, _ = marketplace.ParseSignatureMeaning(in.Meaning)
	}
	var data []byte
	if len(in.Data) > 0 {
		data, _ = canonicalData(in.Data)
	}
	switch {
	case step.Trial != id:
		return "another trial " + step.Trial.Hex()
	case step.Who != who:
		return "another signer " + step.Who.Hex()
	case step.Type != typ:
		return "type " + string(step.Type) + ", not " + in.Type
	case step.Meaning != meaning:
		return "meaning " + string(step.Meaning)
	case !bytes.Equal(step.Data, data):
		return "other data"
	case step.Reason != strings.TrimSpace(in.Reason):
		return "another reason"
	case in.Corrects != nil && (step.Corrects == nil || *step.Corrects != *in.Corrects):
		return "another corrected entry"
	case !sameEntry(step.Concerns, in.Concerns):
		return "another concerned entry"
	case step.Item != strings.TrimSpace(in.Item):
		return "another item"
	}
	return ""
}

func sameEntry(a, b *uint64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

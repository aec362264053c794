package trials

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// build turns inputs into steps at indexes base, base+1...; who signs.
// It returns the problems of each input as InputErrors, and an error for
// failures that are no input's fault.
func (s *Service) build(ctx context.Context, t marketplace.Trial, st *logState, base uint64, who common.Address, inputs []StepInput, internal int) ([]marketplace.Step, InputErrors, error) {
	b := &stepBuilder{s: s, ctx: ctx, t: t, st: st, team: st.team, who: who, internal: internal, batchKeys: map[string]uint64{}}
	steps := make([]marketplace.Step, len(inputs))
	for i, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ref := in.Ref
		if ref == "" {
			ref = fmt.Sprintf("step %d", i+1)
			inputs[i].Ref = ref
		}
		step, err := b.step(i, in, ref, base+uint64(i))
		if err != nil {
			return nil, nil, err
		}
		steps[i] = step
	}
	return steps, b.errs, nil
}

// stepBuilder builds the steps of one batch (see build), collecting each
// input's problems under its ref.
type stepBuilder struct {
	s        *Service
	ctx      context.Context
	t        marketplace.Trial
	st       *logState
	team     *Team // the log replayed, with this batch's steps so far
	who      common.Address
	internal int // inputs from this index on are recorded by hand

	batchKeys map[string]uint64 // source key -> index, of this batch's steps so far
	errs      InputErrors
}

// badFunc records one problem of the input being built.
type badFunc func(format string, args ...any)

// step builds input i, which becomes entry idx; in.Ref may be empty (ref is
// what problems are named by).
func (b *stepBuilder) step(i int, in StepInput, ref string, idx uint64) (marketplace.Step, error) {
	bad := func(format string, args ...any) {
		b.errs = append(b.errs, InputError{ref, fmt.Sprintf(format, args...)})
	}
	step := marketplace.Step{Format: marketplace.StepFormat, Trial: b.t.ID, Index: idx, Who: b.who, When: b.s.now().UTC(), Reason: strings.TrimSpace(in.Reason)}
	step.Type = stepType(in.Type, i >= b.internal, bad)
	step.Subject = b.subject(step.Type, in.Subject, bad)
	step.Meaning = signatureMeaning(in.Meaning, bad)
	p := b.protocol(step.Type, in.Protocol, bad)
	step.Protocol, step.ProtocolSHA256 = p.Version, p.SHA256
	step.Data = stepData(in.Data, bad)
	step.Documents = in.Documents
	step.Source = stepSource(in, bad)
	step.Concerns, step.Item = in.Concerns, strings.TrimSpace(in.Item)
	corrects, err := b.corrects(in, bad)
	if err != nil {
		return marketplace.Step{}, err
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
		b.batchKeys[step.Source.Key] = idx
	}
	step.Site, step.Name = b.site(&step, in.Site), b.name(in.Name)
	// The step's own checks only when the input has no problem yet: they
	// would repeat it. The team's check needs a valid step.
	fine := len(b.errs) == 0 || b.errs[len(b.errs)-1].Ref != ref
	if fine {
		if err := step.Validate(); err != nil {
			bad("%s", strings.TrimPrefix(marketplace.ErrorMessage(err), fmt.Sprintf("Step %d: ", idx)))
			fine = false
		}
	}
	if fine {
		if err := b.team.Check(&step); err != nil {
			bad("refused: this entry %s", marketplace.ErrorMessage(err))
			fine = false
		}
	}
	// Later steps of the batch see this one (an answer after its query).
	b.team.Apply(&step, fine)
	return step, nil
}

// site is the site a step is recorded at: the one given, else its
// subject's, else that of the entry it concerns, else the signer's when it
// is authorized at one site only.
func (b *stepBuilder) site(step *marketplace.Step, given string) string {
	if given = strings.TrimSpace(given); given != "" {
		return given
	}
	if site, ok := b.team.sites[step.Subject]; ok && step.Subject != "" {
		return site
	}
	if step.Concerns != nil && *step.Concerns < b.team.Size() {
		return b.team.entries[*step.Concerns].site
	}
	site := ""
	for _, g := range b.team.grants[b.who] {
		if g.Role.Allows(step.Type, step.Meaning) {
			if g.Site == "" || (site != "" && site != g.Site) {
				return ""
			}
			site = g.Site
		}
	}
	return site
}

// name is the signer's printed name: the one the sponsor authorized a staff
// member under, or the sponsor's own as given.
func (b *stepBuilder) name(given string) string {
	if gs := b.team.grants[b.who]; len(gs) > 0 {
		return gs[0].Name
	}
	return strings.TrimSpace(given)
}

// stepType reads the input's type; protocol registrations and amendments
// are not recorded by hand.
func stepType(name string, byHand bool, bad badFunc) marketplace.StepType {
	typ, err := marketplace.ParseStepType(name)
	switch {
	case err != nil:
		bad("%s", marketplace.ErrorMessage(err))
	case !typ.Recordable() && byHand:
		bad("%s steps are recorded when the protocol is registered on chain (trial register / trial amend), not by hand", typ.Label())
	}
	return typ
}

// subject is the pseudonym of the input's subject, required by
// subject-level steps.
func (b *stepBuilder) subject(typ marketplace.StepType, subject string, bad badFunc) string {
	pseudonym, err := b.s.ps.pseudonym(b.t.ID, subject)
	if err != nil {
		bad("%s", marketplace.ErrorMessage(err))
	} else if pseudonym == "" && typ.SubjectLevel() {
		bad("%s steps need a subject", typ.Label())
	}
	return pseudonym
}

// signatureMeaning reads the input's meaning; authored when it has none.
func signatureMeaning(name string, bad badFunc) marketplace.SignatureMeaning {
	if name == "" {
		return marketplace.MeaningAuthored
	}
	m, err := marketplace.ParseSignatureMeaning(name)
	if err != nil {
		bad("%s", marketplace.ErrorMessage(err))
	}
	return m
}

// protocol resolves the protocol version the input names; a consent under
// none is refused as such.
func (b *stepBuilder) protocol(typ marketplace.StepType, ref string, bad badFunc) marketplace.ProtocolVersion {
	p, err := resolveProtocol(b.t, ref)
	if err != nil {
		if typ == marketplace.StepConsent || typ == marketplace.StepReconsent {
			bad("consent refused: %s", marketplace.ErrorMessage(err))
		} else {
			bad("%s", marketplace.ErrorMessage(err))
		}
	}
	return p
}

// stepData puts the input's data in canonical form, within the size limit
// and free of direct identifiers.
func stepData(raw []byte, bad badFunc) []byte {
	if len(raw) == 0 {
		return nil
	}
	data, err := canonicalData(raw)
	if err != nil {
		bad("%s", marketplace.ErrorMessage(err))
	} else if len(data) > marketplace.MaxStepDataLen {
		bad("data is %d bytes, at most %d allowed (refer to large documents by their SHA-256)", len(data), marketplace.MaxStepDataLen)
	} else if err := checkData(data); err != nil {
		bad("%s", marketplace.ErrorMessage(err))
	}
	return data
}

// stepSource is the input's source record (nil when it has none), its time
// in UTC; a user named by a direct identifier is refused.
func stepSource(in StepInput, bad badFunc) *marketplace.StepSource {
	src := in.Source
	if src.Ref == "" && src.Recorder != "" {
		src.Ref = in.Ref
	}
	if src == (marketplace.StepSource{}) {
		return nil
	}
	if src.At != nil {
		at := src.At.UTC()
		src.At = &at
	}
	if cat, ok := directIdentifier(src.Actor, false); ok {
		bad("the source's user %q looks like a direct identifier (%s); use user ids", src.Actor, cat)
	}
	return &src
}

// corrects is the index of the entry the input corrects: its Corrects, or
// the entry that recorded its CorrectsKey (required to exist) or UpdateOf
// (optional), in this batch or earlier in the log.
func (b *stepBuilder) corrects(in StepInput, bad badFunc) (*uint64, error) {
	corrects := in.Corrects
	for _, k := range []struct {
		key      string
		required bool
	}{{in.CorrectsKey, true}, {in.UpdateOf, false}} {
		if k.key == "" || corrects != nil {
			continue
		}
		if j, ok := b.batchKeys[k.key]; ok {
			corrects = &j
			continue
		}
		if err := b.s.loadKeys(b.ctx, b.t.ID, b.st); err != nil {
			return nil, err
		}
		if j, ok := b.st.keys[k.key]; ok {
			corrects = &j
		} else if k.required {
			bad("corrects record %s, which no earlier entry recorded", k.key)
		}
	}
	return corrects, nil
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
